/**
 * EndpointManager (felix/dataplane/linux/endpoint_mgr.go): workload and host
 * endpoints -> their per-interface chains and the dispatch tables that pick
 * them by interface name.
 *
 * Workload `cali123`: cali-tw-cali123 (ingress), cali-fw-cali123 (egress).
 * Host endpoint `eth0`: cali-fh-eth0 / cali-th-eth0 (normal policy, failsafe
 * first), cali-fhfw-/cali-thfw- (applyOnForward policy; no policy = allowed),
 * raw copies (doNotTrack) and a mangle cali-fh- (preDNAT, ingress only); the
 * raw and mangle ones have no end-of-tier drop (the filter hook decides what
 * they do not).
 * A host endpoint with `interfaceName: '*'` applies to every interface
 * except workloads and `lo`, after the named ones. Host endpoints known only
 * by expected IPs (no interfaceName) are not programmed (see DESIGN.md).
 */
import { hostEndpointKey, workloadEndpointKey } from '../model/ids.js';
import type { DataplaneMsg, ModelHostEndpoint, ModelWorkloadEndpoint, TierInfo } from '../model/types.js';
import { endpointChain, type Direction } from '../rules/endpoint-chains.js';
import { rule, type Family, type IrChain, type IrRule } from '../rules/ir.js';
import { CHAIN, PREFIX, endpointChainName } from '../rules/names.js';
import type { HookTable } from '../rules/static-chains.js';
import type { DispatchSpec, RulesetWriter } from './ruleset-writer.js';

interface TableChain { readonly table: HookTable; readonly chain: IrChain }

/** One dispatch table: where it lives, what it keys on, and which endpoint chain prefix it picks. */
interface DispatchKind {
  readonly table: HookTable;
  readonly chain: string;
  readonly key: 'iif' | 'oif';
  readonly prefix: string;
  readonly workload: boolean;
}

const DISPATCH: readonly DispatchKind[] = [
  { table: 'filter', chain: CHAIN.fromWorkloadDispatch, key: 'iif', prefix: PREFIX.fromWorkload, workload: true },
  { table: 'filter', chain: CHAIN.toWorkloadDispatch, key: 'oif', prefix: PREFIX.toWorkload, workload: true },
  { table: 'filter', chain: CHAIN.fromHostDispatch, key: 'iif', prefix: PREFIX.fromHost, workload: false },
  { table: 'filter', chain: CHAIN.toHostDispatch, key: 'oif', prefix: PREFIX.toHost, workload: false },
  { table: 'filter', chain: CHAIN.fromHostForwardDispatch, key: 'iif', prefix: PREFIX.fromHostForward, workload: false },
  { table: 'filter', chain: CHAIN.toHostForwardDispatch, key: 'oif', prefix: PREFIX.toHostForward, workload: false },
  { table: 'raw', chain: CHAIN.fromHostDispatch, key: 'iif', prefix: PREFIX.fromHost, workload: false },
  { table: 'raw', chain: CHAIN.toHostDispatch, key: 'oif', prefix: PREFIX.toHost, workload: false },
  { table: 'mangle', chain: CHAIN.fromHostDispatch, key: 'iif', prefix: PREFIX.fromHost, workload: false },
];

function hasPolicies(tiers: readonly TierInfo[], dir: Direction): boolean {
  return tiers.some((t) => (dir === 'ingress' ? t.ingressPolicies : t.egressPolicies).length > 0);
}

export class EndpointManager {
  private readonly workloads = new Map<string, ModelWorkloadEndpoint>();
  private readonly hosts = new Map<string, ModelHostEndpoint>();
  private readonly dirty = new Set<string>();
  private dispatchDirty = true;
  /** `family/endpoint key` -> chains programmed for it. */
  private readonly programmed = new Map<string, TableChain[]>();

  onMessage(msg: DataplaneMsg): void {
    let key: string;
    switch (msg.kind) {
      case 'WorkloadEndpointUpdate': key = workloadEndpointKey(msg.id); this.workloads.set(key, msg.endpoint); key = `wl/${key}`; break;
      case 'WorkloadEndpointRemove': key = workloadEndpointKey(msg.id); this.workloads.delete(key); key = `wl/${key}`; break;
      case 'HostEndpointUpdate': key = hostEndpointKey(msg.id); this.hosts.set(key, msg.endpoint); key = `hep/${key}`; break;
      case 'HostEndpointRemove': key = hostEndpointKey(msg.id); this.hosts.delete(key); key = `hep/${key}`; break;
      default: return;
    }
    this.dirty.add(key);
    this.dispatchDirty = true;
  }

  /** Everything again (a family was added, or failsafe config changed). */
  markAllDirty(): void {
    for (const k of this.workloads.keys()) this.dirty.add(`wl/${k}`);
    for (const k of this.hosts.keys()) this.dirty.add(`hep/${k}`);
    this.dispatchDirty = true;
  }

  get activeWorkloadEndpoints(): number {
    return this.workloads.size;
  }

  /** Interface names of local workloads (for per-interface sysctls). */
  workloadInterfaces(): string[] {
    return [...this.workloads.values()].map((w) => w.interfaceName);
  }

