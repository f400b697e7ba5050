import { CalicoError } from '../../lib/errors.js';
import type {
  Datastore, KVEntry, ListOptions, ListResult, ResourceKey, TxnOp, Watch, WatchEvent, WatchHandlers, WatchOptions,
} from '../datastore.js';
import { compareKeys, keyString, normalizeKey } from '../datastore.js';
import { checkTxnOps, encodeValue } from '../txn-checks.js';

/**
 * MemoryDatastore is an in-process Datastore for unit tests. It keeps the
 * whole event history (no compaction unless `compact()` is called) so watches
 * can start from any revision.
 */
export class MemoryDatastore implements Datastore {
  readonly type = 'memory';
  private rev = 0;
  private compactedTo = 0;
  private readonly entries = new Map<string, KVEntry>();
  private readonly history: WatchEvent[] = [];
  private readonly watchers = new Set<{ kind?: string | undefined; handlers: WatchHandlers }>();

  async get<V>(key: ResourceKey): Promise<KVEntry<V> | null> {
    const e = this.entries.get(keyString(key));
    return e ? (cloneEntry(e) as KVEntry<V>) : null;
  }

  async list<V>(opts: ListOptions): Promise<ListResult<V>> {
    const items: KVEntry<V>[] = [];
    for (const e of this.entries.values()) {
      if (e.key.kind !== opts.kind) continue;
      if (opts.namespace !== undefined && (e.key.namespace ?? '') !== opts.namespace) continue;
      if (opts.namePrefix !== undefined && !e.key.name.startsWith(opts.namePrefix)) continue;
      items.push(cloneEntry(e) as KVEntry<V>);
    }
    items.sort((a, b) => compareKeys(a.key, b.key));
    return { items, revision: this.rev };
  }

  // Each write runs synchronously from check to result, so concurrent callers never interleave inside one.
  async create<V>(key: ResourceKey, value: V): Promise<KVEntry<V>> {
    this.applyOps([{ op: 'create', key, value }]);
    return cloneEntry(this.entries.get(keyString(key))!) as KVEntry<V>;
  }

  async update<V>(key: ResourceKey, value: V, expectedRevision: number): Promise<KVEntry<V>> {
    this.applyOps([{ op: 'update', key, value, expectedRevision }]);
    return cloneEntry(this.entries.get(keyString(key))!) as KVEntry<V>;
  }

  async delete<V>(key: ResourceKey, expectedRevision?: number): Promise<KVEntry<V>> {
    const before = this.entries.get(keyString(key));
    this.applyOps([{ op: 'delete', key, expectedRevision }]);
    return cloneEntry(before!) as KVEntry<V>;
  }

  async transact(ops: readonly TxnOp[]): Promise<number> {
    return this.applyOps(ops);
  }

  private applyOps(ops: readonly TxnOp[]): number {
    checkTxnOps(ops);
    // Check every op first: all or nothing.
    for (const op of ops) {
      const cur = this.entries.get(keyString(op.key));
      const name = keyString(op.key);
      if (op.op === 'create' && cur) throw new CalicoError('CALICO_ERR_ALREADY_EXISTS', `resource already exists: ${name}`);
      if (op.op !== 'create' && !cur) throw new CalicoError('CALICO_ERR_NOT_FOUND', `resource does not exist: ${name}`);
      if (op.op !== 'create' && op.expectedRevision !== undefined && cur && cur.revision !== op.expectedRevision) {
        throw new CalicoError('CALICO_ERR_CONFLICT', `update conflict: ${name} is at revision ${cur.revision}, expected ${op.expectedRevision}`);
      }
    }
    const events: WatchEvent[] = [];
    for (const op of ops) {
      const rev = ++this.rev;
      const k = keyString(op.key);
      const key = normalizeKey(op.key);
      if (op.op === 'delete') {
        this.entries.delete(k);
        events.push({ type: 'delete', key, revision: rev });
      } else {
        const createRevision = op.op === 'create' ? rev : this.entries.get(k)!.createRevision;
        // Stored as the JSON round trip, like the persistent backends.
        const value: unknown = JSON.parse(encodeValue(op.value, k));
        this.entries.set(k, { key, value, revision: rev, createRevision });
        events.push({ type: 'put', key, value, revision: rev, createRevision });
      }
    }
    this.history.push(...events);
    for (const w of this.watchers) {
      const mine = events.filter((e) => w.kind === undefined || e.key.kind === w.kind);
      if (mine.length) queueMicrotask(() => { if (this.watchers.has(w)) w.handlers.onEvents(mine.map(cloneEvent)); });
    }
    return this.rev;
  }

  async currentRevision(): Promise<number> {
    return this.rev;
  }

  /** Forget history up to `revision`; watches from before it fail with CALICO_ERR_COMPACTED. */
  compact(revision: number): void {
    this.compactedTo = revision;
    while (this.history.length && this.history[0]!.revision <= revision) this.history.shift();
  }

  watch<V>(opts: WatchOptions, handlers: WatchHandlers<V>): Watch {
    const w = { kind: opts.kind, handlers: handlers as WatchHandlers };
    if (opts.afterRevision < this.compactedTo) {
      queueMicrotask(() => handlers.onError(new CalicoError('CALICO_ERR_COMPACTED', `revision ${opts.afterRevision} has been compacted (compacted to ${this.compactedTo})`)));
      return { close: async () => {} };
    }
    const backlog = this.history.filter((e) => e.revision > opts.afterRevision && (opts.kind === undefined || e.key.kind === opts.kind));
    if (backlog.length) queueMicrotask(() => { if (this.watchers.has(w)) w.handlers.onEvents(backlog.map(cloneEvent)); });
    this.watchers.add(w);
    return { close: async () => { this.watchers.delete(w); } };
  }

  async close(): Promise<void> {
    this.watchers.clear();
  }
}

/** Callers get copies: mutating a returned value must not change the store. */
function cloneEntry(e: KVEntry): KVEntry {
  return { ...e, value: structuredClone(e.value) };
}

function cloneEvent(e: WatchEvent): WatchEvent {
  return e.type === 'put' ? { ...e, value: structuredClone(e.value) } : e;
}
