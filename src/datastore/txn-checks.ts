import { CalicoError } from '../lib/errors.js';
import type { ResourceKey, TxnOp } from './datastore.js';
import { keyString } from './datastore.js';

/**
 * Checks shared by every backend before a write: keys are well formed and a
 * transaction names each key at most once (etcd refuses duplicate keys in
 * one txn, so no backend accepts them).
 */
export function checkTxnOps(ops: readonly TxnOp[]): void {
  const seen = new Set<string>();
  for (const op of ops) {
    checkKey(op.key);
    const k = keyString(op.key);
    if (seen.has(k)) throw new CalicoError('CALICO_ERR_VALIDATION', `transaction names ${k} more than once`);
    seen.add(k);
  }
}

export function checkKey(key: ResourceKey): void {
  if (!key.kind) throw new CalicoError('CALICO_ERR_VALIDATION', 'datastore key: kind must not be empty');
  if (!key.name) throw new CalicoError('CALICO_ERR_VALIDATION', `datastore key ${keyString(key)}: name must not be empty`);
}

/** Values are stored as JSON text; anything JSON cannot carry is refused up front. */
export function encodeValue(value: unknown, name: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (e) {
    throw new CalicoError('CALICO_ERR_VALIDATION', `value of ${name} is not JSON-serialisable: ${(e as Error).message}`, { cause: e });
  }
  if (text === undefined) throw new CalicoError('CALICO_ERR_VALIDATION', `value of ${name} is not JSON-serialisable`);
  return text;
}
