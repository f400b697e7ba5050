/**
 * IptWriter: the RulesetWriter over iptables-restore and ipset (Felix's
 * classic dataplane). Per family: four IptablesTable drivers (filter, raw,
 * mangle, nat; `--noflush`, only changed chains) and one IpsetManager.
 * Hook chains are `cali-FORWARD`, `cali-INPUT`, ... with one jump inserted at
 * the top of the built-in chain. Dispatch is a prefix tree of `-i iface -g chain`
 * rules (iptables has no verdict maps; rules/ipt-dispatch.ts). Apply order: ipset creates/updates,
 * then the tables, then ipset destroys, so rules never reference a missing set.
 */
import { CalicoError } from '../../lib/errors.js';
import { detectIptablesBackend, type IptablesBackend, type IptablesBackendSetting } from '../drivers/iptables/backend.js';
import { IptablesTable, type TablePlan } from '../drivers/iptables/iptables-table.js';
import { IpsetManager, type IpsetType } from '../drivers/iptables/ipsets.js';
import { netPortMembers, splitZeroPrefix } from '../drivers/iptables/net-port-members.js';
import { planTables, readTables, restoreTables } from '../drivers/iptables/restore-group.js';
import type { Exec } from '../kernel/exec-shim.js';
import type { Family, IrChain } from '../rules/ir.js';
import { dispatchTree } from '../rules/ipt-dispatch.js';
import { iptChainRules } from '../rules/ipt-render.js';
import { ipSetName } from '../rules/names.js';
import type { ChainNamer, HookChain, HookTable } from '../rules/static-chains.js';
import { removeIptablesChains, removeNftablesDataplane } from './iptables-cleanup.js';
import type { DispatchSpec, RulesetWriter, WriterApplyResult, WriterSetKind } from './ruleset-writer.js';

const TABLES: readonly HookTable[] = ['raw', 'mangle', 'filter', 'nat'];

/** hash:net cannot hold a /0: Felix splits it into two /1s. */
function* ipsetNetMembers(members: Iterable<string>): Generator<string> {
  for (const m of members) yield* splitZeroPrefix(m);
}

/** The ipset type and member text for each writer set kind. */
function ipsetOf(kind: WriterSetKind, members: Iterable<string>): { type: IpsetType; members: Iterable<string> } {
  switch (kind) {
    case 'net': return { type: 'hash:net', members: ipsetNetMembers(members) };
    case 'ip-and-port': return { type: 'hash:ip,port', members };
    case 'net-and-port': return { type: 'hash:net,port', members: netPortMembers(members) };
  }
}

export interface IptWriterOptions {
  readonly exec: Exec;
  readonly backend: IptablesBackendSetting;
  readonly log?: { info(obj: object, msg?: string): void };
}

export class IptWriter implements RulesetWriter {
  readonly backend = 'iptables' as const;
  readonly chainName: ChainNamer = (_table, name) => name;
  private readonly tables = new Map<string, IptablesTable>();
  private readonly ipsets = new Map<Family, IpsetManager>();
  private families: readonly Family[] = [];
  /** `family/table/chain` -> a dispatch chain's spec and entries (rendered at apply). */
  private readonly dispatch = new Map<string, { spec: DispatchSpec; entries: Map<string, string>; children: Set<string> }>();
  private readonly dirtyDispatch = new Set<string>();
  /** `family/table` -> our chains there, to remove them when a family is dropped. */
  private readonly chains = new Map<string, Set<string>>();

  constructor(private readonly exec: Exec, readonly iptablesBackend: IptablesBackend) {}

  setName(id: string, f: Family): string {
    return ipSetName(id, f, 'ipset');
  }

  /** The driver for one family's table. */
  table(f: Family, t: HookTable): IptablesTable {
    const key = `${f}/${t}`;
    let tab = this.tables.get(key);
    if (!tab) {
      tab = new IptablesTable({ ipVersion: f, table: t, exec: this.exec, backend: this.iptablesBackend });
      this.tables.set(key, tab);
    }
    return tab;
  }

