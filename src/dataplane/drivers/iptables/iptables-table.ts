import { performance } from 'node:perf_hooks';
import { CalicoError } from '../../../lib/errors.js';
import type { Exec } from '../../kernel/exec-shim.js';
import { ruleComment, ruleHashes } from '../rule-hash.js';
import type { ApplyResult, Rule, Table } from '../table.js';
import { iptablesCommands, type IptablesBackend } from './backend.js';
import { parseIptablesSave, type SavedChains } from './save-parse.js';

export type IptablesTableName = 'filter' | 'nat' | 'mangle' | 'raw';

export interface IptablesTableOptions {
  readonly ipVersion: 4 | 6;
  readonly table: IptablesTableName;
  readonly exec: Exec;
  readonly backend: IptablesBackend;
  /** Prefix of the chains we own (Felix: `cali-`). */
  readonly chainPrefix?: string;
}

interface Desired { readonly rules: readonly Rule[]; readonly hashes: readonly string[] }
interface Inserted extends Desired { readonly mode: 'insert' | 'append' }

/**
 * One table's share of an iptables-restore: its lines (without the `*table`
 * header and COMMIT), rendered only while they are streamed to the restore
 * (a start-up plan has 100,000s of rule lines: they never exist all at once),
 * and what to record in the believed kernel state once the restore succeeded.
 */
export interface TablePlan {
  readonly table: IptablesTableName;
  /** Number of lines `lines()` yields. */
  readonly count: number;
  lines(): Iterable<string>;
  commit(): void;
}

/**
 * The restore input for several tables, as pieces for a streamed stdin: one
 * `*table ... COMMIT` block each (one kernel transaction per table).
 */
export function* restoreInput(plans: readonly TablePlan[]): Generator<string> {
  for (const p of plans) {
    yield `*${p.table}\n`;
    for (const l of p.lines()) { yield l; yield '\n'; }
    yield 'COMMIT\n';
  }
}

/**
 * restoreInput held back before the first COMMIT until `gate` settles: the
 * restore parses (and checks set names) while the gate's work runs, but no
 * table is committed before it is done. A rejected gate ends the input with
 * an error before any COMMIT, so the restore applies nothing.
 */
export async function* gatedRestoreInput(plans: readonly TablePlan[], gate: Promise<unknown>): AsyncGenerator<string> {
  let buf = '';
  let waiting: Promise<unknown> | undefined = gate;
  for (const piece of restoreInput(plans)) {
    if (waiting && piece === 'COMMIT\n') {
      if (buf) { yield buf; buf = ''; }
      await waiting;
      waiting = undefined;
    }
    buf += piece;
    if (buf.length >= 65536) { yield buf; buf = ''; }
  }
  if (buf) yield buf;
}

/** Each table's built-in chains (what `iptables-save -t TABLE` prints for an empty table). */
const BUILTIN_CHAINS: Readonly<Record<IptablesTableName, readonly string[]>> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  raw: ['PREROUTING', 'OUTPUT'],
};

/** A plan declaring at least this many chains into an empty table uses the bulk form (see plan()). */
const BULK_CHAINS = 64;

/** `cali-` chain names are at most 28 characters in iptables. */
const CHAIN_NAME = /^[A-Za-z0-9_.\-]{1,28}$/;

function ruleLine(op: string, chain: string, rule: Rule, hash: string): string {
  return `${op} ${chain} -m comment --comment "${ruleComment(hash, rule.comment, 255)}" ${rule.body}`.trimEnd();
}

/**
 * IptablesTable is one iptables table (filter, nat, mangle, raw) for one IP
 * version, programmed with `iptables-restore --noflush` the way Felix's
 * iptables.Table does: we own every chain named `cali-*` (created, rewritten,
 * swept) and, in other chains (INPUT, FORWARD, ...), only the rules carrying
 * our `cali:<hash>` comment, which we keep at the top (insert) or bottom
 * (append). Each apply sends only the chains that changed, in one restore
 * (one COMMIT = one atomic table replace in the kernel). A `:chain - -`
 * line in --noflush mode flushes that chain, so a changed chain is rewritten
 * whole; when the kernel chain is a prefix of the desired one only the tail is
 * appended. Several tables of one IP version can share one restore
 * (`IptablesTables`, the writer's per-apply path): `plan()` and `adoptSave()`
 * are the pieces; `apply()` is the same loop for this table alone.
 */
