/**
 * The typed view of the resources routing reads: IPPools, Nodes, IPAM
 * blocks (their `host:<node>` affinity), FelixConfiguration. Parsing is
 * lenient (the API layer validated on write); anything unusable is skipped.
 */
import { affinityHost } from '../ipam/model.js';
import { formatIp, tryParseCidr, tryParseIp } from '../ipam/ip.js';
import type { ResourceMap } from './resource-cache.js';

export type EncapMode = 'Always' | 'CrossSubnet' | 'Never';

export interface PoolView {
  readonly name: string;
  readonly cidr: string;
  readonly version: 4 | 6;
  readonly vxlanMode: EncapMode;
  readonly ipipMode: EncapMode;
  readonly natOutgoing: boolean;
  readonly disabled: boolean;
  readonly disableBGPExport: boolean;
}

export interface NodeView {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** spec.bgp.ipv4Address as written (CIDR form, e.g. 10.0.0.1/24), or undefined. */
  readonly ipv4Cidr?: string;
  readonly ipv6Cidr?: string;
  /** The address part of ipv4Cidr (or of spec.addresses), the node's underlay IP. */
  readonly ipv4?: string;
  readonly ipv6?: string;
  readonly asNumber?: string;
  readonly routeReflectorClusterID?: string;
  readonly vxlanTunnelAddr?: string;
  readonly vxlanTunnelMAC?: string;
  readonly vxlanTunnelAddrV6?: string;
  readonly vxlanTunnelMACV6?: string;
}

export interface BlockView {
  readonly cidr: string;
  /** The node the block is affine to, or null. */
  readonly node: string | null;
  /** Addresses of this block allocated to another node than the block's (IPAM attribute `node`): borrowed. */
  readonly borrowed?: readonly { readonly ip: string; readonly node: string }[];
}

