/**
 * Renders one node's BIRD 2 configuration, following the structure of
 * Calico's confd templates (bird.cfg, bird_ipam.cfg, bird_aggr.cfg) in
 * BIRD 2 syntax:
 * - `calico_aggr()`: export this node's affine blocks, never the /32s inside;
 * - `calico_export_to_bgp_peers()`: service CIDRs and IP pools (pools with
 *   disableBGPExport rejected);
 * - filter `calico_kernel_programming`: what BIRD may install in the kernel
 *   (not service CIDRs, not VXLAN pools, which routing programs itself, not
 *   IPIP pools, which this kernel cannot carry);
 * - filter `calico_kernel_learning`: workload host routes learned from the
 *   kernel, so borrowed addresses are announced by the node that has them;
 * - static blackhole routes for the affine blocks and the service CIDRs;
 * - one `protocol bgp` per peer from `bgp_template`.
 * Deterministic: the same input gives byte-identical text, so "changed"
 * is a string comparison (as confd compares rendered files).
 */
import type { PoolView } from '../routing/routing-model.js';
import type { BirdPeer } from './bgp-peers.js';
import { filterFunctionName, hasRules, renderFilterFunctions, usesPeerType, type BgpFilterView } from './bgp-filter.js';

export interface BirdConfigInput {
  readonly hostname: string;
  /** BIRD's router id: the node's IPv4 BGP address unless CALICO_ROUTER_ID says otherwise. */
  readonly routerId: string;
  /** The node's IPv4 BGP address (session source), when it differs from routerId. */
  readonly ipv4Address?: string;
  /** The node has no IPv4 BGP address (IPv6-only node with a configured router id): no IPv4 sessions or routes. */
  readonly ipv4Disabled?: boolean;
  readonly asNumber: string;
  readonly listenPort: number;
  /** BGPConfiguration logSeverityScreen: Debug | Info | Warning | Error | Fatal | None. */
  readonly logSeverity: string;
  /** BGPConfiguration bindMode: NodeIP = BIRD listens on the node's address only (`strict bind`). */
  readonly bindMode?: 'None' | 'NodeIP';
  readonly pools: readonly PoolView[];
  /** Blocks affine to this node (IPv4 CIDRs), sorted. */
  readonly localBlocks: readonly string[];
  /** Service CIDRs this node advertises (IPv4, sorted): cluster IPs, external and (aggregated) LB ranges. */
  readonly serviceCidrs: readonly string[];
  /** Every configured service CIDR (never programmed into the kernel); default serviceCidrs. */
  readonly serviceRanges?: readonly string[];
  /** External and LB ranges a route reflector passes on to its clients. */
  readonly serviceRelayCidrs?: readonly string[];
  readonly peers: readonly BirdPeer[];
  /** protocolName -> password text (already read from its secret). */
  readonly passwords: ReadonlyMap<string, string>;
  readonly filters: ReadonlyMap<string, BgpFilterView>;
  /** This node's routeReflectorClusterID, when it is a route reflector. */
  readonly rrClusterId?: string;
  /** BGPConfiguration programClusterRoutes (default EnabledNoEncapOnly: BIRD programs unencapsulated pools' routes). */
  readonly programClusterRoutes?: 'Enabled' | 'Disabled' | 'EnabledIPIPOnly' | 'EnabledNoEncapOnly';
  /** BGPConfiguration ipv4NormalRoutePriority / ipv6NormalRoutePriority, when set. */
  readonly normalRoutePriority?: { readonly v4?: number; readonly v6?: number };
  /** BGPConfiguration ignoredInterfaces (globs): never learned by the direct protocol. */
  readonly ignoredInterfaces?: readonly string[];
  /** Communities added to routes exported to peers: CIDR -> community values (`aa:nn` or `aa:nn:mm`). */
  readonly prefixCommunities?: readonly { readonly cidr: string; readonly communities: readonly string[] }[];
  /** IPv6 sessions and routes, when the Node has an IPv6 BGP address. */
  readonly ipv6?: {
    readonly localAddress: string;
    readonly localBlocks: readonly string[];
    readonly serviceCidrs: readonly string[];
    readonly serviceRanges?: readonly string[];
    readonly serviceRelayCidrs?: readonly string[];
    readonly peers: readonly BirdPeer[];
  };
}

/** BIRD's `bgp_path`-free AS form: asdot `1.10` becomes 65546. */
export function asPlain(as: string): string {
  const m = /^(\d+)\.(\d+)$/.exec(as);
  return m ? String(Number(m[1]) * 65536 + Number(m[2])) : as;
}

