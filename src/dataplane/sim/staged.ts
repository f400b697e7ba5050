/**
 * Staged policies: never enforced, only evaluated to say what they WOULD do.
 * Two answers per endpoint and direction:
 * - `evaluateStagedPolicies`: each staged policy on its own: the first rule
 *   that decides (Allow, Deny or Pass), or "no match" (its tier's default would apply).
 * - `evaluatePending`: the whole verdict if every staged policy were applied:
 *   `Set` replaces (or adds) the enforced policy of the same name, `Delete`
 *   removes it (Calico's staged semantics).
 */
import type { DesiredState } from '../model/desired-state.js';
import { policyKey, type PolicyId } from '../model/ids.js';
import type { ModelPolicy, ModelRule, TierInfo } from '../model/types.js';
import { evaluateWithTiers, type Direction, type SimEndpoint, type Verdict } from './evaluate.js';
import { matchContext, preparePacket, ruleMatches, type SimPacket } from './rule-match.js';

export interface StagedPolicyResult {
  readonly policy: PolicyId;
  readonly tier: string;
  readonly stagedAction: string;
  /** The enforced policy this one would replace or delete, if any exists. */
  readonly replaces?: PolicyId;
  /** 'no-match': no rule decided; the tier default (`tierDefault`) would apply if nothing else decided. */
  readonly outcome: 'Allow' | 'Deny' | 'Pass' | 'no-match';
  readonly ruleIndex?: number;
  readonly tierDefault: 'Deny' | 'Pass';
}

/** The enforced policy a staged one stands for (same namespace/name; knp.default.<n> for staged k8s policies). */
export function enforcedCounterpart(id: PolicyId): PolicyId | null {
  switch (id.kind) {
    case 'StagedNetworkPolicy':
      return { kind: 'NetworkPolicy', namespace: id.namespace ?? 'default', name: id.name };
    case 'StagedGlobalNetworkPolicy':
      return { kind: 'GlobalNetworkPolicy', name: id.name };
    case 'StagedKubernetesNetworkPolicy':
      return { kind: 'NetworkPolicy', namespace: id.namespace ?? 'default', name: id.name.startsWith('knp.default.') ? id.name : `knp.default.${id.name}` };
    default:
      return null;
  }
}

function rulesOf(p: ModelPolicy | undefined, dir: Direction): readonly ModelRule[] {
  if (!p) return [];
  return dir === 'ingress' ? p.inboundRules : p.outboundRules;
}

export function evaluateStagedPolicies(state: DesiredState, ep: SimEndpoint, dir: Direction, packet: SimPacket): StagedPolicyResult[] {
  const ctx = matchContext(state);
  const p = preparePacket(packet);
  const out: StagedPolicyResult[] = [];
  for (const tier of ep.endpoint.stagedTiers) {
    for (const id of dir === 'ingress' ? tier.ingressPolicies : tier.egressPolicies) {
      const pol = state.policies.get(policyKey(id));
      const stagedAction = pol?.stagedAction ?? 'Set';
      const counterpart = enforcedCounterpart(id);
      const replaces = counterpart && state.policies.has(policyKey(counterpart)) ? counterpart : undefined;
      const base = { policy: id, tier: tier.name, stagedAction, tierDefault: tier.defaultAction, ...(replaces ? { replaces } : {}) };
      if (stagedAction === 'Delete') {
        out.push({ ...base, outcome: 'no-match' });
        continue;
      }
      const rules = rulesOf(pol, dir);
      let result: StagedPolicyResult = { ...base, outcome: 'no-match' };
      for (let i = 0; i < rules.length; i++) {
        const r = rules[i]!;
        if (r.action === 'Log' || !ruleMatches(ctx, r, p)) continue;
        result = { ...base, outcome: r.action, ruleIndex: i };
        break;
      }
      out.push(result);
    }
  }
  return out;
}

/** The verdict with every staged policy applied (Set replaces/adds, Delete removes). */
export function evaluatePending(state: DesiredState, ep: SimEndpoint, dir: Direction, packet: SimPacket): Verdict {
  const removed = new Set<string>();
  const added: { tier: TierInfo; id: PolicyId; order: number }[] = [];
  for (const tier of ep.endpoint.stagedTiers) {
    for (const id of dir === 'ingress' ? tier.ingressPolicies : tier.egressPolicies) {
      const pol = state.policies.get(policyKey(id));
      const c = enforcedCounterpart(id);
      if (c) removed.add(policyKey(c));
      if ((pol?.stagedAction ?? 'Set') === 'Set') added.push({ tier, id, order: pol?.order ?? Infinity });
    }
  }
  // Rebuild the tier list: enforced minus replaced/deleted, plus staged, each tier re-sorted by order then name.
  const tiers = new Map<string, { defaultAction: 'Deny' | 'Pass'; pols: { id: PolicyId; order: number }[]; order: number }>();
  for (const t of ep.endpoint.tiers) {
    const ids = (dir === 'ingress' ? t.ingressPolicies : t.egressPolicies).filter((id) => !removed.has(policyKey(id)));
    tiers.set(t.name, { defaultAction: t.defaultAction, order: t.order ?? Infinity, pols: ids.map((id) => ({ id, order: state.policies.get(policyKey(id))?.order ?? Infinity })) });
  }
  for (const a of added) {
    let t = tiers.get(a.tier.name);
    if (!t) tiers.set(a.tier.name, (t = { defaultAction: a.tier.defaultAction, order: a.tier.order ?? Infinity, pols: [] }));
    t.pols.push({ id: a.id, order: a.order });
  }
  // Tiers by order then name, as the calc graph sorts them.
  const pendingTiers: TierInfo[] = [...tiers.entries()]
    .sort((x, y) => (x[1].order === y[1].order ? (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0) : x[1].order < y[1].order ? -1 : 1))
    .map(([name, t]) => {
      const v1 = (id: PolicyId): string => (id.namespace !== undefined ? `${id.namespace}/${id.name}` : id.name);
      const ids = t.pols.sort((x, y) => (x.order === y.order ? (v1(x.id) < v1(y.id) ? -1 : v1(x.id) > v1(y.id) ? 1 : 0) : x.order < y.order ? -1 : 1)).map((x) => x.id);
      return { name, defaultAction: t.defaultAction, ingressPolicies: dir === 'ingress' ? ids : [], egressPolicies: dir === 'egress' ? ids : [] };
    });
  const ctx = matchContext(state);
  return evaluateWithTiers(ctx, ep, dir, preparePacket(packet), pendingTiers);
}
