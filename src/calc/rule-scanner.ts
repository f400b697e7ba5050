/**
 * RuleScanner: renders active policies and profiles into model objects and
 * keeps the IP sets their rules need alive, refcounted across all owners
 * (felix/calc rule_scanner.go). An IP set is activated in the member index
 * when its first user appears and deactivated when its last user goes.
 */
import type { ProfileSpec } from '../api/kinds/policy/types.js';
import type { IpSetId, ModelPolicy, ModelProfile, ModelRule } from '../dataplane/model/index.js';
import type { IpSetMemberIndex } from './ip-set-member-index.js';
import type { PolicyRecord } from './policy-record.js';
import { compileRules, type IpSetSpec } from './rule-compiler.js';

export interface RuleScannerListener {
  onPolicyActive(policy: ModelPolicy): void;
  onPolicyInactive(policy: PolicyRecord['id']): void;
  onProfileActive(profile: ModelProfile): void;
  onProfileInactive(name: string): void;
}

const DENY_ALL = (owner: string, dir: string): ModelRule[] => [{ action: 'Deny', ruleId: `missing-${dir}-${owner}`.slice(0, 16) }];

export class RuleScanner {
  private readonly setsByOwner = new Map<string, Set<IpSetId>>();
  private readonly refs = new Map<IpSetId, number>();

  constructor(private readonly members: IpSetMemberIndex, private readonly out: RuleScannerListener) {}

  policyActive(rec: PolicyRecord): void {
    const sets = new Map<IpSetId, IpSetSpec>();
    const inboundRules = compileRules(rec.key, 'inbound', rec.ingress, rec.namespace, sets);
    const outboundRules = compileRules(rec.key, 'outbound', rec.egress, rec.namespace, sets);
    const release = this.retain(`pol:${rec.key}`, sets);
    const policy: ModelPolicy = {
      id: rec.id,
      tier: rec.tier,
      ...(rec.order !== undefined ? { order: rec.order } : {}),
      selector: rec.displaySelector,
      inboundRules,
      outboundRules,
      untracked: rec.untracked,
      preDnat: rec.preDnat,
      applyOnForward: rec.applyOnForward,
      ...(rec.stagedAction ? { stagedAction: rec.stagedAction } : {}),
    };
    this.out.onPolicyActive(policy);
    release();
  }

  policyInactive(rec: PolicyRecord): void {
    this.out.onPolicyInactive(rec.id);
    this.retain(`pol:${rec.key}`, new Map())();
  }

  /** `spec` null: the profile does not exist; a deny-all stand-in is sent (fail closed). */
  profileActive(name: string, spec: ProfileSpec | null): void {
    const sets = new Map<IpSetId, IpSetSpec>();
    const profile: ModelProfile = spec === null
      ? { id: { name }, inboundRules: DENY_ALL(name, 'in'), outboundRules: DENY_ALL(name, 'out'), missing: true }
      : {
          id: { name },
          inboundRules: compileRules(`profile/${name}`, 'inbound', spec.ingress, '', sets),
          outboundRules: compileRules(`profile/${name}`, 'outbound', spec.egress, '', sets),
        };
    const release = this.retain(`prof:${name}`, sets);
    this.out.onProfileActive(profile);
    release();
  }

  profileInactive(name: string): void {
    this.out.onProfileInactive(name);
    this.retain(`prof:${name}`, new Map())();
  }

  /**
   * Makes `owner` use exactly `sets`: activates the new ones now and returns a
   * function that releases the ones no longer used (called after the owner's
   * update is sent, so nothing in flight refers to a removed set).
   */
  private retain(owner: string, sets: Map<IpSetId, IpSetSpec>): () => void {
    const old = this.setsByOwner.get(owner) ?? new Set<IpSetId>();
    for (const [id, spec] of sets) {
      if (old.has(id)) continue;
      const n = (this.refs.get(id) ?? 0) + 1;
      this.refs.set(id, n);
      if (n === 1) this.members.addIpSet(spec);
    }
    if (sets.size === 0) this.setsByOwner.delete(owner);
    else this.setsByOwner.set(owner, new Set(sets.keys()));
    return () => {
      for (const id of old) {
        if (sets.has(id)) continue;
        const n = this.refs.get(id)! - 1;
        if (n === 0) {
          this.refs.delete(id);
          this.members.removeIpSet(id);
        } else this.refs.set(id, n);
      }
    };
  }
}
