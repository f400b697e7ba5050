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
 * appended.
 */
export class IptablesTable implements Table {
  readonly name: IptablesTableName;
  readonly ipVersion: 4 | 6;
  private readonly exec: Exec;
  private readonly cmds: { save: string; restore: string };
  private readonly prefix: string;
  private kernel: SavedChains | undefined;
  private readonly chains = new Map<string, Desired>();
  private readonly inserts = new Map<string, Inserted>();
  private dirty = new Set<string>();
  private queue: Promise<unknown> = Promise.resolve();
  /** The last iptables-restore input sent (for logs and tests). */
  lastRestoreInput = '';

  constructor(opts: IptablesTableOptions) {
    this.name = opts.table;
    this.ipVersion = opts.ipVersion;
    this.exec = opts.exec;
    this.cmds = iptablesCommands(opts.ipVersion, opts.backend);
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

  private async read(): Promise<SavedChains> {
    const r = await this.exec.run(this.cmds.save, ['-t', this.name]);
    if (r.code !== 0) throw new CalicoError('CALICO_ERR_KERNEL', `${this.cmds.save} -t ${this.name} failed: ${r.stderr.trim()}`);
    const k = parseIptablesSave(r.stdout, this.name);
    for (const [name, hs] of k) if (this.ours(name) || hs.some((h) => h !== '')) this.dirty.add(name);
    for (const n of this.chains.keys()) this.dirty.add(n);
    for (const n of this.inserts.keys()) this.dirty.add(n);
    this.kernel = k;
    return k;
  }

  private async applyNow(): Promise<ApplyResult> {
    const t0 = performance.now();
    let readKernel = false;
    for (let attempt = 0; ; attempt++) {
      let k = this.kernel;
      if (!k) { k = await this.read(); readKernel = true; }
      const { lines, commit } = this.plan(k);
      if (lines.length === 0) return { commands: 0, readKernel, durationMs: performance.now() - t0 };
      const input = `*${this.name}\n${lines.join('\n')}\nCOMMIT\n`;
      this.lastRestoreInput = input;
      const r = await this.exec.run(this.cmds.restore, ['--noflush', '--wait=10'], input);
      if (r.code !== 0) {
        this.kernel = undefined;
        if (attempt >= 1) throw new CalicoError('CALICO_ERR_KERNEL', `${this.cmds.restore} failed: ${r.stderr.trim().slice(0, 4000)}`);
        continue;
      }
      for (const c of commit) c();
      return { commands: lines.length, readKernel, durationMs: performance.now() - t0 };
    }
  }

  private plan(k: SavedChains): { lines: string[]; commit: (() => void)[] } {
    const decls: string[] = []; const rules: string[] = []; const ins: string[] = []; const dels: string[] = [];
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
        d.rules.slice(from).forEach((r, i) => rules.push(ruleLine('-A', name, r, d.hashes[from + i] ?? '')));
        const hashes = [...d.hashes];
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
    return { lines: [...decls, ...rules, ...ins, ...dels], commit };
  }
}
