import type { Datastore } from '../datastore/datastore.js';
import { blockAllocations } from './block.js';
import type { IpNet } from './ip.js';
import { cidrContainsCidr, cidrContainsIp, sizeOf } from './ip.js';
import { affinityHost } from './model.js';
import { listPools, listReservations } from './pools.js';
import { listBlocks } from './query.js';

/**
 * Address usage per pool and per block (libcalico-go GetUtilization), for
 * `calicoctl ipam show`. Reserved addresses (IPReservations) are counted
 * once however many reservations cover them, and an address both in use and
 * reserved is withheld from `available` only once.
 */

export interface BlockUsage {
  readonly cidr: string;
  /** Node the block is affine to, or null. */
  readonly node: string | null;
  readonly total: bigint;
  readonly inUse: bigint;
  readonly reserved: bigint;
  /** Addresses neither in use nor reserved. */
  readonly available: bigint;
  /** Same as `available` (the `IPS FREE` column). */
  readonly free: bigint;
}

export interface PoolUsage {
  readonly name: string;
  readonly cidr: string;
  readonly disabled: boolean;
  readonly total: bigint;
  readonly inUse: bigint;
  readonly reserved: bigint;
  readonly available: bigint;
  readonly free: bigint;
  readonly blocks: BlockUsage[];
}

/** Number of addresses of `range` covered by the union of `reservations`. */
export function reservedIn(range: IpNet, reservations: readonly IpNet[]): bigint {
  const lo = range.base;
  const hi = range.base + sizeOf(range);
  const spans: [bigint, bigint][] = [];
  for (const r of reservations) {
    if (r.version !== range.version) continue;
    const s = r.base > lo ? r.base : lo;
    const rEnd = r.base + sizeOf(r);
    const e = rEnd < hi ? rEnd : hi;
    if (s < e) spans.push([s, e]);
  }
  spans.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let total = 0n;
  let curS = -1n;
  let curE = -1n;
  for (const [s, e] of spans) {
    if (s > curE) {
      if (curE > curS) total += curE - curS;
      curS = s;
      curE = e;
    } else if (e > curE) {
      curE = e;
    }
  }
  if (curE > curS) total += curE - curS;
  return total;
}

export async function poolUsage(ds: Datastore): Promise<PoolUsage[]> {
  const [pools, blocks, reservations] = await Promise.all([listPools(ds), listBlocks(ds), listReservations(ds)]);
  return pools.map((p) => {
    let poolInUseReserved = 0n;
    const bu: BlockUsage[] = blocks.filter((b) => cidrContainsCidr(p.cidr, b.cidr)).map((b) => {
      const allocs = blockAllocations(b.block.spec, b.cidr);
      const inUse = BigInt(allocs.length);
      const both = BigInt(allocs.filter((a) => reservations.some((r) => cidrContainsIp(r, a.ip))).length);
      poolInUseReserved += both;
      const total = sizeOf(b.cidr);
      const reserved = reservedIn(b.cidr, reservations);
      const available = total - inUse - reserved + both;
      return { cidr: b.block.spec.cidr, node: affinityHost(b.block.spec.affinity), total, inUse, reserved, available, free: available };
    });
    const total = sizeOf(p.cidr);
    const inUse = bu.reduce((n, b) => n + b.inUse, 0n);
    const reserved = reservedIn(p.cidr, reservations);
    const available = total - inUse - reserved + poolInUseReserved;
    return { name: p.name, cidr: p.cidrText, disabled: p.disabled, total, inUse, reserved, available, free: available, blocks: bu };
  });
}
