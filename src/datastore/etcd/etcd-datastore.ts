import { readFileSync } from 'node:fs';
import { ConsecutiveBreaker, ExponentialBackoff, circuitBreaker, handleWhen, retry } from 'cockatiel';
import { Etcd3, isRecoverableError, type ICompare, type IKeyValue, type IOptions, type IRequestOp, type IResponseOp } from 'etcd3';
import { CalicoError } from '../../lib/errors.js';
import type { DatastoreConfig } from '../config.js';
import type {
  Datastore, KVEntry, ListOptions, ListResult, ResourceKey, TxnOp, Watch, WatchHandlers, WatchOptions,
} from '../datastore.js';
import { keyString, normalizeKey } from '../datastore.js';
import { checkKey, checkTxnOps, encodeValue } from '../txn-checks.js';
import { etcdError, isCompactedMessage } from './etcd-errors.js';
import { ROOT, etcdKey, kindPrefix, namePrefixSegment, namespacePrefix, parseEtcdKey, prefixEnd } from './etcd-keys.js';
import { EtcdWatch } from './etcd-watch.js';

export interface EtcdDatastoreOptions {
  /** Per-call deadline for unary requests, ms. Default 10000. */
  readonly callTimeoutMs?: number;
  /** How long connecting may take before a call fails, ms. Default 5000. */
  readonly dialTimeoutMs?: number;
  /** Page size for list(). Default 500. */
  readonly pageSize?: number;
}

type WatchBackoff = NonNullable<NonNullable<IOptions['faultHandling']>['watchBackoff']>;

type EtcdConnection = Pick<DatastoreConfig, 'etcdEndpoints' | 'etcdKeyFile' | 'etcdCertFile' | 'etcdCACertFile' |
  'etcdKey' | 'etcdCert' | 'etcdCACert' | 'etcdUsername' | 'etcdPassword'>;

/**
 * EtcdDatastore keeps resources in etcd v3 under Calico's key layout (see
 * etcd-keys.ts). Store revision = etcd revision; an entry's revision = its
 * mod_revision. Every write is one etcd txn whose compares carry the CAS
 * conditions, so transact() is atomic and the ops of one transaction share
 * one revision. On a failed compare the same txn reads the keys back, so the
 * error names the op that failed as of that exact revision.
 *
 * An ambiguous failure (connection lost after etcd applied a write) surfaces
 * as CALICO_ERR_DATASTORE; a caller that retries may then see
 * ALREADY_EXISTS / CONFLICT caused by its own earlier write, as with any etcd client.
 */
export class EtcdDatastore implements Datastore {
  readonly type = 'etcdv3';
  private closed = false;
  private readonly watches = new Set<Watch>();
  private readonly pageSize: number;

  private constructor(private readonly client: Etcd3, readonly endpoints: readonly string[], opts: EtcdDatastoreOptions) {
    this.pageSize = opts.pageSize ?? 500;
  }

