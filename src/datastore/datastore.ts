/**
 * The Datastore contract: a revisioned key/value store of JSON objects with
 * compare-and-swap writes and a watch that resumes from a revision.
 *
 * Every backend (memory, sqlite, etcd) implements exactly this and passes the
 * one conformance suite in `conformance.ts`.
 *
 * Revisions: one store-wide counter, strictly increasing with every write
 * (etcd's revision; sqlite's change-log sequence). Each entry carries the
 * revision of its last write (`revision`, etcd's mod_revision), which is the
 * value compare-and-swap checks.
 */

/** Identity of one stored object. `namespace` is absent for cluster-scoped kinds. */
export interface ResourceKey {
  readonly kind: string;
  readonly namespace?: string | undefined;
  readonly name: string;
}

export interface KVEntry<V = unknown> {
  readonly key: ResourceKey;
  readonly value: V;
  /** Revision of the write that produced this value (mod revision). */
  readonly revision: number;
  /** Revision at which this key was created (create revision). */
  readonly createRevision: number;
}

export interface ListOptions {
  readonly kind: string;
  /** Only this namespace; absent = all namespaces (and cluster-scoped). */
  readonly namespace?: string | undefined;
  /** Only names starting with this prefix. */
  readonly namePrefix?: string | undefined;
}

export interface ListResult<V = unknown> {
  readonly items: readonly KVEntry<V>[];
  /** Store revision at which the list was taken: watch from here to follow on. */
  readonly revision: number;
}

export type WatchEvent<V = unknown> =
  | { readonly type: 'put'; readonly key: ResourceKey; readonly value: V; readonly revision: number; readonly createRevision: number }
  | { readonly type: 'delete'; readonly key: ResourceKey; readonly revision: number };

export interface WatchOptions {
  /** Only this kind; absent = every kind. */
  readonly kind?: string | undefined;
  /** Deliver events with revision strictly greater than this. */
  readonly afterRevision: number;
}

export interface WatchHandlers<V = unknown> {
  /** Events, in revision order, each exactly once. */
  onEvents(events: readonly WatchEvent<V>[]): void;
  /**
   * The watch ended with an error it cannot recover from by itself, e.g.
   * CalicoError CALICO_ERR_COMPACTED (the caller must relist). No more events follow.
   */
  onError(err: Error): void;
}

export interface Watch {
  /** Stop delivering events and release resources. Idempotent. */
  close(): Promise<void>;
}

/** One operation inside an atomic transaction. */
export type TxnOp =
  | { readonly op: 'create'; readonly key: ResourceKey; readonly value: unknown }
  | { readonly op: 'update'; readonly key: ResourceKey; readonly value: unknown; readonly expectedRevision: number }
  | { readonly op: 'delete'; readonly key: ResourceKey; readonly expectedRevision?: number | undefined };

export interface Datastore {
  /** Backend name: 'memory' | 'sqlite' | 'etcdv3'. */
  readonly type: string;
  get<V = unknown>(key: ResourceKey): Promise<KVEntry<V> | null>;
  list<V = unknown>(opts: ListOptions): Promise<ListResult<V>>;
  /** Throws CALICO_ERR_ALREADY_EXISTS if the key exists. */
  create<V = unknown>(key: ResourceKey, value: V): Promise<KVEntry<V>>;
  /** CAS on `expectedRevision`. Throws CALICO_ERR_CONFLICT on mismatch, CALICO_ERR_NOT_FOUND if absent. */
  update<V = unknown>(key: ResourceKey, value: V, expectedRevision: number): Promise<KVEntry<V>>;
  /**
   * Deletes; with `expectedRevision`, only if it matches (else CALICO_ERR_CONFLICT).
   * Throws CALICO_ERR_NOT_FOUND if absent. Returns the entry as it was.
   */
  delete<V = unknown>(key: ResourceKey, expectedRevision?: number): Promise<KVEntry<V>>;
  /**
   * All ops or none. Throws the first failing op's error (CONFLICT / NOT_FOUND /
   * ALREADY_EXISTS). Returns the new store revision.
   */
  transact(ops: readonly TxnOp[]): Promise<number>;
  /** Current store revision. */
  currentRevision(): Promise<number>;
  watch<V = unknown>(opts: WatchOptions, handlers: WatchHandlers<V>): Watch;
  /**
   * Optional: drop watch history up to `revision` (current values stay). Later
   * watches from before it fail with CALICO_ERR_COMPACTED. All three backends have it.
   */
  compact?(revision: number): void | Promise<void>;
  close(): Promise<void>;
}

/** Canonical string form of a key: `kind/namespace/name` or `kind//name`. */
export function keyString(key: ResourceKey): string {
  return `${key.kind}/${key.namespace ?? ''}/${key.name}`;
}

export function sameKey(a: ResourceKey, b: ResourceKey): boolean {
  return a.kind === b.kind && (a.namespace ?? '') === (b.namespace ?? '') && a.name === b.name;
}

/**
 * The key as backends hand it back: `namespace` present only when non-empty,
 * so keys read from any backend compare equal with deepStrictEqual.
 */
export function normalizeKey(key: ResourceKey): ResourceKey {
  return key.namespace ? { kind: key.kind, namespace: key.namespace, name: key.name } : { kind: key.kind, name: key.name };
}

/** Byte-wise comparison of canonical key strings: the list order of every backend. */
export function compareKeys(a: ResourceKey, b: ResourceKey): number {
  const x = keyString(a);
  const y = keyString(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
