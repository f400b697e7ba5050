import { performance } from 'node:perf_hooks';
import { CalicoError } from '../../../lib/errors.js';
import type { NftTransport } from '../../kernel/nft-session.js';
import { ruleComment, ruleHashes } from '../rule-hash.js';
import type { ApplyResult, Table } from '../table.js';
import { canonicalElement, canonicalValue, renderElement } from './elements.js';
import { kernelTableFromJson } from './read-table.js';
import { tableDigests, type KernelDiff } from './kernel-digest.js';
import type { KernelTable, NftBaseChainSpec, NftChain, NftFamily, NftMapSpec, NftSetSpec } from './types.js';

export interface NftablesTableOptions {
  readonly family: NftFamily;
  /** Our table's name, e.g. `calico`. Nothing outside this table is ever touched. */
  readonly name: string;
  readonly transport: NftTransport;
  /**
   * resync() re-reads the whole table in line while the believed state holds
   * at most this many rules + set/map elements (default 20,000: a listing
   * that size takes well under a second); above it, and when the transport
   * has `readDiff`, the read runs in the background (see resync()).
   */
  readonly fullResyncMaxItems?: number;
}

interface DesiredChain { readonly chain: NftChain; readonly hashes: readonly string[]; readonly refs: ReadonlySet<string> }
interface Delta { add: Set<string>; del: Set<string> }
interface DesiredSet {
  readonly spec: NftSetSpec;
  readonly type: string;
  readonly flags: readonly string[];
  readonly members: Set<string>;
  /** Member changes since the last apply; null = diff the whole set. */
  delta: Delta | null;
}
interface DesiredMap {
  readonly spec: NftMapSpec;
  readonly keyType: string;
  readonly valueType: string;
  readonly flags: readonly string[];
  readonly elements: Map<string, string>;
}

interface Plan {
  readonly commands: string[];
  readonly commit: (() => void)[];
  /** The objects this batch may change (for background-read merges). */
  readonly touched: { readonly chains: ReadonlySet<string>; readonly sets: ReadonlySet<string>; readonly maps: ReadonlySet<string> };
}

const normType = (t: string): string => t.split('.').map((s) => s.trim()).join(' . ');
const normFlags = (f: readonly string[] | undefined): string[] => [...(f ?? [])].sort();
const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
const baseKey = (b: NftBaseChainSpec | undefined): string =>
  b ? `${b.type}|${b.hook}|${b.priority}|${b.device ?? ''}` : '';

/** Rules plus set and map elements the believed state holds (how long a full listing takes). */
function believedItems(k: KernelTable): number {
  let n = 0;
  for (const c of k.chains.values()) n += c.hashes.length + 1;
  for (const s of k.sets.values()) n += s.members.size + 1;
  for (const m of k.maps.values()) n += m.elements.size + 1;
  return n;
}

/** The sets and maps (`@name`) a chain's rule bodies reference. */
function bodyRefs(rules: NftChain['rules']): Set<string> {
  const refs = new Set<string>();
  for (const r of rules) for (const m of r.body.matchAll(/@([A-Za-z_][A-Za-z0-9_.\-/]*)/g)) refs.add(m[1] ?? '');
  return refs;
}

/** nft identifiers (chain, set and map names): quoting is not accepted for them, so we check up front. */
const IDENT = /^[A-Za-z_][A-Za-z0-9_.\-/]{0,255}$/;

function checkName(what: string, name: string): void {
  if (!IDENT.test(name)) {
    throw new CalicoError('CALICO_ERR_VALIDATION', `invalid nft ${what} name ${JSON.stringify(name)}: must match ${IDENT.source}`);
  }
}

function chainSpec(b: NftBaseChainSpec): string {
  const dev = b.device === undefined ? '' : ` device "${b.device}";`;
  return ` { type ${b.type} hook ${b.hook}${dev} priority ${b.priority}; policy ${b.policy ?? 'accept'}; }`;
}

