/**
 * Writes scenario resources into a datastore as calicoctl would store them
 * (validated and defaulted), in transactions of `batch` operations.
 */
import { validateResource } from '../../dist/api/index.js';
import type { CalcUpdate } from '../../dist/calc/updates.js';

/** A CalcUpdate that carries a resource (every scenario update). */
export type ResourceUpdate = Exclude<CalcUpdate, { kind: 'InSync' }>;
import type { Datastore, ResourceKey } from '../../dist/datastore/datastore.js';

export async function writeScenario(ds: Datastore, updates: readonly ResourceUpdate[], batch = 500): Promise<number> {
  let rev = await ds.currentRevision();
  for (let i = 0; i < updates.length; i += batch) {
    const ops = updates.slice(i, i + batch).map((u) => ({ op: 'create' as const, key: u.key, value: validateResource(u.value) }));
    rev = await ds.transact(ops);
  }
  return rev;
}

/** Create-or-update one resource (CAS on the stored revision); returns the new store revision. */
export async function put(ds: Datastore, u: ResourceUpdate): Promise<number> {
  const value = validateResource(u.value);
  const key: ResourceKey = u.key;
  const cur = await ds.get(key);
  return (cur ? await ds.update(key, value, cur.revision) : await ds.create(key, value)).revision;
}
