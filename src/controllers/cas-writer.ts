/**
 * Compare-and-swap writes for controllers: read, compute, write with the
 * revision read, and on CALICO_ERR_CONFLICT (someone else wrote in between)
 * read again and recompute. Two writers never both win; neither loses its
 * intent, because each retry recomputes from what is stored now.
 */
import type { Datastore, KVEntry, ResourceKey } from '../datastore/datastore.js';
import { CalicoError, isCalicoError } from '../lib/errors.js';

export const MAX_CAS_ATTEMPTS = 10;

/**
 * Makes `key` hold `compute(current)`: null from compute deletes, the same
 * object (===) as current.value leaves it untouched. Returns what was done.
 */
export async function reconcileKey<V>(
  ds: Datastore, key: ResourceKey, compute: (current: KVEntry<V> | null) => V | null,
): Promise<'created' | 'updated' | 'deleted' | 'unchanged'> {
  for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
    const cur = await ds.get<V>(key);
    const want = compute(cur);
    try {
      if (want === null) {
        if (!cur) return 'unchanged';
        await ds.delete(key, cur.revision);
        return 'deleted';
      }
      if (!cur) {
        await ds.create(key, want);
        return 'created';
      }
      if (want === cur.value) return 'unchanged';
      await ds.update(key, want, cur.revision);
      return 'updated';
    } catch (e) {
      const raced = isCalicoError(e, 'CALICO_ERR_CONFLICT') || isCalicoError(e, 'CALICO_ERR_ALREADY_EXISTS') || isCalicoError(e, 'CALICO_ERR_NOT_FOUND');
      if (!raced) throw e;
      await new Promise((r) => setTimeout(r, Math.min(5 * 2 ** attempt, 200) * Math.random()));
    }
  }
  throw new CalicoError('CALICO_ERR_CONFLICT', `${key.kind} ${key.namespace ? key.namespace + '/' : ''}${key.name}: gave up after ${MAX_CAS_ATTEMPTS} conflicting writes`);
}

/** Deep equality for JSON values (key order independent). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => jsonEqual(x, bb[i]));
  }
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** A one-at-a-time work queue: controllers apply changes in order, and tests can wait for idle. */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;
  private waiters: (() => void)[] = [];

  constructor(private readonly onError: (e: unknown) => void) {}

  push(fn: () => Promise<void>): void {
    this.pending++;
    this.tail = this.tail.then(fn).catch(this.onError).finally(() => {
      this.pending--;
      if (this.pending === 0) for (const w of this.waiters.splice(0)) w();
    });
  }

  idle(): Promise<void> {
    return this.pending === 0 ? Promise.resolve() : new Promise((r) => this.waiters.push(r));
  }
}
