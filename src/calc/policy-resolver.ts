/**
 * PolicyResolver: for each local endpoint, the ordered tiers and policies
 * that apply to it (felix/calc policy_resolver.go + policy_sorter.go).
 * Tiers by order (absent = last) then name; policies in a tier by order
 * (absent = last) then name. Policies are split, as Felix's event sequencer
 * does, into normal / untracked (doNotTrack) / preDNAT / forward
 * (applyOnForward) tiers; staged policies go only to `stagedTiers`.
 * Endpoints are recomputed lazily: changes mark them dirty, `flush` emits.
 */
import type { TierSpec } from '../api/kinds/policy/types.js';
import type { ModelHostEndpoint, ModelWorkloadEndpoint, PolicyId, TierInfo } from '../dataplane/model/index.js';
import { hostEndpointKey, workloadEndpointKey } from '../dataplane/model/index.js';
import type { Labels } from './label-index.js';
import type { PolicyRecord } from './policy-record.js';
import { samePlacement } from './policy-record.js';

/** Built-in tiers and their fixed defaults when no Tier resource is present (tier.go). */
const BUILTIN_TIERS: Readonly<Record<string, Required<TierSpec>>> = {
  default: { order: 1_000_000, defaultAction: 'Deny' },
  adminnetworkpolicy: { order: 1_000, defaultAction: 'Pass' },
  baselineadminnetworkpolicy: { order: 10_000_000, defaultAction: 'Pass' },
};

/** Everything about a local endpoint except its tiers (filled in here). */
export type EndpointBase =
  | { readonly kind: 'wep'; readonly model: Omit<ModelWorkloadEndpoint, 'tiers' | 'stagedTiers' | 'labels'> }
  | { readonly kind: 'hep'; readonly model: Omit<ModelHostEndpoint, 'tiers' | 'untrackedTiers' | 'preDnatTiers' | 'forwardTiers' | 'stagedTiers' | 'labels'> };

export interface ResolvedEndpointListener {
  onWorkloadEndpoint(key: string, ep: ModelWorkloadEndpoint | null): void;
  onHostEndpoint(key: string, ep: ModelHostEndpoint | null): void;
}

/**
 * Which policies select which local endpoints: the ARC's label index, read
 * (not mirrored) so the match lists exist once.
 */
export interface PolicyMatches {
  selectorsMatching(epKey: string): Iterable<string>;
  itemsMatching(polKey: string): ReadonlySet<string>;
}

export class PolicyResolver {
  private readonly tiers = new Map<string, TierSpec>();
  private readonly endpoints = new Map<string, EndpointBase>();
  private readonly dirty = new Set<string>();
  /** Endpoints that were sent: their kind and model key (for removal). */
  private readonly sent = new Map<string, { kind: 'wep' | 'hep'; modelKey: string }>();

  constructor(
    private readonly policies: ReadonlyMap<string, PolicyRecord>,
    private readonly labelsOf: (epKey: string) => Labels,
    private readonly matches: PolicyMatches,
  ) {}

  /** The match is already in `matches`; the endpoint is recomputed at flush. */
  policyMatchStarted(_polKey: string, epKey: string): void {
    this.dirty.add(epKey);
  }

  /** The match is already gone from `matches`. */
  policyMatchStopped(_polKey: string, epKey: string): void {
    this.dirty.add(epKey);
  }

  /** Called before the new record takes effect in the label index. */
  policyChanged(polKey: string, old: PolicyRecord, rec: PolicyRecord): void {
    if (samePlacement(old, rec)) return;
    for (const ep of this.matches.itemsMatching(polKey)) this.dirty.add(ep);
  }

  updateTier(name: string, spec: TierSpec | null): void {
    if (spec === null) this.tiers.delete(name);
    else this.tiers.set(name, spec);
    for (const [polKey, rec] of this.policies) {
      if (rec.tier !== name) continue;
      for (const ep of this.matches.itemsMatching(polKey)) this.dirty.add(ep);
    }
  }

  updateEndpoint(epKey: string, base: EndpointBase | null): void {
    if (base === null) this.endpoints.delete(epKey);
    else this.endpoints.set(epKey, base);
    this.dirty.add(epKey);
  }

  /** Marks an endpoint for recomputation (e.g. its inherited labels changed). */
  markDirty(epKey: string): void {
    this.dirty.add(epKey);
  }