function logLines(sev: string): string[] {
  switch (sev.toLowerCase()) {
    case 'debug': return ['log stderr all;', 'debug protocols all;'];
    case 'warning': return ['log stderr { warning, error, fatal, bug };', 'debug protocols off;'];
    case 'error': case 'fatal': return ['log stderr { error, fatal, bug };', 'debug protocols off;'];
    case 'none': return ['debug protocols off;'];
    default: return ['log stderr { info, remote, warning, error, auth, fatal, bug };', 'debug protocols { states };'];
  }
}

/** BIRD strings have no escape sequences; callers never pass quotes or backslashes (they are dropped here as a last guard). */
const quote = (s: string): string => `"${s.replace(/["\\\n\r]/g, '')}"`;

function durationSeconds(d: string | undefined): number | undefined {
  if (!d) return undefined;
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(h|m|s|ms)/g;
  let m: RegExpExecArray | null;
  let any = false;
  while ((m = re.exec(d)) !== null) {
    any = true;
    const n = Number(m[1]);
    total += m[2] === 'h' ? n * 3600 : m[2] === 'm' ? n * 60 : m[2] === 's' ? n : n / 1000;
  }
  return any ? Math.max(1, Math.round(total)) : undefined;
}

/** Per-family names: IPv4 keeps Calico's plain names, IPv6 gets a `6` suffix (bird6.cfg's role). */
interface Family {
  readonly v: 4 | 6;
  readonly sfx: string;
  readonly local: string;
  readonly localBlocks: readonly string[];
  readonly serviceCidrs: readonly string[];
  readonly serviceRanges: readonly string[];
  readonly serviceRelayCidrs: readonly string[];
  readonly peers: readonly BirdPeer[];
}

function families(inp: BirdConfigInput): Family[] {
  const out: Family[] = inp.ipv4Disabled ? [] : [{
    v: 4, sfx: '', local: inp.ipv4Address ?? inp.routerId, localBlocks: inp.localBlocks, serviceCidrs: inp.serviceCidrs,
    serviceRanges: inp.serviceRanges ?? inp.serviceCidrs, serviceRelayCidrs: inp.serviceRelayCidrs ?? [], peers: inp.peers,
  }];
  if (inp.ipv6) {
    out.push({
      v: 6, sfx: '6', local: inp.ipv6.localAddress, localBlocks: inp.ipv6.localBlocks, serviceCidrs: inp.ipv6.serviceCidrs,
      serviceRanges: inp.ipv6.serviceRanges ?? inp.ipv6.serviceCidrs, serviceRelayCidrs: inp.ipv6.serviceRelayCidrs ?? [], peers: inp.ipv6.peers,
    });
  }
  return out;
}

const DESCRIPTIONS: Record<BirdPeer['type'], string> = {
  Mesh: 'Node-to-node mesh', Global: 'Global peer', Node: 'Node-specific peer', Local_Workload: 'Local workload peer',
};

