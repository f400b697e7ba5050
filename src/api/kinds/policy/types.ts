/**
 * Spec types of the policy-related projectcalico.org/v3 kinds, field for
 * field as Calico's Go types (api/pkg/apis/projectcalico/v3/policy_common.go,
 * networkpolicy.go, globalnetworkpolicy.go, staged*.go, tier.go, networkset.go,
 * globalnetworkset.go, hostendpoint.go, profile.go and
 * libcalico-go/lib/apis/v3/workloadendpoint.go, as of v3.31).
 *
 * Optional (`omitempty`) Go fields are optional here; a value that Go holds as
 * a pointer is optional too. JSON names are Calico's exactly. These types
 * describe a resource that has passed validation: the validators in this
 * folder check raw `unknown` input, so nothing here is trusted before that.
 */
import type { Resource } from '../../types.js';

/** Rule action (policy_common.go `Action`). */
export type Action = 'Allow' | 'Deny' | 'Log' | 'Pass';
export const ACTIONS: readonly Action[] = ['Allow', 'Deny', 'Log', 'Pass'];

/** Staged policy action (policy_common.go `StagedAction`); the default is `Set`. */
export type StagedAction = 'Set' | 'Delete' | 'Learn' | 'Ignore';
export const STAGED_ACTIONS: readonly StagedAction[] = ['Set', 'Delete', 'Learn', 'Ignore'];

/** Policy direction (policy_common.go `PolicyType`). */
export type PolicyType = 'Ingress' | 'Egress';
export const POLICY_TYPES: readonly PolicyType[] = ['Ingress', 'Egress'];

/** networkpolicy.go `PolicyPerformanceHint`. */
export type PolicyPerformanceHint = 'AssumeNeededOnEveryNode';
export const PERFORMANCE_HINTS: readonly PolicyPerformanceHint[] = ['AssumeNeededOnEveryNode'];

/**
 * numorstring.Protocol: a protocol name (`TCP`, `UDP`, `ICMP`, `ICMPv6`,
 * `SCTP`, `UDPLite`, also lower-case v1 spellings) or a number 1-255.
 */
export type Protocol = number | string;

/**
 * numorstring.Port: a number (`80`), a range string (`"6040:6050"`,
 * inclusive) or a named port (`"http"`), resolved per endpoint.
 */
export type Port = number | string;

/** ICMP type/code match (policy_common.go `ICMPFields`): type 0-254, code 0-255, code needs type. */
export interface ICMPFields {
  readonly type?: number;
  readonly code?: number;
}

/** One HTTP path match; exactly one of `exact`/`prefix` (policy_common.go `HTTPPath`). */
export interface HTTPPath {
  readonly exact?: string;
  readonly prefix?: string;
}

/** Application-layer HTTP match (policy_common.go `HTTPMatch`). */
export interface HTTPMatch {
  readonly methods?: readonly string[];
  readonly paths?: readonly HTTPPath[];
}

/** Kubernetes Service match (policy_common.go `ServiceMatch`). */
export interface ServiceMatch {
  readonly name?: string;
  readonly namespace?: string;
}

/** Service-account match; names and selector are ANDed (policy_common.go `ServiceAccountMatch`). */
export interface ServiceAccountMatch {
  readonly names?: readonly string[];
  readonly selector?: string;
}

/** Source or destination of a rule (policy_common.go `EntityRule`). */
export interface EntityRule {
  readonly nets?: readonly string[];
  readonly selector?: string;
  readonly namespaceSelector?: string;
  readonly services?: ServiceMatch;
  readonly ports?: readonly Port[];
  readonly notNets?: readonly string[];
  readonly notSelector?: string;
  readonly notPorts?: readonly Port[];
  readonly serviceAccounts?: ServiceAccountMatch;
}

/** Per-rule metadata (policy_common.go `RuleMetadata`). */
export interface RuleMetadata {
  readonly annotations?: Readonly<Record<string, string>>;
}

/**
 * Rule (policy_common.go `Rule`). Go marshals `source` and `destination` as
 * `{}` when empty (they are structs, not pointers); here they are optional and
 * an absent one means "match anything".
 */
export interface Rule {
  readonly action: Action;
  readonly ipVersion?: 4 | 6;
  readonly protocol?: Protocol;
  readonly icmp?: ICMPFields;
  readonly notProtocol?: Protocol;
  readonly notICMP?: ICMPFields;
  readonly source?: EntityRule;
  readonly destination?: EntityRule;
  readonly http?: HTTPMatch;
  readonly metadata?: RuleMetadata;
}

