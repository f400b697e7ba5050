/**
 * AllowSetsManager: the kernel sets behind compiled allow-only policy runs
 * (rules/allow-runs.ts), shared by every endpoint chain with the same run.
 *
 * A run is keyed by direction and its ordered policy keys; per family it has
 * a compiled form (the endpoint-chain rules and up to two sets) or none (too
 * big: the run is walked). The manager follows policy and IP-set changes:
 * members are recomputed for the runs that use a changed policy or set and
 * only changed sets are sent; when a run's rules themselves change (a shape
 * appeared or went, or it crossed the size guard) the endpoints using it are
 * handed back to be re-rendered, as are endpoints holding a policy whose
 * compilability changed (run boundaries move).
 *
 * Call order per apply: onMessage (any time) -> update() after the policy
 * manager -> endpoint rendering through compilerFor() -> flush().
 */
import { createHash } from 'node:crypto';
import { policyKey, type PolicyId } from '../model/ids.js';
import type { DataplaneMsg, ModelPolicy, TierInfo } from '../model/types.js';
import { compileRun, isAllowOnlyPolicy, policyRules, type CompiledRun, type RunDirection } from '../rules/allow-runs.js';
import type { TierCompiler, TierPart } from '../rules/endpoint-chains.js';
import type { Family } from '../rules/ir.js';
import type { RulesetWriter } from './ruleset-writer.js';

/** Runs shorter than this are walked: one policy gains nothing from a set. */
export const MIN_RUN = 2;

/** What the manager reads from the policy and IP-set managers. */
export interface AllowSetsSource {
  policy(key: string): ModelPolicy | undefined;
  ipSetMembers(id: string): Iterable<string> | undefined;
}

interface FamilyState {
  compiled: CompiledRun | null;
  rulesSig: string;
  /** Set name -> members signature last sent. */
  readonly sent: Map<string, string>;
}

interface RunState {
  /** The run key (direction and policy keys); this instance is the one every index holds. */
  readonly key: string;
  readonly dir: RunDirection;
  readonly policyKeys: readonly string[];
  readonly id: string;
  readonly users: Set<string>;
  readonly families: Map<Family, FamilyState>;
  ipSetIds: Set<string>;
}

const ING = 1;
const EGR = 2;

export class AllowSetsManager {
  private readonly runs = new Map<string, RunState>();
  private readonly byPolicy = new Map<string, Set<string>>();
  private readonly byIpSet = new Map<string, Set<string>>();
  /** Endpoint key -> run keys its chains use. */
  private readonly usedBy = new Map<string, Set<string>>();
  /** Policy key -> compilability bits (ING|EGR) the rendered chains assumed. */
  private readonly flags = new Map<string, number>();
  private readonly dirtyPolicies = new Set<string>();
  private readonly dirtyIpSets = new Set<string>();
  private readonly released = new Set<string>();
  /** Runs whose sets must be sent again (markAllDirty). */
  private readonly stale = new Set<string>();

  constructor(private readonly src: AllowSetsSource, private readonly enabled = true) {}

  onMessage(msg: DataplaneMsg): void {
    switch (msg.kind) {
      case 'ActivePolicyUpdate': if (msg.policy.stagedAction === undefined) this.dirtyPolicies.add(policyKey(msg.id)); return;
      case 'ActivePolicyRemove': this.dirtyPolicies.add(policyKey(msg.id)); return;
      case 'IpSetUpdate': case 'IpSetDeltaUpdate': case 'IpSetRemove': this.dirtyIpSets.add(msg.id); return;
      default: return;
    }
  }

  get activeRuns(): number {
    return this.runs.size;
  }

  /**
   * Recomputes the runs touched by changed policies and IP sets (sending their
   * sets). Returns the endpoint keys to re-render and the policy keys whose
   * compilability changed (the caller re-renders endpoints holding them).
   */
  update(w: RulesetWriter): { endpoints: Set<string>; policies: Set<string> } {
    const endpoints = new Set<string>();
    const policies = new Set<string>();
    const touched = new Set<string>();
    for (const key of this.dirtyPolicies) {
      const old = this.flags.get(key);
      if (old !== undefined) {
        const now = this.computeFlags(key);
        if (now !== old) { policies.add(key); this.flags.set(key, now); }
      }
      for (const r of this.byPolicy.get(key) ?? []) touched.add(r);
    }
    for (const id of this.dirtyIpSets) for (const r of this.byIpSet.get(id) ?? []) touched.add(r);
    for (const r of this.stale) touched.add(r);
    this.stale.clear();
    this.dirtyPolicies.clear();
    this.dirtyIpSets.clear();
    for (const rk of touched) {
      const run = this.runs.get(rk);
      if (!run) continue;
      for (const [f, fs] of run.families) {
        const before = fs.rulesSig;
        this.compute(w, run, f, fs);
        if (fs.rulesSig !== before) for (const u of run.users) endpoints.add(u);
      }
    }
    return { endpoints, policies };
  }

  /** Forgets the runs an endpoint used (it is about to be re-rendered or is gone). */
  release(epKey: string): void {
    const used = this.usedBy.get(epKey);
    if (!used) return;
    for (const rk of used) {
      const run = this.runs.get(rk);
      if (!run) continue;
      run.users.delete(epKey);
      if (run.users.size === 0) this.released.add(rk);
    }
    this.usedBy.delete(epKey);
  }

  /** The tier compiler for one endpoint's chains in family `f`. */
  compilerFor(w: RulesetWriter, f: Family, epKey: string): TierCompiler {
    return (_tier: TierInfo, dir, pols) => this.compileTier(w, f, epKey, dir, pols);
  }

