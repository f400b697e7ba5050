/**
 * The VXLAN desired state for one node, computed as Felix's VXLAN resolver
 * and L3 route resolver do: for every remote node with a VTEP, an ARP and an
 * FDB entry; for every block affine to a remote node in a pool with
 * vxlanMode Always (or CrossSubnet across subnets), a route via that node's
 * VTEP (onlink, on vxlan.calico); for CrossSubnet inside one subnet, a
 * direct route via the node's underlay address. Pure: no I/O.
 */
import { createHash } from 'node:crypto';
import { cidrContainsCidr, cidrContainsIp, parseCidr, tryParseCidr, tryParseIp } from '../ipam/ip.js';
import type { BlockView, NodeView, PoolView } from './routing-model.js';

export const VXLAN_DEVICE = 'vxlan.calico';

export interface PlannedRoute {
  readonly dst: string;
  readonly gateway: string;
  readonly dev: string;
  readonly onlink: boolean;
}

export interface VtepNeighbor {
  /** Remote VTEP (tunnel) address. */
  readonly ip: string;
  readonly mac: string;
  /** The remote node's underlay address (FDB destination). */
  readonly underlayIp: string;
  readonly node: string;
}

export interface VxlanPlan {
  /** True when some enabled IPv4 pool has vxlanMode Always/CrossSubnet (and Felix config does not disable it). */
  readonly enabled: boolean;
  readonly routes: readonly PlannedRoute[];
  readonly neighbors: readonly VtepNeighbor[];
}

export interface VxlanPlanInput {
  readonly hostname: string;
  readonly pools: readonly PoolView[];
  readonly nodes: ReadonlyMap<string, NodeView>;
  readonly blocks: readonly BlockView[];
  /** The underlay interface name (for CrossSubnet direct routes). */
  readonly underlayInterface: string;
  /** FelixConfiguration vxlanEnabled, if set. */
  readonly vxlanEnabled?: boolean;
}

/**
 * A stable, locally administered unicast MAC for a node's VTEP, so a node
 * whose Node resource has no vxlanTunnelMACAddr yet still gets the same MAC
 * on every host.
 */
export function vtepMacFor(nodeName: string): string {
  const h = createHash('sha256').update(`vxlan-mac:${nodeName}`).digest();
  const b = [...h.subarray(0, 6)];
  b[0] = (b[0]! & 0xfe) | 0x02;
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

export function vxlanPools(pools: readonly PoolView[]): PoolView[] {
  return pools.filter((p) => p.version === 4 && !p.disabled && p.vxlanMode !== 'Never');
}

/** The pool (most specific) containing a block, or undefined. */
export function poolOfBlock(pools: readonly PoolView[], blockCidr: string): PoolView | undefined {
  const b = tryParseCidr(blockCidr);
  if (!b) return undefined;
  let best: PoolView | undefined;
  let bestLen = -1;
  for (const p of pools) {
    const net = tryParseCidr(p.cidr);
    if (net && net.version === b.version && cidrContainsCidr(net, b) && net.prefix > bestLen) { best = p; bestLen = net.prefix; }
  }
  return best;
}

/** True when `ip` lies in the subnet of the node's own CIDR-form address (e.g. 10.0.0.1/24). */
export function sameSubnet(localCidr: string | undefined, ip: string): boolean {
  if (!localCidr) return false;
  const net = tryParseCidr(localCidr.includes('/') ? localCidr : `${localCidr}/32`);
  const addr = tryParseIp(ip);
  if (!net || !addr) return false;
  const masked = parseCidr(`${localCidr.split('/')[0]}/${net.prefix}`);
  return cidrContainsIp(masked, addr);
}

export function computeVxlanPlan(input: VxlanPlanInput): VxlanPlan {
  const pools = vxlanPools(input.pools);
  const enabled = input.vxlanEnabled ?? pools.length > 0;
  if (!enabled) return { enabled: false, routes: [], neighbors: [] };
  const local = input.nodes.get(input.hostname);
  const neighbors: VtepNeighbor[] = [];
  const vteps = new Map<string, VtepNeighbor>();
  for (const n of [...input.nodes.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    if (n.name === input.hostname || !n.vxlanTunnelAddr || !n.ipv4) continue;
    const v: VtepNeighbor = { ip: n.vxlanTunnelAddr, mac: (n.vxlanTunnelMAC ?? vtepMacFor(n.name)).toLowerCase(), underlayIp: n.ipv4, node: n.name };
    vteps.set(n.name, v);
    neighbors.push(v);
  }
  const routes: PlannedRoute[] = [];
  for (const b of input.blocks) {
    if (b.node === null || b.node === input.hostname) continue;
    const pool = poolOfBlock(input.pools, b.cidr);
    if (!pool || pool.version !== 4 || pool.disabled || pool.vxlanMode === 'Never') continue;
    const remote = input.nodes.get(b.node);
    if (!remote?.ipv4) continue;
    if (pool.vxlanMode === 'CrossSubnet' && sameSubnet(local?.ipv4Cidr, remote.ipv4)) {
      routes.push({ dst: b.cidr, gateway: remote.ipv4, dev: input.underlayInterface, onlink: false });
      continue;
    }
    const vtep = vteps.get(b.node);
    if (!vtep) continue; // the remote node has no VTEP yet: no route until it has
    routes.push({ dst: b.cidr, gateway: vtep.ip, dev: VXLAN_DEVICE, onlink: true });
  }
  return { enabled: true, routes, neighbors };
}
