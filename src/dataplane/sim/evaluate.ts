/**
 * evaluateEndpoint: the verdict of one endpoint's policy for one packet in one
 * direction, computed from the dataplane model (what the kernel would run),
 * with a trace of every step. Semantics are Calico's (felix/rules endpoints.go):
 *   host endpoints: failsafe ports first;
 *   tiers in order, skipping a tier with no policy for this direction;
 *   in a tier, each policy's rules in order: Log continues, Allow accepts,
 *   Deny drops, Pass leaves the tier; no decision in the tier: its default
 *   action (Deny drops; Pass goes on);
 *   after the last tier (or with no applicable tier): profiles in order,
 *   Allow accepts, Deny drops, Pass or no match goes to the next profile;
 *   nothing decided: drop.
 */
import type { DesiredState } from '../model/desired-state.js';
import { policyKey, type PolicyId } from '../model/ids.js';
import { cidrContains, parseCidr } from '../model/net.js';
import type { ModelHostEndpoint, ModelRule, ModelWorkloadEndpoint, TierInfo } from '../model/types.js';
import { matchContext, preparePacket, ruleMatches, type MatchContext, type PreparedPacket, type SimPacket } from './rule-match.js';

export type SimEndpoint =
  | { readonly kind: 'workload'; readonly endpoint: ModelWorkloadEndpoint }
  | { readonly kind: 'host'; readonly endpoint: ModelHostEndpoint };

export type Direction = 'ingress' | 'egress';

/** One step of an evaluation, in order. */
export type TraceStep =
  | { readonly step: 'failsafe'; readonly protocol: string; readonly port: number }
  | { readonly step: 'rule'; readonly tier: string; readonly policy: PolicyId; readonly ruleIndex: number; readonly ruleId: string; readonly action: ModelRule['action'] }
  | { readonly step: 'policy-no-match'; readonly tier: string; readonly policy: PolicyId }
  | { readonly step: 'tier-default'; readonly tier: string; readonly action: 'Deny' | 'Pass' }
  | { readonly step: 'no-policy'; readonly note: string }
  | { readonly step: 'profile-rule'; readonly profile: string; readonly ruleIndex: number; readonly ruleId: string; readonly action: ModelRule['action'] }
  | { readonly step: 'profile-no-match'; readonly profile: string }
  | { readonly step: 'profiles-exhausted'; readonly profiles: readonly string[] };

/** What ended the evaluation. */
export type Decision =
  | { readonly by: 'failsafe'; readonly protocol: string; readonly port: number }
  | { readonly by: 'rule'; readonly tier: string; readonly policy: PolicyId; readonly ruleIndex: number; readonly ruleId: string; readonly action: 'Allow' | 'Deny' }
  | { readonly by: 'tier-default'; readonly tier: string }
  | { readonly by: 'profile-rule'; readonly profile: string; readonly ruleIndex: number; readonly ruleId: string; readonly action: 'Allow' | 'Deny' }
  | { readonly by: 'profile-default'; readonly profiles: readonly string[] }
  /** Untracked/preDNAT/forward chains only: no policy decided, the packet goes on to normal processing. */
  | { readonly by: 'fall-through'; readonly chain: HostChain };

/**
 * Which host-endpoint policy chain to evaluate (workload endpoints only have `normal`):
 * `untracked` (doNotTrack, raw table), `preDnat` (ingress, before DNAT), `forward`
 * (applyOnForward, forwarded traffic) or `normal` (filter; falls to profiles).
 * In untracked and preDNAT chains a tier with no decision does not drop: the packet
 * falls through to later processing (Felix renders end-of-tier drops only for the
 * normal and forward chains); forward traffic no policy decides is allowed.
 */
export type HostChain = 'normal' | 'untracked' | 'preDnat' | 'forward';

export interface Verdict {
  readonly endpoint: string;
  readonly endpointKind: SimEndpoint['kind'];
  readonly direction: Direction;
  /** The policy chain evaluated: always `normal` for workloads. */
  readonly chain: HostChain;
  readonly allowed: boolean;
  readonly decision: Decision;
  readonly trace: readonly TraceStep[];
}

export function endpointName(ep: SimEndpoint): string {
  return ep.kind === 'workload' ? `${ep.endpoint.id.namespace}/${ep.endpoint.id.name}` : ep.endpoint.id.name;
}

/** Looks up a policy's rules for a direction; missing policy (a broken state) behaves as deny-all. */
function policyRules(state: DesiredState, id: PolicyId, dir: Direction): readonly ModelRule[] | null {
  const p = state.policies.get(policyKey(id));
  if (!p) return null;
  return dir === 'ingress' ? p.inboundRules : p.outboundRules;
}

type TierOutcome =
  | { readonly kind: 'decided'; readonly allowed: boolean; readonly decision: Decision }
  | { readonly kind: 'continue' };

