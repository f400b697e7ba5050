import type BetterSqlite3 from 'better-sqlite3';
import { CalicoError } from '../../lib/errors.js';
import type { Watch, WatchEvent, WatchHandlers, WatchOptions } from '../datastore.js';
import { normalizeKey } from '../datastore.js';
import type { ChangeRow } from './sqlite-schema.js';

interface Watcher {
  readonly kind: string | undefined;
  /** Revision of the last event delivered (or skipped as not ours). */
  last: number;
  readonly handlers: WatchHandlers;
  closed: boolean;
}

const BATCH = 500;

/**
 * SqliteWatchHub serves every watch of one SqliteDatastore from its change
 * log. A single timer checks `PRAGMA data_version` (which changes when
 * another process commits; a cheap, lock-free read) every `pollMs`; writes
 * made through this connection poll at once. Only when something changed does
 * each watcher read `changelog WHERE revision > last`, in a read transaction
 * together with the compaction mark, so it never misses a row silently: rows
 * it needs that are gone end the watch with CALICO_ERR_COMPACTED.
 *
 * The timer is unref'd: an open watch alone does not keep a process alive.
 */
export class SqliteWatchHub {
  private readonly watchers = new Set<Watcher>();
  private timer: NodeJS.Timeout | undefined;
  private dataVersion = -1;
  private immediate: NodeJS.Immediate | undefined;
  private closed = false;
  private readonly readBatch: (w: Watcher) => { rows: ChangeRow[]; compacted: number; head: number };

  constructor(private readonly db: BetterSqlite3.Database, private readonly pollMs: number) {
    const all = db.prepare<[number, number], ChangeRow>('SELECT * FROM changelog WHERE revision > ? ORDER BY revision LIMIT ?');
    const byKind = db.prepare<[string, number, number], ChangeRow>(
      'SELECT * FROM changelog WHERE kind = ? AND revision > ? ORDER BY revision LIMIT ?');
    const meta = db.prepare<[string], { value: number }>('SELECT value FROM meta WHERE name = ?');
    this.readBatch = db.transaction((w: Watcher) => ({
      rows: w.kind === undefined ? all.all(w.last, BATCH) : byKind.all(w.kind, w.last, BATCH),
      compacted: meta.get('compacted')!.value,
      head: meta.get('revision')!.value,
    }));
  }

  add(opts: WatchOptions, handlers: WatchHandlers): Watch {
    const w: Watcher = { kind: opts.kind, last: opts.afterRevision, handlers, closed: false };
    this.watchers.add(w);
    if (!this.timer) {
      this.dataVersion = this.readDataVersion();
      this.timer = setInterval(() => this.tick(), this.pollMs);
      this.timer.unref();
    }
    // Deliver the backlog (or the compaction error) asynchronously, as the contract requires.
    setImmediate(() => this.poll(w));
    return {
      close: async () => {
        this.remove(w);
      },
    };
  }

  /** A write through our own connection (data_version does not change for those). */
  localWrite(): void {
    if (this.immediate || this.watchers.size === 0) return;
    this.immediate = setImmediate(() => {
      this.immediate = undefined;
      this.pollAll();
    });
  }

  close(): void {
    this.closed = true;
    for (const w of this.watchers) w.closed = true;
    this.watchers.clear();
    if (this.timer) clearInterval(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  private tick(): void {
    if (this.closed) return;
    const v = this.readDataVersion();
    if (v === this.dataVersion) return;
    this.dataVersion = v;
    this.pollAll();
  }

  private pollAll(): void {
    for (const w of [...this.watchers]) this.poll(w);
  }

  private poll(w: Watcher): void {
    while (!w.closed && !this.closed) {
      let batch: ReturnType<typeof this.readBatch>;
      try {
        batch = this.readBatch(w);
      } catch (e) {
        this.fail(w, new CalicoError('CALICO_ERR_DATASTORE', `sqlite watch failed: ${(e as Error).message}`, { cause: e }));
        return;
      }
      if (batch.compacted > w.last) {
        this.fail(w, new CalicoError('CALICO_ERR_COMPACTED',
          `revision ${w.last} has been compacted (change log starts after revision ${batch.compacted}); relist`));
        return;
      }
      if (batch.rows.length > 0) {
        const events = batch.rows.map(toEvent);
        w.last = batch.rows[batch.rows.length - 1]!.revision;
        try {
          w.handlers.onEvents(events);
        } catch (e) {
          this.fail(w, e instanceof Error ? e : new Error(String(e)));
          return;
        }
      }
      if (batch.rows.length < BATCH) {
        // Nothing more of ours up to head: skip past other kinds' rows so
        // compaction of those never looks like a gap in ours.
        if (batch.head > w.last) w.last = batch.head;
        return;
      }
    }
  }

  private fail(w: Watcher, err: Error): void {
    this.remove(w);
    try {
      w.handlers.onError(err);
    } catch {
      // A throwing error handler must not break the other watchers.
    }
  }

  private remove(w: Watcher): void {
    w.closed = true;
    this.watchers.delete(w);
    if (this.watchers.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private readDataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }
}

function toEvent(r: ChangeRow): WatchEvent {
  const key = normalizeKey({ kind: r.kind, namespace: r.namespace, name: r.name });
  return r.type === 'put'
    ? { type: 'put', key, value: JSON.parse(r.value ?? 'null') as unknown, revision: r.revision, createRevision: r.create_revision ?? r.revision }
    : { type: 'delete', key, revision: r.revision };
}
