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

export function vxlanHandle(node: string): string {
  return `vxlan-tunnel-addr-${node}`;
}

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

/** Writes (CAS, retried) the two VTEP fields of a Node; undefined clears them. */
async function writeNodeVtep(ds: Datastore, node: string, addr: string | undefined, defaultMac: string | undefined): Promise<string | undefined> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const cur = await ds.get<Obj>({ kind: 'Node', name: node });
    if (!cur) throw new CalicoError('CALICO_ERR_NOT_FOUND', `Node ${node} does not exist: cannot record its VXLAN tunnel address`);
    const spec = { ...((cur.value['spec'] as Obj | undefined) ?? {}) };
    // A MAC already on the Node (set by an operator or an earlier run) is kept.
    const existing = typeof spec['vxlanTunnelMACAddr'] === 'string' ? spec['vxlanTunnelMACAddr'].toLowerCase() : undefined;
    const mac = defaultMac === undefined ? undefined : existing ?? defaultMac;
    if (spec['ipv4VXLANTunnelAddr'] === addr && spec['vxlanTunnelMACAddr'] === mac) return mac;
    if (addr === undefined) delete spec['ipv4VXLANTunnelAddr']; else spec['ipv4VXLANTunnelAddr'] = addr;
    if (mac === undefined) delete spec['vxlanTunnelMACAddr']; else spec['vxlanTunnelMACAddr'] = mac;
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
export async function ensureVtepAddress(ds: Datastore, node: string, vxlanPools: readonly PoolView[]): Promise<{ address: string; mac: string } | undefined> {
  const ipam = new IpamClient(ds);
  const handle = vxlanHandle(node);
  const held = await handleIps(ipam, handle);
  const v4 = held.filter((ip) => !ip.includes(':'));
  if (vxlanPools.length === 0) {
    if (held.length > 0) await ipam.releaseByHandle(handle);
    await writeNodeVtep(ds, node, undefined, undefined).catch((e: unknown) => {
      if (!(e instanceof CalicoError && e.code === 'CALICO_ERR_NOT_FOUND')) throw e;
    });
    return undefined;
  }
  let addr = v4.find((ip) => inPools(ip, vxlanPools));
  const stale = v4.filter((ip) => ip !== addr);
  if (stale.length > 0) await ipam.releaseIPs(stale.map((ip) => ({ ip, handleId: handle })));
  if (!addr) {
    const res = await ipam.autoAssign({
      num4: 1, handleId: handle, hostname: node, intendedUse: 'Tunnel',
      ipv4Pools: vxlanPools.map((p) => p.cidr), attrs: { node, type: 'vxlanTunnelAddress' },
    });
    const got = res.ipv4[0];
    if (!got) throw new CalicoError('CALICO_ERR_IPAM_EXHAUSTED', `no address for the VXLAN tunnel of ${node}`);
    addr = got.ip;
  }
  const mac = await writeNodeVtep(ds, node, addr, vtepMacFor(node));
  return { address: addr, mac: mac ?? vtepMacFor(node) };
}
