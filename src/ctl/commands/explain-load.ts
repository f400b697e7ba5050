/**
 * Loads every policy input of `calicoctl explain` from the datastore and turns
 * it into calc-graph updates, converting stored Kubernetes objects the way
 * Calico does: KubernetesNetworkPolicy -> NetworkPolicy `knp.default.<name>`,
 * StagedKubernetesNetworkPolicy -> its staged equivalent, Namespace ->
 * Profile `kns.<ns>`, ServiceAccount -> Profile `ksa.<ns>.<sa>`.
 */
import { convertK8sNetworkPolicy, namespaceToProfile, serviceAccountToProfile } from '../../api/k8s/index.js';
import type { Rule } from '../../api/kinds/policy/types.js';
import type { Resource } from '../../api/types.js';
import { CALC_KINDS, type CalcUpdate, type CalcUpdateKind } from '../../calc/updates.js';
import type { Datastore } from '../../datastore/datastore.js';
import { policyKey, type PolicyKind } from '../../dataplane/model/index.js';

export interface LoadedInputs {
  readonly updates: CalcUpdate[];
  /** v3 rules by policy/profile key (`policyKey()` or `profile/<name>`), for showing the deciding rule. */
  readonly rules: Map<string, { ingress: readonly Rule[]; egress: readonly Rule[] }>;
  /** Problems met while loading (e.g. k8s rules Calico would drop). */
  readonly warnings: string[];
}

const NAMESPACED = new Set<string>(['WorkloadEndpoint', 'NetworkPolicy', 'StagedNetworkPolicy', 'StagedKubernetesNetworkPolicy', 'NetworkSet']);
const POLICY_KINDS = new Set<string>(['NetworkPolicy', 'GlobalNetworkPolicy', 'StagedNetworkPolicy', 'StagedGlobalNetworkPolicy', 'StagedKubernetesNetworkPolicy']);

interface PodShape {
  spec?: { serviceAccountName?: string; nodeName?: string; containers?: { ports?: { name?: string; containerPort?: number; protocol?: string }[] }[] };
  status?: { podIP?: string; podIPs?: { ip?: string }[] };
}

/** The WorkloadEndpoint Calico's Kubernetes datastore derives from a Pod (KDD conversion), or null without an address. */
export function podToEndpoint(pod: Resource): Resource | null {
  const p = pod as unknown as PodShape & Resource;
  const ns = pod.metadata.namespace ?? 'default';
  const ips = [...new Set([p.status?.podIP, ...(p.status?.podIPs ?? []).map((x) => x.ip)].filter((x): x is string => typeof x === 'string' && x !== ''))];
  if (ips.length === 0) return null;
  const sa = p.spec?.serviceAccountName || 'default';
  const ports = (p.spec?.containers ?? []).flatMap((c) => c.ports ?? [])
    .filter((x) => x.name && typeof x.containerPort === 'number')
    .map((x) => ({ name: x.name!, protocol: (x.protocol ?? 'TCP').toUpperCase(), port: x.containerPort! }));
  return {
    apiVersion: 'projectcalico.org/v3',
    kind: 'WorkloadEndpoint',
    metadata: {
      name: pod.metadata.name,
      namespace: ns,
      labels: { ...(pod.metadata.labels ?? {}), 'projectcalico.org/namespace': ns, 'projectcalico.org/orchestrator': 'k8s', 'projectcalico.org/serviceaccount': sa },
    },
    spec: {
      orchestrator: 'k8s',
      node: p.spec?.nodeName ?? '',
      pod: pod.metadata.name,
      endpoint: 'eth0',
      serviceAccountName: sa,
      ipNetworks: ips.map((ip) => (ip.includes(':') ? `${ip}/128` : `${ip}/32`)),
      profiles: [`kns.${ns}`, `ksa.${ns}.${sa}`],
      ports,
    },
  };
}

function asResource(v: unknown): Resource | null {
  if (!v || typeof v !== 'object') return null;
  const r = v as Resource;
  return r.metadata && typeof r.metadata.name === 'string' ? r : null;
}

