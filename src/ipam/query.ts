import type { Datastore } from '../datastore/datastore.js';
import { CalicoError } from '../lib/errors.js';
import { blockAllocations, blockIpsByHandle, ipToOrdinal } from './block.js';
import { entryToBlock, readBlock, readHandle } from './cas.js';
import type { BlockEntry } from './cas.js';
import { cidrContainsIp, formatIp, parseCidr, parseIp } from './ip.js';
import type { IpamBlock } from './model.js';
import { KIND_BLOCK } from './model.js';

/** Read-only IPAM queries: who holds an address, which addresses a handle holds, every block. */

export interface AssignmentAttributes {
  readonly handleId: string | null;
  readonly attrs: Record<string, string>;
}

/** Every (non-deleted) block, with its revision. */
export async function listBlocks(ds: Datastore): Promise<BlockEntry[]> {
  const { items } = await ds.list<IpamBlock>({ kind: KIND_BLOCK });
  return items.filter((e) => !e.value.spec.deleted).map(entryToBlock);
}

/**
 * The handle and attributes stored with an allocated address (libcalico-go
 * GetAssignmentAttributes). CALICO_ERR_NOT_FOUND if it is not allocated.
 */
export async function getAssignmentAttributes(ds: Datastore, ipText: string): Promise<AssignmentAttributes> {
  const ip = parseIp(ipText);
  const block = (await listBlocks(ds)).find((b) => cidrContainsIp(b.cidr, ip));
  const attrIndex = block ? block.block.spec.allocations[ipToOrdinal(block.cidr, ip)] : null;
  if (!block || attrIndex === null || attrIndex === undefined) {
    throw new CalicoError('CALICO_ERR_NOT_FOUND', `IP ${formatIp(ip)} is not currently assigned`);
  }
  const a = block.block.spec.attributes[attrIndex];
  return { handleId: a?.handle_id ?? null, attrs: { ...(a?.secondary ?? {}) } };
}

/** Addresses held by a handle (libcalico-go IPsByHandle). CALICO_ERR_NOT_FOUND if no such handle. */
export async function ipsByHandle(ds: Datastore, handleId: string): Promise<string[]> {
  const h = await readHandle(ds, handleId);
  if (!h) throw new CalicoError('CALICO_ERR_NOT_FOUND', `IPAM handle ${handleId} does not exist`);
  const out: string[] = [];
  for (const cidrText of Object.keys(h.value.spec.block)) {
    const cidr = parseCidr(cidrText);
    const b = await readBlock(ds, cidr);
    if (b) out.push(...blockIpsByHandle(b.block.spec, cidr, handleId).map(formatIp));
  }
  return out;
}

export interface AllocationRecord {
  readonly ip: string;
  readonly block: string;
  readonly handleId: string | null;
  readonly attrs: Record<string, string>;
  /** `host:<node>` affinity of the block, or null. */
  readonly affinity: string | null;
  /** Sequence number of this allocation: pass it back on release to release exactly this one. */
  readonly sequenceNumber: number | undefined;
}

/** Every allocation in every block. */
export async function listAllocations(ds: Datastore): Promise<AllocationRecord[]> {
  const out: AllocationRecord[] = [];
  for (const b of await listBlocks(ds)) {
    for (const a of blockAllocations(b.block.spec, b.cidr)) {
      out.push({
        ip: formatIp(a.ip), block: b.block.spec.cidr, handleId: a.attr.handle_id, attrs: { ...(a.attr.secondary ?? {}) },
        affinity: b.block.spec.affinity, sequenceNumber: b.block.spec.sequenceNumberForAllocation[String(a.ordinal)],
      });
    }
  }
  return out;
}
