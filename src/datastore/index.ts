export * from './datastore.js';
export { MemoryDatastore } from './memory/memory-datastore.js';
export { SqliteDatastore, type SqliteDatastoreOptions } from './sqlite/sqlite-datastore.js';
export {
  type DatastoreConfig, type LoadDatastoreConfigOptions, DEFAULT_CONFIG_FILE, DEFAULT_SQLITE_PATH,
  loadDatastoreConfig, parseCalicoAPIConfig, openDatastore, openDatastoreFromEnv,
} from './config.js';
// The etcd client (gRPC) is heavy to load, so the backend class is loaded on
// demand by openDatastore(); import './etcd/index.js' for it directly.
export type { EtcdDatastore, EtcdDatastoreOptions } from './etcd/etcd-datastore.js';
export { startEtcd, type EtcdServer, type EtcdTlsOptions, type StartEtcdOptions } from './etcd/etcd-server.js';
export { ROOT as ETCD_RESOURCE_ROOT, etcdKey, parseEtcdKey } from './etcd/etcd-keys.js';
