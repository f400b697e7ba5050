/**
 * Identities of the objects in the dataplane model. Every message names its
 * object by one of these; `*Key()` gives the canonical string used as a map key
 * in DesiredState and by dataplanes (chain names are derived from it).
 */

/** Kinds whose policies reach the dataplane; the `Staged*` kinds are never enforced. */
export type PolicyKind =
  | 'NetworkPolicy'
  | 'GlobalNetworkPolicy'
  | 'StagedNetworkPolicy'
  | 'StagedGlobalNetworkPolicy'
  | 'StagedKubernetesNetworkPolicy';

/**
 * PolicyId names a policy as Felix's proto.PolicyID does (kind, namespace, name).
 * The tier is an attribute of the policy, not part of its identity.
 * Kubernetes NetworkPolicies arrive as kind `NetworkPolicy` named `knp.default.<name>`.
 */
export interface PolicyId {
  readonly kind: PolicyKind;
  /** Absent for the global kinds. */
  readonly namespace?: string;
  readonly name: string;
}

export function policyKey(id: PolicyId): string {
  return `${id.kind}/${id.namespace ?? ''}/${id.name}`;
}

export function isStagedKind(kind: PolicyKind): boolean {
  return kind.startsWith('Staged');
}

/** A profile: `kns.<namespace>`, `ksa.<namespace>.<serviceaccount>` or a user Profile. */
export interface ProfileId {
  readonly name: string;
}

export function profileKey(id: ProfileId): string {
  return id.name;
}

/** A workload endpoint by its projectcalico.org/v3 identity. */
export interface WorkloadEndpointId {
  readonly namespace: string;
  readonly name: string;
}

export function workloadEndpointKey(id: WorkloadEndpointId): string {
  return `${id.namespace}/${id.name}`;
}

/** A host endpoint by its (cluster-scoped) HostEndpoint name. */
export interface HostEndpointId {
  readonly name: string;
}

export function hostEndpointKey(id: HostEndpointId): string {
  return id.name;
}

/**
 * IpSetId: opaque and stable, Calico's UniqueID form: `s:` (selector set) or `n:`
 * (named-port set) + base64url(SHA-224), 40 characters of [A-Za-z0-9:_-]. Kernel set
 * names are derived from it by each dataplane (e.g. `cali40` + a prefix of the hash).
 * Minted by the calc graph only.
 */
export type IpSetId = string;
