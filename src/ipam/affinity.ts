import type { Datastore, KVEntry, TxnOp } from '../datastore/datastore.js';
import { CalicoError } from '../lib/errors.js';
import { backoff, blockUpdateOp, MAX_CAS_ATTEMPTS, readBlock, tooManyRetries, tryTransact } from './cas.js';
import type { IpNet } from './ip.js';
import { bitsOf, cidrContainsCidr, formatCidr, tryParseCidr } from './ip.js';
import { blockIsEmpty, newBlock } from './block.js';
import type { BlockAffinity, PoolInfo } from './model.js';
import { API_VERSION, KIND_AFFINITY, affinityKey, affinityName, blockKey, blockName, hostAffinity } from './model.js';
import { blockFullyReserved } from './pools.js';

/**
 * Block affinities: which node owns which block. A node claims a block by
 * creating the BlockAffinity and the IPAMBlock (affine to it) in one
 * transaction, so a block exists iff someone won its claim and a confirmed
 * affinity always has its block. Releasing is the mirror image.
 */

export interface AffineBlock {
  readonly cidr: IpNet;
  readonly affinity: KVEntry<BlockAffinity>;
}

/** Confirmed affinities of `host`, optionally only for blocks inside `pools`, ordered by address. */
export async function listAffineBlocks(ds: Datastore, host: string, pools?: readonly PoolInfo[]): Promise<AffineBlock[]> {
  const { items } = await ds.list<BlockAffinity>({ kind: KIND_AFFINITY, namePrefix: `${host}-` });
  const out: AffineBlock[] = [];
  for (const e of items) {
    const s = e.value.spec;
    if (s.node !== host || s.state !== 'confirmed' || s.deleted) continue;
    const cidr = tryParseCidr(s.cidr);
    if (!cidr) continue;
    if (pools && !pools.some((p) => cidrContainsCidr(p.cidr, cidr))) continue;
    out.push({ cidr, affinity: e });
  }
  out.sort((a, b) => (a.cidr.version - b.cidr.version) || (a.cidr.base < b.cidr.base ? -1 : a.cidr.base > b.cidr.base ? 1 : 0));
  return out;
}

function fnv1a(s: string): bigint {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return BigInt(h);
}

/** The pool's block CIDRs, as a count and an accessor (pools may hold 2^58 blocks). */
export function poolBlocks(pool: PoolInfo): { count: bigint; at(i: bigint): IpNet } {
  if (pool.blockSize < pool.cidr.prefix) return { count: 0n, at: () => pool.cidr };
  const hostBits = BigInt(bitsOf(pool.cidr.version) - pool.blockSize);
  return {
    count: 1n << BigInt(pool.blockSize - pool.cidr.prefix),
    at: (i) => ({ version: pool.cidr.version, base: pool.cidr.base + (i << hostBits), prefix: pool.blockSize }),
  };
}

/**
 * A block of `pool` that no block exists for yet and that reservations do
 * not cover entirely. The search starts at a place derived from the host
 * name (Calico starts at a random one) so hosts claiming at the same time
 * rarely race for the same block, then walks the pool in order, wrapping.
 */
export function findUnclaimedBlock(pool: PoolInfo, host: string, existing: ReadonlySet<string>, reservations: readonly IpNet[]): IpNet | null {
  const { count, at } = poolBlocks(pool);
  if (count === 0n) return null;
  const start = fnv1a(host) % count;
  // Only existing and reserved blocks are skipped, so this bound always reaches a free one if any.
  const limit = count < BigInt(existing.size + 65536) ? count : BigInt(existing.size + 65536);
  for (let i = 0n; i < limit; i++) {
    const cidr = at((start + i) % count);
    if (existing.has(blockName(cidr))) continue;
    if (blockFullyReserved(reservations, cidr)) continue;
    return cidr;
  }
  return null;
}

/**
 * Claims `cidr` for `host`. Returns false if another node's block already
 * exists there (the caller picks another block).
 */
export async function claimBlock(ds: Datastore, host: string, cidr: IpNet): Promise<boolean> {
  for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
    const affinity: BlockAffinity = {
      apiVersion: API_VERSION,
      kind: 'BlockAffinity',
      metadata: { name: affinityName(host, cidr) },
      spec: { state: 'confirmed', node: host, cidr: formatCidr(cidr), type: 'host', deleted: false },
    };
    const ops: TxnOp[] = [
      { op: 'create', key: blockKey(cidr), value: newBlock(cidr, hostAffinity(host)) },
      { op: 'create', key: affinityKey(host, cidr), value: affinity },
    ];
    if (await tryTransact(ds, ops)) return true;
    const block = await readBlock(ds, cidr);
    if (block) {
      // Someone made this block first. If it is ours (a concurrent claim by
      // this same host), make sure our affinity exists and use it.
      if (block.block.spec.affinity !== hostAffinity(host)) return false;
      const aff = await ds.get<BlockAffinity>(affinityKey(host, cidr));
      if (aff) return true;
      if (await tryTransact(ds, [{ op: 'create', key: affinityKey(host, cidr), value: affinity }])) return true;
    } else {
      // A stale affinity without its block (e.g. written by an older claim
      // protocol): remove it and claim again.
      const aff = await ds.get<BlockAffinity>(affinityKey(host, cidr));
      if (aff) await tryTransact(ds, [{ op: 'delete', key: affinityKey(host, cidr), expectedRevision: aff.revision }]);
    }
    await backoff(attempt);
  }
  throw tooManyRetries(`claiming block ${formatCidr(cidr)} for ${host}`);
}

export type AffinityReleaseOutcome = 'released' | 'notEmpty' | 'notAffine';

/**
 * Releases `host`'s affinity to `cidr`. An empty block is deleted with its
 * affinity; a block still in use is deleted only from the affinity (its
 * addresses stay allocated, the block becomes unaffine) unless `mustBeEmpty`.
 */
export async function releaseAffinity(ds: Datastore, host: string, cidr: IpNet, mustBeEmpty: boolean): Promise<AffinityReleaseOutcome> {
  for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
    const aff = await ds.get<BlockAffinity>(affinityKey(host, cidr));
    const affOps: TxnOp[] = aff ? [{ op: 'delete', key: affinityKey(host, cidr), expectedRevision: aff.revision }] : [];
    const b = await readBlock(ds, cidr);
    if (!b || b.block.spec.affinity !== hostAffinity(host)) {
      if (!aff) return 'notAffine';
      if (await tryTransact(ds, affOps)) return 'notAffine';
    } else if (blockIsEmpty(b.block.spec)) {
      if (await tryTransact(ds, [{ op: 'delete', key: blockKey(cidr), expectedRevision: b.revision }, ...affOps])) return 'released';
    } else if (mustBeEmpty) {
      return 'notEmpty';
    } else {
      b.block.spec.affinity = null;
      if (await tryTransact(ds, [blockUpdateOp(b), ...affOps])) return 'released';
    }
    await backoff(attempt);
  }
  throw tooManyRetries(`releasing affinity of ${host} to ${formatCidr(cidr)}`);
}

export function requireHost(host: string | undefined): string {
  if (!host) throw new CalicoError('CALICO_ERR_IPAM', 'no hostname given for IPAM request');
  return host;
}
