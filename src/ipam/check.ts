import type { Datastore } from '../datastore/datastore.js';
import { blockInUseCount } from './block.js';
import { cidrContainsCidr, formatIp, parseCidr, tryParseCidr, tryParseIp } from './ip.js';
import type { BlockAffinity, IpamHandle } from './model.js';
import { KIND_AFFINITY, KIND_HANDLE, KIND_NODE, KIND_WORKLOAD_ENDPOINT, affinityHost } from './model.js';
import { listPools } from './pools.js';
import type { AllocationRecord } from './query.js';
import { listAllocations, listBlocks } from './query.js';

/**
 * The consistency checker behind `calicoctl ipam check`: compares IPAM's
 * allocations with the workloads (WorkloadEndpoint ipNetworks) and node
 * tunnel addresses that use them, and IPAM's own objects with each other.
 */

export interface LeakedIp extends AllocationRecord {}

export interface IpamProblem {
  /** What the problem is about: an IP, a handle ID or a block CIDR. */
  readonly subject: string;
  readonly reason: string;
}

export interface IpamCheckReport {
  readonly pools: { name: string; cidr: string }[];
  readonly blocks: number;
  readonly allocations: number;
  /** Allocated in IPAM but used by no workload or node. */
  readonly leakedIps: LeakedIp[];
  /** Used by more than one workload / node, or allocated in more than one block. */
  readonly doublyAllocatedIps: { ip: string; owners: string[] }[];
  /** Used by a workload but not allocated in IPAM. */
  readonly missingAllocations: { ip: string; owner: string }[];
  /** Handles whose per-block counts disagree with the blocks, allocations naming no handle object, ... */
  readonly inconsistentHandles: IpamProblem[];
  /** Blocks outside every pool, affinities without their block, blocks affine to a node without an affinity. */
  readonly inconsistentBlocks: IpamProblem[];
  readonly ok: boolean;
}

/** Who uses each IP: workload endpoints (`ns/name`) and node tunnel addresses (`node/<name>`). */
async function ipUsers(ds: Datastore): Promise<Map<string, string[]>> {
  const users = new Map<string, string[]>();
  const add = (text: string | undefined, owner: string): void => {
    if (!text) return;
    const n = tryParseCidr(text);
    if (!n) return;
    const ip = formatIp({ version: n.version, value: n.base });
    users.set(ip, [...(users.get(ip) ?? []), owner]);
  };
  const weps = await ds.list<{ metadata?: { name?: string; namespace?: string }; spec?: { ipNetworks?: string[] } }>({ kind: KIND_WORKLOAD_ENDPOINT });
  for (const e of weps.items) {
    for (const n of e.value.spec?.ipNetworks ?? []) add(n, `${e.key.namespace ?? ''}/${e.key.name}`);
  }
  type NodeSpec = {
    ipv4VXLANTunnelAddr?: string; ipv6VXLANTunnelAddr?: string;
    bgp?: { ipv4IPIPTunnelAddr?: string };
    wireguard?: { interfaceIPv4Address?: string; interfaceIPv6Address?: string };
  };
  const nodes = await ds.list<{ spec?: NodeSpec }>({ kind: KIND_NODE });
  for (const e of nodes.items) {
    const s = e.value.spec ?? {};
    const owner = `node/${e.key.name}`;
    for (const t of [s.ipv4VXLANTunnelAddr, s.ipv6VXLANTunnelAddr, s.bgp?.ipv4IPIPTunnelAddr, s.wireguard?.interfaceIPv4Address, s.wireguard?.interfaceIPv6Address]) add(t, owner);
  }
  return users;
}