/** Runs an ordered list of tiers; used for enforced and for pending (staged) tiers. */
export function runTiers(
  ctx: MatchContext, tiers: readonly TierInfo[], dir: Direction, p: PreparedPacket, trace: TraceStep[],
  lookup: (id: PolicyId) => readonly ModelRule[] | null = (id) => policyRules(ctx.state, id, dir),
  endOfTierDrops = true,
): TierOutcome & { applicable: number } {
  let applicable = 0;
  for (const tier of tiers) {
    const pols = dir === 'ingress' ? tier.ingressPolicies : tier.egressPolicies;
    if (pols.length === 0) continue;
    applicable++;
    let passed = false;
    policies: for (const id of pols) {
      const rules = lookup(id) ?? [{ action: 'Deny', ruleId: 'missing-policy' } as ModelRule];
      let matchedAny = false;
      for (let i = 0; i < rules.length; i++) {
        const r = rules[i]!;
        if (!ruleMatches(ctx, r, p)) continue;
        matchedAny = true;
        trace.push({ step: 'rule', tier: tier.name, policy: id, ruleIndex: i, ruleId: r.ruleId, action: r.action });
        if (r.action === 'Log') continue;
        if (r.action === 'Pass') {
          passed = true;
          break policies;
        }
        return {
          kind: 'decided', applicable, allowed: r.action === 'Allow',
          decision: { by: 'rule', tier: tier.name, policy: id, ruleIndex: i, ruleId: r.ruleId, action: r.action },
        };
      }
      if (!matchedAny) trace.push({ step: 'policy-no-match', tier: tier.name, policy: id });
    }
    if (passed || !endOfTierDrops) continue;
    trace.push({ step: 'tier-default', tier: tier.name, action: tier.defaultAction });
    if (tier.defaultAction === 'Deny') {
      return { kind: 'decided', applicable, allowed: false, decision: { by: 'tier-default', tier: tier.name } };
    }
  }
  return { kind: 'continue', applicable };
}

function runProfiles(ctx: MatchContext, profileIds: readonly string[], dir: Direction, p: PreparedPacket, trace: TraceStep[]): { allowed: boolean; decision: Decision } {
  for (const name of profileIds) {
    const prof = ctx.state.profiles.get(name);
    const rules = prof ? (dir === 'ingress' ? prof.inboundRules : prof.outboundRules) : [{ action: 'Deny', ruleId: 'missing-profile' } as ModelRule];
    let decided: { allowed: boolean; decision: Decision } | null = null;
    let matched = false;
    for (let i = 0; i < rules.length && !decided; i++) {
      const r = rules[i]!;
      if (!ruleMatches(ctx, r, p)) continue;
      matched = true;
      trace.push({ step: 'profile-rule', profile: name, ruleIndex: i, ruleId: r.ruleId, action: r.action });
      if (r.action === 'Log') continue;
      if (r.action === 'Pass') break;
      decided = { allowed: r.action === 'Allow', decision: { by: 'profile-rule', profile: name, ruleIndex: i, ruleId: r.ruleId, action: r.action } };
    }
    if (decided) return decided;
    if (!matched) trace.push({ step: 'profile-no-match', profile: name });
  }
  trace.push({ step: 'profiles-exhausted', profiles: profileIds });
  return { allowed: false, decision: { by: 'profile-default', profiles: profileIds } };
}

function failsafe(state: DesiredState, ep: SimEndpoint, dir: Direction, p: PreparedPacket): { protocol: string; port: number } | null {
  if (ep.kind !== 'host' || !state.config) return null;
  const list = dir === 'ingress' ? state.config.failsafeInboundHostPorts : state.config.failsafeOutboundHostPorts;
  const remote = dir === 'ingress' ? p.src : p.dst;
  for (const f of list) {
    if (f.protocol !== p.protocolName || f.port !== p.dstPort) continue;
    if (f.net) {
      const c = parseCidr(f.net);
      if (!c || !cidrContains(c, remote)) continue;
    }
    return { protocol: f.protocol, port: f.port };
  }
  return null;
}

/** Evaluates `tiers` (default: the endpoint's enforced tiers) then profiles. */
export function evaluateWithTiers(
  ctx: MatchContext, ep: SimEndpoint, dir: Direction, p: PreparedPacket, tiers: readonly TierInfo[],
  lookup?: (id: PolicyId) => readonly ModelRule[] | null,
): Verdict {
  const trace: TraceStep[] = [];
  const base = { endpoint: endpointName(ep), endpointKind: ep.kind, direction: dir, chain: 'normal' } as const;
  const fs = failsafe(ctx.state, ep, dir, p);
  if (fs) {
    trace.push({ step: 'failsafe', ...fs });
    return { ...base, allowed: true, decision: { by: 'failsafe', ...fs }, trace };
  }
  const t = runTiers(ctx, tiers, dir, p, trace, lookup);
  if (t.kind === 'decided') return { ...base, allowed: t.allowed, decision: t.decision, trace };
  if (t.applicable === 0) trace.push({ step: 'no-policy', note: `no policy selects this endpoint for ${dir}: profiles decide` });
  const pr = runProfiles(ctx, ep.endpoint.profileIds, dir, p, trace);
  return { ...base, ...pr, trace };
}

/** The enforced verdict for `packet` at `ep` in `direction` (normal chain unless `chain` says otherwise). */
export function evaluateEndpoint(state: DesiredState, ep: SimEndpoint, direction: Direction, packet: SimPacket, chain: HostChain = 'normal'): Verdict {
  const ctx = matchContext(state);
  const p = preparePacket(packet);
  if (chain === 'normal') return evaluateWithTiers(ctx, ep, direction, p, ep.endpoint.tiers);
  if (ep.kind !== 'host') throw new RangeError(`chain ${chain} exists only for host endpoints`);
  const tiers = chain === 'untracked' ? ep.endpoint.untrackedTiers : chain === 'preDnat' ? ep.endpoint.preDnatTiers : ep.endpoint.forwardTiers;
  const trace: TraceStep[] = [];
  const base = { endpoint: endpointName(ep), endpointKind: ep.kind, direction, chain } as const;
  const fs = failsafe(state, ep, direction, p);
  if (fs && chain !== 'forward') {
    trace.push({ step: 'failsafe', ...fs });
    return { ...base, allowed: true, decision: { by: 'failsafe', ...fs }, trace };
  }
  const t = runTiers(ctx, tiers, direction, p, trace, undefined, chain === 'forward');
  if (t.kind === 'decided') return { ...base, allowed: t.allowed, decision: t.decision, trace };
  return { ...base, allowed: true, decision: { by: 'fall-through', chain }, trace };
}