/** The FelixConfiguration fields routing honours (node.<host> over default). */
export interface FelixRoutingConfig {
  readonly vxlanVNI: number;
  readonly vxlanPort: number;
  /** 0 = auto (underlay MTU - 50). */
  readonly vxlanMTU: number;
  readonly vxlanMTUV6: number;
  /** undefined = on when some pool asks for VXLAN. */
  readonly vxlanEnabled?: boolean;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const mode = (v: unknown): EncapMode => (v === 'Always' || v === 'CrossSubnet' ? v : 'Never');

export function parsePools(m: ResourceMap): PoolView[] {
  const out: PoolView[] = [];
  for (const [name, v] of m) {
    const s = obj(obj(v)['spec']);
    const cidr = str(s['cidr']);
    const net = cidr ? tryParseCidr(cidr) : null;
    if (!net || !cidr) continue;
    out.push({
      name, cidr, version: net.version, vxlanMode: mode(s['vxlanMode']), ipipMode: mode(s['ipipMode']),
      natOutgoing: s['natOutgoing'] === true, disabled: s['disabled'] === true, disableBGPExport: s['disableBGPExport'] === true,
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

function addrOf(cidr: string | undefined): string | undefined {
  if (!cidr) return undefined;
  const ip = cidr.split('/')[0]!;
  return tryParseIp(ip) ? ip : undefined;
}

export function parseNode(name: string, v: unknown): NodeView {
  const r = obj(v);
  const s = obj(r['spec']);
  const bgp = obj(s['bgp']);
  const labels = obj(obj(r['metadata'])['labels']) as Record<string, string>;
  const ipv4Cidr = str(bgp['ipv4Address']);
  const ipv6Cidr = str(bgp['ipv6Address']);
  let ipv4 = addrOf(ipv4Cidr);
  let ipv6 = addrOf(ipv6Cidr);
  // Without BGP addresses, Calico falls back to the node's InternalIP addresses.
  for (const a of Array.isArray(s['addresses']) ? s['addresses'] : []) {
    const ip = addrOf(str(obj(a)['address']));
    if (!ip) continue;
    if (!ipv4 && !ip.includes(':')) ipv4 = ip;
    if (!ipv6 && ip.includes(':')) ipv6 = ip;
  }
  const opt = <K extends string, T>(k: K, val: T | undefined): Partial<Record<K, T>> => (val === undefined ? {} : ({ [k]: val } as Record<K, T>));
  const asn = bgp['asNumber'];
  return {
    name, labels,
    ...opt('ipv4Cidr', ipv4Cidr), ...opt('ipv6Cidr', ipv6Cidr), ...opt('ipv4', ipv4), ...opt('ipv6', ipv6),
    ...opt('asNumber', typeof asn === 'number' ? String(asn) : str(asn)),
    ...opt('routeReflectorClusterID', str(bgp['routeReflectorClusterID'])),
    ...opt('vxlanTunnelAddr', str(s['ipv4VXLANTunnelAddr'])),
    ...opt('vxlanTunnelMAC', str(s['vxlanTunnelMACAddr'])),
    ...opt('vxlanTunnelAddrV6', str(s['ipv6VXLANTunnelAddr'])),
    ...opt('vxlanTunnelMACV6', str(s['vxlanTunnelMACAddrV6'])),
  };
}

export function parseNodes(m: ResourceMap): Map<string, NodeView> {
  const out = new Map<string, NodeView>();
  for (const [name, v] of m) out.set(name, parseNode(name, v));
  return out;
}

/** Orders CIDRs by family, then network address, then prefix length. */
export function compareCidrs(a: string, b: string): number {
  const x = tryParseCidr(a);
  const y = tryParseCidr(b);
  if (!x || !y) return a < b ? -1 : a > b ? 1 : 0;
  if (x.version !== y.version) return x.version - y.version;
  if (x.base !== y.base) return x.base < y.base ? -1 : 1;
  return x.prefix - y.prefix;
}

/** Blocks from IPAMBlock objects (deleted ones skipped), in address order. */
export function parseBlocks(m: ResourceMap): BlockView[] {
  const out: BlockView[] = [];
  for (const v of m.values()) {
    const s = obj(obj(v)['spec']);
    const cidr = str(s['cidr']);
    const net = cidr ? tryParseCidr(cidr) : null;
    if (!cidr || !net || s['deleted'] === true) continue;
    const node = affinityHost(str(s['affinity']) ?? null);
    const attrs = Array.isArray(s['attributes']) ? s['attributes'] : [];
    const borrowed: { ip: string; node: string }[] = [];
    (Array.isArray(s['allocations']) ? s['allocations'] : []).forEach((a: unknown, ordinal: number) => {
      if (typeof a !== 'number') return;
      const owner = str(obj(obj(attrs[a])['secondary'])['node']);
      if (owner && owner !== node) borrowed.push({ ip: formatIp({ version: net.version, value: net.base + BigInt(ordinal) }), node: owner });
    });
    out.push({ cidr, node, ...(borrowed.length > 0 ? { borrowed } : {}) });
  }
  return out.sort((a, b) => compareCidrs(a.cidr, b.cidr));
}

export const DEFAULT_VXLAN_VNI = 4096;
export const DEFAULT_VXLAN_PORT = 4789;

export function parseFelixConfig(m: ResourceMap, hostname: string): FelixRoutingConfig {
  const d = obj(obj(m.get('default'))['spec']);
  const n = obj(obj(m.get(`node.${hostname}`))['spec']);
  const pick = (k: string): unknown => (n[k] !== undefined ? n[k] : d[k]);
  const int = (k: string, dflt: number): number => {
    const v = pick(k);
    return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : dflt;
  };
  const en = pick('vxlanEnabled');
  return {
    vxlanVNI: int('vxlanVNI', DEFAULT_VXLAN_VNI), vxlanPort: int('vxlanPort', DEFAULT_VXLAN_PORT),
    vxlanMTU: int('vxlanMTU', 0), vxlanMTUV6: int('vxlanMTUV6', 0),
    ...(typeof en === 'boolean' ? { vxlanEnabled: en } : {}),
  };
}
