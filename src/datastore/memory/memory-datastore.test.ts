import { runDatastoreConformance } from '../conformance.js';
import { MemoryDatastore } from './memory-datastore.js';

runDatastoreConformance('memory', async () => {
  const ds = new MemoryDatastore();
  return { ds, cleanup: () => ds.close() };
});