  completeDeferredWork(w: RulesetWriter, families: readonly Family[]): void {
    for (const key of this.dirty) {
      const chains = this.chainsFor(w, key);
      for (const f of families) {
        const k = `${f}/${key}`;
        const old = this.programmed.get(k) ?? [];
        for (const c of chains) w.updateChain(f, [c.table], c.chain);
        const keep = new Set(chains.map((c) => `${c.table}/${c.chain.name}`));
        for (const o of old) if (!keep.has(`${o.table}/${o.chain.name}`)) w.removeChain(f, [o.table], o.chain.name);
        if (chains.length) this.programmed.set(k, chains);
        else this.programmed.delete(k);
      }
    }
    this.dirty.clear();
    if (this.dispatchDirty) {
      for (const f of families) for (const d of DISPATCH) w.setDispatch(f, this.dispatchSpec(w, d));
      this.dispatchDirty = false;
    }
  }

  private chainsFor(w: RulesetWriter, key: string): TableChain[] {
    const cn = w.chainName;
    if (key.startsWith('wl/')) {
      const ep = this.workloads.get(key.slice(3));
      if (!ep) return [];
      const i = ep.interfaceName;
      return [
        { table: 'filter', chain: endpointChain({ name: cn('filter', endpointChainName(PREFIX.toWorkload, i)), dir: 'ingress', tiers: ep.tiers, profileIds: ep.profileIds }) },
        { table: 'filter', chain: endpointChain({ name: cn('filter', endpointChainName(PREFIX.fromWorkload, i)), dir: 'egress', tiers: ep.tiers, profileIds: ep.profileIds }) },
      ];
    }
    const ep = this.hosts.get(key.slice(4));
    if (!ep || ep.interfaceName === undefined) return [];
    const i = ep.interfaceName;
    const out: TableChain[] = [
      { table: 'filter', chain: endpointChain({ name: cn('filter', endpointChainName(PREFIX.fromHost, i)), dir: 'ingress', tiers: ep.tiers, profileIds: ep.profileIds, failsafeChain: cn('filter', CHAIN.failsafeIn) }) },
      { table: 'filter', chain: endpointChain({ name: cn('filter', endpointChainName(PREFIX.toHost, i)), dir: 'egress', tiers: ep.tiers, profileIds: ep.profileIds, failsafeChain: cn('filter', CHAIN.failsafeOut) }) },
    ];
    if (i !== '*') {
      out.push(
        { table: 'filter', chain: endpointChain({ name: cn('filter', endpointChainName(PREFIX.fromHostForward, i)), dir: 'ingress', tiers: ep.forwardTiers, profileIds: null }) },
        { table: 'filter', chain: endpointChain({ name: cn('filter', endpointChainName(PREFIX.toHostForward, i)), dir: 'egress', tiers: ep.forwardTiers, profileIds: null }) },
      );
    }
    if (hasPolicies(ep.untrackedTiers, 'ingress')) {
      out.push({ table: 'raw', chain: endpointChain({ name: cn('raw', endpointChainName(PREFIX.fromHost, i)), dir: 'ingress', tiers: ep.untrackedTiers, profileIds: null, failsafeChain: cn('raw', CHAIN.failsafeIn), endOfTierDrop: false }) });
    }
    if (hasPolicies(ep.untrackedTiers, 'egress')) {
      out.push({ table: 'raw', chain: endpointChain({ name: cn('raw', endpointChainName(PREFIX.toHost, i)), dir: 'egress', tiers: ep.untrackedTiers, profileIds: null, failsafeChain: cn('raw', CHAIN.failsafeOut), endOfTierDrop: false }) });
    }
    if (hasPolicies(ep.preDnatTiers, 'ingress')) {
      out.push({ table: 'mangle', chain: endpointChain({ name: cn('mangle', endpointChainName(PREFIX.fromHost, i)), dir: 'ingress', tiers: ep.preDnatTiers, profileIds: null, failsafeChain: cn('mangle', CHAIN.failsafeIn), endOfTierDrop: false }) });
    }
    return out;
  }

  private dispatchSpec(w: RulesetWriter, d: DispatchKind): DispatchSpec {
    const cn = w.chainName;
    const entries = new Map<string, string>();
    let wildcard: string | null = null;
    const endpoints = d.workload
      ? [...this.workloads.values()].map((e) => e.interfaceName)
      : [...this.hosts.values()].map((e) => e.interfaceName).filter((i): i is string => i !== undefined);
    for (const iface of endpoints) {
      const name = cn(d.table, endpointChainName(d.prefix, iface));
      if (!this.chainExists(d, iface)) continue;
      if (iface === '*') wildcard = name;
      else entries.set(iface, name);
    }
    let fallback: IrRule[] = [];
    if (d.workload) fallback = [rule([], { k: 'drop' }, 'Unknown interface')];
    else if (wildcard) fallback = [rule([{ k: d.key, name: 'lo', neg: true }], { k: 'goto', chain: wildcard }, 'All-interfaces host endpoint')];
    return { table: d.table, name: cn(d.table, d.chain), key: d.key, entries, fallback };
  }

  /** Whether the endpoint on `iface` has a chain for this dispatch kind (raw/mangle ones are optional). */
  private chainExists(d: DispatchKind, iface: string): boolean {
    if (d.workload) return true;
    const ep = [...this.hosts.values()].find((h) => h.interfaceName === iface);
    if (!ep) return false;
    if (d.table === 'filter') return !(iface === '*' && (d.prefix === PREFIX.fromHostForward || d.prefix === PREFIX.toHostForward));
    if (d.table === 'raw') return hasPolicies(ep.untrackedTiers, d.key === 'iif' ? 'ingress' : 'egress');
    return hasPolicies(ep.preDnatTiers, 'ingress');
  }
}
