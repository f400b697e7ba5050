import type { Datastore } from '../datastore/datastore.js';
import { isCalicoError } from '../lib/errors.js';
import { formatIp, parseIp } from './ip.js';
import { ATTR_TIMESTAMP, WINDOWS_RESERVED_HANDLE } from './model.js';
import { listAllocations } from './query.js';
import { releaseAddresses, releaseEmptyBlocks } from './release.js';

/**
 * IPAM garbage collection, as calico-kube-controllers' IPAM controller does:
 * an allocation whose handle no longer has a live workload is released.
 * Liveness is the caller's question (`isLive`: does the pod / workload
 * endpoint / node tunnel behind this handle still exist?).
 */

export type IsLive = (handleId: string, attrs: Readonly<Record<string, string>>) => boolean | Promise<boolean>;

export interface GcOptions {
  /**
   * Leave allocations younger than this (by their `timestamp` attribute)
   * alone, so a CNI ADD that has allocated but not yet written its workload
   * endpoint is not collected (Calico's leakGracePeriod, 15m there). Default 0.
   */
  readonly gracePeriodMs?: number;
  /** Also release blocks left empty (with their affinities). Default false. */
  readonly releaseEmptyBlocks?: boolean;
  /** Clock for the grace period (tests). */
  readonly now?: () => number;
}

export interface GcResult {
  readonly released: { ip: string; handleId: string }[];
  readonly blocksReleased: string[];
}

export async function garbageCollect(ds: Datastore, isLive: IsLive, opts: GcOptions = {}): Promise<GcResult> {
  const now = (opts.now ?? Date.now)();
  const grace = opts.gracePeriodMs ?? 0;
  const byHandle = new Map<string, { ips: { ip: string; seq: number | undefined }[]; attrs: Record<string, string>; young: boolean }>();
  for (const a of await listAllocations(ds)) {
    if (a.handleId === null || a.handleId.toLowerCase() === WINDOWS_RESERVED_HANDLE) continue;
    const g = byHandle.get(a.handleId) ?? { ips: [], attrs: a.attrs, young: false };
    g.ips.push({ ip: a.ip, seq: a.sequenceNumber });
    const ts = Date.parse(a.attrs[ATTR_TIMESTAMP] ?? '');
    if (grace > 0 && (Number.isNaN(ts) || now - ts < grace)) g.young = true;
    byHandle.set(a.handleId, g);
  }
  const released: { ip: string; handleId: string }[] = [];
  for (const [handleId, g] of byHandle) {
    if (g.young) continue;
    if (await isLive(handleId, g.attrs)) continue;
    try {
      // Handle- and sequence-checked release (as kube-controllers): an address
      // released and re-assigned meanwhile, even to the same handle, is not touched.
      const out = await releaseAddresses(ds, g.ips.map((x) => ({ ip: parseIp(x.ip), handleId, sequenceNumber: x.seq })));
      released.push(...out.released.map((ip) => ({ ip: formatIp(ip), handleId })));
    } catch (e) {
      if (!isCalicoError(e, 'CALICO_ERR_CONFLICT')) throw e;
    }
  }
  const blocksReleased = opts.releaseEmptyBlocks ? await releaseEmptyBlocks(ds) : [];
  return { released, blocksReleased };
}
