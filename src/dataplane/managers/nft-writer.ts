/**
 * NftWriter: the RulesetWriter over nftables. One table `calico` per family
 * (`ip calico`, `ip6 calico`) holds every chain, set and verdict map; hook
 * chains are base chains `filter-FORWARD`, `filter-INPUT`, ... (filter hooks
 * at priority 0, raw at -300, pre-DNAT at mangle priority -150, masquerade in
 * `nat-POSTROUTING` at 100).
 * Dispatch chains are one verdict-map lookup (`iifname vmap @...`), never a
 * walk over endpoints. Each apply sends one transaction per family through
 * the persistent `nft -i` session (the driver computes the delta).
 */
import { NftablesTable } from '../drivers/nftables/nftables-table.js';
import { createHash } from 'node:crypto';
import { CalicoError } from '../../lib/errors.js';
import { canonicalElement } from '../drivers/nftables/elements.js';
import { disjointNetPortMembers } from '../drivers/nftables/net-port-members.js';
import type { NftBaseChainSpec, NftSetSpec } from '../drivers/nftables/types.js';
import type { NftTransport } from '../kernel/nft-session.js';
import type { Exec } from '../kernel/exec-shim.js';
import type { Family, IrChain } from '../rules/ir.js';
import { ipSetName } from '../rules/names.js';
import { nftAction, nftChainRules, nftRule } from '../rules/nft-render.js';
import { collapseCidrs } from '../rules/policy-rules.js';
import type { ChainNamer, HookChain, HookTable } from '../rules/static-chains.js';
import { removeIptablesDataplane } from './iptables-cleanup.js';
import type { DispatchSpec, RulesetWriter, WriterApplyResult, WriterSetKind } from './ruleset-writer.js';

/** Our table name in each family. */
export const NFT_TABLE = 'calico';

const BASE: Readonly<Record<string, NftBaseChainSpec>> = {
  'filter/FORWARD': { type: 'filter', hook: 'forward', priority: 0 },
  'filter/INPUT': { type: 'filter', hook: 'input', priority: 0 },
  'filter/OUTPUT': { type: 'filter', hook: 'output', priority: 0 },
  'raw/PREROUTING': { type: 'filter', hook: 'prerouting', priority: -300 },
  'raw/OUTPUT': { type: 'filter', hook: 'output', priority: -300 },
  'mangle/PREROUTING': { type: 'filter', hook: 'prerouting', priority: -150 },
  'nat/POSTROUTING': { type: 'nat', hook: 'postrouting', priority: 100 },
};

/**
 * One table holds every hook group, so chains are prefixed with their
 * iptables table name, as Felix's nftables mode names them
 * (`filter-cali-fw-cali123`, `raw-cali-PREROUTING`).
 */
export const nftChainName: ChainNamer = (table, name) => `${table}-${name}`;

/**
 * `10.0.0.5,tcp:8080` -> `10.0.0.5 . tcp . 8080` (address . inet_proto . inet_service);
 * also `10.0.0.0/24,udp:53-60` (net-and-port members: CIDR and port range).
 */
export function nftNamedPortMember(m: string): string {
  const comma = m.lastIndexOf(',');
  const colon = m.indexOf(':', comma + 1);
  if (comma <= 0 || colon < 0) throw new CalicoError('CALICO_ERR_VALIDATION', `invalid address-and-port set member ${JSON.stringify(m.slice(0, 80))}: want addr,proto:port`);
  const proto = m.slice(comma + 1, colon);
  let port = m.slice(colon + 1);
  const range = /^(\d+)-(\d+)$/.exec(port);
  // nft stores a one-port range as the port itself: keep the element text canonical.
  if (range && range[1] === range[2]) port = range[1] ?? port;
  return `${m.slice(0, comma)} . ${proto} . ${port}`;
}

/**
 * An element needs an interval set when one of its parts is a prefix or a
 * range (`10.0.0.0/24`, `80-90`). Host addresses are canonical without `/32`.
 * Plain hash sets matter for speed: nft 1.0.6 fetches the elements of every
 * interval set in the table before any element change (one netlink dump per
 * set), so 10k interval sets cost seconds per change.
 */
export function needsInterval(canonicalMembers: Iterable<string>): boolean {
  for (const m of canonicalMembers) if (m.includes('/') || m.includes('-')) return true;
  return false;
}

/** The nft set declaration and element list for one writer set. */
export function nftSetFor(f: Family, name: string, kind: WriterSetKind, members: Iterable<string>): { spec: NftSetSpec; list: string[] } {
  const addr = f === 4 ? 'ipv4_addr' : 'ipv6_addr';
  if (kind === 'net') {
    const list = collapseCidrs(members).map(canonicalElement);
    return { spec: needsInterval(list) ? { name, type: addr, flags: ['interval'] } : { name, type: addr }, list };
  }
  const canonical = [...members].map((m) => canonicalElement(nftNamedPortMember(m)));
  const list = kind === 'net-and-port' ? disjointNetPortMembers(canonical) : [...new Set(canonical)].sort();
  const type = `${addr} . inet_proto . inet_service`;
  return { spec: kind === 'net-and-port' && needsInterval(list) ? { name, type, flags: ['interval'] } : { name, type }, list };
}

export interface NftWriterOptions {
  readonly transport: NftTransport;
  /** Runs iptables/ipset to remove the iptables dataplane's leftovers. */
  readonly exec: Exec;
}

