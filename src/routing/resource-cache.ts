/**
 * ResourceCache: the current value of every resource of a few kinds, kept
 * up to date from one datastore watch (list, then watch from the list's
 * revision; relist on a watch error such as compaction). Routing reads its
 * inputs from here instead of the calc graph: see DESIGN.md for why.
 */
import type { Datastore, Watch, WatchEvent } from '../datastore/datastore.js';

export type ResourceMap = ReadonlyMap<string, unknown>;

export interface ResourceCacheOptions {
  readonly ds: Datastore;
  readonly kinds: readonly string[];
  /** Called (not awaited) after every batch of changes. */
  readonly onChange: () => void;
  readonly onError?: (e: Error) => void;
}

export class ResourceCache {
  private readonly byKind = new Map<string, Map<string, unknown>>();
  private watch: Watch | undefined;
  private stopped = false;
  /** Store revision the cache reflects (every event counts, whatever its kind). */
  private revision = 0;

  constructor(private readonly opts: ResourceCacheOptions) {
    for (const k of opts.kinds) this.byKind.set(k, new Map());
  }

  /** Lists every kind and starts following changes. */
  async start(): Promise<void> {
    await this.relist();
  }

  /** name -> stored value, for one kind. */
  get(kind: string): ResourceMap {
    return this.byKind.get(kind) ?? new Map();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.watch?.close();
    this.watch = undefined;
  }

  private async relist(): Promise<void> {
    await this.watch?.close();
    this.watch = undefined;
    // One revision for all kinds: list each, then watch from the smallest revision seen
    // (replaying a few events twice is harmless: puts and deletes are idempotent here).
    let from = Number.MAX_SAFE_INTEGER;
    const fresh = new Map<string, Map<string, unknown>>();
    for (const kind of this.opts.kinds) {
      const res = await this.opts.ds.list({ kind });
      from = Math.min(from, res.revision);
      fresh.set(kind, new Map(res.items.map((e) => [e.key.name, e.value])));
    }
    if (this.stopped) return;
    for (const [k, m] of fresh) this.byKind.set(k, m);
    this.revision = Math.max(this.revision, from);
    this.watch = this.opts.ds.watch({ afterRevision: from }, {
      onEvents: (events) => this.apply(events),
      onError: (err) => {
        if (this.stopped) return;
        this.opts.onError?.(err);
        setTimeout(() => { if (!this.stopped) this.relist().then(() => this.opts.onChange(), (e: Error) => this.opts.onError?.(e)); }, 500).unref();
      },
    });
    this.opts.onChange();
  }

  /** Waits (up to `timeoutMs`) until the cache reflects every write made before the call. */
  async catchUp(timeoutMs = 5000): Promise<void> {
    const target = await this.opts.ds.currentRevision();
    const end = Date.now() + timeoutMs;
    while (this.revision < target && !this.stopped && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  }

  private apply(events: readonly WatchEvent[]): void {
    let changed = false;
    for (const ev of events) {
      this.revision = Math.max(this.revision, ev.revision);
      const m = this.byKind.get(ev.key.kind);
      if (!m) continue;
      changed = true;
      if (ev.type === 'put') m.set(ev.key.name, ev.value);
      else m.delete(ev.key.name);
    }
    if (changed && !this.stopped) this.opts.onChange();
  }
}
