import type { Datastore } from '../datastore/datastore.js';
import { blockAllocations } from './block.js';
import { cidrContainsIp, formatIp, tryParseCidr, tryParseIp } from './ip.js';
import type { BlockAffinity, IpamBlockSpec, IpamHandle } from './model.js';
import { KIND_AFFINITY, KIND_HANDLE, KIND_NODE, KIND_WORKLOAD_ENDPOINT, WINDOWS_RESERVED_HANDLE, affinityHost } from './model.js';
import { listPools } from './pools.js';
import type { AllocationRecord } from './query.js';
import { listBlocks } from './query.js';

/**
 * The consistency checker behind `calicoctl ipam check` (calicoctl's
 * IPAMChecker): cross-references IPAM's allocations with what uses them
 * (WorkloadEndpoint ipNetworks, Node tunnel addresses) and IPAM's objects
 * with each other. Read-only.
 */

export interface LeakedIp extends AllocationRecord {}

export interface IpamProblem {
  /** What the problem is about: an IP, a handle ID or a block CIDR. */
  readonly subject: string;
  readonly reason: string;
}

/** One allocation as calicoctl's report records it (JSON field names as upstream). */
export interface CheckAllocation {
  ip: string;
  handle?: string;
  sequenceNumber?: number;
  pod?: string;
  namespace?: string;
  node?: string;
  type?: string;
  creationTimestamp?: string;
  /** Used by a workload or node right now; false = leaked. */
  inUse: boolean;
  /** From a block affine to another node. */
  borrowed?: boolean;
  /** `Workload(ns/name)`, `Node(name)`. */
  owners: string[];
}

/** A handle object, identified so a later release can check it did not change. */
export interface HandleInfo {
  ID: string;
  Revision: string;
}

export interface IpamCheckReport {
  /** Enabled pools. */
  readonly pools: { name: string; cidr: string }[];
  readonly blocks: { cidr: string; affinity: string | null }[];
  readonly allocationCount: number;
  /** IP -> its allocations (more than one only if blocks overlap). */
  readonly allocations: Record<string, CheckAllocation[]>;
  readonly nodeTunnelIps: number;
  readonly workloadIps: number;
  /** Distinct IPs used by workloads and nodes. */
  readonly inUseIps: number;
  /** Node -> number of allocations (by the allocation's node attribute, else the block's). */
  readonly allocationsByNode: Record<string, number>;
  /** Allocated in IPAM but used by no workload or node. */
  readonly leakedIps: LeakedIp[];
  /** Used by a workload or node, not allocated, outside every enabled pool. */
  readonly nonPoolIps: { ip: string; owner: string }[];
  /** Used by a workload or node, inside an enabled pool, but not allocated. */
  readonly missingAllocations: { ip: string; owner: string }[];
  /** Used by more than one workload / node, or allocated in more than one block. */
  readonly doublyAllocatedIps: { ip: string; owners: string[] }[];
  /** Handle objects no allocation refers to. */
  readonly leakedHandles: HandleInfo[];
  /** Handles allocations refer to that have no handle object. */
  readonly missingHandles: string[];
  /** Blocks whose structure is broken (as calicoctl's validateBlock). */
  readonly invalidBlocks: IpamProblem[];
  /** Handle objects whose per-block counts disagree with the blocks. */
  readonly inconsistentHandles: IpamProblem[];
  /** Blocks and BlockAffinities that disagree. */
  readonly inconsistentBlocks: IpamProblem[];
  readonly problems: number;
  readonly ok: boolean;
}

/** calicoctl's validateBlock: attribute indexes, unallocated ordinals, counts. */
export function validateBlock(spec: IpamBlockSpec): string | null {
  const n = spec.allocations.length;
  const seenAttrs = new Set<number>();
  const allocated = new Set<number>();
  for (let o = 0; o < n; o++) {
    const a = spec.allocations[o];
    if (a === null || a === undefined) continue;
    if (a < 0 || a >= spec.attributes.length) return `allocation ${o} indexes a nonexistent attribute ${a}`;
    seenAttrs.add(a);
    allocated.add(o);
  }
  for (let i = 0; i < spec.attributes.length; i++) {
    if (!seenAttrs.has(i)) return `attribute index ${i} exists but is not indexed by an allocation`;
  }
  const seenFree = new Set<number>();
  for (const o of spec.unallocated) {
    if (o < 0 || o >= n) return `ordinal ${o} appears in the Unallocated array but is out of the block`;
    if (seenFree.has(o)) return `ordinal ${o} appears more than once in Unallocated array`;
    if (allocated.has(o)) return `ordinal ${o} is allocated but appears in Unallocated`;
    seenFree.add(o);
  }
  if (spec.unallocated.length + allocated.size !== n) {
    return `expected ${n} addresses in this block, but Unallocated (${spec.unallocated.length}) + Allocated (${allocated.size}) = ${spec.unallocated.length + allocated.size}`;
  }
  return null;
}

