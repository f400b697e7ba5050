/**
 * The node's own VTEP: its tunnel address allocated through IPAM (handle
 * `vxlan-tunnel-addr-<node>`, as calico-node's allocateip does, from the
 * VXLAN pools, intended use Tunnel) and its MAC, both recorded on the Node
 * resource (spec.ipv4VXLANTunnelAddr, spec.vxlanTunnelMACAddr) so every
 * other node can program ARP/FDB entries for it.
 */
import type { Datastore } from '../datastore/datastore.js';
import { CalicoError } from '../lib/errors.js';
import { IpamClient } from '../ipam/ipam-client.js';
import { tryParseCidr, tryParseIp, cidrContainsIp } from '../ipam/ip.js';
import type { PoolView } from './routing-model.js';
import { vtepMacFor } from './vxlan-plan.js';

/** IPAM handle of a node's VTEP address, as calico-node names it. */
export function vxlanHandle(node: string, family: 4 | 6 = 4): string {
  return family === 4 ? `vxlan-tunnel-addr-${node}` : `vxlan-v6-tunnel-addr-${node}`;
}

const FIELDS = {
  4: { addr: 'ipv4VXLANTunnelAddr', mac: 'vxlanTunnelMACAddr', type: 'vxlanTunnelAddress' },
  6: { addr: 'ipv6VXLANTunnelAddr', mac: 'vxlanTunnelMACAddrV6', type: 'vxlanV6TunnelAddress' },
} as const;

type Obj = Record<string, unknown>;

function inPools(ip: string, pools: readonly PoolView[]): boolean {
  const a = tryParseIp(ip);
  return !!a && pools.some((p) => { const n = tryParseCidr(p.cidr); return !!n && cidrContainsIp(n, a); });
}

async function handleIps(ipam: IpamClient, handle: string): Promise<string[]> {
  try {
    return await ipam.ipsByHandle(handle);
  } catch (e) {
    if (e instanceof CalicoError && e.code === 'CALICO_ERR_NOT_FOUND') return [];
    throw e;
  }
}

/** Writes (CAS, retried) the two VTEP fields of a Node for one family; undefined clears them. */
async function writeNodeVtep(ds: Datastore, node: string, family: 4 | 6, addr: string | undefined, defaultMac: string | undefined): Promise<string | undefined> {
  const F = FIELDS[family];
  for (let attempt = 0; attempt < 10; attempt++) {
    const cur = await ds.get<Obj>({ kind: 'Node', name: node });
    if (!cur) throw new CalicoError('CALICO_ERR_NOT_FOUND', `Node ${node} does not exist: cannot record its VXLAN tunnel address`);
    const spec = { ...((cur.value['spec'] as Obj | undefined) ?? {}) };
    // A MAC already on the Node (set by an operator or an earlier run) is kept.
    const cur0 = spec[F.mac];
    const existing = typeof cur0 === 'string' && cur0 !== '' ? cur0.toLowerCase() : undefined;
    const mac = defaultMac === undefined ? undefined : existing ?? defaultMac;
    if (spec[F.addr] === addr && spec[F.mac] === mac) return mac;
    if (addr === undefined) delete spec[F.addr]; else spec[F.addr] = addr;
    if (mac === undefined) delete spec[F.mac]; else spec[F.mac] = mac;
    try {
      await ds.update({ kind: 'Node', name: node }, { ...cur.value, spec }, cur.revision);
      return mac;
    } catch (e) {
      if (!(e instanceof CalicoError && e.code === 'CALICO_ERR_CONFLICT')) throw e;
    }
  }
  throw new CalicoError('CALICO_ERR_CONFLICT', `Node ${node}: too many conflicting writes while recording the VXLAN tunnel address`);
}

/**
 * Makes sure the node has exactly one VXLAN tunnel address in a VXLAN pool
 * (keeping a valid existing one) and that the Node records it; with no
 * VXLAN pools, releases it and clears the fields. Returns the address.
 */
export async function ensureVtepAddress(ds: Datastore, node: string, vxlanPools: readonly PoolView[], family: 4 | 6 = 4): Promise<{ address: string; mac: string } | undefined> {
  const ipam = new IpamClient(ds);
  const handle = vxlanHandle(node, family);
  const held = await handleIps(ipam, handle);
  const mine = held.filter((ip) => ip.includes(':') === (family === 6));
  if (vxlanPools.length === 0) {
    if (held.length > 0) await ipam.releaseByHandle(handle);
    await writeNodeVtep(ds, node, family, undefined, undefined).catch((e: unknown) => {
      if (!(e instanceof CalicoError && e.code === 'CALICO_ERR_NOT_FOUND')) throw e;
    });
    return undefined;
  }
  // Never allocate for a node that does not exist (the address would leak).
  if (!(await ds.get({ kind: 'Node', name: node }))) throw new CalicoError('CALICO_ERR_NOT_FOUND', `Node ${node} does not exist: cannot record its VXLAN tunnel address`);
  let addr = mine.find((ip) => inPools(ip, vxlanPools));
  const stale = held.filter((ip) => ip !== addr);
  if (stale.length > 0) await ipam.releaseIPs(stale.map((ip) => ({ ip, handleId: handle })));
  if (!addr) {
    // A kept address may sit in a disabled pool; a new one only comes from an enabled pool.
    const pools = vxlanPools.filter((p) => !p.disabled).map((p) => p.cidr);
    if (pools.length === 0) throw new CalicoError('CALICO_ERR_IPAM_EXHAUSTED', `no enabled IPv${family} VXLAN pool to take the VXLAN tunnel address of ${node} from`);
    const res = await ipam.autoAssign({
      handleId: handle, hostname: node, intendedUse: 'Tunnel', attrs: { node, type: FIELDS[family].type },
      ...(family === 4 ? { num4: 1, ipv4Pools: pools } : { num6: 1, ipv6Pools: pools }),
    });
    const got = family === 4 ? res.ipv4[0] : res.ipv6[0];
    if (!got) throw new CalicoError('CALICO_ERR_IPAM_EXHAUSTED', `no address for the VXLAN tunnel of ${node}`);
    addr = got.ip;
  }
  const mac = await writeNodeVtep(ds, node, family, addr, vtepMacFor(node, family));
  return { address: addr, mac: mac ?? vtepMacFor(node, family) };
}