  private sets(f: Family): IpsetManager {
    let s = this.ipsets.get(f);
    if (!s) {
      s = new IpsetManager({ ipVersion: f, exec: this.exec });
      this.ipsets.set(f, s);
    }
    return s;
  }

  setFamilies(families: readonly Family[]): void {
    for (const f of this.families) {
      if (families.includes(f)) continue;
      for (const [key, names] of this.chains) {
        if (!key.startsWith(`${f}/`)) continue;
        const tab = this.table(f, key.slice(2) as HookTable);
        for (const n of names) tab.removeChain(n);
        names.clear();
      }
      for (const k of [...this.dispatch.keys()]) if (k.startsWith(`${f}/`)) this.dispatch.delete(k);
    }
    this.families = [...families];
  }

  private track(f: Family, t: HookTable, name: string, present: boolean): void {
    const key = `${f}/${t}`;
    const s = this.chains.get(key) ?? new Set<string>();
    this.chains.set(key, s);
    if (present) s.add(name);
    else s.delete(name);
  }

  setHookChain(f: Family, h: HookChain, append = false): void {
    const tab = this.table(f, h.table);
    tab.updateChain({ name: h.chain.name, rules: iptChainRules(h.chain, f) });
    this.track(f, h.table, h.chain.name, true);
    tab.setInsertedRules(h.hook, [{ body: `-j ${h.chain.name}` }], append ? 'append' : 'insert');
  }

  updateChain(f: Family, tables: readonly HookTable[], chain: IrChain): void {
    const rules = iptChainRules(chain, f);
    for (const t of tables) {
      this.table(f, t).updateChain({ name: chain.name, rules });
      this.track(f, t, chain.name, true);
    }
  }

  removeChain(f: Family, tables: readonly HookTable[], name: string): void {
    for (const t of tables) {
      this.table(f, t).removeChain(name);
      this.track(f, t, name, false);
    }
  }

  setDispatch(f: Family, spec: DispatchSpec): void {
    const key = `${f}/${spec.table}/${spec.name}`;
    const d = this.dispatch.get(key);
    this.dispatch.set(key, { spec, entries: d?.entries ?? new Map(), children: d?.children ?? new Set() });
    this.dirtyDispatch.add(key);
  }

  setDispatchEntry(f: Family, table: HookTable, dispatch: string, iface: string, chain: string | null): void {
    const key = `${f}/${table}/${dispatch}`;
    const d = this.dispatch.get(key);
    if (!d) return;
    if (chain === null) d.entries.delete(iface);
    else d.entries.set(iface, chain);
    this.dirtyDispatch.add(key);
  }

  /** Renders changed dispatch trees; child chains no longer needed are removed. */
  private renderDispatch(): void {
    for (const key of this.dirtyDispatch) {
      const d = this.dispatch.get(key);
      if (!d) continue;
      const f = Number(key[0]) as Family;
      const { spec } = d;
      const tab = this.table(f, spec.table);
      const chains = dispatchTree(spec.name, spec.key, d.entries, spec.fallback);
      for (const c of chains) {
        tab.updateChain({ name: c.name, rules: iptChainRules(c, f) });
        this.track(f, spec.table, c.name, true);
      }
      const now = new Set(chains.map((c) => c.name));
      for (const old of d.children) {
        if (now.has(old)) continue;
        tab.removeChain(old);
        this.track(f, spec.table, old, false);
      }
      d.children = now;
    }
    this.dirtyDispatch.clear();
  }

  setIpSet(f: Family, name: string, kind: WriterSetKind, members: Iterable<string>): void {
    // IpsetManager names sets `cali40` / `cali60` + id itself.
    const setId = name.slice(6);
    const set = ipsetOf(kind, members);
    this.sets(f).addOrReplaceIPSet({ setId, type: set.type }, set.members);
  }

  removeIpSet(f: Family, name: string): void {
    this.sets(f).removeIPSet(name.slice(6));
  }

  apply(): Promise<WriterApplyResult> {
    return this.run(false);
  }