export class NftWriter implements RulesetWriter {
  readonly backend = 'nftables' as const;
  readonly chainName = nftChainName;
  private readonly tables = new Map<Family, NftablesTable>();
  private readonly dropped = new Set<Family>();
  /** Digest of the type and members last given per set (after collapsing), to skip no-op updates without keeping the members twice. */
  private readonly sets = new Map<string, string>();
  /** `family/map` of the dispatch maps declared. */
  private readonly maps = new Set<string>();
  /** `family/chain` -> the hook tables that asked for it. */
  private readonly chainTables = new Map<string, Set<HookTable>>();

  constructor(private readonly opts: NftWriterOptions) {}

  setName(id: string, f: Family): string {
    return ipSetName(id, f, 'nft');
  }

  /** The driver table of a family. */
  table(f: Family): NftablesTable {
    let t = this.tables.get(f);
    if (!t) {
      t = new NftablesTable({ family: f === 4 ? 'ip' : 'ip6', name: NFT_TABLE, transport: this.opts.transport });
      this.tables.set(f, t);
      this.dropped.delete(f);
    }
    return t;
  }

  setFamilies(families: readonly Family[]): void {
    for (const f of [4, 6] as const) {
      if (families.includes(f)) this.table(f);
      else if (this.tables.delete(f)) this.dropped.add(f);
    }
  }

  /** Hook chains are base chains named `<table>-<HOOK>` (`filter-FORWARD`), holding the rules directly. */
  setHookChain(f: Family, h: HookChain): void {
    const base = BASE[`${h.table}/${h.hook}`];
    if (!base) throw new Error(`no nftables hook for ${h.table}/${h.hook}`);
    this.table(f).updateChain({ name: `${h.table}-${h.hook}`, rules: nftChainRules(h.chain, f), base });
  }

  /**
   * One table holds every hook group, so a chain wanted in several iptables
   * tables is one nftables chain: it is deleted when no table wants it.
   */
  updateChain(f: Family, tables: readonly HookTable[], chain: IrChain): void {
    this.chainTables.set(`${f}/${chain.name}`, new Set(tables));
    this.table(f).updateChain({ name: chain.name, rules: nftChainRules(chain, f) });
  }

  removeChain(f: Family, tables: readonly HookTable[], name: string): void {
    const key = `${f}/${name}`;
    const left = this.chainTables.get(key);
    for (const t of tables) left?.delete(t);
    if (left && left.size > 0) return;
    this.chainTables.delete(key);
    this.tables.get(f)?.removeChain(name);
  }

  setDispatch(f: Family, spec: DispatchSpec): void {
    const t = this.table(f);
    // The verdict map has the dispatch chain's name (maps and chains are separate namespaces).
    const map = spec.name;
    const key = `${f}/${map}`;
    if (!this.maps.has(key)) {
      t.setMap({ name: map, keyType: 'ifname', valueType: 'verdict' }, []);
      this.maps.add(key);
    }
    t.updateChain({
      name: spec.name,
      rules: [{ body: nftAction({ k: 'vmap', key: spec.key, map }) }, ...spec.fallback.map((r) => nftRule(r, f))],
    });
  }

  setDispatchEntry(f: Family, _table: HookTable, dispatch: string, iface: string, chain: string | null): void {
    const map = dispatch;
    if (chain === null) this.table(f).removeMapElement(map, iface);
    else this.table(f).setMapElement(map, iface, `goto ${chain}`);
  }

  setIpSet(f: Family, name: string, kind: WriterSetKind, members: Iterable<string>): void {
    const { spec, list } = nftSetFor(f, name, kind, members);
    const key = `${f}/${name}`;
    const h = createHash('sha256').update(`${spec.type}|${(spec.flags ?? []).join(',')}|`);
    for (const m of list) h.update(`${m},`);
    const sig = h.digest('base64');
    if (this.sets.get(key) === sig) return;
    this.sets.set(key, sig);
    this.table(f).setSet(spec, list);
  }

  removeIpSet(f: Family, name: string): void {
    this.sets.delete(`${f}/${name}`);
    this.tables.get(f)?.removeSet(name);
  }

  async apply(): Promise<WriterApplyResult> {
    return this.each((t) => t.apply());
  }

  async resync(): Promise<WriterApplyResult> {
    return this.each((t) => t.resync());
  }

  private async each(fn: (t: NftablesTable) => Promise<{ commands: number; readKernel: boolean }>): Promise<WriterApplyResult> {
    let commands = 0;
    let readKernel = false;
    for (const f of [...this.dropped]) {
      await new NftablesTable({ family: f === 4 ? 'ip' : 'ip6', name: NFT_TABLE, transport: this.opts.transport }).deleteTable();
      this.dropped.delete(f);
      for (const m of [this.sets, this.chainTables, this.maps]) for (const k of [...m.keys()]) if (k.startsWith(`${f}/`)) m.delete(k);
      commands++;
    }
    for (const t of this.tables.values()) {
      const r = await fn(t);
      commands += r.commands;
      readKernel ||= r.readKernel;
    }
    return { commands, readKernel };
  }

  removeOtherDataplane(): Promise<void> {
    return removeIptablesDataplane(this.opts.exec);
  }

  close(): Promise<void> {
    return this.opts.transport.close();
  }
}
