import type { Etcd3, IWatchResponse, Watcher } from 'etcd3';
import { CalicoError } from '../../lib/errors.js';
import type { Watch, WatchEvent, WatchHandlers } from '../datastore.js';
import { etcdError, isCompactedMessage } from './etcd-errors.js';
import { ROOT, parseEtcdKey } from './etcd-keys.js';

/**
 * One Datastore watch on an etcd key prefix.
 *
 * The etcd3 client reconnects a dropped watch stream by itself, but resumes
 * from the last *header* revision it saw, which can skip events still being
 * replayed when the stream broke. So on every disconnect we set the resume
 * point ourselves to just after the last revision we delivered, and drop any
 * event at or below it (a replayed duplicate). etcd never splits one
 * revision's events across responses, so whole revisions are the unit.
 *
 * Progress notifications (requested by the etcd3 client) move the resume
 * point past other keys' writes, so a kind-filtered watch that reconnects
 * after a compaction is not failed for history it never needed.
 *
 * A watch cancelled by etcd ends with onError: CALICO_ERR_COMPACTED when the
 * revision it needs is gone (checked with a range read at that revision),
 * else CALICO_ERR_DATASTORE.
 */
export class EtcdWatch implements Watch {
  private lastDelivered: number;
  private closed = false;
  private readonly watcher: Watcher;

  constructor(
    private readonly client: Etcd3,
    private readonly endpoints: readonly string[],
    prefix: string,
    afterRevision: number,
    private readonly handlers: WatchHandlers,
  ) {
    this.lastDelivered = afterRevision;
    // watcher() attaches synchronously, so no event can be emitted before our listeners exist.
    this.watcher = client.watch().prefix(prefix).startRevision(String(afterRevision + 1)).watcher();
    this.watcher.on('data', (res) => this.onData(res));
    this.watcher.on('disconnected', () => this.resumePoint());
    this.watcher.on('error', (err) => void this.onCancelled(err));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Cancelling waits for etcd's acknowledgement; never let an unreachable server hang close().
    await Promise.race([
      this.watcher.cancel().catch(() => undefined),
      new Promise((r) => setTimeout(r, 2000).unref()),
    ]);
  }

  private resumePoint(): void {
    (this.watcher.request as { start_revision?: string }).start_revision = String(this.lastDelivered + 1);
  }

  private onData(res: IWatchResponse): void {
    if (this.closed) return;
    if (res.events.length === 0) {
      // A progress notification: etcd sends these only to watchers that are in
      // sync, so every event of ours up to the header revision has been delivered.
      this.lastDelivered = Math.max(this.lastDelivered, Number(res.header.revision));
      this.resumePoint();
      return;
    }
    const floor = this.lastDelivered;
    const events: WatchEvent[] = [];
    let top = floor;
    for (const ev of res.events) {
      const revision = Number(ev.kv.mod_revision);
      if (revision <= floor) continue;
      const key = parseEtcdKey(ev.kv.key.toString());
      if (!key) continue;
      top = Math.max(top, revision);
      if (ev.type === 'Put') {
        let value: unknown;
        try {
          value = JSON.parse(ev.kv.value.toString());
        } catch {
          continue; // Not ours: something else wrote non-JSON under our prefix.
        }
        events.push({ type: 'put', key, value, revision, createRevision: Number(ev.kv.create_revision) });
      } else {
        events.push({ type: 'delete', key, revision });
      }
    }
    this.lastDelivered = top;
    this.resumePoint();
    if (events.length === 0) return;
    try {
      this.handlers.onEvents(events);
    } catch (e) {
      this.fail(e instanceof Error ? e : new Error(String(e)));
    }
  }

  private async onCancelled(err: Error): Promise<void> {
    if (this.closed) return;
    let out: Error = etcdError(err, this.endpoints, 'watch');
    if (!isCompactedMessage(err.message)) {
      // etcd cancels a compacted watch without a reason text; ask at the revision we need.
      try {
        await this.client.kv.range({ key: Buffer.from(ROOT), limit: 1, keys_only: true, revision: this.lastDelivered + 1 });
      } catch (probe) {
        const msg = probe instanceof Error ? probe.message : String(probe);
        if (isCompactedMessage(msg)) out = etcdError(probe, this.endpoints, 'watch');
      }
    }
    this.fail(out);
  }

  private fail(err: Error): void {
    if (this.closed) return;
    void this.close();
    try {
      this.handlers.onError(err instanceof CalicoError ? err : etcdError(err, this.endpoints, 'watch'));
    } catch {
      // A throwing error handler must not break the client.
    }
  }
}