function flagsText(f: readonly string[]): string {
  return f.length ? ` flags ${f.join(',')};` : '';
}

/**
 * NftablesTable is the desired-state model of one nftables table we own (one
 * per family), with Felix's generictables shape: managers replace whole
 * chains, sets and maps; apply() computes the smallest delta against what it
 * believes the kernel has and sends it as ONE transaction. The believed state
 * is only ever (re)built from `nft -j list table`: at the first apply (mark
 * and sweep: whatever in our table is not desired is deleted), on resync(),
 * and after any failed batch. Rules are recognised by their `cali:<hash>`
 * comment, so a fresh process adopts an identical table without touching it.
 *
 * Batch order: table, (full-rewrite flushes), new chains, new sets/maps, set
 * element deletes then adds, chain rewrites, map element changes, then
 * flushes and deletes of removed chains, maps and sets. So jump targets and
 * sets exist before the rules that use them and are deleted after.
 */
export class NftablesTable implements Table {
  readonly family: NftFamily;
  readonly name: string;
  private readonly transport: NftTransport;
  private kernel: KernelTable | undefined;
  private readonly chains = new Map<string, DesiredChain>();
  private readonly sets = new Map<string, DesiredSet>();
  private readonly maps = new Map<string, DesiredMap>();
  private dirtyChains = new Set<string>();
  private dirtySets = new Set<string>();
  private dirtyMaps = new Set<string>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly fullResyncMaxItems: number;
  /** Successful batches so far; an object's entry in `touched` says which batch last changed it. */
  private epoch = 0;
  private readonly touched = new Map<string, number>();
  /** Digests of believed objects (kernel-digest.ts); an entry is dropped whenever its object changes. */
  private readonly digests = new Map<string, string>();
  private background: { readonly startEpoch: number; diff?: KernelDiff; failed?: unknown; done: boolean } | null = null;
  /** Background reads started and merged, objects they repaired, reads that failed (metrics, tests). */
  readonly resyncStats = { started: 0, merged: 0, repairedObjects: 0, failed: 0 };

  constructor(opts: NftablesTableOptions) {
    this.family = opts.family;
    this.name = opts.name;
    this.transport = opts.transport;
    this.fullResyncMaxItems = opts.fullResyncMaxItems ?? 20_000;
  }

  private get ref(): string {
    return `${this.family} ${this.name}`;
  }

  updateChain(chain: NftChain): void {
    checkName('chain', chain.name);
    for (const r of chain.rules) {
      // A `;` or newline would end the command inside the one-line batch; the comment is ours to write.
      if (/[\r\n;]/.test(r.body) || /(^|\s)comment\s/.test(r.body)) {
        throw new CalicoError('CALICO_ERR_VALIDATION', `rule in chain ${chain.name} must not contain ';', a newline or a comment clause: ${r.body.slice(0, 80)}`);
      }
    }
    this.chains.set(chain.name, { chain, hashes: ruleHashes(chain.name, chain.rules), refs: bodyRefs(chain.rules) });
    this.dirtyChains.add(chain.name);
  }

  updateChains(chains: readonly NftChain[]): void {
    for (const c of chains) this.updateChain(c);
  }

  removeChain(name: string): void {
    this.chains.delete(name);
    this.dirtyChains.add(name);
  }

  /** Declares a set (creating or retyping it) and replaces its members. */
  setSet(spec: NftSetSpec, members: Iterable<string>): void {
    checkName('set', spec.name);
    this.sets.set(spec.name, {
      spec, type: normType(spec.type), flags: normFlags(spec.flags),
      members: new Set([...members].map(canonicalElement)), delta: null,
    });
    this.dirtySets.add(spec.name);
  }

  addSetMembers(name: string, members: Iterable<string>): void {
    const s = this.requireSet(name);
    for (const m of members) {
      const c = canonicalElement(m);
      s.members.add(c);
      if (s.delta) { s.delta.del.delete(c); s.delta.add.add(c); }
    }
    this.dirtySets.add(name);
  }

