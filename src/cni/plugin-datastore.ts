/**
 * Opens the datastore a CNI network config names, loading only the backend
 * in use: a pod ADD must not pay for etcd's gRPC stack on SQLite, nor for
 * SQLite on etcd. Without datastore fields in the config, the calicoctl-style
 * configuration (/etc/calico/calicoctl.cfg or DATASTORE_TYPE, ... env) applies.
 */
import type { Datastore } from '../datastore/datastore.js';
import type { NetConfDatastore } from './netconf.js';

/**
 * Opens the datastore a network config names (the same one for the calico
 * plugin and calico-ipam, which share the handle when run in-process):
 * `datastore_type: sqlite` with `datastore_path`, else CALICO_DATASTORE_PATH,
 * else the calicoctl-style configuration forced to sqlite; `etcdv3` with the
 * config's endpoints and TLS files; no type: the calicoctl-style configuration.
 */
export async function openPluginDatastore(cfg: NetConfDatastore | undefined, env: NodeJS.ProcessEnv = process.env): Promise<Datastore> {
  const sqlitePath = cfg?.datastoreType === 'sqlite' ? cfg.sqlitePath || env['CALICO_DATASTORE_PATH'] : undefined;
  if (sqlitePath) {
    const { SqliteDatastore } = await import('../datastore/sqlite/sqlite-datastore.js');
    return SqliteDatastore.open(sqlitePath);
  }
  if (cfg?.datastoreType === 'etcdv3') {
    const { EtcdDatastore } = await import('../datastore/etcd/etcd-datastore.js');
    return EtcdDatastore.open({
      etcdEndpoints: cfg.etcdEndpoints ?? [],
      ...(cfg.etcdKeyFile ? { etcdKeyFile: cfg.etcdKeyFile } : {}),
      ...(cfg.etcdCertFile ? { etcdCertFile: cfg.etcdCertFile } : {}),
      ...(cfg.etcdCACertFile ? { etcdCACertFile: cfg.etcdCACertFile } : {}),
    });
  }
  const { loadDatastoreConfig, openDatastore } = await import('../datastore/config.js');
  const loaded = loadDatastoreConfig({ env });
  // `datastore_type: sqlite` without a path: the environment's path or the default.
  return openDatastore(cfg?.datastoreType === 'sqlite' ? { ...loaded, datastoreType: 'sqlite' } : loaded);
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
