import { CalicoError } from '../../lib/errors.js';
import { batchLine } from './nft-session.js';
import type { NftTransport } from './nft-session.js';
import { diffAgainst, type KernelDiff, type TableDigests } from '../drivers/nftables/kernel-digest.js';
import { kernelTableFromJson } from '../drivers/nftables/read-table.js';

/**
 * FakeNftTransport records every batch and answers `listTable` with whatever
 * JSON the test put in `tables` (key `family name`; absent = no table). Set
 * `failNext` to make the next batch fail as the kernel would.
 */
export class FakeNftTransport implements NftTransport {
  readonly batches: string[][] = [];
  readonly tables = new Map<string, unknown>();
  listCalls = 0;
  readDiffs = 0;
  failNext: string | null = null;

  transact(commands: readonly string[]): Promise<void> {
    batchLine(commands);
    if (this.failNext !== null) {
      const msg = this.failNext;
      this.failNext = null;
      return Promise.reject(new CalicoError('CALICO_ERR_KERNEL', `nft rejected the batch: ${msg}`));
    }
    this.batches.push([...commands]);
    return Promise.resolve();
  }

  listTable(family: string, table: string): Promise<unknown> {
    this.listCalls++;
    return Promise.resolve(this.tables.get(`${family} ${table}`) ?? null);
  }

  /** The background read, done in-process from the same `tables` JSON; `readDiffs` counts calls. */
  readDiff(family: string, table: string, believed: TableDigests): Promise<KernelDiff> {
    this.readDiffs++;
    return Promise.resolve(diffAgainst(kernelTableFromJson(this.tables.get(`${family} ${table}`) ?? null), believed));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  get lastBatch(): string[] | undefined {
    return this.batches[this.batches.length - 1];
  }
}
