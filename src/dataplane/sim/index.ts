/**
 * The packet simulator: evaluates the dataplane model (not the resources) for a
 * packet, so its answers are what the dataplane enforces. Used by `calicoctl explain`.
 */
import type { DesiredState } from '../model/desired-state.js';
import { cidrContains, ipToBigInt, parseCidr } from '../model/net.js';
import { evaluateEndpoint, type SimEndpoint, type Verdict } from './evaluate.js';
import type { SimPacket } from './rule-match.js';
import { evaluatePending, evaluateStagedPolicies, type StagedPolicyResult } from './staged.js';

export * from './evaluate.js';
export * from './rule-match.js';
export * from './staged.js';

/** Endpoints in the state that own `ip` (workload ipNets, host expected IPs). */
export function findEndpointsByIp(state: DesiredState, ip: string): SimEndpoint[] {
  const addr = ipToBigInt(ip);
  if (!addr) return [];
  const out: SimEndpoint[] = [];
  for (const ep of state.workloadEndpoints.values()) {
    if ([...ep.ipv4Nets, ...ep.ipv6Nets].some((n) => { const c = parseCidr(n); return c !== null && cidrContains(c, addr); })) {
      out.push({ kind: 'workload', endpoint: ep });
    }
  }
  for (const ep of state.hostEndpoints.values()) {
    if ([...ep.expectedIpv4Addrs, ...ep.expectedIpv6Addrs].some((a) => ipToBigInt(a)?.value === addr.value)) {
      out.push({ kind: 'host', endpoint: ep });
    }
  }
  return out;
}

export interface DirectionalResult {
  /** The effective verdict: host-endpoint pre-stages (if any decided) else the normal chain. */
  readonly verdict: Verdict;
  /**
   * Host endpoints only, when they have such policies: the untracked (doNotTrack) and,
   * for ingress, preDNAT stages, evaluated before the normal chain. A Deny in a stage
   * drops; an untracked Allow accepts without further policy; otherwise the normal
   * chain decides.
   */
  readonly stages?: readonly Verdict[];
  /** With every staged policy applied. */
  readonly pending: Verdict;
  readonly staged: readonly StagedPolicyResult[];
}

export interface FlowResult {
  /** Egress policy of the source endpoint; absent when the source is not a known endpoint. */
  readonly egress?: DirectionalResult;
  /** Ingress policy of the destination endpoint; absent when the destination is not a known endpoint. */
  readonly ingress?: DirectionalResult;
  /** Allowed by both ends that have policy. */
  readonly allowed: boolean;
  /** Same, with staged policies applied. */
  readonly pendingAllowed: boolean;
}

function directional(state: DesiredState, ep: SimEndpoint, dir: 'ingress' | 'egress', packet: SimPacket): DirectionalResult {
  const stages: Verdict[] = [];
  if (ep.kind === 'host') {
    const has = (tiers: typeof ep.endpoint.tiers): boolean => tiers.some((t) => (dir === 'ingress' ? t.ingressPolicies : t.egressPolicies).length > 0);
    if (has(ep.endpoint.untrackedTiers)) stages.push(evaluateEndpoint(state, ep, dir, packet, 'untracked'));
    if (dir === 'ingress' && has(ep.endpoint.preDnatTiers)) stages.push(evaluateEndpoint(state, ep, dir, packet, 'preDnat'));
  }
  const deciding = stages.find((v) => !v.allowed || (v.chain === 'untracked' && v.decision.by === 'rule'));
  return {
    verdict: deciding ?? evaluateEndpoint(state, ep, dir, packet),
    ...(stages.length ? { stages } : {}),
    pending: evaluatePending(state, ep, dir, packet),
    staged: evaluateStagedPolicies(state, ep, dir, packet),
  };
}

/** Simulates a flow from `from` (or an outside address) to `to` (or an outside address). */
export function simulateFlow(state: DesiredState, from: SimEndpoint | null, to: SimEndpoint | null, packet: SimPacket): FlowResult {
  const egress = from ? directional(state, from, 'egress', packet) : undefined;
  const ingress = to ? directional(state, to, 'ingress', packet) : undefined;
  return {
    ...(egress ? { egress } : {}),
    ...(ingress ? { ingress } : {}),
    allowed: (egress?.verdict.allowed ?? true) && (ingress?.verdict.allowed ?? true),
    pendingAllowed: (egress?.pending.allowed ?? true) && (ingress?.pending.allowed ?? true),
  };
}