  /** Removes the sets of runs no endpoint uses any more. */
  flush(w: RulesetWriter): void {
    for (const rk of this.released) {
      const run = this.runs.get(rk);
      if (!run || run.users.size > 0) continue;
      for (const [f, fs] of run.families) for (const name of fs.sent.keys()) w.removeIpSet(f, name);
      this.runs.delete(rk);
      for (const pk of run.policyKeys) unindex(this.byPolicy, pk, rk);
      for (const id of run.ipSetIds) unindex(this.byIpSet, id, rk);
    }
    this.released.clear();
  }

  /**
   * The families changed: state of a dropped family is forgotten (the writer
   * removed its objects) and every run's sets are sent again at the next update.
   */
  markAllDirty(families: readonly Family[]): void {
    for (const [rk, run] of this.runs) {
      for (const [f, fs] of run.families) {
        if (!families.includes(f)) { run.families.delete(f); continue; }
        for (const name of fs.sent.keys()) fs.sent.set(name, '');
      }
      this.stale.add(rk);
    }
  }

  private computeFlags(key: string): number {
    const p = this.src.policy(key);
    if (!p || !this.enabled) return 0;
    return (isAllowOnlyPolicy(p, 'ingress') ? ING : 0) | (isAllowOnlyPolicy(p, 'egress') ? EGR : 0);
  }

  private compilable(key: string, dir: RunDirection): boolean {
    let fl = this.flags.get(key);
    if (fl === undefined) this.flags.set(key, (fl = this.computeFlags(key)));
    return (fl & (dir === 'ingress' ? ING : EGR)) !== 0;
  }

  private compileTier(w: RulesetWriter, f: Family, epKey: string, dir: RunDirection, pols: readonly PolicyId[]): TierPart[] {
    const parts: TierPart[] = [];
    let i = 0;
    while (i < pols.length) {
      let j = i;
      const keys: string[] = [];
      while (j < pols.length) {
        const k = policyKey(pols[j]!);
        if (!this.compilable(k, dir)) break;
        keys.push(k);
        j++;
      }
      if (keys.length >= MIN_RUN) {
        const compiled = this.acquire(w, f, epKey, dir, keys);
        if (compiled) {
          parts.push({ rules: compiled.rules });
          i = j;
          continue;
        }
      }
      // Walk the policies of a short or oversized run, then the policy that ended it.
      for (; i < Math.min(j + 1, pols.length); i++) parts.push({ walk: pols[i]! });
    }
    return parts;
  }

  private acquire(w: RulesetWriter, f: Family, epKey: string, dir: RunDirection, keys: readonly string[]): CompiledRun | null {
    const rk = `${dir}|${keys.join('|')}`;
    let run = this.runs.get(rk);
    if (!run) {
      const id = createHash('sha1').update(rk).digest('hex').slice(0, 16);
      run = { key: rk, dir, policyKeys: keys, id, users: new Set(), families: new Map(), ipSetIds: new Set() };
      this.runs.set(rk, run);
      for (const pk of keys) index(this.byPolicy, pk, rk);
    }
    let fs = run.families.get(f);
    if (!fs) {
      fs = { compiled: null, rulesSig: '', sent: new Map() };
      run.families.set(f, fs);
      this.compute(w, run, f, fs);
    }
    run.users.add(epKey);
    this.released.delete(run.key);
    let used = this.usedBy.get(epKey);
    if (!used) this.usedBy.set(epKey, (used = new Set()));
    // The run's own key instance: a per-endpoint copy of a long key would cost memory per endpoint.
    used.add(run.key);
    return fs.compiled;
  }

  /** (Re)compiles one run in one family and sends the sets whose members changed. */
  private compute(w: RulesetWriter, run: RunState, f: Family, fs: FamilyState): void {
    const rules = run.policyKeys.flatMap((k) => {
      const p = this.src.policy(k);
      return p ? policyRules(p, run.dir) : [];
    });
    const ipSetIds = new Set<string>();
    for (const r of rules) for (const id of (run.dir === 'ingress' ? r.srcIpSetIds : r.dstIpSetIds) ?? []) ipSetIds.add(id);
    for (const id of run.ipSetIds) if (!ipSetIds.has(id)) unindex(this.byIpSet, id, run.key);
    for (const id of ipSetIds) index(this.byIpSet, id, run.key);
    run.ipSetIds = ipSetIds;
    const names = { netPort: w.setName(`a:${run.id}p`, f), net: w.setName(`a:${run.id}n`, f) };
    const compiled = compileRun(rules, run.dir, names, {
      family: f, backend: w.backend, setName: (id, fam) => w.setName(id, fam),
      members: (id) => this.src.ipSetMembers(id),
    });
    fs.compiled = compiled;
    fs.rulesSig = compiled ? JSON.stringify(compiled.rules) : 'walk';
    const want = new Map((compiled?.sets ?? []).map((s) => [s.name, s]));
    for (const name of [...fs.sent.keys()]) {
      if (!want.has(name)) { w.removeIpSet(f, name); fs.sent.delete(name); }
    }
    for (const s of want.values()) {
      const sig = `${s.kind}|${s.members.join(' ')}`;
      if (fs.sent.get(s.name) === sig) continue;
      w.setIpSet(f, s.name, s.kind, s.members);
      fs.sent.set(s.name, sig);
    }
  }
}

function index(m: Map<string, Set<string>>, k: string, v: string): void {
  let s = m.get(k);
  if (!s) m.set(k, (s = new Set()));
  s.add(v);
}

function unindex(m: Map<string, Set<string>>, k: string, v: string): void {
  const s = m.get(k);
  if (!s) return;
  s.delete(v);
  if (s.size === 0) m.delete(k);
}
