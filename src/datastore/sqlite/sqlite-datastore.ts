import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { CalicoError, isCalicoError } from '../../lib/errors.js';
import type {
  Datastore, KVEntry, ListOptions, ListResult, ResourceKey, TxnOp, Watch, WatchHandlers, WatchOptions,
} from '../datastore.js';
import { keyString, normalizeKey } from '../datastore.js';
import { checkTxnOps, encodeValue } from '../txn-checks.js';
import { SCHEMA_SQL, SCHEMA_VERSION, type KvRow } from './sqlite-schema.js';
import { SqliteWatchHub } from './sqlite-watch-hub.js';

type Db = BetterSqlite3.Database;

export interface SqliteDatastoreOptions {
  /** Change-log rows kept behind the head; older ones are compacted. Default 10000. */
  readonly historyRevisions?: number;
  /** Compact at most once per this many revisions. Default 500. */
  readonly compactEvery?: number;
  /** Watch poll period in ms (cross-process latency bound). Default 10. */
  readonly pollIntervalMs?: number;
  /** How long a writer waits for another process's lock, ms. Default 10000. */
  readonly busyTimeoutMs?: number;
}

/**
 * SqliteDatastore is the embedded default backend: one SQLite file in WAL
 * mode, shared safely by several processes. Every write runs in a
 * BEGIN IMMEDIATE transaction, so checks (CAS, existence) and writes are
 * serialised across processes; each write appends to the change log, which
 * `watch` polls (`WHERE revision > ?`) so watchers in any process see it.
 */
export class SqliteDatastore implements Datastore {
  readonly type = 'sqlite';
  private closed = false;
  private readonly hub: SqliteWatchHub;
  private readonly historyRevisions: number;
  private readonly compactEvery: number;
  private readonly stmts;
  private readonly txn: (ops: readonly TxnOp[]) => number;

