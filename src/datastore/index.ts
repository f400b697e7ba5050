export * from './datastore.js';
export { MemoryDatastore } from './memory/memory-datastore.js';
