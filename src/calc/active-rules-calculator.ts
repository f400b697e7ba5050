/**
 * ActiveRulesCalculator: which policies and profiles matter on this host
 * (felix/calc active_rules_calculator.go). A policy is active while its
 * selector matches at least one local endpoint; a profile while a local
 * endpoint names it. It tells the RuleScanner to (de)activate them and tells
 * the PolicyResolver which policies select which endpoint.
 */
import type { ProfileSpec } from '../api/kinds/policy/types.js';
import { LabelIndex, type Labels, type MatchListener } from './label-index.js';
import type { PolicyRecord } from './policy-record.js';
import type { PolicyResolver } from './policy-resolver.js';
import type { RuleScanner } from './rule-scanner.js';

export class ActiveRulesCalculator implements MatchListener {
  /** Selectors = policies (by policy key), items = local endpoints (by endpoint key). */
  readonly policyIndex = new LabelIndex(this);
  private readonly matchCount = new Map<string, number>();
  private readonly profiles = new Map<string, ProfileSpec>();
  private readonly profileRefs = new Map<string, number>();
  private readonly endpointProfiles = new Map<string, readonly string[]>();

  constructor(
    private readonly scanner: RuleScanner,
    private readonly resolver: PolicyResolver,
    /** Policy records by key; shared read-only with the resolver. */
    readonly policies: Map<string, PolicyRecord>,
  ) {}

  get activePolicyCount(): number {
    return this.matchCount.size;
  }

  updatePolicy(key: string, rec: PolicyRecord | null): void {
    const old = this.policies.get(key);
    if (rec === null) {
      if (!old) return;
      this.policyIndex.updateSelector(key, null); // stops every match: deactivates
      this.policies.delete(key);
      return;
    }
    this.policies.set(key, rec);
    if (old) this.resolver.policyChanged(key, old, rec);
    if (this.matchCount.has(key)) this.scanner.policyActive(rec);
    this.policyIndex.updateSelector(key, rec.selector);
  }

  /** A local endpoint (labels null = gone or no longer local). */
  updateEndpoint(epKey: string, labels: Labels | null, profileIds: readonly string[]): void {
    const oldProfiles = this.endpointProfiles.get(epKey) ?? [];
    const newProfiles = labels === null ? [] : [...new Set(profileIds)];
    // Profiles first: an endpoint is never sent naming an inactive profile.
    for (const p of newProfiles) if (!oldProfiles.includes(p)) this.refProfile(p, +1);
    if (labels === null) this.endpointProfiles.delete(epKey);
    else this.endpointProfiles.set(epKey, newProfiles);
    this.policyIndex.updateItem(epKey, labels, profileIds);
    for (const p of oldProfiles) if (!newProfiles.includes(p)) this.refProfile(p, -1);
  }

  updateProfile(name: string, spec: ProfileSpec | null): void {
    if (spec === null) this.profiles.delete(name);
    else this.profiles.set(name, spec);
    if (this.profileRefs.has(name)) this.scanner.profileActive(name, spec);
    this.policyIndex.updateParent(name, spec === null ? null : spec.labelsToApply ?? {});
  }

  onMatchStarted(polKey: string, epKey: string): void {
    const n = (this.matchCount.get(polKey) ?? 0) + 1;
    this.matchCount.set(polKey, n);
    if (n === 1) this.scanner.policyActive(this.policies.get(polKey)!);
    this.resolver.policyMatchStarted(polKey, epKey);
  }

  onMatchStopped(polKey: string, epKey: string): void {
    this.resolver.policyMatchStopped(polKey, epKey);
    const n = this.matchCount.get(polKey)! - 1;
    if (n === 0) {
      this.matchCount.delete(polKey);
      this.scanner.policyInactive(this.policies.get(polKey)!);
    } else this.matchCount.set(polKey, n);
  }

  private refProfile(name: string, delta: 1 | -1): void {
    const n = (this.profileRefs.get(name) ?? 0) + delta;
    if (n === 0) {
      this.profileRefs.delete(name);
      this.scanner.profileInactive(name);
    } else {
      this.profileRefs.set(name, n);
      if (n === 1 && delta === 1) this.scanner.profileActive(name, this.profiles.get(name) ?? null);
    }
  }
}
