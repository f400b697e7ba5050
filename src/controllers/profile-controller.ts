/**
 * ProfileController keeps one Calico Profile per source object, as
 * calico-kube-controllers' namespace and service-account controllers do:
 *
 *   Namespace <ns>           -> Profile kns.<ns>      (allow all; pcns.* labels)
 *   ServiceAccount <ns>/<sa> -> Profile ksa.<ns>.<sa> (pcsa.* labels)
 *
 * It owns exactly the profiles with its prefix: a snapshot (start, relist,
 * periodic resync) creates missing ones, corrects drifted ones and deletes
 * those whose source is gone; each watch event reconciles one profile.
 */
import type { Datastore, KVEntry, ResourceKey, WatchEvent } from '../datastore/datastore.js';
import { jsonEqual, reconcileKey, SerialQueue } from './cas-writer.js';
import { KindWatcher } from './kind-watcher.js';

/** A stored Profile as this controller writes it. */
export interface StoredProfile {
  apiVersion: 'projectcalico.org/v3';
  kind: 'Profile';
  metadata: { name: string; uid?: string; creationTimestamp?: string; labels?: Record<string, string> };
  spec: Record<string, unknown>;
}

export interface ProfileControllerOptions {
  readonly sourceKind: string;
  /** `kns.` or `ksa.`: the profiles this controller owns. */
  readonly prefix: string;
  /** Source object -> Profile (helper A's namespaceToProfile / serviceAccountToProfile). */
  readonly convert: (source: object) => { metadata: { name: string; uid?: string; creationTimestamp?: string }; spec: object };
  /** Profile name for a source key (to delete the profile of a deleted source). */
  readonly profileName: (key: ResourceKey) => string;
  readonly onError: (e: unknown) => void;
}

export class ProfileController {
  private readonly watcher: KindWatcher<object>;
  readonly queue: SerialQueue;

  constructor(private readonly ds: Datastore, private readonly opts: ProfileControllerOptions) {
    this.queue = new SerialQueue(opts.onError);
    this.watcher = new KindWatcher<object>(ds, opts.sourceKind, {
      onSnapshot: (items) => this.queue.push(() => this.resync(items)),
      onEvents: (events) => { for (const ev of events) this.queue.push(() => this.onEvent(ev)); },
    });
  }

  async start(): Promise<void> {
    await this.watcher.start();
  }

  async stop(): Promise<void> {
    await this.watcher.stop();
    await this.queue.idle();
  }

  /** Re-reads the sources and reconciles every owned profile. */
  resyncNow(): void {
    this.queue.push(async () => this.resync((await this.ds.list<object>({ kind: this.opts.sourceKind })).items));
  }

  private desired(source: object): StoredProfile {
    const p = this.opts.convert(source);
    const metadata: StoredProfile['metadata'] = { name: p.metadata.name };
    if (p.metadata.uid) metadata.uid = p.metadata.uid;
    if (p.metadata.creationTimestamp) metadata.creationTimestamp = p.metadata.creationTimestamp;
    return { apiVersion: 'projectcalico.org/v3', kind: 'Profile', metadata, spec: { ...p.spec } };
  }

  private async write(name: string, want: StoredProfile | null): Promise<void> {
    await reconcileKey<StoredProfile>(this.ds, { kind: 'Profile', name }, (cur) => {
      if (want === null) return null;
      // Unchanged rules and labels: leave the stored object (and its revision) alone.
      if (cur && jsonEqual(cur.value.spec, want.spec) && jsonEqual(cur.value.metadata, want.metadata)) return cur.value;
      return want;
    });
  }

  private async resync(items: readonly KVEntry<object>[]): Promise<void> {
    const want = new Map<string, StoredProfile>();
    for (const e of items) {
      try {
        const p = this.desired(e.value);
        want.set(p.metadata.name, p);
      } catch (err) {
        this.opts.onError(err); // an unconvertible source must not stop the others
      }
    }
    for (const [name, p] of want) await this.write(name, p);
    const existing = await this.ds.list<StoredProfile>({ kind: 'Profile', namePrefix: this.opts.prefix });
    for (const e of existing.items) {
      if (!want.has(e.key.name)) await this.write(e.key.name, null);
    }
  }

  private async onEvent(ev: WatchEvent<object>): Promise<void> {
    if (ev.type === 'delete') {
      await this.write(this.opts.profileName(ev.key), null);
      return;
    }
    const p = this.desired(ev.value);
    await this.write(p.metadata.name, p);
  }
}
