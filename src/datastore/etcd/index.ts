export { EtcdDatastore, type EtcdDatastoreOptions } from './etcd-datastore.js';
export { startEtcd, type EtcdServer, type EtcdTlsOptions, type StartEtcdOptions } from './etcd-server.js';
export { ROOT as ETCD_RESOURCE_ROOT, etcdKey, parseEtcdKey } from './etcd-keys.js';
