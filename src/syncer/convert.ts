/**
 * Conversion of stored datastore entries into syncer updates, as Calico's
 * KDD syncer and Felix's validation filter do it:
 *
 *   KubernetesNetworkPolicy ns/n        -> NetworkPolicy ns/knp.default.n
 *   StagedKubernetesNetworkPolicy ns/n  -> StagedKubernetesNetworkPolicy ns/knp.default.n
 *                                          (Calico spec + stagedAction)
 *   Namespace n                         -> Profile kns.n
 *   ServiceAccount ns/n                 -> Profile ksa.ns.n
 *   Profile kns.* / ksa.*               -> nothing (synthesized above; a stored
 *                                          copy written by the controllers must not double it)
 *   the other v3 kinds                  -> themselves, validated and defaulted
 *
 * Every output key is a function of the source key alone, so a delete (which
 * carries no value) maps to the same output key as the put it undoes.
 */
import { validateResource } from '../api/index.js';
import { convertK8sNetworkPolicy, namespaceToProfile, serviceAccountToProfile, serviceAccountProfileName } from '../api/k8s/index.js';
import type { Resource } from '../api/types.js';
import type { ResourceKey } from '../datastore/datastore.js';
import type { SyncerUpdate } from './syncer-update.js';

/** An output identity: update kind + key. */
export interface OutputKey {
  readonly kind: SyncerUpdate['kind'];
  readonly key: ResourceKey;
}

/** Stored kinds passed through under their own name. */
const PASS_THROUGH: readonly string[] = [
  'WorkloadEndpoint', 'HostEndpoint', 'NetworkPolicy', 'GlobalNetworkPolicy', 'StagedNetworkPolicy',
  'StagedGlobalNetworkPolicy', 'Tier', 'Profile', 'NetworkSet', 'GlobalNetworkSet', 'FelixConfiguration',
  'Node', 'IPPool',
];
/** Stored kinds forwarded without API validation (internal IPAM records). */
const RAW: readonly string[] = ['IPAMBlock', 'BlockAffinity'];
const CONVERTED: readonly string[] = ['KubernetesNetworkPolicy', 'StagedKubernetesNetworkPolicy', 'Namespace', 'ServiceAccount'];

/** Every storage kind the syncer lists and watches. */
export const SOURCE_KINDS: readonly string[] = [...PASS_THROUGH, ...RAW, ...CONVERTED];

const SOURCE_KIND_SET: ReadonlySet<string> = new Set(SOURCE_KINDS);

export function isSourceKind(kind: string): boolean {
  return SOURCE_KIND_SET.has(kind);
}

const KNP = 'knp.default.';

function ns(key: ResourceKey): string {
  return key.namespace || 'default';
}

/** The output a source key feeds, or null when the source is ignored. */
export function outputKeyFor(source: ResourceKey): OutputKey | null {
  switch (source.kind) {
    case 'KubernetesNetworkPolicy':
      return { kind: 'NetworkPolicy', key: { kind: 'NetworkPolicy', namespace: ns(source), name: KNP + source.name } };
    case 'StagedKubernetesNetworkPolicy':
      return { kind: 'StagedKubernetesNetworkPolicy', key: { kind: 'StagedKubernetesNetworkPolicy', namespace: ns(source), name: KNP + source.name } };
    case 'Namespace':
      return { kind: 'Profile', key: { kind: 'Profile', name: `kns.${source.name}` } };
    case 'ServiceAccount':
      return { kind: 'Profile', key: { kind: 'Profile', name: serviceAccountProfileName(source.name, ns(source)) } };
    case 'Profile':
      return source.name.startsWith('kns.') || source.name.startsWith('ksa.') ? null : { kind: 'Profile', key: source };
    default:
      if (PASS_THROUGH.includes(source.kind) || RAW.includes(source.kind)) {
        return { kind: source.kind as SyncerUpdate['kind'], key: source };
      }
      return null;
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The delete (value null) for `out`, optionally marked invalid. */
export function absent(out: OutputKey, invalid?: string): SyncerUpdate {
  return (invalid === undefined ? { kind: out.kind, key: out.key, value: null } : { kind: out.kind, key: out.key, value: null, invalid }) as SyncerUpdate;
}

/** Validates a stored v3 object, keeping the stored identity (name/namespace) authoritative. */
function validated(value: unknown): Resource {
  return validateResource(value);
}

/**
 * The update for a stored value, or null when the source kind is ignored.
 * An invalid value becomes `value: null` with `invalid` set (Felix's
 * validation filter): downstream treats it as absent.
 */
export function convertEntry(source: ResourceKey, value: unknown): SyncerUpdate | null {
  const out = outputKeyFor(source);
  if (out === null) return null;
  try {
    return { kind: out.kind, key: out.key, value: convertValue(source, out, value) } as SyncerUpdate;
  } catch (e) {
    return absent(out, errorText(e));
  }
}

function convertValue(source: ResourceKey, out: OutputKey, value: unknown): object {
  if (RAW.includes(source.kind)) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${source.kind} ${source.name}: not an object`);
    return value as Readonly<Record<string, unknown>>;
  }
  switch (source.kind) {
    case 'KubernetesNetworkPolicy': {
      const np = validated(value);
      const { policy } = convertK8sNetworkPolicy(np);
      // Rules that failed to convert are dropped, as upstream: fewer allow rules, never more.
      return { ...policy, apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { ...policy.metadata, name: out.key.name, namespace: ns(source) } };
    }
    case 'StagedKubernetesNetworkPolicy': {
      const staged = validated(value);
      const spec = (staged.spec ?? {}) as Record<string, unknown>;
      const { stagedAction, ...k8sSpec } = spec;
      const { policy } = convertK8sNetworkPolicy({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: staged.metadata, spec: k8sSpec });
      const convSpec = { ...(policy.spec as object), ...(typeof stagedAction === 'string' ? { stagedAction } : {}) };
      return { apiVersion: 'projectcalico.org/v3', kind: 'StagedKubernetesNetworkPolicy', metadata: { ...policy.metadata, name: out.key.name, namespace: ns(source) }, spec: convSpec };
    }
    case 'Namespace':
      return namespaceToProfile(validated(value));
    case 'ServiceAccount':
      return serviceAccountToProfile(validated(value));
    default: {
      const r = validated(value);
      r.metadata.name = source.name;
      if (source.namespace) r.metadata.namespace = source.namespace;
      return r;
    }
  }
}