  flush(out: ResolvedEndpointListener): void {
    for (const epKey of this.dirty) {
      const base = this.endpoints.get(epKey);
      const sent = this.sent.get(epKey);
      const modelKey = base === undefined ? '' : base.kind === 'wep' ? workloadEndpointKey(base.model.id) : hostEndpointKey(base.model.id);
      if (sent && (!base || base.kind !== sent.kind || sent.modelKey !== modelKey)) {
        if (sent.kind === 'wep') out.onWorkloadEndpoint(sent.modelKey, null);
        else out.onHostEndpoint(sent.modelKey, null);
        this.sent.delete(epKey);
      }
      if (!base) continue;
      const recs = [...this.matches.selectorsMatching(epKey)].map((k) => this.policies.get(k)!);
      const labels = this.labelsOf(epKey);
      const enforced = recs.filter((r) => r.stagedAction === undefined);
      const staged = recs.filter((r) => r.stagedAction !== undefined);
      const normal = enforced.filter((r) => !r.untracked && !r.preDnat);
      const stagedTiers = this.tierInfos(staged.filter((r) => !r.untracked && !r.preDnat), true);
      if (base.kind === 'wep') {
        out.onWorkloadEndpoint(modelKey, { ...base.model, labels, tiers: this.tierInfos(normal, true), stagedTiers });
      } else {
        out.onHostEndpoint(modelKey, {
          ...base.model,
          labels,
          tiers: this.tierInfos(normal, true),
          untrackedTiers: this.tierInfos(enforced.filter((r) => r.untracked), true),
          preDnatTiers: this.tierInfos(enforced.filter((r) => r.preDnat), false),
          forwardTiers: this.tierInfos(normal.filter((r) => r.applyOnForward), true),
          stagedTiers,
        });
      }
      this.sent.set(epKey, { kind: base.kind, modelKey });
    }
    this.dirty.clear();
  }

  /** Tier order and default action, with built-in defaults; a missing user tier sorts last and denies. */
  tierSettings(name: string): { order: number; defaultAction: 'Deny' | 'Pass' } {
    const spec = this.tiers.get(name);
    const builtin = BUILTIN_TIERS[name];
    return {
      order: spec?.order ?? builtin?.order ?? Infinity,
      defaultAction: spec?.defaultAction ?? builtin?.defaultAction ?? 'Deny',
    };
  }

  private tierInfos(recs: readonly PolicyRecord[], withEgress: boolean): TierInfo[] {
    const byTier = new Map<string, PolicyRecord[]>();
    for (const r of recs) {
      let l = byTier.get(r.tier);
      if (!l) byTier.set(r.tier, (l = []));
      l.push(r);
    }
    const names = [...byTier.keys()].sort((a, b) => {
      const oa = this.tierSettings(a).order;
      const ob = this.tierSettings(b).order;
      return oa === ob ? cmp(a, b) : oa < ob ? -1 : 1;
    });
    const out: TierInfo[] = [];
    for (const name of names) {
      const pols = byTier.get(name)!.sort(comparePolicies);
      const ingressPolicies: PolicyId[] = pols.filter((p) => p.governsIngress).map((p) => p.id);
      const egressPolicies: PolicyId[] = withEgress ? pols.filter((p) => p.governsEgress).map((p) => p.id) : [];
      if (ingressPolicies.length === 0 && egressPolicies.length === 0) continue;
      const { order, defaultAction } = this.tierSettings(name);
      out.push({ name, ...(Number.isFinite(order) ? { order } : {}), defaultAction, ingressPolicies, egressPolicies });
    }
    return out;
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Order (absent = last), then Felix's v1 policy name (`namespace/name` for
 * namespaced policies, `name` for global ones; model.PolicyNameLessThan), then
 * kind: a total order.
 */
export function comparePolicies(a: PolicyRecord, b: PolicyRecord): number {
  const oa = a.order ?? Infinity;
  const ob = b.order ?? Infinity;
  if (oa !== ob) return oa < ob ? -1 : 1;
  return cmp(v1Name(a), v1Name(b)) || cmp(a.id.kind, b.id.kind);
}

function v1Name(r: PolicyRecord): string {
  return r.id.namespace !== undefined ? `${r.id.namespace}/${r.id.name}` : r.id.name;
}
