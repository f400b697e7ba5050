import type { Datastore, KVEntry, TxnOp } from '../datastore/datastore.js';
import { CalicoError, isCalicoError } from '../lib/errors.js';
import type { IpNet } from './ip.js';
import { parseCidr } from './ip.js';
import type { IpamBlock, IpamHandle } from './model.js';
import { API_VERSION, blockKey, handleKey } from './model.js';

/**
 * Compare-and-swap plumbing shared by every IPAM write. A write is one
 * datastore transaction: the block update (CAS on its revision) together
 * with the matching handle update (CAS, or create), so a block and its
 * handles can never disagree, and of two writers racing on a block exactly
 * one wins; the loser re-reads and tries again.
 */

/** Attempts per operation before giving up with CALICO_ERR_CONFLICT. */
export const MAX_CAS_ATTEMPTS = 200;

export interface BlockEntry {
  readonly block: IpamBlock;
  readonly revision: number;
  readonly cidr: IpNet;
}

export async function readBlock(ds: Datastore, cidr: IpNet): Promise<BlockEntry | null> {
  const e = await ds.get<IpamBlock>(blockKey(cidr));
  if (!e || e.value.spec.deleted) return null;
  return { block: structuredClone(e.value), revision: e.revision, cidr };
}

/**
 * The CAS update of a block read as `b`. Like libcalico-go's updateBlock it
 * bumps the block's sequenceNumber once per write, so an address released
 * and re-assigned never gets its old sequence number back.
 */
export function blockUpdateOp(b: BlockEntry): TxnOp {
  b.block.spec.sequenceNumber += 1;
  return { op: 'update', key: blockKey(b.cidr), value: b.block, expectedRevision: b.revision };
}

export function entryToBlock(e: KVEntry<IpamBlock>): BlockEntry {
  return { block: structuredClone(e.value), revision: e.revision, cidr: parseCidr(e.value.spec.cidr) };
}

/**
 * Runs a transaction; returns false when it lost a race (CONFLICT, or a key
 * created / deleted under it), so the caller re-reads and retries. Other
 * errors propagate.
 */
export async function tryTransact(ds: Datastore, ops: readonly TxnOp[]): Promise<boolean> {
  try {
    await ds.transact(ops);
    return true;
  } catch (e) {
    if (isCalicoError(e, 'CALICO_ERR_CONFLICT') || isCalicoError(e, 'CALICO_ERR_ALREADY_EXISTS') || isCalicoError(e, 'CALICO_ERR_NOT_FOUND')) return false;
    throw e;
  }
}

/** Short randomised pause that grows with the attempt number, so racing writers spread out. */
export async function backoff(attempt: number): Promise<void> {
  const cap = Math.min(64, 2 ** Math.min(attempt, 6));
  await new Promise((r) => setTimeout(r, Math.random() * cap));
}

export function tooManyRetries(what: string): CalicoError {
  return new CalicoError('CALICO_ERR_CONFLICT', `${what}: gave up after ${MAX_CAS_ATTEMPTS} conflicting attempts`);
}

/**
 * The transaction op that applies `deltas` (block CIDR -> change in count)
 * to a handle: create it, update it (CAS), or delete it once it holds no
 * addresses. Returns no op when nothing changes.
 */
export function handleOps(current: KVEntry<IpamHandle> | null, handleId: string, deltas: ReadonlyMap<string, number>): TxnOp[] {
  const blocks: Record<string, number> = { ...(current?.value.spec.block ?? {}) };
  let changed = false;
  for (const [cidr, d] of deltas) {
    if (d === 0) continue;
    changed = true;
    const n = (blocks[cidr] ?? 0) + d;
    if (n > 0) blocks[cidr] = n; else delete blocks[cidr];
  }
  if (!changed) return [];
  const key = handleKey(handleId);
  if (Object.keys(blocks).length === 0) {
    return current ? [{ op: 'delete', key, expectedRevision: current.revision }] : [];
  }
  const value: IpamHandle = { apiVersion: API_VERSION, kind: 'IPAMHandle', metadata: { name: handleId }, spec: { handleID: handleId, block: blocks, deleted: false } };
  return current ? [{ op: 'update', key, value, expectedRevision: current.revision }] : [{ op: 'create', key, value }];
}

export async function readHandle(ds: Datastore, handleId: string): Promise<KVEntry<IpamHandle> | null> {
  return ds.get<IpamHandle>(handleKey(handleId));
}
