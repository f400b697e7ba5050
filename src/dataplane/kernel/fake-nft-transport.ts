import { CalicoError } from '../../lib/errors.js';
import { batchLine } from './nft-session.js';
import type { NftObjectRef, NftTransport } from './nft-session.js';

/**
 * FakeNftTransport records every batch and answers `listTable` with whatever
 * JSON the test put in `tables` (key `family name`; absent = no table). Set
 * `failNext` to make the next batch fail as the kernel would.
 */
export class FakeNftTransport implements NftTransport {
  readonly batches: string[][] = [];
  readonly tables = new Map<string, unknown>();
  listCalls = 0;
  /** Objects asked for through listObjects, in order. */
  readonly objectReads: NftObjectRef[] = [];
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

  /** Answers from the same `tables` JSON: the object's own item (and a chain's rules), as `nft -j list chain|set|map` would. */
  listObjects(family: string, table: string, objects: readonly NftObjectRef[]): Promise<unknown[]> {
    this.objectReads.push(...objects);
    const doc = this.tables.get(`${family} ${table}`) as { nftables?: Record<string, Record<string, unknown>>[] } | undefined;
    const items = doc?.nftables ?? [];
    return Promise.resolve(objects.map((o) => {
      const own = items.filter((x) => x[o.kind]?.['name'] === o.name || (o.kind === 'chain' && x['rule']?.['chain'] === o.name));
      return own.some((x) => x[o.kind]) ? { nftables: [{ metainfo: { json_schema_version: 1 } }, ...own] } : null;
    }));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  get lastBatch(): string[] | undefined {
    return this.batches[this.batches.length - 1];
  }
}
