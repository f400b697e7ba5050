/**
 * CalcUpdate: the typed input of the calculation graph, as the syncer produces
 * it from the datastore. `value === null` means the resource does not exist
 * (deleted, or invalid and filtered out); existence is never inferred from
 * anything else. Values are projectcalico.org/v3 resources, validated and
 * defaulted. Conversions happen upstream of the graph:
 * - Kubernetes NetworkPolicy -> `NetworkPolicy` named `knp.default.<name>`;
 * - `StagedKubernetesNetworkPolicy` may arrive raw (k8s shapes: the graph
 *   converts it like a Kubernetes NetworkPolicy) or converted (Calico
 *   NetworkPolicy spec plus `stagedAction`);
 * - Namespace -> Profile `kns.<ns>` (labelsToApply `pcns.*`);
 *   ServiceAccount -> Profile `ksa.<ns>.<sa>` (labelsToApply `pcsa.*`).
 */
import type { ResourceKey } from '../datastore/datastore.js';
import type { ObjectMeta } from '../api/types.js';
import type {
  GlobalNetworkPolicySpec,
  GlobalNetworkSetSpec,
  HostEndpointSpec,
  NetworkPolicySpec,
  NetworkSetSpec,
  ProfileSpec,
  StagedAction,
  StagedGlobalNetworkPolicySpec,
  StagedKubernetesNetworkPolicySpec,
  StagedNetworkPolicySpec,
  TierSpec,
  WorkloadEndpointSpec,
} from '../api/kinds/policy/types.js';

/** A v3 resource as the graph reads it: only metadata and spec matter. */
export interface V3<Spec> {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: ObjectMeta;
  readonly spec?: Spec;
}

/** A converted staged Kubernetes NetworkPolicy: Calico NetworkPolicy fields plus stagedAction. */
export interface ConvertedStagedK8sPolicySpec extends NetworkPolicySpec {
  readonly stagedAction?: StagedAction;
}

/** A FelixConfiguration spec: the graph interprets only the policy-related fields. */
export type FelixConfigurationSpec = Readonly<Record<string, unknown>>;

interface U<K extends string, Spec> {
  readonly kind: K;
  readonly key: ResourceKey;
  readonly value: V3<Spec> | null;
}

export type CalcUpdate =
  | U<'WorkloadEndpoint', WorkloadEndpointSpec>
  | U<'HostEndpoint', HostEndpointSpec>
  | U<'NetworkPolicy', NetworkPolicySpec>
  | U<'GlobalNetworkPolicy', GlobalNetworkPolicySpec>
  | U<'StagedNetworkPolicy', StagedNetworkPolicySpec>
  | U<'StagedGlobalNetworkPolicy', StagedGlobalNetworkPolicySpec>
  | U<'StagedKubernetesNetworkPolicy', ConvertedStagedK8sPolicySpec | StagedKubernetesNetworkPolicySpec>
  | U<'Tier', TierSpec>
  | U<'Profile', ProfileSpec>
  | U<'NetworkSet', NetworkSetSpec>
  | U<'GlobalNetworkSet', GlobalNetworkSetSpec>
  | U<'FelixConfiguration', FelixConfigurationSpec>
  | { readonly kind: 'InSync' };

export type CalcUpdateKind = CalcUpdate['kind'];

/** Kinds the graph consumes (everything else the syncer may send is ignored). */
export const CALC_KINDS: readonly Exclude<CalcUpdateKind, 'InSync'>[] = [
  'WorkloadEndpoint',
  'HostEndpoint',
  'NetworkPolicy',
  'GlobalNetworkPolicy',
  'StagedNetworkPolicy',
  'StagedGlobalNetworkPolicy',
  'StagedKubernetesNetworkPolicy',
  'Tier',
  'Profile',
  'NetworkSet',
  'GlobalNetworkSet',
  'FelixConfiguration',
];