export class IptablesTable implements Table {
  readonly name: IptablesTableName;
  readonly ipVersion: 4 | 6;
  private readonly exec: Exec;
  readonly cmds: { readonly save: string; readonly restore: string };
  private readonly backend: IptablesBackend;
  private readonly prefix: string;
  private kernel: SavedChains | undefined;
  private readonly chains = new Map<string, Desired>();
  private readonly inserts = new Map<string, Inserted>();
  private dirty = new Set<string>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(opts: IptablesTableOptions) {
    this.name = opts.table;
    this.ipVersion = opts.ipVersion;
    this.exec = opts.exec;
    this.cmds = iptablesCommands(opts.ipVersion, opts.backend);
    this.backend = opts.backend;
    this.prefix = opts.chainPrefix ?? 'cali-';
  }

  private ours(chain: string): boolean {
    return chain.startsWith(this.prefix);
  }

  updateChain(chain: { readonly name: string; readonly rules: readonly Rule[] }): void {
    if (!this.ours(chain.name) || !CHAIN_NAME.test(chain.name)) {
      throw new CalicoError('CALICO_ERR_VALIDATION', `iptables chain ${JSON.stringify(chain.name)} must start with ${this.prefix} and have at most 28 characters [A-Za-z0-9_.-]`);
    }
    for (const r of chain.rules) {
      if (/[\r\n]/.test(r.body)) throw new CalicoError('CALICO_ERR_VALIDATION', `rule in chain ${chain.name} contains a newline`);
    }
    this.chains.set(chain.name, { rules: chain.rules, hashes: ruleHashes(chain.name, chain.rules) });
    this.dirty.add(chain.name);
  }

  removeChain(name: string): void {
    this.chains.delete(name);
    this.dirty.add(name);
  }

  /**
   * Sets our rules inside a chain we do not own (e.g. FORWARD -> cali-FORWARD),
   * kept at the top (`insert`, Felix's default ChainInsertMode) or the bottom.
   * An empty list removes them.
   */
  setInsertedRules(chain: string, rules: readonly Rule[], mode: 'insert' | 'append' = 'insert'): void {
    if (this.ours(chain)) throw new CalicoError('CALICO_ERR_VALIDATION', `use updateChain for our own chain ${chain}`);
    this.inserts.set(chain, { rules, hashes: ruleHashes(chain, rules), mode });
    this.dirty.add(chain);
  }

  invalidate(): void {
    this.kernel = undefined;
  }

  /** Whether the believed kernel state is unknown (the next plan needs a save output first). */
  get needsRead(): boolean {
    return this.kernel === undefined;
  }

  /** Whether anything may need sending (a known kernel state and no pending change: nothing to do). */
  get pending(): boolean {
    return this.kernel === undefined || this.dirty.size > 0;
  }

  apply(): Promise<ApplyResult> {
    return this.serialized(() => this.applyNow());
  }

