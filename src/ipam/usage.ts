import type { Datastore } from '../datastore/datastore.js';
import { blockInUseCount } from './block.js';
import { cidrContainsCidr, sizeOf } from './ip.js';
import { affinityHost } from './model.js';
import { listPools } from './pools.js';
import { listBlocks } from './query.js';

/** Address usage per pool and per block, for `calicoctl ipam show`. */

export interface BlockUsage {
  readonly cidr: string;
  /** Node the block is affine to, or null. */
  readonly node: string | null;
  readonly total: bigint;
  readonly inUse: bigint;
  readonly free: bigint;
}

export interface PoolUsage {
  readonly name: string;
  readonly cidr: string;
  readonly disabled: boolean;
  readonly total: bigint;
  readonly inUse: bigint;
  readonly free: bigint;
  readonly blocks: BlockUsage[];
}

export async function poolUsage(ds: Datastore): Promise<PoolUsage[]> {
  const [pools, blocks] = await Promise.all([listPools(ds), listBlocks(ds)]);
  return pools.map((p) => {
    const mine = blocks.filter((b) => cidrContainsCidr(p.cidr, b.cidr));
    const bu: BlockUsage[] = mine.map((b) => {
      const total = sizeOf(b.cidr);
      const inUse = BigInt(blockInUseCount(b.block.spec));
      return { cidr: b.block.spec.cidr, node: affinityHost(b.block.spec.affinity), total, inUse, free: total - inUse };
    });
    const total = sizeOf(p.cidr);
    const inUse = bu.reduce((n, b) => n + b.inUse, 0n);
    return { name: p.name, cidr: p.cidrText, disabled: p.disabled, total, inUse, free: total - inUse, blocks: bu };
  });
}