  removeSetMembers(name: string, members: Iterable<string>): void {
    const s = this.requireSet(name);
    for (const m of members) {
      const c = canonicalElement(m);
      s.members.delete(c);
      if (s.delta) { s.delta.add.delete(c); s.delta.del.add(c); }
    }
    this.dirtySets.add(name);
  }

  removeSet(name: string): void {
    this.sets.delete(name);
    this.dirtySets.add(name);
  }

  /** Declares a map and replaces all its elements (key -> value, e.g. `"cali1"` -> `jump cali-tw-cali1`). */
  setMap(spec: NftMapSpec, elements: Iterable<readonly [string, string]>): void {
    checkName('map', spec.name);
    this.maps.set(spec.name, {
      spec, keyType: normType(spec.keyType), valueType: normType(spec.valueType), flags: normFlags(spec.flags),
      elements: new Map([...elements].map(([k, v]) => [canonicalElement(k), canonicalValue(v)])),
    });
    this.dirtyMaps.add(spec.name);
  }

  /** Replaces the elements of an already declared map. */
  setMapElements(name: string, elements: Iterable<readonly [string, string]>): void {
    const m = this.requireMap(name);
    m.elements.clear();
    for (const [k, v] of elements) m.elements.set(canonicalElement(k), canonicalValue(v));
    this.dirtyMaps.add(name);
  }

  setMapElement(name: string, key: string, value: string): void {
    this.requireMap(name).elements.set(canonicalElement(key), canonicalValue(value));
    this.dirtyMaps.add(name);
  }

  removeMapElement(name: string, key: string): void {
    this.requireMap(name).elements.delete(canonicalElement(key));
    this.dirtyMaps.add(name);
  }

  removeMap(name: string): void {
    this.maps.delete(name);
    this.dirtyMaps.add(name);
  }

  /** Names currently desired (for managers and tests). */
  chainNames(): string[] { return [...this.chains.keys()]; }
  setMembers(name: string): ReadonlySet<string> | undefined { return this.sets.get(name)?.members; }

  invalidate(): void {
    this.kernel = undefined;
  }

  /**
   * Repairs whatever changed behind our back. A small table (or an unknown
   * one) is re-read whole, in line. A big one is read in the background
   * (transport.readDiff: nft and the JSON parse run off this thread; reading
   * a 300k-rule table takes nft 13-20 s): this call starts the read and
   * returns after a normal apply, and the objects found different are merged
   * into the believed state by the first apply or resync after the read ends,
   * except objects we changed meanwhile. So a periodic resync never holds up
   * applies, and tampering is repaired one read later.
   */
  resync(): Promise<ApplyResult> {
    return this.serialized(async () => {
      const k = this.kernel;
      if (!k || !this.transport.readDiff || believedItems(k) <= this.fullResyncMaxItems) {
        this.kernel = undefined;
        return this.applyNow();
      }
      if (!this.background) {
        const bg: { startEpoch: number; diff?: KernelDiff; failed?: unknown; done: boolean } = { startEpoch: this.epoch, done: false };
        this.background = bg;
        this.resyncStats.started++;
        this.transport.readDiff(this.family, this.name, tableDigests(k, this.digests)).then(
          (d) => { bg.diff = d; bg.done = true; },
          (e: unknown) => { bg.failed = e; bg.done = true; },
        );
      }
      return this.applyNow();
    });
  }

