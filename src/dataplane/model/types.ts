/**
 * The dataplane model: dataplane-neutral desired state, modeled on felix/proto.
 * The calc graph produces it; the nftables/iptables/bpf drivers and the packet
 * simulator consume it. Nothing here refers to a datastore resource: selectors,
 * named ports and namespaces have already been resolved into IP sets.
 *
 * Conventions (every producer and consumer relies on them):
 * - Optional list fields are omitted when empty; absent means "no constraint".
 * - CIDRs are canonical (masked network address, explicit prefix; a host is /32 or /128).
 * - Protocols are IANA numbers (tcp 6, udp 17, icmp 1, icmpv6 58, sctp 132, udplite 136).
 */
import type { HostEndpointId, IpSetId, PolicyId, ProfileId, WorkloadEndpointId } from './ids.js';

/**
 * IP set types:
 * - `net`: members are CIDRs (`10.0.0.5/32`, `fd00::/64`); selector sets use this,
 *   because network sets contribute whole networks.
 * - `ip`: members are bare addresses (reserved for producers that only have hosts).
 * - `ip-and-port`: named-port sets; members `ip,proto:port`, e.g. `10.0.0.5,tcp:8080`
 *   (proto one of tcp|udp|sctp), the `ipset hash:ip,port` syntax.
 * A set may mix IPv4 and IPv6 members: each dataplane splits them per family.
 */
export type IpSetType = 'ip' | 'net' | 'ip-and-port';

export type RuleAction = 'Allow' | 'Deny' | 'Log' | 'Pass';

/** Inclusive port range; a single port has first === last. */
export interface PortRange {
  readonly first: number;
  readonly last: number;
}

export interface IcmpMatch {
  readonly type: number;
  /** Absent: any code. */
  readonly code?: number;
}

/**
 * One rendered rule, as proto.Rule. A packet matches when EVERY present field
 * matches:
 * - `ipVersion`: the packet's family. A rule whose srcNets, notSrcNets, dstNets or
 *   notDstNets list is non-empty but has no CIDR of the packet's family does not
 *   apply to that family at all (Felix's FilterRuleToIPVersion).
 * - `protocol` / `notProtocol`: IANA number equals / differs.
 * - `icmp` / `notIcmp`: type (and code when given) equal / not both equal.
 * - `srcNets`: address in ANY of them; `notSrcNets`: in NONE of them.
 * - `srcIpSetIds`: address in ALL of them (each is a `net` set); `notSrcIpSetIds`: in NONE.
 * - ports: when `srcPorts` or `srcNamedPortIpSetIds` is present, the port must be in
 *   one of the ranges OR (address, protocol, port) in one of the named-port sets;
 *   `notSrcPorts` / `notSrcNamedPortIpSetIds`: in none of them.
 * - the `dst*` fields likewise for the destination.
 */
export interface ModelRule {
  readonly action: RuleAction;
  readonly ipVersion?: 4 | 6;
  readonly protocol?: number;
  readonly notProtocol?: number;
  readonly icmp?: IcmpMatch;
  readonly notIcmp?: IcmpMatch;
  readonly srcNets?: readonly string[];
  readonly notSrcNets?: readonly string[];
  readonly dstNets?: readonly string[];
  readonly notDstNets?: readonly string[];
  readonly srcIpSetIds?: readonly IpSetId[];
  readonly notSrcIpSetIds?: readonly IpSetId[];
  readonly dstIpSetIds?: readonly IpSetId[];
  readonly notDstIpSetIds?: readonly IpSetId[];
  readonly srcPorts?: readonly PortRange[];
  readonly notSrcPorts?: readonly PortRange[];
  readonly dstPorts?: readonly PortRange[];
  readonly notDstPorts?: readonly PortRange[];
  readonly srcNamedPortIpSetIds?: readonly IpSetId[];
  readonly notSrcNamedPortIpSetIds?: readonly IpSetId[];
  readonly dstNamedPortIpSetIds?: readonly IpSetId[];
  readonly notDstNamedPortIpSetIds?: readonly IpSetId[];
  /** Stable hash of (policy, direction, index, rule): for rule comments and log prefixes. */
  readonly ruleId: string;
  readonly annotations?: Readonly<Record<string, string>>;
}

export type StagedAction = 'Set' | 'Delete' | 'Learn' | 'Ignore';

/** An active policy (proto.Policy). Inbound = ingress to the endpoint, outbound = egress from it. */
export interface ModelPolicy {
  readonly id: PolicyId;
  readonly tier: string;
  /** Absent = last ("infinite"). Informational: endpoints already list policies in order. */
  readonly order?: number;
  /** The policy's own selector text, for display (explain) only. */
  readonly selector: string;
  readonly inboundRules: readonly ModelRule[];
  readonly outboundRules: readonly ModelRule[];
  /** GlobalNetworkPolicy doNotTrack: raw table, host endpoints only. */
  readonly untracked: boolean;
  /** GlobalNetworkPolicy preDNAT: host endpoints, inbound only. */
  readonly preDnat: boolean;
  readonly applyOnForward: boolean;
  /** Present only on staged kinds: never enforced, evaluated for "would have" answers. */
  readonly stagedAction?: StagedAction;
}

/** An active profile (proto.Profile). Profile rules run only when no tier decided. */
export interface ModelProfile {
  readonly id: ProfileId;
  readonly inboundRules: readonly ModelRule[];
  readonly outboundRules: readonly ModelRule[];
  /** True for a stand-in for a profile that does not exist: deny-all (fail closed). */
  readonly missing?: boolean;
}