function renderPeer(inp: BirdConfigInput, f: Family, p: BirdPeer): string[] {
  // BIRD 2 has no global `listen bgp address`: with bindMode NodeIP every session binds its
  // listening socket to the node's address (`local <ip>` + `strict bind`), whatever sourceAddress says.
  const bind = inp.bindMode === 'NodeIP';
  const local = p.sourceAddress === 'UseNodeIP' || bind ? `${f.local} ` : '';
  const port = inp.listenPort !== 179 ? `port ${inp.listenPort} ` : '';
  const who = p.peerNode ?? p.peerWorkload;
  const lines = [`protocol bgp ${p.protocolName} from bgp_template {`,
    `  local ${local}${port}as ${asPlain(p.localAsNumber ?? inp.asNumber)};`,
    `  neighbor ${p.ip}${p.port !== undefined ? ` port ${p.port}` : ''} as ${asPlain(p.asNumber)};`,
    `  description ${quote(`${DESCRIPTIONS[p.type]}${who ? ` ${who}` : ''}`)};`];
  if (bind) lines.push('  strict bind on;');
  if (p.passive) lines.push('  passive on;');
  if (p.rrClient) lines.push('  rr client;', `  rr cluster id ${inp.rrClusterId ?? inp.routerId};`);
  const pw = inp.passwords.get(p.protocolName);
  if (pw !== undefined) lines.push(`  password ${quote(pw)};`);
  if (p.ttlSecurity) lines.push('  ttl security on;', `  multihop ${p.ttlSecurity};`);
  const restart = durationSeconds(p.maxRestartTime);
  if (restart !== undefined) lines.push(`  graceful restart time ${restart};`);
  const keepalive = durationSeconds(p.keepaliveTime);
  if (keepalive !== undefined) {
    // BIRD refuses a keepalive above the hold time (default 240 s): raise the hold time to 3x, the usual ratio.
    const ka = Math.min(keepalive, 65535);
    if (ka > 240) lines.push(`  hold time ${Math.min(65535, ka * 3)};`);
    lines.push(`  keepalive time ${ka};`);
  }
  if (p.numAllowedLocalASNumbers) lines.push(`  allow local as ${p.numAllowedLocalASNumbers};`);
  // peerType rules in a BGPFilter need to know whether this session is iBGP (same AS) or eBGP.
  const sameAs = asPlain(p.asNumber) === asPlain(p.localAsNumber ?? inp.asNumber);
  const filters = p.filters.map((n) => inp.filters.get(n)).filter((x): x is BgpFilterView => x !== undefined);
  const call = (dir: 'import' | 'export'): string => filters
    .filter((x) => hasRules(x, dir, f.v))
    .map((x) => `${filterFunctionName(x.name, dir, f.v)}(${usesPeerType(x, dir, f.v) ? String(sameAs) : ''}); `).join('');
  const chan = [`  ipv${f.v} {`];
  const imports = call('import');
  chan.push(imports ? `    import filter { ${imports}accept; };` : '    import all;');
  chan.push(`    export filter { ${call('export')}calico_export_to_bgp_peers${f.sfx}(); reject; };`);
  if (p.nextHop === 'Keep') chan.push('    next hop keep;');
  if (p.nextHop === 'Self') chan.push('    next hop self;');
  chan.push('    gateway recursive;', '    add paths on;', '  };');
  return [...lines, ...chan, '}', ''];
}

function renderFilters(inp: BirdConfigInput, f: Family): string[] {
  const out: string[] = [];
  const pools = inp.pools.filter((p) => p.version === f.v);
  out.push('# This node\'s blocks are exported whole; addresses inside them never.', `function calico_aggr${f.sfx}() {`);
  for (const b of f.localBlocks) out.push(`  if ( net = ${b} ) then { accept; }`, `  if ( net ~ ${b} ) then { reject; }`);
  out.push('  return true;', '}', '');
  const pcs = (inp.prefixCommunities ?? []).filter((pc) => pc.cidr.includes(':') === (f.v === 6));
  out.push('# BGPConfiguration prefixAdvertisements: communities added on export.', `function apply_communities${f.sfx}() {`);
  for (const pc of pcs) {
    const adds = pc.communities.map((c) => {
      const parts = c.split(':');
      return parts.length === 3 ? `bgp_large_community.add((${parts.join(', ')}));` : `bgp_community.add((${parts.join(', ')}));`;
    });
    out.push(`  if ( net ~ ${pc.cidr} ) then { ${adds.join(' ')} }`);
  }
  out.push('  return true;', '}', '');
  out.push(`function calico_export_to_bgp_peers${f.sfx}() {`, `  apply_communities${f.sfx}();`, `  calico_aggr${f.sfx}();`);
  for (const c of f.serviceCidrs) out.push(`  if ( net ~ ${c} ) then { accept; }`);
  if (inp.rrClusterId) for (const c of f.serviceRelayCidrs) if (!f.serviceCidrs.includes(c)) out.push(`  if ( net ~ ${c} ) then { accept; } # route reflector: relay service routes`);
  for (const p of pools) out.push(`  if ( net ~ ${p.cidr} ) then { ${p.disableBGPExport ? 'reject' : 'accept'}; }`);
  out.push('  return false;', '}', '');
  out.push(`filter calico_kernel_programming${f.sfx} {`, '  if ( source = RTS_DEVICE ) then { reject; }');
  // BGPConfiguration ipv4/ipv6NormalRoutePriority: the kernel metric of BGP routes no filter gave one.
  const priority = f.v === 4 ? inp.normalRoutePriority?.v4 : inp.normalRoutePriority?.v6;
  if (priority !== undefined) out.push(`  if ( (source = RTS_BGP) && !defined(krt_metric) ) then { krt_metric = ${priority}; }`);
  for (const c of f.serviceRanges) out.push(`  if ( net ~ ${c} ) then { reject; }`);
  // programClusterRoutes Disabled / EnabledIPIPOnly: routes of unencapsulated pools are Felix's, not BIRD's.
  const noEncapByBird = inp.programClusterRoutes !== 'Disabled' && inp.programClusterRoutes !== 'EnabledIPIPOnly';
  for (const p of pools) {
    if (p.vxlanMode !== 'Never') out.push(`  if ( net ~ ${p.cidr} ) then { reject; } # VXLAN pool: routed by calico-ts routing`);
    else if (p.ipipMode !== 'Never') out.push(`  if ( net ~ ${p.cidr} ) then { reject; } # IPIP pool: no ipip in this kernel`);
    else if (!noEncapByBird) out.push(`  if ( net ~ ${p.cidr} ) then { reject; } # Cluster routes are handled by Felix (programClusterRoutes)`);
    else out.push(`  if ( net ~ ${p.cidr} ) then { accept; }`);
  }
  out.push('  accept;', '}', '');
  // Workload host routes (the CNI plugin's /32 or /128 to a cali device) are learned, so an address
  // borrowed from another node's block is announced from where it lives; calico_aggr keeps the
  // node's own addresses inside its blocks from ever being exported.
  const host = f.v === 4 ? 32 : 128;
  out.push(`filter calico_kernel_learning${f.sfx} {`);
  for (const p of pools) if (p.vxlanMode === 'Never' && p.ipipMode === 'Never') out.push(`  if ( (net.len = ${host}) && (net ~ ${p.cidr}) ) then { accept; }`);
  out.push('  reject;', '}', '');
  return out;
}