  /** Merges a finished background read: differing objects not changed since it started become dirty. */
  private mergeBackground(k: KernelTable): boolean {
    const bg = this.background;
    if (!bg?.done) return false;
    this.background = null;
    if (!bg.diff) { this.resyncStats.failed++; return false; }
    this.resyncStats.merged++;
    const d = bg.diff;
    if (!d.exists) { this.kernel = undefined; return true; }
    const stale = (key: string): boolean => (this.touched.get(key) ?? 0) > bg.startEpoch;
    for (const [n, c] of d.chains) {
      if (stale(`c/${n}`)) continue;
      if (c) k.chains.set(n, c); else k.chains.delete(n);
      this.digests.delete(`c/${n}`);
      this.dirtyChains.add(n);
      this.resyncStats.repairedObjects++;
    }
    for (const [n, st] of d.sets) {
      if (stale(`s/${n}`)) continue;
      if (st) k.sets.set(n, { type: st.type, flags: st.flags, members: new Set(st.members) }); else k.sets.delete(n);
      this.digests.delete(`s/${n}`);
      this.dirtySets.add(n);
      const ds = this.sets.get(n);
      if (ds) ds.delta = null;
      this.resyncStats.repairedObjects++;
    }
    for (const [n, m] of d.maps) {
      if (stale(`m/${n}`)) continue;
      if (m) k.maps.set(n, { keyType: m.keyType, valueType: m.valueType, flags: m.flags, elements: new Map(m.elements) }); else k.maps.delete(n);
      this.digests.delete(`m/${n}`);
      this.dirtyMaps.add(n);
      this.resyncStats.repairedObjects++;
    }
    return true;
  }

  apply(): Promise<ApplyResult> {
    return this.serialized(() => this.applyNow());
  }

