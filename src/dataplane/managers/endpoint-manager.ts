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
 * except workloads and `lo`, after the named ones (forwarded traffic too).
 * One without interfaceName applies to the interfaces holding its expected
 * IPs (setInterfaceAddrs, fed by the dataplane from `ip -j addr`).
 */
import { hostEndpointKey, policyKey, workloadEndpointKey } from '../model/ids.js';
import { canonicalIp } from '../model/net.js';
import type { DataplaneMsg, ModelHostEndpoint, ModelWorkloadEndpoint, TierInfo } from '../model/types.js';
import { endpointChain, type Direction, type TierCompiler } from '../rules/endpoint-chains.js';
import { rule, type Family, type IrChain, type IrRule } from '../rules/ir.js';
import { CHAIN, PREFIX, WORKLOAD_IFACE_PREFIX, endpointChainName } from '../rules/names.js';
import type { HookTable } from '../rules/static-chains.js';
import type { AllowSetsManager } from './allow-sets.js';
import type { RulesetWriter } from './ruleset-writer.js';
import type { WorkloadInterface } from './sysctls.js';

interface TableChain { readonly table: HookTable; readonly chain: IrChain }
interface ProgrammedChain { readonly table: HookTable; readonly name: string }

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
  /** Dispatch chains must be (re)declared in every family (start, family added). */
  private redeclare = true;
  /** `kind|iface` -> the endpoint key whose entry is programmed there. */
  private readonly owners = new Map<string, string>();
  /** Endpoint key -> the dispatch entries programmed for it. */
  private readonly dispatchOf = new Map<string, DispatchEntry[]>();
  /** Host endpoint key -> interfaces found for its expected IPs (endpoints without interfaceName). */
  private readonly resolved = new Map<string, readonly string[]>();
  /** Dispatch kind -> the all-interfaces host endpoint chain used as its fallback. */
  private readonly wildcards = new Map<number, string>();
  /** `family/endpoint key` -> names of the chains programmed for it. */
  private readonly programmed = new Map<string, readonly ProgrammedChain[]>();
  /** `family/endpoint key` -> the chains its chains jump to (policy, profile, failsafe chains). */
  private readonly jumpsOf = new Map<string, ReadonlySet<string>>();
  /** `family/chain` -> how many endpoints' chains jump to it. */
  private readonly jumpRefs = new Map<string, number>();
  /** Called when a chain gains its first or loses its last jump from an endpoint chain. */
  onJumpTargetChange?: (chain: string) => void;

  onMessage(msg: DataplaneMsg): void {
    let key: string;
    switch (msg.kind) {
      case 'WorkloadEndpointUpdate': key = workloadEndpointKey(msg.id); this.workloads.set(key, msg.endpoint); key = `wl/${key}`; break;
      case 'WorkloadEndpointRemove': key = workloadEndpointKey(msg.id); this.workloads.delete(key); key = `wl/${key}`; break;
      case 'HostEndpointUpdate': key = hostEndpointKey(msg.id); this.hosts.set(key, msg.endpoint); key = `hep/${key}`; break;
      case 'HostEndpointRemove': key = hostEndpointKey(msg.id); this.hosts.delete(key); this.resolved.delete(key); key = `hep/${key}`; break;
      default: return;
    }
    this.dirty.add(key);
  }

  /** Whether some host endpoint is known only by its expected IPs (the agent must supply interface addresses). */
  needsInterfaceAddrs(): boolean {
    for (const h of this.hosts.values()) if (h.interfaceName === undefined) return true;
    return false;
  }

  /**
   * The host's interfaces and their addresses: a host endpoint without
   * interfaceName applies to every interface holding one of its expected IPs
   * (Felix's endpoint manager). Endpoints whose interfaces changed are re-rendered.
   */
  setInterfaceAddrs(addrs: ReadonlyMap<string, readonly string[]>): void {
    for (const [key, h] of this.hosts) {
      if (h.interfaceName !== undefined) continue;
      const expected = new Set([...h.expectedIpv4Addrs, ...h.expectedIpv6Addrs].map((c) => canonicalIp(c.split('/')[0]!) ?? c));
      const ifaces = [...addrs].filter(([name, ips]) => name !== 'lo' && !name.startsWith(WORKLOAD_IFACE_PREFIX) && ips.some((ip) => expected.has(canonicalIp(ip) ?? ip)))
        .map(([name]) => name).sort();
      if ((this.resolved.get(key) ?? []).join() !== ifaces.join()) {
        this.resolved.set(key, ifaces);
        this.dirty.add(`hep/${key}`);
      }
    }
  }

  private hostInterfaces(key: string, ep: ModelHostEndpoint): readonly string[] {
    return ep.interfaceName !== undefined ? [ep.interfaceName] : this.resolved.get(key) ?? [];
  }

  /** Everything again (a family was added, or failsafe config changed). */
  markAllDirty(): void {
    for (const k of this.workloads.keys()) this.dirty.add(`wl/${k}`);
    for (const k of this.hosts.keys()) this.dirty.add(`hep/${k}`);
    // A new family has no entries yet: forget what was sent so every entry goes again.
    this.owners.clear();
    this.dispatchOf.clear();
    this.wildcards.clear();
    this.redeclare = true;
  }

  get activeWorkloadEndpoints(): number {
    return this.workloads.size;
  }

  /** Local workload interfaces (for per-interface sysctls). */
  workloadInterfaces(): WorkloadInterface[] {
    return [...this.workloads.values()].map((w) => ({ name: w.interfaceName, allowSpoofing: (w.allowSpoofedSourcePrefixes?.length ?? 0) > 0 }));
  }

  /** Re-render these endpoints (their compiled allow-only runs changed shape). */
  markDirty(keys: Iterable<string>): void {
    for (const k of keys) this.dirty.add(k);
  }

  /** Re-render every endpoint holding one of these policies (their compilability changed). */
  markDirtyForPolicies(policyKeys: ReadonlySet<string>): void {
    if (policyKeys.size === 0) return;
    const holds = (tiers: readonly TierInfo[]): boolean => tiers.some((t) =>
      t.ingressPolicies.some((id) => policyKeys.has(policyKey(id))) || t.egressPolicies.some((id) => policyKeys.has(policyKey(id))));
    for (const [k, ep] of this.workloads) if (holds(ep.tiers)) this.dirty.add(`wl/${k}`);
    for (const [k, ep] of this.hosts) if (holds(ep.tiers) || holds(ep.forwardTiers)) this.dirty.add(`hep/${k}`);
  }

  /**
   * Renders the dirty endpoints. With `allow`, filter-table endpoint chains
   * compile allow-only policy runs into set lookups (chains then differ per
   * family: the sets are per family).
   */
  completeDeferredWork(w: RulesetWriter, families: readonly Family[], allow?: AllowSetsManager): void {
    const workloadsChanged = this.redeclare || [...this.dirty].some((k) => k.startsWith('wl/'));
    if (this.redeclare) {
      for (let i = 0; i < DISPATCH.length; i++) this.declare(w, families, i);
      this.redeclare = false;
    }
    if (workloadsChanged && families.includes(6)) w.updateChain(6, ['raw'], this.rpfSkipChain(w));
    for (const key of this.dirty) {
      allow?.release(key);
      const shared = allow ? null : this.chainsFor(w, key);
      for (const f of families) {
        const chains = shared ?? this.chainsFor(w, key, allow?.compilerFor(w, f, key));
        const k = `${f}/${key}`;
        const old = this.programmed.get(k) ?? [];
        for (const c of chains) w.updateChain(f, [c.table], c.chain);
        this.setJumpTargets(f, k, chains);
        const keep = new Set(chains.map((c) => `${c.table}/${c.chain.name}`));
        for (const o of old) if (!keep.has(`${o.table}/${o.name}`)) w.removeChain(f, [o.table], o.name);
        // Only the names are kept: the writer holds the rules.
        if (chains.length) this.programmed.set(k, chains.map((c) => ({ table: c.table, name: c.chain.name })));
        else this.programmed.delete(k);
      }
      this.updateDispatch(w, families, key);
    }
    this.dirty.clear();
  }

  /** Whether some endpoint chain of family `f` jumps to `chain` (policy chains are programmed only then). */
  isJumpTarget(f: Family, chain: string): boolean {
    return this.jumpRefs.has(`${f}/${chain}`);
  }

  /** Records the chains an endpoint's chains jump to, counting references per family. */
  private setJumpTargets(f: Family, k: string, chains: readonly TableChain[]): void {
    const now = new Set<string>();
    for (const c of chains) for (const r of c.chain.rules) for (const a of r.actions) if (a.k === 'jump') now.add(a.chain);
    const before = this.jumpsOf.get(k);
    for (const n of now) {
      if (before?.has(n)) continue;
      const ref = `${f}/${n}`;
      const c = this.jumpRefs.get(ref) ?? 0;
      this.jumpRefs.set(ref, c + 1);
      if (c === 0) this.onJumpTargetChange?.(n);
    }
    if (before) for (const n of before) {
      if (now.has(n)) continue;
      const ref = `${f}/${n}`;
      const c = (this.jumpRefs.get(ref) ?? 1) - 1;
      if (c > 0) this.jumpRefs.set(ref, c);
      else { this.jumpRefs.delete(ref); this.onJumpTargetChange?.(n); }
    }
    if (now.size) this.jumpsOf.set(k, now);
    else this.jumpsOf.delete(k);
  }

  private chainsFor(w: RulesetWriter, key: string, compileTier?: TierCompiler): TableChain[] {
    const cn = w.chainName;
    // Policy and profile chains are filter-table names (nftables: `filter-cali-pi-...`).
    const q = (name: string): string => cn('filter', name);
    const c = compileTier ? { compileTier } : {};
    if (key.startsWith('wl/')) {
      const ep = this.workloads.get(key.slice(3));
      if (!ep) return [];
      const i = ep.interfaceName;
      return [
        { table: 'filter', chain: endpointChain({ ...c, qualify: q, name: cn('filter', endpointChainName(PREFIX.toWorkload, i)), dir: 'ingress', tiers: ep.tiers, profileIds: ep.profileIds }) },
        { table: 'filter', chain: endpointChain({ ...c, qualify: q, name: cn('filter', endpointChainName(PREFIX.fromWorkload, i)), dir: 'egress', tiers: ep.tiers, profileIds: ep.profileIds }) },
      ];
    }
    const ep = this.hosts.get(key.slice(4));
    if (!ep) return [];
    const out: TableChain[] = [];
    for (const i of this.hostInterfaces(key.slice(4), ep)) {
      out.push(
        { table: 'filter', chain: endpointChain({ ...c, qualify: q, name: cn('filter', endpointChainName(PREFIX.fromHost, i)), dir: 'ingress', tiers: ep.tiers, profileIds: ep.profileIds, failsafeChain: cn('filter', CHAIN.failsafeIn) }) },
        { table: 'filter', chain: endpointChain({ ...c, qualify: q, name: cn('filter', endpointChainName(PREFIX.toHost, i)), dir: 'egress', tiers: ep.tiers, profileIds: ep.profileIds, failsafeChain: cn('filter', CHAIN.failsafeOut) }) },
        { table: 'filter', chain: endpointChain({ ...c, qualify: q, name: cn('filter', endpointChainName(PREFIX.fromHostForward, i)), dir: 'ingress', tiers: ep.forwardTiers, profileIds: null }) },
        { table: 'filter', chain: endpointChain({ ...c, qualify: q, name: cn('filter', endpointChainName(PREFIX.toHostForward, i)), dir: 'egress', tiers: ep.forwardTiers, profileIds: null }) },
      );
      // Untracked and preDNAT chains always walk their policies.
      if (hasPolicies(ep.untrackedTiers, 'ingress')) {
        out.push({ table: 'raw', chain: endpointChain({ qualify: q, name: cn('raw', endpointChainName(PREFIX.fromHost, i)), dir: 'ingress', tiers: ep.untrackedTiers, profileIds: null, failsafeChain: cn('raw', CHAIN.failsafeIn), endOfTierDrop: false }) });
      }
      if (hasPolicies(ep.untrackedTiers, 'egress')) {
        out.push({ table: 'raw', chain: endpointChain({ qualify: q, name: cn('raw', endpointChainName(PREFIX.toHost, i)), dir: 'egress', tiers: ep.untrackedTiers, profileIds: null, failsafeChain: cn('raw', CHAIN.failsafeOut), endOfTierDrop: false }) });
      }
      if (hasPolicies(ep.preDnatTiers, 'ingress')) {
        out.push({ table: 'mangle', chain: endpointChain({ qualify: q, name: cn('mangle', endpointChainName(PREFIX.fromHost, i)), dir: 'ingress', tiers: ep.preDnatTiers, profileIds: null, failsafeChain: cn('mangle', CHAIN.failsafeIn), endOfTierDrop: false }) });
      }
    }
    return out;
  }

  /**
   * The IPv6 reverse-path check's exceptions: a workload's
   * allowSpoofedSourcePrefixes may arrive on its interface (Felix's cali-rpf-skip).
   */
  private rpfSkipChain(w: RulesetWriter): IrChain {
    const rules: IrRule[] = [];
    for (const wl of this.workloads.values()) {
      const nets = (wl.allowSpoofedSourcePrefixes ?? []).filter((n) => n.includes(':'));
      if (nets.length) rules.push(rule([{ k: 'iif', name: wl.interfaceName }, { k: 'nets', dir: 'src', nets }], { k: 'accept' }, `allowSpoofedSourcePrefixes of ${wl.id.namespace}/${wl.id.name}`));
    }
    return { name: w.chainName('raw', CHAIN.rpfSkip), rules };
  }

  /** Declares dispatch kind `i` (its chain, map and fallback) in every family. */
  private declare(w: RulesetWriter, families: readonly Family[], i: number): void {
    const d = DISPATCH[i]!;
    const cn = w.chainName;
    const wildcard = this.wildcards.get(i);
    let fallback: IrRule[] = [];
    if (d.workload) fallback = [rule([], { k: 'drop' }, 'Unknown interface')];
    else if (wildcard) {
      // Not for lo or workloads; separate rules because iptables allows one -i/-o per rule.
      fallback = [
        rule([{ k: d.key, name: 'lo' }], { k: 'return' }),
        rule([{ k: d.key, name: `${WORKLOAD_IFACE_PREFIX}*` }], { k: 'return' }),
        rule([], { k: 'goto', chain: wildcard }, 'All-interfaces host endpoint'),
      ];
    }
    for (const f of families) w.setDispatch(f, { table: d.table, name: cn(d.table, d.chain), key: d.key, fallback });
  }

  /** Sends only the dispatch entries of one endpoint that changed. */
  private updateDispatch(w: RulesetWriter, families: readonly Family[], key: string): void {
    const cn = w.chainName;
    const want = this.dispatchEntriesFor(w, key);
    const had = this.dispatchOf.get(key) ?? [];
    const same = (a: DispatchEntry, b: DispatchEntry): boolean => a.kind === b.kind && a.iface === b.iface && a.chain === b.chain;
    for (const o of had) {
      if (want.some((n) => same(n, o))) continue;
      const d = DISPATCH[o.kind]!;
      if (o.iface === '*') {
        if (this.wildcards.get(o.kind) === o.chain) { this.wildcards.delete(o.kind); this.declare(w, families, o.kind); }
        continue;
      }
      const slot = `${o.kind}|${o.iface}`;
      if (this.owners.get(slot) !== key) continue;
      this.owners.delete(slot);
      for (const f of families) w.setDispatchEntry(f, d.table, cn(d.table, d.chain), o.iface, null);
    }
    for (const n of want) {
      if (had.some((o) => same(n, o))) continue;
      const d = DISPATCH[n.kind]!;
      if (n.iface === '*') { this.wildcards.set(n.kind, n.chain); this.declare(w, families, n.kind); continue; }
      this.owners.set(`${n.kind}|${n.iface}`, key);
      for (const f of families) w.setDispatchEntry(f, d.table, cn(d.table, d.chain), n.iface, n.chain);
    }
    if (want.length) this.dispatchOf.set(key, want);
    else this.dispatchOf.delete(key);
  }

  /** The dispatch entries an endpoint contributes: one per dispatch kind it has a chain for. */
  private dispatchEntriesFor(w: RulesetWriter, key: string): DispatchEntry[] {
    const out: DispatchEntry[] = [];
    const cn = w.chainName;
    const wl = key.startsWith('wl/') ? this.workloads.get(key.slice(3)) : undefined;
    const hep = key.startsWith('hep/') ? this.hosts.get(key.slice(4)) : undefined;
    const ifaces = wl ? [wl.interfaceName] : hep ? this.hostInterfaces(key.slice(4), hep) : [];
    for (const iface of ifaces) {
      DISPATCH.forEach((d, kind) => {
        if (d.workload !== (wl !== undefined)) return;
        if (hep && !hostChainExists(hep, d)) return;
        out.push({ kind, iface, chain: cn(d.table, endpointChainName(d.prefix, iface)) });
      });
    }
    return out;
  }
}

interface DispatchEntry { readonly kind: number; readonly iface: string; readonly chain: string }

/** Whether a host endpoint has a chain for this dispatch kind (raw/mangle ones only with such policies). */
function hostChainExists(ep: ModelHostEndpoint, d: DispatchKind): boolean {
  if (d.table === 'filter') return true;
  if (d.table === 'raw') return hasPolicies(ep.untrackedTiers, d.key === 'iif' ? 'ingress' : 'egress');
  return hasPolicies(ep.preDnatTiers, 'ingress');
}