  /**
   * Connects and checks the connection with one request, so a wrong endpoint
   * or CA fails here, within dialTimeoutMs, with CALICO_ERR_DATASTORE.
   */
  static async open(cfg: EtcdConnection, opts: EtcdDatastoreOptions = {}): Promise<EtcdDatastore> {
    const endpoints = cfg.etcdEndpoints ?? [];
    if (endpoints.length === 0) throw new CalicoError('CALICO_ERR_DATASTORE_CONFIG', 'etcdEndpoints: no etcd endpoints specified');
    const callTimeout = opts.callTimeoutMs ?? 10_000;
    const options: IOptions = {
      hosts: endpoints,
      dialTimeout: opts.dialTimeoutMs ?? 5000,
      // Ping while a call or watch stream is open, so a silently dead server or
      // a partition breaks the watch stream (and it resumes) instead of hanging.
      // 10 s respects etcd's default --grpc-keepalive-min-time (5 s).
      grpcOptions: { 'grpc.keepalive_time_ms': 10_000, 'grpc.keepalive_timeout_ms': 5000, 'grpc.keepalive_permit_without_calls': 0 },
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + callTimeout }),
      faultHandling: {
        // Fail over between endpoints on connection errors; a short breaker so a restarted etcd is used again soon.
        global: retry(handleWhen(isRecoverableError), { maxAttempts: endpoints.length - 1 }),
        host: () => circuitBreaker(handleWhen(isRecoverableError), { halfOpenAfter: 500, breaker: new ConsecutiveBreaker(3) }),
        // etcd3 calls next() on this to get each delay: cockatiel 3's backoff factory, typed by etcd3 as a backoff.
        watchBackoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 1000 }) as unknown as WatchBackoff,
      },
    };
    const credentials = readCredentials(cfg);
    if (credentials) options.credentials = credentials;
    if (cfg.etcdUsername) options.auth = { username: cfg.etcdUsername, password: cfg.etcdPassword ?? '' };
    const client = new Etcd3(options);
    const ds = new EtcdDatastore(client, endpoints, opts);
    try {
      await ds.currentRevision();
    } catch (e) {
      client.close();
      throw e;
    }
    return ds;
  }

  async get<V>(key: ResourceKey): Promise<KVEntry<V> | null> {
    this.ensureOpen();
    checkKey(key);
    const res = await this.call('get', () => this.client.kv.range({ key: Buffer.from(etcdKey(key)) }));
    const kv = res.kvs[0];
    return kv ? toEntry<V>(kv) : null;
  }

  async list<V>(opts: ListOptions): Promise<ListResult<V>> {
    this.ensureOpen();
    const prefix = opts.namespace
      ? namespacePrefix(opts.kind, opts.namespace) + namePrefixSegment(opts.namePrefix ?? '')
      : kindPrefix(opts.kind);
    const end = prefixEnd(prefix);
    const items: KVEntry<V>[] = [];
    let start = Buffer.from(prefix);
    let revision = 0;
    // Page by key, every page at the first page's revision: one consistent snapshot.
    for (;;) {
      const res = await this.call('list', () => this.client.kv.range({
        key: start, range_end: end, limit: this.pageSize, ...(revision ? { revision } : {}),
      }));
      if (!revision) revision = Number(res.header.revision);
      for (const kv of res.kvs) {
        const entry = toEntry<V>(kv);
        if (!entry) continue;
        if (opts.namespace === '' && entry.key.namespace) continue;
        if (opts.namePrefix && !entry.key.name.startsWith(opts.namePrefix)) continue;
        items.push(entry);
      }
      if (!res.more || res.kvs.length === 0) break;
      start = Buffer.concat([res.kvs[res.kvs.length - 1]!.key, Buffer.from([0])]);
    }
    return { items, revision };
  }

  async create<V>(key: ResourceKey, value: V): Promise<KVEntry<V>> {
    const { revision } = await this.txn([{ op: 'create', key, value }]);
    return { key: normalizeKey(key), value: roundTrip(value), revision, createRevision: revision };
  }

  async update<V>(key: ResourceKey, value: V, expectedRevision: number): Promise<KVEntry<V>> {
    const { revision, responses } = await this.txn([{ op: 'update', key, value, expectedRevision }]);
    const prev = responses[0]?.response_put?.prev_kv;
    return { key: normalizeKey(key), value: roundTrip(value), revision, createRevision: prev ? Number(prev.create_revision) : revision };
  }

  async delete<V>(key: ResourceKey, expectedRevision?: number): Promise<KVEntry<V>> {
    const { responses } = await this.txn([{ op: 'delete', key, expectedRevision }]);
    const prev = responses[0]?.response_delete_range?.prev_kvs?.[0];
    const entry = prev ? toEntry<V>(prev) : null;
    if (!entry) throw new CalicoError('CALICO_ERR_DATASTORE', `etcd ${this.endpoints.join(',')}: delete of ${keyString(key)} returned no previous value`);
    return entry;
  }

  async transact(ops: readonly TxnOp[]): Promise<number> {
    if (ops.length === 0) return this.currentRevision();
    return (await this.txn(ops)).revision;
  }

  async currentRevision(): Promise<number> {
    this.ensureOpen();
    const res = await this.call('read revision', () => this.client.kv.range({ key: Buffer.from(ROOT), limit: 1, keys_only: true }));
    return Number(res.header.revision);
  }

  /** etcd compaction: revisions before `revision` are gone; watches from before it get CALICO_ERR_COMPACTED. */
  async compact(revision: number): Promise<void> {
    this.ensureOpen();
    try {
      await this.client.kv.compact({ revision, physical: true });
    } catch (e) {
      if (!isCompactedMessage(e instanceof Error ? e.message : String(e))) throw etcdError(e, this.endpoints, 'compact');
    }
  }

  watch<V>(opts: WatchOptions, handlers: WatchHandlers<V>): Watch {
    this.ensureOpen();
    const prefix = opts.kind === undefined ? ROOT : kindPrefix(opts.kind);
    const w = new EtcdWatch(this.client, this.endpoints, prefix, opts.afterRevision, handlers as WatchHandlers);
    this.watches.add(w);
    return {
      close: async () => {
        this.watches.delete(w);
        await w.close();
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.watches].map((w) => w.close()));
    this.watches.clear();
    this.client.close();
  }

  /** Runs ops as one etcd txn; on a failed compare, throws the first failing op's error. */
  private async txn(ops: readonly TxnOp[]): Promise<{ revision: number; responses: IResponseOp[] }> {
    this.ensureOpen();
    checkTxnOps(ops);
    const compare: ICompare[] = [];
    const success: IRequestOp[] = [];
    for (const op of ops) {
      const key = Buffer.from(etcdKey(op.key));
      if (op.op === 'create') {
        compare.push({ key, target: 'Create', result: 'Equal', create_revision: 0 });
      } else if (op.expectedRevision !== undefined) {
        // mod_revision == expected also proves existence (expected > 0).
        compare.push({ key, target: 'Mod', result: 'Equal', mod_revision: op.expectedRevision });
        if (op.expectedRevision <= 0) compare.push({ key, target: 'Create', result: 'Greater', create_revision: 0 });
      } else {
        compare.push({ key, target: 'Create', result: 'Greater', create_revision: 0 });
      }
      success.push(op.op === 'delete'
        ? { request_delete_range: { key, prev_kv: true } }
        : { request_put: { key, value: Buffer.from(encodeValue(op.value, keyString(op.key))), prev_kv: op.op === 'update' } });
    }
    const failure: IRequestOp[] = ops.map((op) => ({ request_range: { key: Buffer.from(etcdKey(op.key)) } }));
    const res = await this.call('transaction', () => this.client.kv.txn({ compare, success, failure }));
    if (res.succeeded) return { revision: Number(res.header.revision), responses: res.responses };
    ops.forEach((op, i) => {
      const cur = res.responses[i]?.response_range?.kvs?.[0];
      const name = keyString(op.key);
      if (op.op === 'create' && cur) throw new CalicoError('CALICO_ERR_ALREADY_EXISTS', `resource already exists: ${name}`);
      if (op.op !== 'create' && !cur) throw new CalicoError('CALICO_ERR_NOT_FOUND', `resource does not exist: ${name}`);
      if (op.op !== 'create' && op.expectedRevision !== undefined && Number(cur!.mod_revision) !== op.expectedRevision) {
        throw new CalicoError('CALICO_ERR_CONFLICT', `update conflict: ${name} is at revision ${cur!.mod_revision}, expected ${op.expectedRevision}`);
      }
    });
    throw new CalicoError('CALICO_ERR_DATASTORE', `etcd ${this.endpoints.join(',')}: transaction compare failed without a failing op`);
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw etcdError(e, this.endpoints, what);
    }
  }

  private ensureOpen(): void {
    if (this.closed) throw new CalicoError('CALICO_ERR_DATASTORE', `etcd ${this.endpoints.join(',')}: datastore is closed`);
  }
}

