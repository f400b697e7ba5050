import { CalicoError } from '../lib/errors.js';
import type { IpAddr, IpNet } from './ip.js';
import { cidrContainsIp, formatCidr, formatIp, sizeOf } from './ip.js';
import type { AllocationAttribute, IpamBlock, IpamBlockSpec } from './model.js';
import { API_VERSION, WINDOWS_RESERVED_HANDLE, blockName } from './model.js';

/**
 * Pure operations on one allocation block, mirroring libcalico-go's
 * allocationBlock. Every function works on a block value the caller owns
 * (a clone of what was read); the caller then writes it back with
 * compare-and-swap. Nothing here does I/O.
 */

/** Predicate for addresses IAPM must never hand out (IPReservations). */
export type ReservedFilter = (ip: IpAddr) => boolean;

/** A new, empty block. Linux behaviour: every address of the block is assignable. */
export function newBlock(cidr: IpNet, affinity: string | null): IpamBlock {
  const n = Number(sizeOf(cidr));
  return {
    apiVersion: API_VERSION,
    kind: 'IPAMBlock',
    metadata: { name: blockName(cidr) },
    spec: {
      cidr: formatCidr(cidr),
      affinity,
      allocations: Array<number | null>(n).fill(null),
      unallocated: Array.from({ length: n }, (_, i) => i),
      attributes: [],
      // Like Calico: seeded from the clock so a deleted and re-created block
      // never repeats a sequence number for the same address.
      sequenceNumber: Date.now() * 1000,
      sequenceNumberForAllocation: {},
      deleted: false,
    },
  };
}

export function ordinalToIp(cidr: IpNet, ordinal: number): IpAddr {
  return { version: cidr.version, value: cidr.base + BigInt(ordinal) };
}

export function ipToOrdinal(cidr: IpNet, ip: IpAddr): number {
  if (!cidrContainsIp(cidr, ip)) {
    throw new CalicoError('CALICO_ERR_IPAM', `IP ${formatIp(ip)} is not in block ${formatCidr(cidr)}`);
  }
  return Number(ip.value - cidr.base);
}

function sameAttrs(a: Record<string, string> | null, b: Record<string, string> | null): boolean {
  const ea = Object.entries(a ?? {});
  const eb = b ?? {};
  return ea.length === Object.keys(eb).length && ea.every(([k, v]) => eb[k] === v);
}

/** Index of an attribute entry equal to (handle, attrs), adding one if none. */
function findOrAddAttribute(spec: IpamBlockSpec, handleId: string | null, attrs: Record<string, string> | null): number {
  const i = spec.attributes.findIndex((a) => a.handle_id === handleId && sameAttrs(a.secondary, attrs));
  if (i >= 0) return i;
  spec.attributes.push({ handle_id: handleId, secondary: attrs && Object.keys(attrs).length ? { ...attrs } : null });
  return spec.attributes.length - 1;
}

/** Records the block's current sequence number for the allocation (the write then bumps it). */
function setSequence(spec: IpamBlockSpec, ordinal: number): void {
  spec.sequenceNumberForAllocation[String(ordinal)] = spec.sequenceNumber;
}

/**
 * Allocates up to `num` free, unreserved addresses from the block, in the
 * order of `unallocated` (reserved ordinals stay where they are). Returns the
 * addresses taken (possibly fewer than asked).
 */
export function blockAutoAssign(
  spec: IpamBlockSpec, cidr: IpNet, num: number, handleId: string | null, attrs: Record<string, string> | null, reserved: ReservedFilter,
): IpAddr[] {
  const out: IpAddr[] = [];
  const keep: number[] = [];
  let attrIndex = -1;
  for (let i = 0; i < spec.unallocated.length; i++) {
    const ordinal = spec.unallocated[i]!;
    if (out.length >= num) { keep.push(...spec.unallocated.slice(i)); break; }
    const ip = ordinalToIp(cidr, ordinal);
    if (reserved(ip)) { keep.push(ordinal); continue; }
    if (attrIndex < 0) attrIndex = findOrAddAttribute(spec, handleId, attrs);
    spec.allocations[ordinal] = attrIndex;
    setSequence(spec, ordinal);
    out.push(ip);
  }
  spec.unallocated = keep;
  return out;
}

/** Assigns one specific address; CALICO_ERR_ALREADY_EXISTS if it is taken. */
export function blockAssign(spec: IpamBlockSpec, cidr: IpNet, ip: IpAddr, handleId: string | null, attrs: Record<string, string> | null): void {
  const ordinal = ipToOrdinal(cidr, ip);
  if (spec.allocations[ordinal] !== null && spec.allocations[ordinal] !== undefined) {
    throw new CalicoError('CALICO_ERR_ALREADY_EXISTS', `Address already assigned in block: ${formatIp(ip)}`);
  }
  spec.allocations[ordinal] = findOrAddAttribute(spec, handleId, attrs);
  setSequence(spec, ordinal);
  spec.unallocated = spec.unallocated.filter((o) => o !== ordinal);
}

/** Number of free addresses that are not reserved. */
export function blockFreeCount(spec: IpamBlockSpec, cidr: IpNet, reserved: ReservedFilter): number {
  let n = 0;
  for (const o of spec.unallocated) if (!reserved(ordinalToIp(cidr, o))) n++;
  return n;
}

