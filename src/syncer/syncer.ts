/**
 * Syncer: turns the datastore into one ordered stream of SyncerUpdates with
 * a single InSync marker, like Felix's syncer (watchersyncer):
 *
 *   list every source kind (per-kind revision R_k)
 *     -> emit the snapshot, then InSync (once, ever)
 *   watch all kinds from min(R_k); drop events a list already covered (rev <= R_k)
 *     -> emit each batch of events in revision order
 *   watch error (CALICO_ERR_COMPACTED, or any other) -> relist after backoff and emit
 *     only the difference from what was emitted: changed values, and deletes for
 *     keys that vanished while we were not watching.
 *
 * Downstream therefore only ever sees current state. `revision` is the highest
 * store revision whose effect has been emitted; writes of `ignoreRevisionKinds`
 * (the agents' own status reports) do not advance it, so recording it cannot
 * feed back into itself.
 */
import type { Datastore, KVEntry, ResourceKey, Watch, WatchEvent } from '../datastore/datastore.js';
import { keyString } from '../datastore/datastore.js';
import { isCalicoError } from '../lib/errors.js';
import { absent, convertEntry, isSourceKind, outputKeyFor, SOURCE_KINDS } from './convert.js';
import type { SyncStatus, SyncerUpdate } from './syncer-update.js';

export interface SyncerCallbacks {
  /** One call per list or watch batch; `revision` is the syncer's revision after it. Updates may be empty. */
  onUpdates(updates: readonly SyncerUpdate[], revision: number): void;
  onStatus?(status: SyncStatus): void;
  /** Watch and list failures that the syncer is retrying. */
  onError?(err: Error, willRetryInMs: number): void;
}

export interface SyncerOptions {
  /** Storage kinds to list and watch (default: every kind the converters know). */
  readonly kinds?: readonly string[];
  /** Storage kinds whose writes never advance `revision` (default: ActiveStatusReport). */
  readonly ignoreRevisionKinds?: readonly string[];
  /** First retry delay after a failure (doubles up to 10 s; compaction relists at once). */
  readonly retryBaseMs?: number;
}

/** Storage kind of the per-node status report the agent writes (see src/node/status-reporter.ts). */
export const STATUS_REPORT_KIND = 'ActiveStatusReport';

/** What the syncer remembers of an emitted key: one entry per key (no separate key map). */
interface Emitted {
  readonly revision: number;
  readonly key: ResourceKey;
}

export class Syncer {
  private readonly kinds: readonly string[];
  private readonly ignored: ReadonlySet<string>;
  private readonly retryBaseMs: number;
  /** Source key string -> the key and the revision of the value last emitted for it. */
  private readonly emitted = new Map<string, Emitted>();
  private listRevisions = new Map<string, number>();
  private watch: Watch | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private failures = 0;
  private inSyncSent = false;
  private rev = 0;
  private generation = 0;
  private state: SyncStatus = 'WaitForDatastore';
  private resolveStarted: (() => void) | undefined;
  /** Number of relists after the first list (Felix's resync count). */
  resyncs = 0;

  constructor(private readonly ds: Datastore, private readonly cb: SyncerCallbacks, opts: SyncerOptions = {}) {
    this.kinds = opts.kinds ?? SOURCE_KINDS;
    this.ignored = new Set(opts.ignoreRevisionKinds ?? [STATUS_REPORT_KIND]);
    this.retryBaseMs = opts.retryBaseMs ?? 100;
  }

  get revision(): number {
    return this.rev;
  }

  get status(): SyncStatus {
    return this.state;
  }

  /** Starts syncing; resolves once the first snapshot and InSync were emitted (retrying failures meanwhile). */
  start(): Promise<void> {
    const started = new Promise<void>((resolve) => { this.resolveStarted = resolve; });
    this.setStatus('WaitForDatastore');
    void this.relist();
    return started;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.generation++;
    if (this.timer) clearTimeout(this.timer);
    const w = this.watch;
    this.watch = undefined;
    this.resolveStarted?.();
    await w?.close().catch(() => undefined);
  }

  private setStatus(s: SyncStatus): void {
    if (this.state === s) return;
    this.state = s;
    this.cb.onStatus?.(s);
  }