/** NetworkPolicy spec (networkpolicy.go). `order` absent means "last" (infinite). */
export interface NetworkPolicySpec {
  readonly tier?: string;
  readonly order?: number;
  readonly ingress?: readonly Rule[];
  readonly egress?: readonly Rule[];
  readonly selector?: string;
  readonly types?: readonly PolicyType[];
  readonly serviceAccountSelector?: string;
  readonly performanceHints?: readonly PolicyPerformanceHint[];
}

/** GlobalNetworkPolicy spec (globalnetworkpolicy.go). */
export interface GlobalNetworkPolicySpec extends NetworkPolicySpec {
  readonly doNotTrack?: boolean;
  readonly preDNAT?: boolean;
  readonly applyOnForward?: boolean;
  readonly namespaceSelector?: string;
}

/** StagedNetworkPolicy spec (stagednetworkpolicy.go). */
export interface StagedNetworkPolicySpec extends NetworkPolicySpec {
  readonly stagedAction?: StagedAction;
}

/** StagedGlobalNetworkPolicy spec (stagedglobalnetworkpolicy.go). */
export interface StagedGlobalNetworkPolicySpec extends GlobalNetworkPolicySpec {
  readonly stagedAction?: StagedAction;
}

/** metav1.LabelSelectorRequirement. */
export interface K8sLabelSelectorRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values?: readonly string[];
}

/** metav1.LabelSelector. */
export interface K8sLabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly K8sLabelSelectorRequirement[];
}

/** networking.k8s.io/v1 NetworkPolicyPort. */
export interface K8sNetworkPolicyPort {
  readonly protocol?: 'TCP' | 'UDP' | 'SCTP';
  readonly port?: number | string;
  readonly endPort?: number;
}

/** networking.k8s.io/v1 IPBlock. */
export interface K8sIPBlock {
  readonly cidr: string;
  readonly except?: readonly string[];
}

/** networking.k8s.io/v1 NetworkPolicyPeer. */
export interface K8sNetworkPolicyPeer {
  readonly podSelector?: K8sLabelSelector;
  readonly namespaceSelector?: K8sLabelSelector;
  readonly ipBlock?: K8sIPBlock;
}

/** networking.k8s.io/v1 NetworkPolicyIngressRule. */
export interface K8sNetworkPolicyIngressRule {
  readonly ports?: readonly K8sNetworkPolicyPort[];
  readonly from?: readonly K8sNetworkPolicyPeer[];
}

/** networking.k8s.io/v1 NetworkPolicyEgressRule. */
export interface K8sNetworkPolicyEgressRule {
  readonly ports?: readonly K8sNetworkPolicyPort[];
  readonly to?: readonly K8sNetworkPolicyPeer[];
}

/** StagedKubernetesNetworkPolicy spec (stagedkubernetesnetworkpolicy.go): k8s NetworkPolicy shapes. */
export interface StagedKubernetesNetworkPolicySpec {
  readonly stagedAction?: StagedAction;
  readonly podSelector?: K8sLabelSelector;
  readonly ingress?: readonly K8sNetworkPolicyIngressRule[];
  readonly egress?: readonly K8sNetworkPolicyEgressRule[];
  readonly policyTypes?: readonly PolicyType[];
}

/** Tier spec (tier.go). `order` absent means last; `defaultAction` Deny (default) or Pass. */
export interface TierSpec {
  readonly order?: number;
  readonly defaultAction?: 'Deny' | 'Pass';
}

/** Built-in tier names and orders (tier.go, names/tier.go, v3.31). */
export const DEFAULT_TIER_NAME = 'default';
export const DEFAULT_TIER_ORDER = 1_000_000;
export const ADMIN_NETWORK_POLICY_TIER_NAME = 'adminnetworkpolicy';
export const ADMIN_NETWORK_POLICY_TIER_ORDER = 1_000;
export const BASELINE_ADMIN_NETWORK_POLICY_TIER_NAME = 'baselineadminnetworkpolicy';
export const BASELINE_ADMIN_NETWORK_POLICY_TIER_ORDER = 10_000_000;

/** NetworkSet spec (networkset.go): CIDRs (a bare IP means a /32 or /128). */
export interface NetworkSetSpec {
  readonly nets?: readonly string[];
}

/** GlobalNetworkSet spec (globalnetworkset.go). */
export interface GlobalNetworkSetSpec {
  readonly nets?: readonly string[];
}

/** A named port on a host endpoint (hostendpoint.go `EndpointPort`). */
export interface EndpointPort {
  readonly name: string;
  readonly protocol: Protocol;
  readonly port: number;
}