  resync(): Promise<WriterApplyResult> {
    return this.run(true);
  }

  private async run(resync: boolean): Promise<WriterApplyResult> {
    this.renderDispatch();
    const fams = [...new Set([...this.families, ...[...this.tables.keys()].map((k) => Number(k[0]) as Family)])];
    // IPv4 and IPv6 are independent tools and kernel objects: programmed concurrently.
    const results = await Promise.allSettled(fams.map((f) => this.runFamily(f, resync)));
    let commands = 0;
    let readKernel = false;
    for (const r of results) {
      if (r.status === 'rejected') throw r.reason;
      commands += r.value.commands;
      readKernel ||= r.value.readKernel;
    }
    return { commands, readKernel };
  }

  /**
   * One family's apply: at most one `ipset save` and one `iptables-save`
   * (only when the kernel state is unknown, read concurrently), one
   * `ipset restore` for creates and member changes, one streamed
   * `iptables-restore` for every changed table, then one `ipset restore` for
   * destroys. New sets are created (empty) first, since iptables resolves
   * set names as it parses; then members load while the table plans are
   * computed and the restore is parsed, and the restore's COMMIT waits for
   * them: rules never meet a set before its members.
   */
  private async runFamily(f: Family, resync: boolean): Promise<WriterApplyResult> {
    const s = this.sets(f);
    const tabs: IptablesTable[] = [];
    for (const t of TABLES) {
      const tab = this.tables.get(`${f}/${t}`);
      if (tab) tabs.push(tab);
    }
    if (resync) {
      s.invalidate();
      for (const t of tabs) t.invalidate();
    }
    let commands = 0;
    let readKernel = false;
    for (let attempt = 0; ; attempt++) {
      const [, read] = await Promise.all([s.load(), readTables(this.exec, tabs)]);
      readKernel ||= read;
      // New sets first (iptables resolves set names as it parses); their members
      // and other member changes then load while the restore is parsed, and the
      // restore's COMMIT waits for them.
      if (s.createsPending) commands += await s.applyCreates();
      const setUpdates = s.applyUpdates();
      let plans: TablePlan[] = [];
      let planError: unknown;
      try { plans = planTables(tabs); } catch (e) { planError = e; }
      let r: Awaited<ReturnType<typeof restoreTables>>;
      try {
        if (planError !== undefined) {
          await setUpdates;
          throw planError;
        }
        const [n, tables] = await Promise.all([setUpdates, restoreTables(this.exec, tabs, plans, setUpdates)]);
        commands += n;
        r = tables;
      } catch (e) {
        // The plans consumed the tables' change marks: a re-read at the next apply re-checks everything.
        for (const t of tabs) t.invalidate();
        throw e;
      }
      if (r.code === 0) {
        commands += r.lines;
        break;
      }
      readKernel = true;
      if (attempt >= 1) throw new CalicoError('CALICO_ERR_KERNEL', `${tabs[0]?.cmds.restore ?? 'iptables-restore'} failed: ${r.stderr.trim().slice(0, 4000)}`);
    }
    commands += await s.applyDeletions();
    return { commands, readKernel };
  }

  /**
   * The nftables dataplane's tables, and our chains left in the other
   * iptables backend (a node whose backend changed would otherwise run both
   * rulesets). ipsets are shared by both backends and stay.
   */
  async removeOtherDataplane(): Promise<void> {
    const other = this.iptablesBackend === 'nft' ? 'legacy' : 'nft';
    await Promise.all([removeNftablesDataplane(this.exec), removeIptablesChains(this.exec, [`iptables-${other}`, `ip6tables-${other}`])]);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Detects the iptables backend (Felix's iptablesBackend: Auto) and creates the writer. */
export async function createIptWriter(opts: IptWriterOptions): Promise<IptWriter> {
  const backend = await detectIptablesBackend(opts.exec, opts.backend);
  opts.log?.info({ backend }, 'iptables backend');
  return new IptWriter(opts.exec, backend);
}