  /** Deletes our whole table (dataplane switch-over or uninstall) and forgets the desired state. */
  deleteTable(): Promise<void> {
    return this.serialized(async () => {
      this.chains.clear(); this.sets.clear(); this.maps.clear();
      this.dirtyChains.clear(); this.dirtySets.clear(); this.dirtyMaps.clear();
      this.background = null;
      const k = kernelTableFromJson(await this.transport.listTable(this.family, this.name));
      if (k.exists) await this.transport.transact([`delete table ${this.ref}`]);
      this.kernel = kernelTableFromJson(null);
    });
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async readKernel(): Promise<KernelTable> {
    this.background = null; // a whole read supersedes a background one
    this.digests.clear();
    const k = kernelTableFromJson(await this.transport.listTable(this.family, this.name));
    for (const n of [...k.chains.keys(), ...this.chains.keys()]) this.dirtyChains.add(n);
    for (const n of [...k.sets.keys(), ...this.sets.keys()]) this.dirtySets.add(n);
    for (const n of [...k.maps.keys(), ...this.maps.keys()]) this.dirtyMaps.add(n);
    for (const s of this.sets.values()) s.delta = null;
    this.kernel = k;
    return k;
  }

  private async applyNow(): Promise<ApplyResult> {
    const t0 = performance.now();
    let readKernel = false;
    for (let attempt = 0; ; attempt++) {
      if (this.kernel && this.mergeBackground(this.kernel)) readKernel = true;
      let k = this.kernel;
      if (!k) { k = await this.readKernel(); readKernel = true; }
      const plan = this.plan(k);
      if (plan.commands.length === 0) {
        for (const c of plan.commit) c();
        return { commands: 0, readKernel, durationMs: performance.now() - t0 };
      }
      try {
        await this.transport.transact(plan.commands);
      } catch (e) {
        // Whatever we believed may be wrong (tampering, a crashed session): re-read and retry once.
        this.kernel = undefined;
        if (attempt >= 1) throw e instanceof CalicoError ? e : new CalicoError('CALICO_ERR_KERNEL', String(e), { cause: e });
        continue;
      }
      for (const c of plan.commit) c();
      this.epoch++;
      const touch = (key: string): void => { this.touched.set(key, this.epoch); this.digests.delete(key); };
      for (const n of plan.touched.chains) touch(`c/${n}`);
      for (const n of plan.touched.sets) touch(`s/${n}`);
      for (const n of plan.touched.maps) touch(`m/${n}`);
      return { commands: plan.commands.length, readKernel, durationMs: performance.now() - t0 };
    }
  }

  /** Computes the batch for the dirty objects and the believed-state updates to make once it succeeds. */
  private plan(k: KernelTable): Plan {
    const T = this.ref;
    const pre: string[] = []; const addChains: string[] = []; const addSets: string[] = [];
    const elems: string[] = []; const rules: string[] = []; const mapOps: string[] = [];
    const flushDel: string[] = []; const delMaps: string[] = []; const delChains: string[] = []; const delSets: string[] = [];
    const commit: (() => void)[] = [];
    const dirtyChains = this.dirtyChains; const dirtySets = this.dirtySets; const dirtyMaps = this.dirtyMaps;
    // Taken now; a failed batch leaves the believed state unknown, and the
    // re-read that follows marks everything dirty again.
    this.dirtyChains = new Set(); this.dirtySets = new Set(); this.dirtyMaps = new Set();
    if (!k.exists) { pre.push(`add table ${T}`); commit.push(() => { k.exists = true; }); }

    // A set or map whose type or flags changed is deleted and re-created in
    // the same batch. nft refuses to delete a referenced set, so the chains
    // that reference it (in the kernel or in the new desired rules) are
    // flushed first and rewritten after; no other chain is touched.
    const recreated = new Set<string>();
    const retyped: string[] = [];
    for (const n of dirtySets) {
      const d = this.sets.get(n); const ks = k.sets.get(n);
      if (d && ks && (ks.type !== d.type || !sameList(ks.flags, d.flags))) { recreated.add(`set:${n}`); retyped.push(n); }
    }
    for (const n of dirtyMaps) {
      const d = this.maps.get(n); const km = k.maps.get(n);
      if (d && km && (km.keyType !== d.keyType || km.valueType !== d.valueType || !sameList(km.flags, d.flags))) { recreated.add(`map:${n}`); retyped.push(n); }
    }
    const flushed = new Set<string>();
    if (retyped.length) {
      const refersToRetyped = (refs: ReadonlySet<string>): boolean => retyped.some((n) => refs.has(n));
      for (const [n, kc] of k.chains) if (refersToRetyped(kc.refs)) { pre.push(`flush chain ${T} ${n}`); flushed.add(n); dirtyChains.add(n); }
      for (const [n, d] of this.chains) if (refersToRetyped(d.refs)) dirtyChains.add(n);
      for (const r of recreated) {
        const [kind, n] = [r.slice(0, 3), r.slice(4)];
        pre.push(`delete ${kind} ${T} ${n}`);
        if (kind === 'set') { const d = this.sets.get(n); if (d) d.delta = null; }
      }
    }

    for (const n of dirtyChains) {
      const d = this.chains.get(n); const kc = k.chains.get(n);
      if (!d) {
        if (!kc) continue;
        if (!flushed.has(n)) flushDel.push(`flush chain ${T} ${n}`);
        delChains.push(`delete chain ${T} ${n}`);
        commit.push(() => { k.chains.delete(n); });
        continue;
      }
      const base = d.chain.base;
      let have: readonly string[] = kc && !flushed.has(n) ? kc.hashes : [];
      if (!kc) {
        addChains.push(`add chain ${T} ${n}${base ? chainSpec(base) : ''}`);
      } else if (baseKey(kc.base) !== baseKey(base)) {
        if (!flushed.has(n)) pre.push(`flush chain ${T} ${n}`);
        pre.push(`delete chain ${T} ${n}`);
        addChains.push(`add chain ${T} ${n}${base ? chainSpec(base) : ''}`);
        have = [];
        flushed.add(n);
      } else if (base && (kc.base?.policy ?? 'accept') !== (base.policy ?? 'accept')) {
        addChains.push(`chain ${T} ${n}${chainSpec(base)}`);
      }
      const want = d.hashes;
      if (!sameList(have, want)) {
        let from = 0;
        if (have.length <= want.length && have.every((h, i) => h === want[i])) from = have.length;
        else if (!flushed.has(n)) rules.push(`flush chain ${T} ${n}`);
        d.chain.rules.slice(from).forEach((r, i) => {
          rules.push(`add rule ${T} ${n} ${r.body} comment "${ruleComment(want[from + i] ?? '', r.comment)}"`);
        });
      }
      const hashes = [...want];
      const refs = new Set(d.refs);
      commit.push(() => { k.chains.set(n, base ? { base, hashes, refs } : { hashes, refs }); });
    }

    for (const n of dirtySets) {
      const d = this.sets.get(n); const ks = recreated.has(`set:${n}`) ? undefined : k.sets.get(n);
      if (!d) {
        if (ks) { delSets.push(`delete set ${T} ${n}`); commit.push(() => { k.sets.delete(n); }); }
        continue;
      }
      const render = (ms: Iterable<string>): string => [...ms].map((m) => renderElement(m, d.type)).join(', ');
      if (!ks) {
        addSets.push(`add set ${T} ${n} { type ${d.type};${flagsText(d.flags)} }`);
        if (d.members.size) elems.push(`add element ${T} ${n} { ${render(d.members)} }`);
        const members = new Set(d.members);
        d.delta = { add: new Set(), del: new Set() };
        commit.push(() => { k.sets.set(n, { type: d.type, flags: d.flags, members }); });
        continue;
      }
      const toAdd: string[] = []; const toDel: string[] = [];
      if (d.delta) {
        for (const m of d.delta.add) if (!ks.members.has(m)) toAdd.push(m);
        for (const m of d.delta.del) if (ks.members.has(m)) toDel.push(m);
      } else {
        for (const m of d.members) if (!ks.members.has(m)) toAdd.push(m);
        for (const m of ks.members) if (!d.members.has(m)) toDel.push(m);
      }
      d.delta = { add: new Set(), del: new Set() };
      if (toDel.length) elems.push(`delete element ${T} ${n} { ${render(toDel)} }`);
      if (toAdd.length) elems.push(`add element ${T} ${n} { ${render(toAdd)} }`);
      commit.push(() => { for (const m of toDel) ks.members.delete(m); for (const m of toAdd) ks.members.add(m); });
    }

    for (const n of dirtyMaps) {
      const d = this.maps.get(n); const km = recreated.has(`map:${n}`) ? undefined : k.maps.get(n);
      if (!d) {
        if (km) { delMaps.push(`delete map ${T} ${n}`); commit.push(() => { k.maps.delete(n); }); }
        continue;
      }
      const elem = (key: string): string => renderElement(key, d.keyType);
      const have = km?.elements ?? new Map<string, string>();
      if (!km) addSets.push(`add map ${T} ${n} { type ${d.keyType} : ${d.valueType};${flagsText(d.flags)} }`);
      const del = [...have.keys()].filter((key) => d.elements.get(key) !== have.get(key));
      const add = [...d.elements].filter(([key, v]) => have.get(key) !== v);
      if (del.length) mapOps.push(`delete element ${T} ${n} { ${del.map(elem).join(', ')} }`);
      if (add.length) mapOps.push(`add element ${T} ${n} { ${add.map(([key, v]) => `${elem(key)} : ${v}`).join(', ')} }`);
      const elements = new Map(d.elements);
      commit.push(() => { k.maps.set(n, { keyType: d.keyType, valueType: d.valueType, flags: d.flags, elements }); });
    }

    const commands = [...pre, ...addChains, ...addSets, ...elems, ...rules, ...mapOps, ...flushDel, ...delMaps, ...delChains, ...delSets];
    return { commands, commit, touched: { chains: dirtyChains, sets: dirtySets, maps: dirtyMaps } };
  }

  private requireSet(name: string): DesiredSet {
    const s = this.sets.get(name);
    if (!s) throw new CalicoError('CALICO_ERR_KERNEL', `nft set ${name} is not declared in table ${this.ref}`);
    return s;
  }

  private requireMap(name: string): DesiredMap {
    const m = this.maps.get(name);
    if (!m) throw new CalicoError('CALICO_ERR_KERNEL', `nft map ${name} is not declared in table ${this.ref}`);
    return m;
  }
}