/** True when nothing but Windows' reserved addresses is allocated. */
export function blockIsEmpty(spec: IpamBlockSpec): boolean {
  return spec.allocations.every((a) => a === null || spec.attributes[a]?.handle_id?.toLowerCase() === WINDOWS_RESERVED_HANDLE);
}

export function blockInUseCount(spec: IpamBlockSpec): number {
  return spec.allocations.reduce<number>((n, a) => (a === null ? n : n + 1), 0);
}

/** Drops attribute entries no allocation refers to and renumbers the rest. */
function compactAttributes(spec: IpamBlockSpec): void {
  const used = new Set<number>();
  for (const a of spec.allocations) if (a !== null) used.add(a);
  if (used.size === spec.attributes.length) return;
  const remap = new Map<number, number>();
  const attrs: AllocationAttribute[] = [];
  spec.attributes.forEach((a, i) => { if (used.has(i)) { remap.set(i, attrs.length); attrs.push(a); } });
  spec.attributes = attrs;
  spec.allocations = spec.allocations.map((a) => (a === null ? null : remap.get(a)!));
}

function freeOrdinal(spec: IpamBlockSpec, ordinal: number): void {
  spec.allocations[ordinal] = null;
  spec.unallocated.push(ordinal);
  delete spec.sequenceNumberForAllocation[String(ordinal)];
}

export interface ReleaseRequest {
  readonly ip: IpAddr;
  /** When set, release only if the address belongs to this handle (else CALICO_ERR_CONFLICT). */
  readonly handleId?: string | undefined;
  /** When set, release only if the allocation still has this sequence number. */
  readonly sequenceNumber?: number | undefined;
}

export interface BlockReleaseResult {
  /** Addresses that were not allocated (nothing to do). */
  readonly unallocated: IpAddr[];
  /** Addresses released. */
  readonly released: IpAddr[];
  /** handle -> number of its addresses released. */
  readonly countByHandle: Map<string, number>;
}

/**
 * Releases the given addresses. A handle or sequence-number mismatch fails
 * the whole request with CALICO_ERR_CONFLICT (the caller's view is stale),
 * as libcalico-go's release does.
 */
export function blockRelease(spec: IpamBlockSpec, cidr: IpNet, reqs: readonly ReleaseRequest[]): BlockReleaseResult {
  const unallocated: IpAddr[] = [];
  const released: IpAddr[] = [];
  const countByHandle = new Map<string, number>();
  const seen = new Set<number>();
  const ordinals: number[] = [];
  for (const r of reqs) {
    const ordinal = ipToOrdinal(cidr, r.ip);
    if (seen.has(ordinal)) continue;
    seen.add(ordinal);
    const attrIndex = spec.allocations[ordinal];
    if (attrIndex === null || attrIndex === undefined) { unallocated.push(r.ip); continue; }
    const seq = spec.sequenceNumberForAllocation[String(ordinal)];
    if (r.sequenceNumber !== undefined && seq !== r.sequenceNumber) {
      throw new CalicoError('CALICO_ERR_CONFLICT', `sequence number mismatch releasing ${formatIp(r.ip)}: requested ${r.sequenceNumber}, stored ${seq}`);
    }
    const handle = spec.attributes[attrIndex]?.handle_id ?? null;
    if (r.handleId !== undefined && handle !== r.handleId) {
      throw new CalicoError('CALICO_ERR_CONFLICT', `handle mismatch releasing ${formatIp(r.ip)}: requested ${r.handleId}, stored ${handle ?? '<none>'}`);
    }
    if (handle !== null) countByHandle.set(handle, (countByHandle.get(handle) ?? 0) + 1);
    ordinals.push(ordinal);
    released.push(r.ip);
  }
  for (const o of ordinals) freeOrdinal(spec, o);
  if (ordinals.length) compactAttributes(spec);
  return { unallocated, released, countByHandle };
}

/** Releases every address of `handleId` in the block; returns them. */
export function blockReleaseByHandle(spec: IpamBlockSpec, cidr: IpNet, handleId: string): IpAddr[] {
  const out: IpAddr[] = [];
  spec.allocations.forEach((a, ordinal) => {
    if (a !== null && spec.attributes[a]?.handle_id === handleId) {
      freeOrdinal(spec, ordinal);
      out.push(ordinalToIp(cidr, ordinal));
    }
  });
  if (out.length) compactAttributes(spec);
  return out;
}

/** Addresses of `handleId` in the block. */
export function blockIpsByHandle(spec: IpamBlockSpec, cidr: IpNet, handleId: string): IpAddr[] {
  const out: IpAddr[] = [];
  spec.allocations.forEach((a, ordinal) => {
    if (a !== null && spec.attributes[a]?.handle_id === handleId) out.push(ordinalToIp(cidr, ordinal));
  });
  return out;
}

/** Every allocation in the block with its attribute entry. */
export function blockAllocations(spec: IpamBlockSpec, cidr: IpNet): { ip: IpAddr; ordinal: number; attr: AllocationAttribute }[] {
  const out: { ip: IpAddr; ordinal: number; attr: AllocationAttribute }[] = [];
  spec.allocations.forEach((a, ordinal) => {
    if (a !== null) out.push({ ip: ordinalToIp(cidr, ordinal), ordinal, attr: spec.attributes[a] ?? { handle_id: null, secondary: null } });
  });
  return out;
}