export async function checkIpam(ds: Datastore): Promise<IpamCheckReport> {
  const [pools, blocks, allocations, users] = await Promise.all([listPools(ds), listBlocks(ds), listAllocations(ds), ipUsers(ds)]);
  const leakedIps: LeakedIp[] = [];
  const doubly = new Map<string, Set<string>>();
  const allocatedIps = new Map<string, number>();
  const countsByHandle = new Map<string, Map<string, number>>();
  for (const a of allocations) {
    allocatedIps.set(a.ip, (allocatedIps.get(a.ip) ?? 0) + 1);
    if (!users.has(a.ip)) leakedIps.push(a);
    if (a.handleId !== null) {
      const m = countsByHandle.get(a.handleId) ?? new Map<string, number>();
      m.set(a.block, (m.get(a.block) ?? 0) + 1);
      countsByHandle.set(a.handleId, m);
    }
  }
  for (const [ip, n] of allocatedIps) if (n > 1) doubly.set(ip, new Set([`${n} blocks`]));
  for (const [ip, owners] of users) if (owners.length > 1) doubly.set(ip, new Set([...(doubly.get(ip) ?? []), ...owners]));
  const missingAllocations: { ip: string; owner: string }[] = [];
  for (const [ip, owners] of users) {
    if (allocatedIps.has(ip)) continue;
    const addr = tryParseIp(ip);
    // Only addresses inside our pools are IPAM's business.
    if (addr && pools.some((p) => p.cidr.version === addr.version && cidrContainsCidr(p.cidr, { version: addr.version, base: addr.value, prefix: addr.version === 4 ? 32 : 128 }))) {
      for (const owner of owners) missingAllocations.push({ ip, owner });
    }
  }

  const inconsistentHandles: IpamProblem[] = [];
  const handles = await ds.list<IpamHandle>({ kind: KIND_HANDLE });
  const seenHandles = new Set<string>();
  for (const e of handles.items) {
    const id = e.value.spec.handleID;
    seenHandles.add(id);
    const actual = countsByHandle.get(id) ?? new Map<string, number>();
    for (const [cidr, n] of Object.entries(e.value.spec.block)) {
      if ((actual.get(cidr) ?? 0) !== n) inconsistentHandles.push({ subject: id, reason: `handle counts ${n} address(es) in block ${cidr}, block holds ${actual.get(cidr) ?? 0}` });
    }
    for (const [cidr, n] of actual) {
      if (e.value.spec.block[cidr] === undefined) inconsistentHandles.push({ subject: id, reason: `block ${cidr} holds ${n} address(es) of the handle, handle does not list the block` });
    }
  }
  for (const id of countsByHandle.keys()) {
    if (!seenHandles.has(id)) inconsistentHandles.push({ subject: id, reason: 'allocations reference a handle that does not exist' });
  }

  const inconsistentBlocks: IpamProblem[] = [];
  const affinities = await ds.list<BlockAffinity>({ kind: KIND_AFFINITY });
  const affinityByCidr = new Map<string, string>();
  for (const e of affinities.items) {
    const s = e.value.spec;
    if (s.state !== 'confirmed') continue;
    affinityByCidr.set(s.cidr, s.node);
    const b = blocks.find((x) => x.block.spec.cidr === s.cidr);
    if (!b) inconsistentBlocks.push({ subject: s.cidr, reason: `affinity of node ${s.node} to a block that does not exist` });
    else if (affinityHost(b.block.spec.affinity) !== s.node) inconsistentBlocks.push({ subject: s.cidr, reason: `affinity of node ${s.node} but block is affine to ${b.block.spec.affinity ?? 'nobody'}` });
  }
  for (const b of blocks) {
    const host = affinityHost(b.block.spec.affinity);
    if (host !== null && affinityByCidr.get(b.block.spec.cidr) !== host) inconsistentBlocks.push({ subject: b.block.spec.cidr, reason: `block affine to ${host} has no confirmed BlockAffinity` });
    if (!pools.some((p) => cidrContainsCidr(p.cidr, parseCidr(b.block.spec.cidr)))) inconsistentBlocks.push({ subject: b.block.spec.cidr, reason: `block is in no IP pool (${blockInUseCount(b.block.spec)} address(es) in use)` });
  }

  const doublyAllocatedIps = [...doubly].map(([ip, owners]) => ({ ip, owners: [...owners] }));
  return {
    pools: pools.map((p) => ({ name: p.name, cidr: p.cidrText })),
    blocks: blocks.length,
    allocations: allocations.length,
    leakedIps,
    doublyAllocatedIps,
    missingAllocations,
    inconsistentHandles,
    inconsistentBlocks,
    ok: !leakedIps.length && !doublyAllocatedIps.length && !missingAllocations.length && !inconsistentHandles.length && !inconsistentBlocks.length,
  };
}