  private constructor(private readonly db: Db, readonly path: string, opts: SqliteDatastoreOptions) {
    this.historyRevisions = opts.historyRevisions ?? 10000;
    this.compactEvery = opts.compactEvery ?? 500;
    this.stmts = {
      get: db.prepare<[string, string, string], KvRow>('SELECT * FROM kv WHERE kind = ? AND namespace = ? AND name = ?'),
      listAll: db.prepare<[string, string, string], KvRow>(
        "SELECT * FROM kv WHERE kind = ? AND substr(name, 1, length(?)) = ? ORDER BY namespace || '/' || name"),
      listNs: db.prepare<[string, string, string, string], KvRow>(
        'SELECT * FROM kv WHERE kind = ? AND namespace = ? AND substr(name, 1, length(?)) = ? ORDER BY name'),
      meta: db.prepare<[string], { value: number }>('SELECT value FROM meta WHERE name = ?'),
      setMeta: db.prepare<[number, string]>('UPDATE meta SET value = ? WHERE name = ?'),
      upsert: db.prepare<[string, string, string, string, number, number]>(
        'INSERT OR REPLACE INTO kv (kind, namespace, name, value, revision, create_revision) VALUES (?, ?, ?, ?, ?, ?)'),
      remove: db.prepare<[string, string, string]>('DELETE FROM kv WHERE kind = ? AND namespace = ? AND name = ?'),
      log: db.prepare<[number, string, string, string, string, string | null, number | null]>(
        'INSERT INTO changelog (revision, type, kind, namespace, name, value, create_revision) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      trim: db.prepare<[number]>('DELETE FROM changelog WHERE revision <= ?'),
    };
    this.txn = db.transaction((ops: readonly TxnOp[]) => this.applyOps(ops)).immediate;
    this.hub = new SqliteWatchHub(db, opts.pollIntervalMs ?? 10);
  }

  /** Opens (creating the file and its parent directories if needed) the datastore at `path`. */
  static open(path: string, opts: SqliteDatastoreOptions = {}): SqliteDatastore {
    let db: Db | undefined;
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      const addon = nativeBinding();
      db = new BetterSqlite3(path, addon ? { nativeBinding: addon } : {});
      db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 10000}`);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      // Each CNI ADD opens the store: when the schema is already there (the usual case) a read
      // confirms it, without queueing for the write lock that creating it needs.
      let schema = storedSchema(db);
      if (schema === undefined) {
        db.transaction(() => db!.exec(SCHEMA_SQL)).immediate();
        schema = storedSchema(db);
      }
      if (schema !== SCHEMA_VERSION) {
        throw new CalicoError('CALICO_ERR_DATASTORE', `sqlite datastore ${path}: unsupported schema version ${String(schema)}`);
      }
      return new SqliteDatastore(db, path, opts);
    } catch (e) {
      db?.close();
      throw wrap(e, path, 'open');
    }
  }

  async get<V>(key: ResourceKey): Promise<KVEntry<V> | null> {
    this.ensureOpen();
    const row = this.run('get', () => this.stmts.get.get(key.kind, key.namespace ?? '', key.name));
    return row ? toEntry<V>(row) : null;
  }

  async list<V>(opts: ListOptions): Promise<ListResult<V>> {
    this.ensureOpen();
    const prefix = opts.namePrefix ?? '';
    // One read transaction: the items and the revision are one snapshot.
    return this.run('list', () => this.db.transaction(() => {
      const rows = opts.namespace === undefined
        ? this.stmts.listAll.all(opts.kind, prefix, prefix)
        : this.stmts.listNs.all(opts.kind, opts.namespace, prefix, prefix);
      return { items: rows.map((r) => toEntry<V>(r)), revision: this.meta('revision') };
    })());
  }

  async create<V>(key: ResourceKey, value: V): Promise<KVEntry<V>> {
    const rev = await this.transact([{ op: 'create', key, value }]);
    return { key: normalizeKey(key), value: roundTrip(value), revision: rev, createRevision: rev };
  }

  async update<V>(key: ResourceKey, value: V, expectedRevision: number): Promise<KVEntry<V>> {
    this.ensureOpen();
    return this.run('update', () => this.db.transaction(() => {
      const before = this.stmts.get.get(key.kind, key.namespace ?? '', key.name);
      const rev = this.applyOps([{ op: 'update', key, value, expectedRevision }]);
      return { key: normalizeKey(key), value: roundTrip(value), revision: rev, createRevision: before!.create_revision };
    }).immediate());
  }

  async delete<V>(key: ResourceKey, expectedRevision?: number): Promise<KVEntry<V>> {
    this.ensureOpen();
    return this.run('delete', () => this.db.transaction(() => {
      const before = this.stmts.get.get(key.kind, key.namespace ?? '', key.name);
      this.applyOps([{ op: 'delete', key, expectedRevision }]);
      return toEntry<V>(before!);
    }).immediate());
  }

  async transact(ops: readonly TxnOp[]): Promise<number> {
    this.ensureOpen();
    return this.run('transaction', () => this.txn(ops));
  }

  async currentRevision(): Promise<number> {
    this.ensureOpen();
    return this.run('read revision', () => this.meta('revision'));
  }

  /**
   * Drops change-log rows up to `revision`; watches from before it fail with
   * CALICO_ERR_COMPACTED. Also done automatically behind `historyRevisions`.
   */
  compact(revision: number): void {
    this.ensureOpen();
    this.run('compact', () => this.db.transaction(() => this.compactTo(revision)).immediate());
  }

  watch<V>(opts: WatchOptions, handlers: WatchHandlers<V>): Watch {
    this.ensureOpen();
    return this.hub.add(opts, handlers as WatchHandlers);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.hub.close();
    this.db.close();
  }

  /** Runs inside a write transaction; returns the new store revision. Throws to roll back. */
  private applyOps(ops: readonly TxnOp[]): number {
    checkTxnOps(ops);
    let rev = this.meta('revision');
    if (ops.length === 0) return rev;
    for (const op of ops) {
      const ns = op.key.namespace ?? '';
      const cur = this.stmts.get.get(op.key.kind, ns, op.key.name);
      const name = keyString(op.key);
      if (op.op === 'create' && cur) throw new CalicoError('CALICO_ERR_ALREADY_EXISTS', `resource already exists: ${name}`);
      if (op.op !== 'create' && !cur) throw new CalicoError('CALICO_ERR_NOT_FOUND', `resource does not exist: ${name}`);
      if (op.op !== 'create' && op.expectedRevision !== undefined && cur!.revision !== op.expectedRevision) {
        throw new CalicoError('CALICO_ERR_CONFLICT', `update conflict: ${name} is at revision ${cur!.revision}, expected ${op.expectedRevision}`);
      }
      rev += 1;
      if (op.op === 'delete') {
        this.stmts.remove.run(op.key.kind, ns, op.key.name);
        this.stmts.log.run(rev, 'delete', op.key.kind, ns, op.key.name, null, null);
      } else {
        const text = encodeValue(op.value, name);
        const createRev = op.op === 'create' ? rev : cur!.create_revision;
        this.stmts.upsert.run(op.key.kind, ns, op.key.name, text, rev, createRev);
        this.stmts.log.run(rev, 'put', op.key.kind, ns, op.key.name, text, createRev);
      }
    }
    const before = this.meta('revision');
    this.stmts.setMeta.run(rev, 'revision');
    // Compact when this write crossed a multiple of compactEvery.
    if (Math.floor(rev / this.compactEvery) !== Math.floor(before / this.compactEvery) && rev > this.historyRevisions) {
      this.compactTo(rev - this.historyRevisions);
    }
    this.hub.localWrite();
    return rev;
  }

  private compactTo(revision: number): void {
    const target = Math.min(revision, this.meta('revision'));
    if (target <= this.meta('compacted')) return;
    this.stmts.trim.run(target);
    this.stmts.setMeta.run(target, 'compacted');
  }

  private meta(name: string): number {
    return this.stmts.meta.get(name)!.value;
  }

  private run<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw wrap(e, this.path, what);
    }
  }

  private ensureOpen(): void {
    if (this.closed) throw new CalicoError('CALICO_ERR_DATASTORE', `sqlite datastore ${this.path} is closed`);
  }
}

/** What a later get() returns for `value`: the JSON round trip. */
function roundTrip<V>(value: V): V {
  return JSON.parse(JSON.stringify(value) ?? 'null') as V;
}

function toEntry<V>(row: KvRow): KVEntry<V> {
  return {
    key: normalizeKey({ kind: row.kind, namespace: row.namespace, name: row.name }),
    value: JSON.parse(row.value) as V,
    revision: row.revision,
    createRevision: row.create_revision,
  };
}

/** CalicoErrors pass through; SQLite errors (busy, I/O, corrupt) become CALICO_ERR_DATASTORE. */
function wrap(e: unknown, path: string, what: string): Error {
  if (isCalicoError(e)) return e;
  const err = e as { code?: string; message?: string };
  return new CalicoError('CALICO_ERR_DATASTORE', `sqlite datastore ${path}: ${what} failed: ${err.code ? `${err.code}: ` : ''}${err.message ?? String(e)}`, { cause: e });
}

let addonPath: string | null | undefined;

/**
 * better-sqlite3's native addon where a standard install (prebuilt or
 * compiled) puts it. Handing the path over spares the `bindings` package's
 * search (a stack-trace walk, then candidate paths tried one by one), which
 * is several ms of every CNI ADD; any other layout falls back to that search.
 */
function nativeBinding(): string | undefined {
  if (addonPath === undefined) {
    try {
      const pkg = createRequire(import.meta.url).resolve('better-sqlite3/package.json');
      const candidate = join(dirname(pkg), 'build', 'Release', 'better_sqlite3.node');
      addonPath = existsSync(candidate) ? candidate : null;
    } catch {
      addonPath = null;
    }
  }
  return addonPath ?? undefined;
}

/** The schema version recorded in `meta`; undefined while the tables do not exist yet. */
function storedSchema(db: Db): number | undefined {
  try {
    return (db.prepare("SELECT value FROM meta WHERE name = 'schema'").get() as { value: number } | undefined)?.value;
  } catch (e) {
    if (/no such table/.test((e as Error).message)) return undefined;
    throw e;
  }
}