  private async relist(): Promise<void> {
    if (this.stopped) return;
    const gen = ++this.generation;
    if (this.inSyncSent) this.setStatus('ResyncInProgress');
    let lists: { kind: string; items: readonly KVEntry[]; revision: number }[];
    try {
      lists = [];
      for (const kind of this.kinds) {
        const l = await this.ds.list({ kind });
        lists.push({ kind, items: l.items, revision: l.revision });
      }
    } catch (e) {
      this.retry(e, gen);
      return;
    }
    if (this.stopped || gen !== this.generation) return;
    if (this.state === 'WaitForDatastore') this.setStatus('ResyncInProgress');
    const updates: SyncerUpdate[] = [];
    const seen = new Set<string>();
    this.listRevisions = new Map();
    for (const l of lists) {
      this.listRevisions.set(l.kind, l.revision);
      for (const item of l.items) {
        const ks = keyString(item.key);
        seen.add(ks);
        if (this.emitted.get(ks)?.revision === item.revision) continue;
        this.put(item.key, item.value, item.revision, updates);
      }
    }
    for (const [ks, { key }] of [...this.emitted]) {
      if (!seen.has(ks) && this.kinds.includes(key.kind)) this.remove(key, updates);
    }
    const minRev = Math.min(...lists.map((l) => l.revision));
    if (!this.inSyncSent) {
      updates.push({ kind: 'InSync' });
      this.inSyncSent = true;
    } else {
      this.resyncs++;
    }
    // Kinds listed later are complete up to their (later) revision; the earliest is what all cover.
    this.rev = Math.max(this.rev, minRev);
    this.cb.onUpdates(updates, this.rev);
    this.setStatus('InSync');
    this.resolveStarted?.();
    this.resolveStarted = undefined;
    this.watch = this.ds.watch({ afterRevision: minRev }, {
      onEvents: (events) => { if (gen === this.generation && !this.stopped) this.onEvents(events); },
      onError: (err) => { if (gen === this.generation) this.onWatchError(err, gen); },
    });
  }

  private onEvents(events: readonly WatchEvent[]): void {
    this.failures = 0;
    const updates: SyncerUpdate[] = [];
    let advanced = false;
    for (const ev of events) {
      const kind = ev.key.kind;
      if (!this.ignored.has(kind) && ev.revision > this.rev) {
        this.rev = ev.revision;
        advanced = true;
      }
      const listRev = this.listRevisions.get(kind);
      if (listRev !== undefined && ev.revision <= listRev) continue; // the list already had it
      if (!isSourceKind(kind) || listRev === undefined) continue;
      if (ev.type === 'put') this.put(ev.key, ev.value, ev.revision, updates);
      else this.remove(ev.key, updates);
    }
    if (advanced || updates.length > 0) this.cb.onUpdates(updates, this.rev);
  }

  private put(key: ResourceKey, value: unknown, revision: number, out: SyncerUpdate[]): void {
    const ks = keyString(key);
    this.emitted.set(ks, { revision, key });
    const u = convertEntry(key, value);
    if (u !== null) out.push(u);
  }

  private remove(key: ResourceKey, out: SyncerUpdate[]): void {
    const ks = keyString(key);
    if (!this.emitted.delete(ks)) return;
    const o = outputKeyFor(key);
    if (o !== null) out.push(absent(o));
  }

  private onWatchError(err: Error, gen: number): void {
    if (this.stopped) return;
    const w = this.watch;
    this.watch = undefined;
    void w?.close().catch(() => undefined);
    if (isCalicoError(err, 'CALICO_ERR_COMPACTED')) {
      this.cb.onError?.(err, 0);
      this.schedule(0, gen);
      return;
    }
    this.retry(err, gen);
  }

  private retry(e: unknown, gen: number): void {
    if (this.stopped || gen !== this.generation) return;
    const delay = Math.min(this.retryBaseMs * 2 ** this.failures, 10_000);
    this.failures++;
    this.cb.onError?.(e instanceof Error ? e : new Error(String(e)), delay);
    this.schedule(delay, gen);
  }

  private schedule(delay: number, gen: number): void {
    if (this.stopped || gen !== this.generation) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => { this.timer = undefined; void this.relist(); }, delay);
  }
}