function renderProtocols(inp: BirdConfigInput, f: Family): string[] {
  const name = (base: string): string => (f.v === 4 ? base : `${base}6`);
  const out: string[] = [];
  const ignored = (inp.ignoredInterfaces ?? []).map((i) => `-"${i.replace(/["\\]/g, '')}", `).join('');
  out.push(`protocol direct${f.v === 4 ? '' : ' direct6'} {`, `  ipv${f.v};`, `  interface -"cali*", -"vxlan.calico", -"vxlan-v6.calico", -"kube-ipvs*", ${ignored}"*";`, '}', '');
  // metric 0: the kernel's own default (as Calico's BIRD 1.6 leaves it); a route's krt_metric (BGPFilter setPriority) wins over it.
  out.push(`protocol kernel${f.v === 4 ? '' : ' kernel6'} {`, '  metric 0;', '  learn;',
    `  ipv${f.v} {`, `    import filter calico_kernel_learning${f.sfx};`, `    export filter calico_kernel_programming${f.sfx};`, '  };',
    '  merge paths on;', '  persist;', '  scan time 2;', '  graceful restart;', '}', '');
  if (f.localBlocks.length > 0) {
    out.push(`protocol static ${name('static_blocks')} {`, `  ipv${f.v};`);
    for (const b of f.localBlocks) out.push(`  route ${b} blackhole;`);
    out.push('}', '');
  }
  if (f.serviceCidrs.length > 0) {
    out.push(`protocol static ${name('static_services')} {`, `  ipv${f.v};`);
    for (const c of f.serviceCidrs) out.push(`  route ${c} blackhole;`);
    out.push('}', '');
  }
  // BGPPeer reachableBy: the peer's address is reached through this gateway (confd's bird_aggr static route).
  const reach = f.peers.filter((p) => p.reachableBy !== undefined);
  if (reach.length > 0) {
    out.push(`protocol static ${name('static_peers')} {`, `  ipv${f.v};`);
    for (const p of reach) out.push(`  route ${p.ip}/${f.v === 4 ? 32 : 128} via ${p.reachableBy};`);
    out.push('}', '');
  }
  return out;
}

export function renderBirdConfig(inp: BirdConfigInput): string {
  const fams = families(inp);
  const out: string[] = [
    `# Generated by calico-ts for node ${inp.hostname}. Do not edit: it is rewritten on every change.`,
    `router id ${inp.routerId};`,
    'timeformat protocol iso long;',
    ...logLines(inp.logSeverity),
    '',
  ];
  for (const f of inp.filters.values()) out.push(renderFilterFunctions(f, fams.map((x) => x.v)));
  for (const f of fams) out.push(...renderFilters(inp, f));
  out.push('protocol device {', '  scan time 2;', '}', '');
  for (const f of fams) out.push(...renderProtocols(inp, f));
  out.push('template bgp bgp_template {', '  description "Connection to BGP peer";', '  multihop;', '  graceful restart;',
    '  connect delay time 2;', '  connect retry time 5;', '  error wait time 5, 30;', '}', '');
  for (const f of fams) for (const p of f.peers) out.push(...renderPeer(inp, f, p));
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}
