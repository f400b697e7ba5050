/**
 * The WorkloadEndpoint the CNI plugin writes, and the Pod facts it is built
 * from (libcalico-go conversion.podToDefaultWorkloadEndpoint for labels,
 * profiles and named ports; clientv3's automatic labels).
 */
import type { Datastore, KVEntry, ResourceKey } from '../datastore/datastore.js';
import { CalicoError, isCalicoError, ValidationError, type ValidationIssue } from '../lib/errors.js';

export const KIND_WORKLOAD_ENDPOINT = 'WorkloadEndpoint';
export const KIND_POD = 'Pod';
export const KIND_NAMESPACE = 'Namespace';
export const LABEL_NAMESPACE = 'projectcalico.org/namespace';
export const LABEL_ORCHESTRATOR = 'projectcalico.org/orchestrator';
export const LABEL_SERVICE_ACCOUNT = 'projectcalico.org/serviceaccount';
export const NAMESPACE_PROFILE_PREFIX = 'kns.';
export const SERVICE_ACCOUNT_PROFILE_PREFIX = 'ksa.';

export interface WorkloadEndpointPort {
  name: string;
  protocol: string;
  port: number;
  hostPort?: number;
  hostIP?: string;
}

export interface WorkloadEndpointSpec {
  orchestrator: string;
  workload?: string;
  node: string;
  containerID?: string;
  pod?: string;
  endpoint: string;
  serviceAccountName?: string;
  ipNetworks: string[];
  profiles: string[];
  interfaceName: string;
  mac: string;
  ports?: WorkloadEndpointPort[];
  ipNATs?: { internalIP: string; externalIP: string }[];
  allowSpoofedSourcePrefixes?: string[];
}

export interface WorkloadEndpoint {
  apiVersion: 'projectcalico.org/v3';
  kind: 'WorkloadEndpoint';
  metadata: { name: string; namespace: string; labels: Record<string, string>; generateName?: string; uid?: string; creationTimestamp?: string };
  spec: WorkloadEndpointSpec;
}