export async function loadExplainInputs(ds: Datastore): Promise<LoadedInputs> {
  const updates: CalcUpdate[] = [];
  const rules: LoadedInputs['rules'] = new Map();
  const warnings: string[] = [];
  const push = (kind: Exclude<CalcUpdateKind, 'InSync'>, r: Resource): void => {
    const namespaced = NAMESPACED.has(kind);
    const key = namespaced ? { kind, namespace: r.metadata.namespace ?? 'default', name: r.metadata.name } : { kind, name: r.metadata.name };
    updates.push({ kind, key, value: r } as unknown as CalcUpdate);
    const spec = (r.spec ?? {}) as { ingress?: Rule[]; egress?: Rule[] };
    if (POLICY_KINDS.has(kind)) {
      const id = namespaced ? { kind: kind as PolicyKind, namespace: r.metadata.namespace ?? 'default', name: r.metadata.name } : { kind: kind as PolicyKind, name: r.metadata.name };
      rules.set(policyKey(id), { ingress: spec.ingress ?? [], egress: spec.egress ?? [] });
    } else if (kind === 'Profile') {
      rules.set(`profile/${r.metadata.name}`, { ingress: spec.ingress ?? [], egress: spec.egress ?? [] });
    }
  };
  const list = async (kind: string): Promise<Resource[]> =>
    (await ds.list({ kind })).items.map((e) => asResource(e.value)).filter((r): r is Resource => r !== null);

  for (const kind of CALC_KINDS) {
    for (const r of await list(kind)) {
      if (kind === 'StagedKubernetesNetworkPolicy') {
        const spec = (r.spec ?? {}) as Record<string, unknown>;
        const { stagedAction, ...k8sSpec } = spec;
        const converted = convertK8sNetworkPolicy({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: r.metadata, spec: k8sSpec });
        for (const e of converted.errors) warnings.push(`StagedKubernetesNetworkPolicy ${r.metadata.namespace}/${r.metadata.name} ${e.direction}[${e.index}] dropped: ${e.reason}`);
        const c = converted.policy as unknown as Resource;
        push(kind, { ...c, kind, spec: { ...(c.spec ?? {}), ...(stagedAction !== undefined ? { stagedAction } : {}) } });
        continue;
      }
      push(kind, r);
    }
  }
  // Pods that no WorkloadEndpoint stands for (stored by an orchestrator but not (yet) networked by
  // the CNI plugin, or resources written by hand) are added as the endpoint Calico's Kubernetes
  // datastore would derive from them, when they have an address.
  const wepPods = new Set(updates.filter((u) => u.kind === 'WorkloadEndpoint' && u.value !== null)
    .map((u) => (u.kind === 'WorkloadEndpoint' && u.value ? `${u.key.namespace}/${u.value.spec?.pod || u.value.spec?.workload || ''}` : '')));
  for (const r of await list('Pod')) {
    const wep = podToEndpoint(r);
    if (wep && !wepPods.has(`${wep.metadata.namespace}/${r.metadata.name}`)) push('WorkloadEndpoint', wep);
  }
  for (const r of await list('KubernetesNetworkPolicy')) {
    const converted = convertK8sNetworkPolicy(r);
    for (const e of converted.errors) warnings.push(`NetworkPolicy ${r.metadata.namespace}/${r.metadata.name} ${e.direction}[${e.index}] dropped: ${e.reason}`);
    push('NetworkPolicy', converted.policy as unknown as Resource);
  }
  // Namespaces and service accounts become profiles unless a Profile of that name is stored.
  const stored = new Set(updates.filter((u) => u.kind === 'Profile').map((u) => (u.kind === 'Profile' ? u.key.name : '')));
  for (const r of await list('Namespace')) {
    const p = namespaceToProfile(r) as unknown as Resource;
    if (!stored.has(p.metadata.name)) push('Profile', p);
  }
  for (const r of await list('ServiceAccount')) {
    const p = serviceAccountToProfile(r) as unknown as Resource;
    if (!stored.has(p.metadata.name)) push('Profile', p);
  }
  updates.push({ kind: 'InSync' });
  return { updates, rules, warnings };
}
