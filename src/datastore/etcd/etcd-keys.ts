import type { ResourceKey } from '../datastore.js';

/**
 * etcd key layout, as Calico's libcalico-go etcdv3 backend writes v3 resources:
 *
 *   /calico/resources/v3/projectcalico.org/<plural>/<name>              cluster-scoped
 *   /calico/resources/v3/projectcalico.org/<plural>/<namespace>/<name>  namespaced
 *
 * `<plural>` is Calico's lower-case plural resource name for the kinds in
 * KIND_PLURALS; any other kind (e.g. Namespace, Pod, or a kind string
 * containing a group) uses the kind string itself, so it maps back exactly.
 * Path segments are escaped ('%' -> %25, '/' -> %2F) so a name holding a
 * slash (an IPAM block CIDR) cannot change the segment count.
 * Values are the JSON text of the stored object.
 */
export const ROOT = '/calico/resources/v3/projectcalico.org/';

const KIND_PLURALS: Readonly<Record<string, string>> = {
  BGPConfiguration: 'bgpconfigurations',
  BGPFilter: 'bgpfilters',
  BGPPeer: 'bgppeers',
  BlockAffinity: 'blockaffinities',
  CalicoNodeStatus: 'caliconodestatuses',
  ClusterInformation: 'clusterinformations',
  FelixConfiguration: 'felixconfigurations',
  GlobalNetworkPolicy: 'globalnetworkpolicies',
  GlobalNetworkSet: 'globalnetworksets',
  HostEndpoint: 'hostendpoints',
  IPAMBlock: 'ipamblocks',
  IPAMConfiguration: 'ipamconfigurations',
  IPAMHandle: 'ipamhandles',
  IPPool: 'ippools',
  IPReservation: 'ipreservations',
  KubeControllersConfiguration: 'kubecontrollersconfigurations',
  NetworkPolicy: 'networkpolicies',
  NetworkSet: 'networksets',
  Node: 'nodes',
  Profile: 'profiles',
  StagedGlobalNetworkPolicy: 'stagedglobalnetworkpolicies',
  StagedKubernetesNetworkPolicy: 'stagedkubernetesnetworkpolicies',
  StagedNetworkPolicy: 'stagednetworkpolicies',
  Tier: 'tiers',
  WorkloadEndpoint: 'workloadendpoints',
};

const PLURAL_KINDS: ReadonlyMap<string, string> = new Map(Object.entries(KIND_PLURALS).map(([k, p]) => [p, k]));

function escapeSegment(s: string): string {
  return s.replace(/%/g, '%25').replace(/\//g, '%2F');
}

function unescapeSegment(s: string): string {
  return s.replace(/%2F/gi, '/').replace(/%25/g, '%');
}

/** Key prefix of every object of `kind` (ends with '/'). */
export function kindPrefix(kind: string): string {
  return `${ROOT}${escapeSegment(KIND_PLURALS[kind] ?? kind)}/`;
}

/** Key prefix of the objects of `kind` in `namespace` (ends with '/'). */
export function namespacePrefix(kind: string, namespace: string): string {
  return `${kindPrefix(kind)}${escapeSegment(namespace)}/`;
}

export function etcdKey(key: ResourceKey): string {
  return key.namespace
    ? `${namespacePrefix(key.kind, key.namespace)}${escapeSegment(key.name)}`
    : `${kindPrefix(key.kind)}${escapeSegment(key.name)}`;
}

/** Encodes a name prefix for a prefix range under a namespace prefix. */
export function namePrefixSegment(prefix: string): string {
  return escapeSegment(prefix);
}

/** Inverse of etcdKey; null for keys outside the layout. */
export function parseEtcdKey(raw: string): ResourceKey | null {
  if (!raw.startsWith(ROOT)) return null;
  const parts = raw.slice(ROOT.length).split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) return null;
  const seg = unescapeSegment(parts[0]!);
  const kind = PLURAL_KINDS.get(seg) ?? seg;
  return parts.length === 2
    ? { kind, name: unescapeSegment(parts[1]!) }
    : { kind, namespace: unescapeSegment(parts[1]!), name: unescapeSegment(parts[2]!) };
}

/** The etcd range end that covers every key starting with `prefix`. */
export function prefixEnd(prefix: string): Buffer {
  const b = Buffer.from(prefix);
  for (let i = b.length - 1; i >= 0; i--) {
    if (b[i]! < 0xff) {
      const end = Buffer.from(b.subarray(0, i + 1));
      end[i] = b[i]! + 1;
      return end;
    }
  }
  return Buffer.from([0]);
}
