/**
 * KindWatcher keeps a controller in step with one kind: it lists, hands the
 * controller the full snapshot, then follows the watch from the list's
 * revision. When the watch fails (CALICO_ERR_COMPACTED: history gone, or any
 * other error) it relists after a backoff and hands over a fresh snapshot, so
 * the controller's full resync repairs whatever events were missed.
 */
import type { Datastore, KVEntry, Watch, WatchEvent } from '../datastore/datastore.js';
import { isCalicoError } from '../lib/errors.js';

export interface KindHandler<V> {
  /** The complete current state of the kind (initial sync and every relist). */
  onSnapshot(items: readonly KVEntry<V>[]): void;
  /** Events after the snapshot, in revision order. */
  onEvents(events: readonly WatchEvent<V>[]): void;
  onWatchError?(err: Error, compacted: boolean): void;
}

export class KindWatcher<V> {
  private watch: Watch | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;

  constructor(
    private readonly ds: Datastore,
    readonly kind: string,
    private readonly handler: KindHandler<V>,
    private readonly retryBaseMs = 100,
  ) {}

  /** Resolves after the first snapshot has been delivered. */
  async start(): Promise<void> {
    await this.relist();
  }

  private async relist(): Promise<void> {
    if (this.stopped) return;
    const { items, revision } = await this.ds.list<V>({ kind: this.kind });
    if (this.stopped) return;
    this.handler.onSnapshot(items);
    this.watch = this.ds.watch<V>({ kind: this.kind, afterRevision: revision }, {
      onEvents: (events) => {
        this.failures = 0;
        if (!this.stopped) this.handler.onEvents(events);
      },
      onError: (err) => this.onError(err),
    });
  }

  private onError(err: Error): void {
    if (this.stopped) return;
    const compacted = isCalicoError(err, 'CALICO_ERR_COMPACTED');
    this.handler.onWatchError?.(err, compacted);
    const w = this.watch;
    this.watch = undefined;
    void w?.close().catch(() => undefined);
    const delay = compacted ? 0 : Math.min(this.retryBaseMs * 2 ** this.failures, 10_000);
    this.failures++;
    this.timer = setTimeout(() => {
      this.relist().catch((e: unknown) => this.onError(e instanceof Error ? e : new Error(String(e))));
    }, delay);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const w = this.watch;
    this.watch = undefined;
    await w?.close();
  }
}