  resync(): Promise<ApplyResult> {
    return this.serialized(() => { this.kernel = undefined; return this.applyNow(); });
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Takes the believed kernel state from `iptables-save` output (of this
   * table alone or of all tables: only this table's section is read). Every
   * chain found or desired is re-checked at the next plan.
   */
  adoptSave(saveOutput: string): void {
    const k = parseIptablesSave(saveOutput, this.name);
    // A save of all tables omits one that does not exist yet, and the nft backend
    // creates built-in chains only when used: a missing one is empty, and a
    // restore that inserts into it creates it.
    for (const c of BUILTIN_CHAINS[this.name]) if (!k.has(c)) k.set(c, []);
    for (const [name, hs] of k) if (this.ours(name) || hs.some((h) => h !== '')) this.dirty.add(name);
    for (const n of this.chains.keys()) this.dirty.add(n);
    for (const n of this.inserts.keys()) this.dirty.add(n);
    this.kernel = k;
  }

  private async read(): Promise<void> {
    const r = await this.exec.run(this.cmds.save, ['-t', this.name]);
    if (r.code !== 0) throw new CalicoError('CALICO_ERR_KERNEL', `${this.cmds.save} -t ${this.name} failed: ${r.stderr.trim()}`);
    this.adoptSave(r.stdout);
  }

  private async applyNow(): Promise<ApplyResult> {
    const t0 = performance.now();
    let readKernel = false;
    for (let attempt = 0; ; attempt++) {
      if (!this.kernel) { await this.read(); readKernel = true; }
      const p = this.plan();
      if (!p) return { commands: 0, readKernel, durationMs: performance.now() - t0 };
      const r = await this.exec.run(this.cmds.restore, ['--noflush', '--wait=10'], restoreInput([p]));
      if (r.code !== 0) {
        this.kernel = undefined;
        if (attempt >= 1) throw new CalicoError('CALICO_ERR_KERNEL', `${this.cmds.restore} failed: ${r.stderr.trim().slice(0, 4000)}`);
        continue;
      }
      p.commit();
      return { commands: p.count, readKernel, durationMs: performance.now() - t0 };
    }
  }

  /**
   * The lines that bring the believed kernel state to the desired one, or
   * null when nothing differs. The dirty marks are consumed: after a failed
   * restore, `invalidate()` (a re-read marks everything for re-checking).
   */
  plan(): TablePlan | null {
    const k = this.kernel;
    if (!k) throw new CalicoError('CALICO_ERR_KERNEL', `iptables table ${this.name}: kernel state not read before planning`);
    const decls: string[] = []; const ins: string[] = []; const dels: string[] = [];
    /** Chains whose rules from index `from` on are (re)written: rendered lazily. */
    const writes: { name: string; d: Desired; from: number }[] = [];
    let ruleCount = 0;
    const commit: (() => void)[] = [];
    const dirty = this.dirty;
    this.dirty = new Set();
    for (const name of [...dirty].sort()) {
      const have = k.get(name);
      if (this.ours(name)) {
        const d = this.chains.get(name);
        if (!d) {
          if (have) { decls.push(`:${name} - -`); dels.push(`-X ${name}`); commit.push(() => { k.delete(name); }); }
          continue;
        }
        if (have && have.length === d.hashes.length && have.every((h, i) => h === d.hashes[i])) continue;
        let from = 0;
        if (have && have.length < d.hashes.length && have.every((h, i) => h === d.hashes[i])) from = have.length;
        else decls.push(`:${name} - -`);
        writes.push({ name, d, from });
        ruleCount += d.rules.length - from;
        // Desired hash lists are replaced, never mutated: the kernel view can share them.
        const hashes = d.hashes;
        commit.push(() => { k.set(name, hashes); });
        continue;
      }
      if (!have) continue; // not a chain of this table (yet): nothing of ours can be in it
      const want = this.inserts.get(name) ?? { rules: [], hashes: [], mode: 'insert' as const };
      const ourPos: number[] = [];
      have.forEach((h, i) => { if (h !== '') ourPos.push(i + 1); });
      const n = want.hashes.length;
      const inPlace = ourPos.length === n && ourPos.every((p, i) => have[p - 1] === want.hashes[i]) &&
        ourPos.every((p, i) => p === (want.mode === 'insert' ? i + 1 : have.length - n + i + 1));
      if (inPlace) continue;
      for (const p of [...ourPos].reverse()) ins.push(`-D ${name} ${p}`);
      want.rules.forEach((r, i) => {
        ins.push(want.mode === 'insert' ? ruleLine(`-I`, name, r, want.hashes[i] ?? '').replace(`-I ${name} `, `-I ${name} ${i + 1} `) : ruleLine('-A', name, r, want.hashes[i] ?? ''));
      });
      const foreign = have.filter((h) => h === '');
      const hashes = want.mode === 'insert' ? [...want.hashes, ...foreign] : [...foreign, ...want.hashes];
      commit.push(() => { k.set(name, hashes); });
    }
    const count = decls.length + ruleCount + ins.length + dels.length;
    if (count === 0) return null;
    // iptables-nft (1.8.x) --noflush looks up every declared chain with its own
    // netlink request (and keeps the names in a sorted list): minutes at
    // 10,000s of chains. A command naming no chain makes it load all chains with
    // one dump instead. `-Z` (zero all counters) is the only such command
    // without effect on an empty table, so it is used only when the table had
    // no rules at all (start-up into an empty kernel).
    const bulk = this.backend === 'nft' && decls.length >= BULK_CHAINS && [...k.values()].every((hs) => hs.length === 0);
    function* lines(): Generator<string> {
      if (bulk) yield '-Z';
      yield* decls;
      for (const { name, d, from } of writes) {
        for (let i = from; i < d.rules.length; i++) yield ruleLine('-A', name, d.rules[i]!, d.hashes[i] ?? '');
      }
      yield* ins;
      yield* dels;
    }
    return { table: this.name, count: count + (bulk ? 1 : 0), lines, commit: () => { for (const c of commit) c(); } };
  }
}
