/**
 * Opens the datastore a CNI network config names, loading only the backend
 * in use: a pod ADD must not pay for etcd's gRPC stack on SQLite, nor for
 * SQLite on etcd. Without datastore fields in the config, the calicoctl-style
 * configuration (/etc/calico/calicoctl.cfg or DATASTORE_TYPE, ... env) applies.
 */
import type { Datastore } from '../datastore/datastore.js';
import type { NetConfDatastore } from './netconf.js';

/** The default SQLite path (same as src/datastore/config.ts DEFAULT_SQLITE_PATH). */
const DEFAULT_SQLITE_PATH = '/var/lib/calico-ts/calico.db';

export async function openPluginDatastore(cfg: NetConfDatastore | undefined, env: NodeJS.ProcessEnv = process.env): Promise<Datastore> {
  if (cfg?.datastoreType === 'sqlite') {
    const { SqliteDatastore } = await import('../datastore/sqlite/sqlite-datastore.js');
    return SqliteDatastore.open(cfg.sqlitePath || DEFAULT_SQLITE_PATH);
  }
  const config = await import('../datastore/config.js');
  if (cfg?.datastoreType === 'etcdv3') {
    const c: Parameters<typeof config.openDatastore>[0] = { datastoreType: 'etcdv3', etcdEndpoints: cfg.etcdEndpoints ?? [] };
    if (cfg.etcdKeyFile) c.etcdKeyFile = cfg.etcdKeyFile;
    if (cfg.etcdCertFile) c.etcdCertFile = cfg.etcdCertFile;
    if (cfg.etcdCACertFile) c.etcdCACertFile = cfg.etcdCACertFile;
    return config.openDatastore(c);
  }
  return config.openDatastoreFromEnv({ env });
}

/** A lazily opened, shared datastore handle that is closed once at exit. */
export class LazyDatastore {
  private pending: Promise<Datastore> | undefined;
  constructor(private readonly open: () => Promise<Datastore>) {}
  get(): Promise<Datastore> {
    this.pending ??= this.open();
    return this.pending;
  }
  async close(): Promise<void> {
    if (!this.pending) return;
    const p = this.pending;
    this.pending = undefined;
    try { await (await p).close(); } catch { /* open failed: nothing to close */ }
  }
}
