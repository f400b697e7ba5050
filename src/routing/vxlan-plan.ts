/**
 * The VXLAN desired state for one node, computed as Felix's VXLAN resolver
 * and L3 route resolver do: for every remote node with a VTEP, an ARP and an
 * FDB entry; for every block affine to a remote node in a pool with
 * vxlanMode Always (or CrossSubnet across subnets), a route via that node's
 * VTEP (onlink, on vxlan.calico); for CrossSubnet inside one subnet, a
 * direct route via the node's underlay address; for an address borrowed
 * from another node's block, a host route to the node that has it. Pure.
 */
import { createHash } from 'node:crypto';
import { cidrContainsCidr, cidrContainsIp, parseCidr, tryParseCidr, tryParseIp } from '../ipam/ip.js';
import type { BlockView, NodeView, PoolView } from './routing-model.js';

export const VXLAN_DEVICE = 'vxlan.calico';
export const VXLAN_DEVICE_V6 = 'vxlan-v6.calico';

export function vxlanDevice(family: 4 | 6): string {
  return family === 4 ? VXLAN_DEVICE : VXLAN_DEVICE_V6;
}

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
  /** True when some pool of the family has vxlanMode Always/CrossSubnet (and Felix config does not disable it). */
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
  /** Address family (default 4): IPv6 uses vxlan-v6.calico, the Nodes' IPv6 VTEPs and IPv6 pools. */
  readonly family?: 4 | 6;
}

/**
 * A stable, locally administered unicast MAC for a node's VTEP, so a node
 * whose Node resource has no vxlanTunnelMACAddr yet still gets the same MAC
 * on every host.
 */
export function vtepMacFor(nodeName: string, family: 4 | 6 = 4): string {
  const h = createHash('sha256').update(`${family === 4 ? 'vxlan-mac' : 'vxlan-mac-v6'}:${nodeName}`).digest();
  const b = [...h.subarray(0, 6)];
  b[0] = (b[0]! & 0xfe) | 0x02;
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/**
 * The family's pools with VXLAN on. Disabled pools count: disabling a pool
 * only stops new allocations, its existing workloads stay reachable.
 */
export function vxlanPools(pools: readonly PoolView[], family: 4 | 6 = 4): PoolView[] {
  return pools.filter((p) => p.version === family && p.vxlanMode !== 'Never');
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
  const net = tryParseCidr(localCidr.includes('/') ? localCidr : `${localCidr}/${localCidr.includes(':') ? 128 : 32}`);
  const addr = tryParseIp(ip);
  if (!net || !addr) return false;
  const masked = parseCidr(`${localCidr.split('/')[0]}/${net.prefix}`);
  return cidrContainsIp(masked, addr);
}

export function computeVxlanPlan(input: VxlanPlanInput): VxlanPlan {
  const family = input.family ?? 4;
  const dev = vxlanDevice(family);
  const pools = vxlanPools(input.pools, family);
  const enabled = input.vxlanEnabled ?? pools.length > 0;
  if (!enabled) return { enabled: false, routes: [], neighbors: [] };
  const underlayOf = (n: NodeView): string | undefined => (family === 4 ? n.ipv4 : n.ipv6);
  const local = input.nodes.get(input.hostname);
  const neighbors: VtepNeighbor[] = [];
  const vteps = new Map<string, VtepNeighbor>();
  for (const n of [...input.nodes.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    const addr = family === 4 ? n.vxlanTunnelAddr : n.vxlanTunnelAddrV6;
    const mac = family === 4 ? n.vxlanTunnelMAC : n.vxlanTunnelMACV6;
    const underlayIp = underlayOf(n);
    if (n.name === input.hostname || !addr || !underlayIp) continue;
    const v: VtepNeighbor = { ip: addr, mac: (mac ?? vtepMacFor(n.name, family)).toLowerCase(), underlayIp, node: n.name };
    vteps.set(n.name, v);
    neighbors.push(v);
  }
  const routes: PlannedRoute[] = [];
  for (const b of input.blocks) {
    if (b.node === null || b.node === input.hostname) continue;
    const pool = poolOfBlock(input.pools, b.cidr);
    if (!pool || pool.version !== family || pool.vxlanMode === 'Never') continue;
    const remote = input.nodes.get(b.node);
    const remoteIp = remote ? underlayOf(remote) : undefined;
    if (!remoteIp) continue;
    if (pool.vxlanMode === 'CrossSubnet' && sameSubnet(family === 4 ? local?.ipv4Cidr : local?.ipv6Cidr, remoteIp)) {
      routes.push({ dst: b.cidr, gateway: remoteIp, dev: input.underlayInterface, onlink: false });
      continue;
    }
    const vtep = vteps.get(b.node);
    if (!vtep) continue; // the remote node has no VTEP yet: no route until it has
    routes.push({ dst: b.cidr, gateway: vtep.ip, dev, onlink: true });
  }
  // Borrowed addresses: a host route to the node that has the address (more specific than its block's route).
  for (const b of input.blocks) {
    const pool = poolOfBlock(input.pools, b.cidr);
    if (!pool || pool.version !== family || pool.vxlanMode === 'Never') continue;
    for (const x of b.borrowed ?? []) {
      if (x.node === input.hostname) continue; // the CNI plugin's route to the workload
      const remote = input.nodes.get(x.node);
      const remoteIp = remote ? underlayOf(remote) : undefined;
      const dst = `${x.ip}/${family === 4 ? 32 : 128}`;
      if (remoteIp && pool.vxlanMode === 'CrossSubnet' && sameSubnet(family === 4 ? local?.ipv4Cidr : local?.ipv6Cidr, remoteIp)) {
        routes.push({ dst, gateway: remoteIp, dev: input.underlayInterface, onlink: false });
        continue;
      }
      const vtep = vteps.get(x.node);
      if (vtep && vtep.ip !== x.ip) routes.push({ dst, gateway: vtep.ip, dev, onlink: true });
    }
  }
  return { enabled: true, routes, neighbors };
}