/** HostEndpoint spec (hostendpoint.go). `interfaceName: "*"` means all interfaces. */
export interface HostEndpointSpec {
  readonly node?: string;
  readonly interfaceName?: string;
  readonly expectedIPs?: readonly string[];
  readonly profiles?: readonly string[];
  readonly ports?: readonly EndpointPort[];
}

/** A port on a workload endpoint (workloadendpoint.go `WorkloadEndpointPort`). */
export interface WorkloadEndpointPort {
  readonly name: string;
  readonly protocol: Protocol;
  readonly port: number;
  readonly hostPort?: number;
  readonly hostIP?: string;
}

/** 1:1 NAT of a workload address (workloadendpoint.go `IPNAT`). */
export interface IPNAT {
  readonly internalIP: string;
  readonly externalIP: string;
}

/** QoS limits of a workload (workloadendpoint.go `QoSControls`). `dscp` is numorstring.DSCP. */
export interface QoSControls {
  readonly ingressBandwidth?: number;
  readonly ingressBurst?: number;
  readonly ingressPeakrate?: number;
  readonly ingressMinburst?: number;
  readonly egressBandwidth?: number;
  readonly egressBurst?: number;
  readonly egressPeakrate?: number;
  readonly egressMinburst?: number;
  readonly ingressPacketRate?: number;
  readonly ingressPacketBurst?: number;
  readonly egressPacketRate?: number;
  readonly egressPacketBurst?: number;
  readonly ingressMaxConnections?: number;
  readonly egressMaxConnections?: number;
  readonly dscp?: number | string;
}

/** WorkloadEndpoint spec (libcalico-go/lib/apis/v3/workloadendpoint.go). */
export interface WorkloadEndpointSpec {
  readonly orchestrator?: string;
  readonly workload?: string;
  readonly node?: string;
  readonly containerID?: string;
  readonly pod?: string;
  readonly endpoint?: string;
  readonly serviceAccountName?: string;
  readonly ipNetworks?: readonly string[];
  readonly ipNATs?: readonly IPNAT[];
  readonly ipv4Gateway?: string;
  readonly ipv6Gateway?: string;
  readonly profiles?: readonly string[];
  readonly interfaceName?: string;
  readonly mac?: string;
  readonly ports?: readonly WorkloadEndpointPort[];
  readonly allowSpoofedSourcePrefixes?: readonly string[];
  readonly qosControls?: QoSControls;
}

/** Profile spec (profile.go). */
export interface ProfileSpec {
  readonly ingress?: readonly Rule[];
  readonly egress?: readonly Rule[];
  readonly labelsToApply?: Readonly<Record<string, string>>;
}

/** Kind names of this folder, as written in YAML. */
export const KIND_NETWORK_POLICY = 'NetworkPolicy';
export const KIND_GLOBAL_NETWORK_POLICY = 'GlobalNetworkPolicy';
export const KIND_STAGED_NETWORK_POLICY = 'StagedNetworkPolicy';
export const KIND_STAGED_GLOBAL_NETWORK_POLICY = 'StagedGlobalNetworkPolicy';
export const KIND_STAGED_KUBERNETES_NETWORK_POLICY = 'StagedKubernetesNetworkPolicy';
export const KIND_TIER = 'Tier';
export const KIND_NETWORK_SET = 'NetworkSet';
export const KIND_GLOBAL_NETWORK_SET = 'GlobalNetworkSet';
export const KIND_HOST_ENDPOINT = 'HostEndpoint';
export const KIND_WORKLOAD_ENDPOINT = 'WorkloadEndpoint';
export const KIND_PROFILE = 'Profile';

/** Whole resources of this folder's kinds, as validated and defaulted. */
export type NetworkPolicy = Resource<NetworkPolicySpec>;
export type GlobalNetworkPolicy = Resource<GlobalNetworkPolicySpec>;
export type StagedNetworkPolicy = Resource<StagedNetworkPolicySpec>;
export type StagedGlobalNetworkPolicy = Resource<StagedGlobalNetworkPolicySpec>;
export type StagedKubernetesNetworkPolicy = Resource<StagedKubernetesNetworkPolicySpec>;
export type Tier = Resource<TierSpec>;
export type NetworkSet = Resource<NetworkSetSpec>;
export type GlobalNetworkSet = Resource<GlobalNetworkSetSpec>;
export type HostEndpoint = Resource<HostEndpointSpec>;
export type WorkloadEndpoint = Resource<WorkloadEndpointSpec>;
export type Profile = Resource<ProfileSpec>;