/** What the plugin takes from a v1 Pod. */
export interface PodInfo {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  ports: WorkloadEndpointPort[];
  profiles: string[];
  serviceAccountName: string;
  generateName: string | undefined;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const strMap = (v: unknown): Record<string, string> =>
  isObj(v) ? Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string')) : {};

/** Named (or host-) ports of containers and init containers, as appendEndpointPorts. */
function podPorts(spec: Obj): WorkloadEndpointPort[] {
  const out: WorkloadEndpointPort[] = [];
  for (const list of [spec['containers'], spec['initContainers']]) {
    if (!Array.isArray(list)) continue;
    for (const c of list) {
      if (!isObj(c) || !Array.isArray(c['ports'])) continue;
      for (const p of c['ports']) {
        if (!isObj(p)) continue;
        const port = typeof p['containerPort'] === 'number' ? p['containerPort'] : 0;
        const hostPort = typeof p['hostPort'] === 'number' ? p['hostPort'] : 0;
        const name = typeof p['name'] === 'string' ? p['name'] : '';
        if (port === 0 || (hostPort === 0 && name === '')) continue;
        const proto = typeof p['protocol'] === 'string' ? p['protocol'] : '';
        const protocol = proto === '' || proto === 'TCP' ? 'TCP' : proto === 'UDP' ? 'UDP' : proto === 'SCTP' ? 'SCTP' : null;
        if (!protocol) continue; // unknown protocols are skipped, as upstream
        const wp: WorkloadEndpointPort = { name, protocol, port };
        if (hostPort) wp.hostPort = hostPort;
        if (typeof p['hostIP'] === 'string' && p['hostIP']) wp.hostIP = p['hostIP'];
        out.push(wp);
      }
    }
  }
  return out;
}

/**
 * podInfo extracts labels (pod labels plus Calico's namespace, orchestrator
 * and service-account labels), profiles (`kns.<ns>`, `ksa.<ns>.<sa>`), named
 * ports and annotations. `pod` null (no Pod stored) gives the labels and
 * profiles a pod with no labels and no service account would have; a stored
 * Pod without serviceAccountName has `default`, as the API server sets it.
 */
export function podInfo(namespace: string, pod: unknown): PodInfo {
  const meta = isObj(pod) && isObj(pod['metadata']) ? pod['metadata'] : {};
  const spec = isObj(pod) && isObj(pod['spec']) ? pod['spec'] : {};
  // The Kubernetes API server defaults a stored Pod's service account to `default`.
  const sa = typeof spec['serviceAccountName'] === 'string' && spec['serviceAccountName'] !== ''
    ? spec['serviceAccountName'] : pod === null || pod === undefined ? '' : 'default';
  const labels: Record<string, string> = { ...strMap(meta['labels']), [LABEL_NAMESPACE]: namespace, [LABEL_ORCHESTRATOR]: 'k8s' };
  if (sa !== '' && sa.length < 63) labels[LABEL_SERVICE_ACCOUNT] = sa;
  const profiles = [NAMESPACE_PROFILE_PREFIX + namespace];
  if (sa !== '') profiles.push(`${SERVICE_ACCOUNT_PROFILE_PREFIX}${namespace}.${sa}`);
  return {
    labels,
    annotations: strMap(meta['annotations']),
    ports: podPorts(spec),
    profiles,
    serviceAccountName: sa,
    generateName: typeof meta['generateName'] === 'string' && meta['generateName'] ? meta['generateName'] : undefined,
  };
}

export function wepKey(namespace: string, name: string): ResourceKey {
  return { kind: KIND_WORKLOAD_ENDPOINT, namespace, name };
}

/** Labels clientv3 always stamps on a WorkloadEndpoint it stores. */
export function withAutomaticLabels(wep: WorkloadEndpoint): WorkloadEndpoint {
  const labels: Record<string, string> = { ...wep.metadata.labels, [LABEL_NAMESPACE]: wep.metadata.namespace, [LABEL_ORCHESTRATOR]: wep.spec.orchestrator };
  const sa = wep.spec.serviceAccountName;
  if (sa && sa.length < 63) labels[LABEL_SERVICE_ACCOUNT] = sa;
  return { ...wep, metadata: { ...wep.metadata, labels } };
}

/**
 * Checks the parts of an endpoint that come from outside (the Pod's label
 * keys and values) with Kubernetes' label rules, naming the field. The rest
 * is built here from validated inputs. The full `validateResource` of src/api
 * is not loaded on this path: importing the whole kind registry costs ~100 ms
 * per pod, half of an ADD; calico-plugin.test.ts runs it over what the plugin
 * writes instead.
 */
async function validated(wep: WorkloadEndpoint): Promise<WorkloadEndpoint> {
  const { validateLabelKey, validateLabelValue } = await import('../selector/label-key.js');
  const issues: ValidationIssue[] = [];
  for (const [k, v] of Object.entries(wep.metadata.labels)) {
    const badKey = validateLabelKey(k);
    if (badKey) issues.push({ path: `metadata.labels[${k}]`, value: k, reason: badKey });
    const badValue = validateLabelValue(v);
    if (badValue) issues.push({ path: `metadata.labels[${k}]`, value: v, reason: badValue });
  }
  if (issues.length) throw new ValidationError(issues, `WorkloadEndpoint ${wep.metadata.namespace}/${wep.metadata.name}`);
  return wep;
}

/**
 * Creates or updates (compare-and-swap, retried on conflict) the endpoint.
 * The stored object keeps the existing uid and creationTimestamp.
 */
export async function writeWorkloadEndpoint(ds: Datastore, wep: WorkloadEndpoint, attempts = 5): Promise<KVEntry<WorkloadEndpoint>> {
  const value = await validated(withAutomaticLabels(wep));
  const key = wepKey(value.metadata.namespace, value.metadata.name);
  for (let i = 0; ; i++) {
    const cur = await ds.get<WorkloadEndpoint>(key);
    try {
      if (!cur) {
        const created = { ...value, metadata: { ...value.metadata, creationTimestamp: value.metadata.creationTimestamp ?? new Date().toISOString() } };
        return await ds.create(key, created);
      }
      const merged = { ...value, metadata: { ...value.metadata, uid: cur.value.metadata.uid, creationTimestamp: cur.value.metadata.creationTimestamp } };
      if (merged.metadata.uid === undefined) delete merged.metadata.uid;
      if (merged.metadata.creationTimestamp === undefined) delete merged.metadata.creationTimestamp;
      return await ds.update(key, merged, cur.revision);
    } catch (e) {
      const retryable = isCalicoError(e, 'CALICO_ERR_CONFLICT') || isCalicoError(e, 'CALICO_ERR_ALREADY_EXISTS') || isCalicoError(e, 'CALICO_ERR_NOT_FOUND');
      if (!retryable || i + 1 >= attempts) throw e;
    }
  }
}

/**
 * Deletes the endpoint if it is still the one `expect` says (CAS on the
 * revision read); absent is success. `keep(wep)` true leaves it in place
 * (a DEL for an old sandbox of a live pod). Returns the deleted endpoint.
 */
export async function deleteWorkloadEndpoint(
  ds: Datastore, namespace: string, name: string, keep: (wep: WorkloadEndpoint) => boolean = () => false, attempts = 6,
): Promise<WorkloadEndpoint | null> {
  const key = wepKey(namespace, name);
  for (let i = 0; ; i++) {
    const cur = await ds.get<WorkloadEndpoint>(key);
    if (!cur || keep(cur.value)) return null;
    try {
      await ds.delete(key, cur.revision);
      return cur.value;
    } catch (e) {
      if (isCalicoError(e, 'CALICO_ERR_NOT_FOUND')) return null;
      if (!isCalicoError(e, 'CALICO_ERR_CONFLICT') || i + 1 >= attempts) {
        throw isCalicoError(e, 'CALICO_ERR_CONFLICT')
          ? new CalicoError('CALICO_ERR_CONFLICT', `endpoint ${namespace}/${name} was modified before it could be deleted`, { cause: e })
          : e;
      }
    }
  }
}