/** Who uses each IP: workload endpoints and node tunnel addresses. */
async function ipUsers(ds: Datastore): Promise<{ users: Map<string, string[]>; nodeTunnelIps: number; workloadIps: number }> {
  const users = new Map<string, string[]>();
  let nodeTunnelIps = 0;
  let workloadIps = 0;
  const add = (text: string | undefined, owner: string): boolean => {
    const n = text ? tryParseCidr(text) : null;
    if (!n) return false;
    const ip = formatIp({ version: n.version, value: n.base });
    users.set(ip, [...(users.get(ip) ?? []), owner]);
    return true;
  };
  type NodeSpec = {
    ipv4VXLANTunnelAddr?: string; ipv6VXLANTunnelAddr?: string;
    bgp?: { ipv4IPIPTunnelAddr?: string };
    wireguard?: { interfaceIPv4Address?: string; interfaceIPv6Address?: string };
  };
  for (const e of (await ds.list<{ spec?: NodeSpec }>({ kind: KIND_NODE })).items) {
    const s = e.value.spec ?? {};
    for (const t of [s.ipv4VXLANTunnelAddr, s.ipv6VXLANTunnelAddr, s.wireguard?.interfaceIPv4Address, s.wireguard?.interfaceIPv6Address, s.bgp?.ipv4IPIPTunnelAddr]) {
      if (add(t, `Node(${e.key.name})`)) nodeTunnelIps++;
    }
  }
  const weps = await ds.list<{ spec?: { ipNetworks?: string[] } }>({ kind: KIND_WORKLOAD_ENDPOINT });
  for (const e of weps.items) {
    for (const n of e.value.spec?.ipNetworks ?? []) if (add(n, `Workload(${e.key.namespace ?? ''}/${e.key.name})`)) workloadIps++;
  }
  return { users, nodeTunnelIps, workloadIps };
}

