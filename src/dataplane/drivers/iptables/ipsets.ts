import { performance } from 'node:perf_hooks';
import { CalicoError } from '../../../lib/errors.js';
import type { Exec } from '../../kernel/exec-shim.js';
import { canonicalIpText } from '../ip-canon.js';

/** The ipset types Felix uses: IPs, CIDRs, and IP,proto:port for named ports. */
export type IpsetType = 'hash:ip' | 'hash:net' | 'hash:ip,port' | 'hash:net,port';

export interface IpsetMeta {
  /** Felix's set ID (e.g. `s:abc...`); the kernel name is `cali40<setId>` / `cali60<setId>`. */
  readonly setId: string;
  readonly type: IpsetType;
  /** maxelem (default 1048576, Felix's MaxIPSetSize). */
  readonly maxSize?: number;
}

interface KernelSet { type: string; family: string; members: Set<string> }
interface DesiredSet { readonly meta: IpsetMeta; readonly members: Set<string>; delta: { add: Set<string>; del: Set<string> } | null }

/** Restore inputs up to this many lines are kept in `lastRestoreInput`. */
const KEEP_LINES = 1000;

/** ipset names are limited to 31 characters. */
const MAX_NAME = 31;

/**
 * Canonical member text as `ipset save` prints it: IPv6 compressed, /32 and
 * /128 dropped, protocol names lower-case (`10.0.0.1,tcp:80`).
 */
export function canonicalIpsetMember(m: string): string {
  const [addrPart = '', portPart] = m.trim().split(',');
  const a = canonicalIpText(addrPart);
  return portPart === undefined ? a : `${a},${portPart.toLowerCase()}`;
}

function* linesOf(lines: readonly string[]): Generator<string> {
  for (const l of lines) yield `${l}\n`;
}

/**
 * IpsetManager programs the IP sets used by the iptables dataplane, like
 * Felix's ipsets.IPSets: names are `cali40`/`cali60` + set ID for IPv4/IPv6
 * (temporaries `cali41`/`cali61`), and every set with those prefixes is ours.
 * Deltas go as `add`/`del` lines; a full rewrite of an existing set (or a
 * resync that finds it far off) fills a temporary set and `swap`s it in, so
 * iptables rules referencing the set never see it half-filled. All changes go
 * through one `ipset restore`. Creates and member updates (applyUpdates) must
 * run before the iptables rules that reference new sets; destroys
 * (applyDeletions) after the rules are gone.
 */
export class IpsetManager {
  private readonly exec: Exec;
  readonly ipVersion: 4 | 6;
  private kernel: Map<string, KernelSet> | undefined;
  private readonly desired = new Map<string, DesiredSet>();
  private dirty = new Set<string>();
  /**
   * The last `ipset restore` input sent, for logs and tests, only when it was
   * small (<= KEEP_LINES lines): big inputs are streamed and never held whole.
   */
  lastRestoreInput = '';

  constructor(opts: { readonly ipVersion: 4 | 6; readonly exec: Exec }) {
    this.exec = opts.exec;
    this.ipVersion = opts.ipVersion;
  }

  private get mainPrefix(): string { return this.ipVersion === 4 ? 'cali40' : 'cali60'; }
  private get tempPrefix(): string { return this.ipVersion === 4 ? 'cali41' : 'cali61'; }
  private get family(): string { return this.ipVersion === 4 ? 'inet' : 'inet6'; }