/**
 * One tier as seen by one endpoint (proto.TierInfo): the policies of the tier
 * that select the endpoint, in evaluation order, split by direction. A direction
 * with no policies skips the tier; otherwise, when no policy decides, the tier's
 * `defaultAction` applies (Deny, or Pass to the next tier).
 */
export interface TierInfo {
  readonly name: string;
  /** The tier's order (absent = last); lists are already sorted, this is for merging lists (staged). */
  readonly order?: number;
  readonly defaultAction: 'Deny' | 'Pass';
  readonly ingressPolicies: readonly PolicyId[];
  readonly egressPolicies: readonly PolicyId[];
}

/** One 1:1 NAT mapping of a workload address (proto.NatInfo). */
export interface NatInfo {
  readonly extIp: string;
  readonly intIp: string;
}

export interface ModelWorkloadEndpoint {
  readonly id: WorkloadEndpointId;
  readonly node: string;
  readonly orchestrator: string;
  readonly workload: string;
  /** e.g. `eth0`. */
  readonly endpoint: string;
  /** Host-side interface, e.g. `cali1234567890a`. */
  readonly interfaceName: string;
  readonly mac?: string;
  readonly ipv4Nets: readonly string[];
  readonly ipv6Nets: readonly string[];
  /** 1:1 NAT (floating IPs), from the WorkloadEndpoint's ipNATs, split by family. */
  readonly ipv4Nat?: readonly NatInfo[];
  readonly ipv6Nat?: readonly NatInfo[];
  readonly allowSpoofedSourcePrefixes?: readonly string[];
  /** Effective labels (own over profile labelsToApply), for display. */
  readonly labels: Readonly<Record<string, string>>;
  /** Enforced tiers in order; staged policies never appear here. */
  readonly tiers: readonly TierInfo[];
  /** Tiers of staged policies only (never enforced; for "would have" evaluation). */
  readonly stagedTiers: readonly TierInfo[];
  readonly profileIds: readonly string[];
}

export interface ModelHostEndpoint {
  readonly id: HostEndpointId;
  readonly node: string;
  /** Absent: the endpoint is matched by `expected*Addrs`; `*` = all host interfaces. */
  readonly interfaceName?: string;
  readonly expectedIpv4Addrs: readonly string[];
  readonly expectedIpv6Addrs: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  /** Normal (filter) tiers: every policy that is neither doNotTrack nor preDNAT. */
  readonly tiers: readonly TierInfo[];
  /** doNotTrack policies. */
  readonly untrackedTiers: readonly TierInfo[];
  /** preDNAT policies (ingress only). */
  readonly preDnatTiers: readonly TierInfo[];
  /** applyOnForward policies that are neither doNotTrack nor preDNAT. */
  readonly forwardTiers: readonly TierInfo[];
  readonly stagedTiers: readonly TierInfo[];
  readonly profileIds: readonly string[];
}

/** A failsafe port (FelixConfiguration failsafeInbound/OutboundHostPorts entry). */
export interface ProtoPort {
  /** Lower-case: tcp | udp | sctp. */
  readonly protocol: string;
  readonly port: number;
  /** Optional CIDR the remote end must be in. */
  readonly net?: string;
}

/** Policy-relevant Felix configuration, defaults applied (FelixConfiguration default + node.<name>). */
export interface ModelConfig {
  readonly failsafeInboundHostPorts: readonly ProtoPort[];
  readonly failsafeOutboundHostPorts: readonly ProtoPort[];
  /** Traffic from a workload to its own host, after the workload's egress policy. */
  readonly defaultEndpointToHostAction: 'Drop' | 'Accept' | 'Return';
  /** Whether IPv6 is programmed at all. */
  readonly ipv6Support: boolean;
  /** The merged FelixConfiguration spec as given, for settings this model does not interpret. */
  readonly felixConfiguration: Readonly<Record<string, unknown>>;
}

/**
 * DataplaneMsg: one desired-state change. Ordering guarantee (EventSequencer):
 * within a flush, IP sets are created/updated before any policy that uses them,
 * policies and profiles before any endpoint that refers to them; removals go in
 * the reverse order. `InSync` follows the first complete snapshot.
 */
export type DataplaneMsg =
  | { readonly kind: 'ConfigUpdate'; readonly config: ModelConfig }
  | { readonly kind: 'IpSetUpdate'; readonly id: IpSetId; readonly type: IpSetType; readonly members: readonly string[] }
  | { readonly kind: 'IpSetDeltaUpdate'; readonly id: IpSetId; readonly added: readonly string[]; readonly removed: readonly string[] }
  | { readonly kind: 'IpSetRemove'; readonly id: IpSetId }
  | { readonly kind: 'ActivePolicyUpdate'; readonly id: PolicyId; readonly policy: ModelPolicy }
  | { readonly kind: 'ActivePolicyRemove'; readonly id: PolicyId }
  | { readonly kind: 'ActiveProfileUpdate'; readonly id: ProfileId; readonly profile: ModelProfile }
  | { readonly kind: 'ActiveProfileRemove'; readonly id: ProfileId }
  | { readonly kind: 'WorkloadEndpointUpdate'; readonly id: WorkloadEndpointId; readonly endpoint: ModelWorkloadEndpoint }
  | { readonly kind: 'WorkloadEndpointRemove'; readonly id: WorkloadEndpointId }
  | { readonly kind: 'HostEndpointUpdate'; readonly id: HostEndpointId; readonly endpoint: ModelHostEndpoint }
  | { readonly kind: 'HostEndpointRemove'; readonly id: HostEndpointId }
  | { readonly kind: 'InSync' };

export type DataplaneMsgKind = DataplaneMsg['kind'];

/** Receives message batches from the calc graph (one call per flush, already ordered). */
export interface DataplaneSink {
  onMessages(msgs: readonly DataplaneMsg[]): void;
}