export async function checkIpam(ds: Datastore): Promise<IpamCheckReport> {
  const [allPools, blocks, { users, nodeTunnelIps, workloadIps }] = await Promise.all([listPools(ds), listBlocks(ds), ipUsers(ds)]);
  const pools = allPools.filter((p) => !p.disabled);

  const allocations: Record<string, CheckAllocation[]> = {};
  const records = new Map<string, LeakedIp[]>();
  const allocationsByNode: Record<string, number> = {};
  const countsByHandle = new Map<string, Map<string, number>>();
  const invalidBlocks: IpamProblem[] = [];
  let allocationCount = 0;
  for (const b of blocks) {
    const spec = b.block.spec;
    const bad = validateBlock(spec);
    if (bad) invalidBlocks.push({ subject: spec.cidr, reason: bad });
    const owner = affinityHost(spec.affinity) ?? '';
    for (const a of blockAllocations(spec, b.cidr)) {
      allocationCount++;
      const ip = formatIp(a.ip);
      const attrs = a.attr.secondary ?? {};
      const handle = a.attr.handle_id;
      const node = attrs['node'] || owner;
      const ca: CheckAllocation = { ip, inUse: false, owners: [] };
      const seq = spec.sequenceNumberForAllocation[String(a.ordinal)];
      if (seq !== undefined) ca.sequenceNumber = seq;
      if (handle !== null && handle.toLowerCase() === WINDOWS_RESERVED_HANDLE) {
        users.set(ip, [...(users.get(ip) ?? []), 'Reserved for Windows']);
      } else if (handle !== null) {
        ca.handle = handle;
        const m = countsByHandle.get(handle) ?? new Map<string, number>();
        m.set(spec.cidr, (m.get(spec.cidr) ?? 0) + 1);
        countsByHandle.set(handle, m);
      }
      if (attrs['pod']) ca.pod = attrs['pod'];
      if (attrs['namespace']) ca.namespace = attrs['namespace'];
      if (attrs['type']) ca.type = attrs['type'];
      if (attrs['timestamp']) ca.creationTimestamp = attrs['timestamp'];
      if (node) ca.node = node;
      if (node !== owner) ca.borrowed = true;
      (allocations[ip] ??= []).push(ca);
      allocationsByNode[node] = (allocationsByNode[node] ?? 0) + 1;
      const rec: LeakedIp = { ip, block: spec.cidr, handleId: handle, attrs: { ...attrs }, affinity: spec.affinity, sequenceNumber: seq };
      records.set(ip, [...(records.get(ip) ?? []), rec]);
    }
  }

  // Mark what is in use; what is left is leaked.
  for (const [ip, owners] of users) {
    for (const a of allocations[ip] ?? []) { a.inUse = true; a.owners.push(...owners); }
  }
  const leakedIps: LeakedIp[] = [];
  for (const [ip, recs] of records) if (!users.has(ip)) leakedIps.push(...recs);

  const nonPoolIps: { ip: string; owner: string }[] = [];
  const missingAllocations: { ip: string; owner: string }[] = [];
  const doubly = new Map<string, Set<string>>();
  for (const [ip, recs] of Object.entries(allocations)) if (recs.length > 1) doubly.set(ip, new Set(recs.map((r) => `allocated (${r.handle ?? 'no handle'})`)));
  for (const [ip, owners] of users) {
    if (owners.length > 1) doubly.set(ip, new Set([...(doubly.get(ip) ?? []), ...owners]));
    if (allocations[ip]) continue;
    const addr = tryParseIp(ip);
    const inPool = addr !== null && pools.some((p) => cidrContainsIp(p.cidr, addr));
    for (const owner of owners) (inPool ? missingAllocations : nonPoolIps).push({ ip, owner });
  }

  const handles = await ds.list<IpamHandle>({ kind: KIND_HANDLE });
  const leakedHandles: HandleInfo[] = [];
  const inconsistentHandles: IpamProblem[] = [];
  const handleIds = new Set<string>();
  for (const e of handles.items) {
    const id = e.value.spec.handleID;
    handleIds.add(id);
    const actual = countsByHandle.get(id);
    if (!actual) { leakedHandles.push({ ID: id, Revision: String(e.revision) }); continue; }
    for (const [cidr, n] of Object.entries(e.value.spec.block)) {
      if ((actual.get(cidr) ?? 0) !== n) inconsistentHandles.push({ subject: id, reason: `handle counts ${n} address(es) in block ${cidr}, block holds ${actual.get(cidr) ?? 0}` });
    }
    for (const [cidr, n] of actual) {
      if (e.value.spec.block[cidr] === undefined) inconsistentHandles.push({ subject: id, reason: `block ${cidr} holds ${n} address(es) of the handle, the handle does not list the block` });
    }
  }
  const missingHandles = [...countsByHandle.keys()].filter((id) => !handleIds.has(id));

  const inconsistentBlocks: IpamProblem[] = [];
  const affinities = await ds.list<BlockAffinity>({ kind: KIND_AFFINITY });
  const confirmedByCidr = new Map<string, string>();
  for (const e of affinities.items) {
    const s = e.value.spec;
    if (s.state !== 'confirmed') continue;
    confirmedByCidr.set(s.cidr, s.node);
    const b = blocks.find((x) => x.block.spec.cidr === s.cidr);
    if (!b) inconsistentBlocks.push({ subject: s.cidr, reason: `affinity of node ${s.node} to a block that does not exist` });
    else if (affinityHost(b.block.spec.affinity) !== s.node) inconsistentBlocks.push({ subject: s.cidr, reason: `affinity of node ${s.node} but the block is affine to ${b.block.spec.affinity ?? 'no node'}` });
  }
  for (const b of blocks) {
    const host = affinityHost(b.block.spec.affinity);
    if (host !== null && confirmedByCidr.get(b.block.spec.cidr) !== host) inconsistentBlocks.push({ subject: b.block.spec.cidr, reason: `block affine to ${host} has no confirmed BlockAffinity` });
  }

  const doublyAllocatedIps = [...doubly].map(([ip, owners]) => ({ ip, owners: [...owners] }));
  const problems = leakedIps.length + nonPoolIps.length + missingAllocations.length + doublyAllocatedIps.length + leakedHandles.length
    + missingHandles.length + invalidBlocks.length + inconsistentHandles.length + inconsistentBlocks.length;
  return {
    pools: pools.map((p) => ({ name: p.name, cidr: p.cidrText })),
    blocks: blocks.map((b) => ({ cidr: b.block.spec.cidr, affinity: b.block.spec.affinity })),
    allocationCount,
    allocations,
    nodeTunnelIps,
    workloadIps,
    inUseIps: users.size,
    allocationsByNode,
    leakedIps,
    nonPoolIps,
    missingAllocations,
    doublyAllocatedIps,
    leakedHandles,
    missingHandles,
    invalidBlocks,
    inconsistentHandles,
    inconsistentBlocks,
    problems,
    ok: problems === 0,
  };
}