function readCredentials(cfg: EtcdConnection): IOptions['credentials'] {
  const read = (file: string | undefined, inline: string | undefined, field: string): Buffer | undefined => {
    if (inline) return Buffer.from(inline);
    if (!file) return undefined;
    try {
      return readFileSync(file);
    } catch (e) {
      throw new CalicoError('CALICO_ERR_DATASTORE_CONFIG', `${field}: cannot read ${file}: ${(e as Error).message}`, { cause: e });
    }
  };
  const ca = read(cfg.etcdCACertFile, cfg.etcdCACert, 'etcdCACertFile');
  const key = read(cfg.etcdKeyFile, cfg.etcdKey, 'etcdKeyFile');
  const cert = read(cfg.etcdCertFile, cfg.etcdCert, 'etcdCertFile');
  if (!ca && !key && !cert) return undefined;
  // grpc needs a root certificate argument; without a CA file it uses the system roots.
  return { rootCertificate: ca ?? (null as unknown as Buffer), ...(key ? { privateKey: key } : {}), ...(cert ? { certChain: cert } : {}) };
}

function roundTrip<V>(value: V): V {
  return JSON.parse(JSON.stringify(value) ?? 'null') as V;
}

function toEntry<V>(kv: IKeyValue): KVEntry<V> | null {
  const key = parseEtcdKey(kv.key.toString());
  if (!key) return null;
  let value: V;
  try {
    value = JSON.parse(kv.value.toString()) as V;
  } catch {
    return null;
  }
  return { key, value, revision: Number(kv.mod_revision), createRevision: Number(kv.create_revision) };
}
