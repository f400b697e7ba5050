/**
 * PolicyManager (felix/dataplane/linux/policy_mgr.go): active policies and
 * profiles -> their chains. `onMessage` only records what changed; the
 * chains are rendered in `completeDeferredWork`. Policy chains go to the
 * filter table, and also to raw (doNotTrack) or mangle (preDNAT) where the
 * backend has separate tables.
 */
import { policyKey, profileKey } from '../model/ids.js';
import type { DataplaneMsg, ModelPolicy, ModelProfile } from '../model/types.js';
import { policyChains, profileChains, type RuleOptions } from '../rules/endpoint-chains.js';
import type { Family } from '../rules/ir.js';
import type { HookTable } from '../rules/static-chains.js';
import type { RulesetWriter } from './ruleset-writer.js';

interface Programmed {
  readonly names: readonly string[];
  readonly tables: readonly HookTable[];
}

function policyTables(p: ModelPolicy): HookTable[] {
  const t: HookTable[] = ['filter'];
  if (p.untracked) t.push('raw');
  if (p.preDnat) t.push('mangle');
  return t;
}

export class PolicyManager {
  private readonly policies = new Map<string, ModelPolicy>();
  private readonly profiles = new Map<string, ModelProfile>();
  private readonly dirtyPolicies = new Set<string>();
  private readonly dirtyProfiles = new Set<string>();
  /** What is in the writer, per family and key, so a rename or remove deletes the old chains. */
  private readonly programmed = new Map<string, Programmed>();
  /** Policy chain name -> its policy's key (chain names are the same in every family). */
  private readonly chainOwner = new Map<string, string>();
  /** Policy key -> its chain names (owned whether or not they are programmed). */
  private readonly ownedChains = new Map<string, readonly string[]>();
  private logPrefix: string | undefined;

  onMessage(msg: DataplaneMsg): void {
    switch (msg.kind) {
      case 'ActivePolicyUpdate':
        // Staged policies never reach the kernel (the model never lists them on endpoints either).
        if (msg.policy.stagedAction !== undefined) return;
        this.policies.set(policyKey(msg.id), msg.policy);
        this.dirtyPolicies.add(policyKey(msg.id));
        return;
      case 'ActivePolicyRemove':
        this.policies.delete(policyKey(msg.id));
        this.dirtyPolicies.add(policyKey(msg.id));
        return;
      case 'ActiveProfileUpdate':
        this.profiles.set(profileKey(msg.id), msg.profile);
        this.dirtyProfiles.add(profileKey(msg.id));
        return;
      case 'ActiveProfileRemove':
        this.profiles.delete(profileKey(msg.id));
        this.dirtyProfiles.add(profileKey(msg.id));
        return;
      default:
        return;
    }
  }

  /**
   * FelixConfiguration logPrefix: a change re-renders every chain (Log rules
   * carry it). Non-string values keep Felix's default.
   */
  setLogPrefix(prefix: string | undefined): void {
    if (prefix === this.logPrefix) return;
    this.logPrefix = prefix;
    this.markAllDirty();
  }

  /** Marks everything dirty (a family was added). */
  markAllDirty(): void {
    for (const k of this.policies.keys()) this.dirtyPolicies.add(k);
    for (const k of this.profiles.keys()) this.dirtyProfiles.add(k);
  }

  /** An active (non-staged) policy by its policyKey. */
  policy(key: string): ModelPolicy | undefined {
    return this.policies.get(key);
  }

  get activePolicies(): number {
    return this.policies.size;
  }

  /**
   * A policy chain started or stopped being the target of an endpoint
   * chain's jump: its policy is re-programmed (its chain added or removed).
   */
  chainReferenceChanged(chain: string): void {
    const owner = this.chainOwner.get(chain);
    if (owner !== undefined) this.dirtyPolicies.add(owner);
  }

  /**
   * Programs the dirty policies and profiles. A policy chain is only in the
   * kernel while some endpoint chain jumps to it (`referenced`): a policy whose
   * run is compiled into set lookups (allow-sets.ts) for every endpoint, or
   * that has no rules in a direction no endpoint walks, costs no chain (nft
   * re-reads every chain after each change, so idle chains slow every change).
   * Without `referenced` every active policy's chains are programmed.
   */
  completeDeferredWork(w: RulesetWriter, families: readonly Family[], referenced?: (f: Family, chain: string) => boolean): void {
    for (const key of this.dirtyPolicies) {
      const p = this.policies.get(key);
      for (const f of families) {
        let chains = p ? policyChains(p, f, (id, fam) => w.setName(id, fam), (n) => w.chainName('filter', n), this.ruleOptions()) : [];
        for (const n of this.ownedChains.get(key) ?? []) this.chainOwner.delete(n);
        if (p) {
          this.ownedChains.set(key, chains.map((c) => c.name));
          for (const c of chains) this.chainOwner.set(c.name, key);
        } else this.ownedChains.delete(key);
        if (referenced) chains = chains.filter((c) => referenced(f, c.name));
        this.program(w, f, `pol/${key}`, chains, p ? policyTables(p) : []);
      }
    }
    for (const key of this.dirtyProfiles) {
      const p = this.profiles.get(key);
      for (const f of families) {
        this.program(w, f, `prof/${key}`, p ? profileChains(p, f, (id, fam) => w.setName(id, fam), (n) => w.chainName('filter', n), this.ruleOptions()) : [], ['filter']);
      }
    }
    this.dirtyPolicies.clear();
    this.dirtyProfiles.clear();
  }

  private ruleOptions(): RuleOptions {
    return this.logPrefix === undefined ? {} : { logPrefix: this.logPrefix };
  }

  private program(w: RulesetWriter, f: Family, key: string, chains: ReturnType<typeof policyChains>, tables: readonly HookTable[]): void {
    const k = `${f}/${key}`;
    const old = this.programmed.get(k);
    for (const c of chains) w.updateChain(f, tables, c);
    if (old) {
      const keep = new Set(chains.map((c) => c.name));
      for (const n of old.names) {
        if (!keep.has(n)) w.removeChain(f, old.tables, n);
      }
      const goneTables = old.tables.filter((t) => !tables.includes(t));
      if (goneTables.length) for (const n of old.names) if (keep.has(n)) w.removeChain(f, goneTables, n);
    }
    if (chains.length) this.programmed.set(k, { names: chains.map((c) => c.name), tables });
    else this.programmed.delete(k);
  }
}
