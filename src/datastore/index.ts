export * from './datastore.js';
export { MemoryDatastore } from './memory/memory-datastore.js';
export { SqliteDatastore, type SqliteDatastoreOptions } from './sqlite/sqlite-datastore.js';
export {
  type DatastoreConfig, type LoadDatastoreConfigOptions, DEFAULT_CONFIG_FILE, DEFAULT_SQLITE_PATH,
  loadDatastoreConfig, parseCalicoAPIConfig, openDatastore, openDatastoreFromEnv,
} from './config.js';