  /** Kernel name of a set ID's main set. */
  nameOf(setId: string): string {
    const name = this.mainPrefix + setId;
    if (name.length > MAX_NAME || /[\s"]/.test(setId)) {
      throw new CalicoError('CALICO_ERR_VALIDATION', `ipset name ${name} is invalid (max ${MAX_NAME} characters, no spaces)`);
    }
    return name;
  }

  addOrReplaceIPSet(meta: IpsetMeta, members: Iterable<string>): void {
    const name = this.nameOf(meta.setId);
    this.desired.set(name, { meta, members: new Set([...members].map(canonicalIpsetMember)), delta: null });
    this.dirty.add(name);
  }

  addMembers(setId: string, members: Iterable<string>): void {
    const s = this.require(setId);
    for (const m of members) { const c = canonicalIpsetMember(m); s.members.add(c); if (s.delta) { s.delta.del.delete(c); s.delta.add.add(c); } }
    this.dirty.add(this.nameOf(setId));
  }

  removeMembers(setId: string, members: Iterable<string>): void {
    const s = this.require(setId);
    for (const m of members) { const c = canonicalIpsetMember(m); s.members.delete(c); if (s.delta) { s.delta.add.delete(c); s.delta.del.add(c); } }
    this.dirty.add(this.nameOf(setId));
  }

  removeIPSet(setId: string): void {
    const name = this.nameOf(setId);
    this.desired.delete(name);
    this.dirty.add(name);
  }

  invalidate(): void { this.kernel = undefined; }

  /**
   * Whether the pending updates create (or re-create) a set: then iptables
   * rules that name it must wait for applyUpdates(). Member changes alone
   * (and swaps into an existing set) can run alongside the iptables restore.
   */
  get createsPending(): boolean {
    const k = this.kernel;
    if (!k) return true;
    for (const name of this.dirty) {
      const d = this.desired.get(name);
      if (!d) continue;
      const ks = k.get(name);
      if (!ks || ks.type !== d.meta.type || ks.family !== this.family) return true;
    }
    return false;
  }

  /** Reads the kernel's sets if they are not known yet (lets a caller overlap it with other reads). */
  async load(): Promise<void> {
    if (!this.kernel) await this.read();
  }

  /** Creates sets and applies member changes (not destroys). Returns the number of restore lines. */
  async applyUpdates(): Promise<number> {
    return this.run(false);
  }

  /**
   * Creates the sets that are missing (or re-creates one whose type changed),
   * empty: their members follow with applyUpdates(), which may then run
   * while an iptables-restore that names the new sets is parsed.
   */
  async applyCreates(): Promise<number> {
    return this.run(false, true);
  }

  /** Destroys sets that are ours but not desired (call after the iptables rules using them are gone). */
  async applyDeletions(): Promise<number> {
    return this.run(true);
  }

  async apply(): Promise<{ lines: number; durationMs: number }> {
    const t0 = performance.now();
    const lines = (await this.applyUpdates()) + (await this.applyDeletions());
    return { lines, durationMs: performance.now() - t0 };
  }

  async resync(): Promise<{ lines: number; durationMs: number }> {
    this.kernel = undefined;
    return this.apply();
  }

  private require(setId: string): DesiredSet {
    const s = this.desired.get(this.nameOf(setId));
    if (!s) throw new CalicoError('CALICO_ERR_KERNEL', `ipset ${setId} is not declared`);
    return s;
  }

  private async read(): Promise<Map<string, KernelSet>> {
    const r = await this.exec.run('ipset', ['save']);
    if (r.code !== 0) throw new CalicoError('CALICO_ERR_KERNEL', `ipset save failed: ${r.stderr.trim()}`);
    const k = new Map<string, KernelSet>();
    for (const line of r.stdout.split('\n')) {
      const f = line.trim().split(/\s+/);
      const name = f[1] ?? '';
      if (!name.startsWith(this.mainPrefix) && !name.startsWith(this.tempPrefix)) continue;
      if (f[0] === 'create') {
        const fi = f.indexOf('family');
        k.set(name, { type: f[2] ?? '', family: fi > 0 ? (f[fi + 1] ?? '') : 'inet', members: new Set() });
      } else if (f[0] === 'add') {
        k.get(name)?.members.add(canonicalIpsetMember(f[2] ?? ''));
      }
    }
    for (const n of [...k.keys(), ...this.desired.keys()]) this.dirty.add(n);
    for (const d of this.desired.values()) d.delta = null;
    this.kernel = k;
    return k;
  }

  private async run(deletions: boolean, createsOnly = false): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      const k = this.kernel ?? (await this.read());
      const { lines, commit, done } = createsOnly ? this.planCreates(k) : this.plan(k, deletions);
      if (lines.length === 0) { for (const n of done) this.dirty.delete(n); return 0; }
      this.lastRestoreInput = lines.length <= KEEP_LINES ? `${lines.join('\n')}\n` : `(${lines.length} lines)`;
      const r = await this.exec.run('ipset', ['restore', '-exist'], linesOf(lines));
      if (r.code !== 0) {
        this.kernel = undefined;
        if (attempt >= 1) throw new CalicoError('CALICO_ERR_KERNEL', `ipset restore failed: ${r.stderr.trim().slice(0, 2000)}`);
        continue;
      }
      for (const c of commit) c();
      for (const n of done) this.dirty.delete(n);
      return lines.length;
    }
  }

  private planCreates(k: Map<string, KernelSet>): { lines: string[]; commit: (() => void)[]; done: string[] } {
    const lines: string[] = []; const commit: (() => void)[] = [];
    for (const name of [...this.dirty].sort()) {
      const d = this.desired.get(name); const ks = k.get(name);
      if (!d || (ks && ks.type === d.meta.type && ks.family === this.family)) continue;
      // A set of another type cannot be swapped; it is destroyed first (fails while iptables uses it).
      if (ks) lines.push(`destroy ${name}`);
      lines.push(`create ${name} ${d.meta.type} family ${this.family} maxelem ${d.meta.maxSize ?? 1048576}`);
      commit.push(() => { k.set(name, { type: d.meta.type, family: this.family, members: new Set() }); d.delta = null; });
    }
    return { lines, commit, done: [] };
  }

  private plan(k: Map<string, KernelSet>, deletions: boolean): { lines: string[]; commit: (() => void)[]; done: string[] } {
    const lines: string[] = []; const commit: (() => void)[] = []; const done: string[] = [];
    for (const name of [...this.dirty].sort()) {
      const d = this.desired.get(name); const ks = k.get(name);
      if (!d) {
        if (!deletions) continue;
        done.push(name);
        if (ks) { lines.push(`destroy ${name}`); commit.push(() => { k.delete(name); }); }
        continue;
      }
      if (deletions) continue;
      done.push(name);
      const create = (n: string): string =>
        `create ${n} ${d.meta.type} family ${this.family} maxelem ${d.meta.maxSize ?? 1048576}`;
      if (!ks || ks.type !== d.meta.type || ks.family !== this.family) {
        // A set of another type cannot be swapped; it is destroyed first (fails while iptables uses it).
        if (ks) lines.push(`destroy ${name}`);
        lines.push(create(name));
        for (const m of d.members) lines.push(`add ${name} ${m}`);
        const members = new Set(d.members);
        commit.push(() => { k.set(name, { type: d.meta.type, family: this.family, members }); });
        d.delta = { add: new Set(), del: new Set() };
        continue;
      }
      const fullDiff = d.delta === null;
      let toAdd: string[]; let toDel: string[];
      if (d.delta) {
        toAdd = [...d.delta.add].filter((m) => !ks.members.has(m));
        toDel = [...d.delta.del].filter((m) => ks.members.has(m));
      } else {
        toAdd = [...d.members].filter((m) => !ks.members.has(m));
        toDel = [...ks.members].filter((m) => !d.members.has(m));
      }
      d.delta = { add: new Set(), del: new Set() };
      if (fullDiff && toAdd.length + toDel.length > Math.max(16, d.members.size)) {
        // Full rewrite: fill a temporary set and swap it in atomically.
        const tmp = this.tempPrefix + name.slice(this.mainPrefix.length);
        lines.push(create(tmp), `flush ${tmp}`);
        for (const m of d.members) lines.push(`add ${tmp} ${m}`);
        lines.push(`swap ${tmp} ${name}`, `destroy ${tmp}`);
        const members = new Set(d.members);
        commit.push(() => { k.set(name, { type: d.meta.type, family: this.family, members }); k.delete(tmp); });
        continue;
      }
      for (const m of toDel) lines.push(`del ${name} ${m}`);
      for (const m of toAdd) lines.push(`add ${name} ${m}`);
      commit.push(() => { for (const m of toDel) ks.members.delete(m); for (const m of toAdd) ks.members.add(m); });
    }
    // Leftover temporaries from a crash mid-swap are ours too.
    if (deletions) {
      for (const name of k.keys()) {
        if (name.startsWith(this.tempPrefix) && !lines.includes(`destroy ${name}`)) { lines.push(`destroy ${name}`); commit.push(() => { k.delete(name); }); }
      }
    }
    return { lines, commit, done };
  }
}
