import { CalicoError } from '../../lib/errors.js';
import { batchLine } from './nft-session.js';
import type { NftTransport } from './nft-session.js';

/**
 * FakeNftTransport records every batch and answers `listTable` with whatever
 * JSON the test put in `tables` (key `family name`; absent = no table). Set
 * `failNext` to make the next batch fail as the kernel would.
 */
export class FakeNftTransport implements NftTransport {
  readonly batches: string[][] = [];
  readonly tables = new Map<string, unknown>();
  listCalls = 0;
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

  close(): Promise<void> {
    return Promise.resolve();
  }

  get lastBatch(): string[] | undefined {
    return this.batches[this.batches.length - 1];
  }
}
