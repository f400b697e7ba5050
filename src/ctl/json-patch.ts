import { CalicoError } from '../lib/errors.js';

/**
 * The patch forms `calicoctl patch --type` names. Calico resources carry no
 * strategic-merge directives (no patchMergeKey), so a strategic merge patch
 * of them is a JSON merge patch: objects merge key by key, `null` removes a
 * key, lists and scalars replace. `json` is an RFC 6902 operation list.
 */

export type PatchType = 'strategic' | 'merge' | 'json';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isObject(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** RFC 7386 JSON merge patch. Returns a new value. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function patchError(reason: string): CalicoError {
  return new CalicoError('CALICO_ERR_USAGE', `invalid JSON patch: ${reason}`);
}

/** Splits a JSON pointer (RFC 6901). */
function pointer(path: unknown): string[] {
  if (typeof path !== 'string' || (path !== '' && !path.startsWith('/'))) throw patchError(`bad path ${JSON.stringify(path)}`);
  return path === '' ? [] : path.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: unknown, parts: string[]): { parent: Record<string, unknown> | unknown[]; key: string } {
  let cur: unknown = doc;
  for (const p of parts.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(p)];
    else if (isObject(cur)) cur = cur[p];
    else cur = undefined;
    if (cur === undefined) throw patchError(`path /${parts.join('/')} does not exist`);
  }
  if (!Array.isArray(cur) && !isObject(cur)) throw patchError(`path /${parts.join('/')} does not exist`);
  return { parent: cur, key: parts[parts.length - 1]! };
}

function getAt(doc: unknown, parts: string[]): unknown {
  let cur: unknown = doc;
  for (const p of parts) {
    if (Array.isArray(cur)) cur = cur[Number(p)];
    else if (isObject(cur)) cur = cur[p];
    else return undefined;
  }
  return cur;
}

function remove(doc: unknown, parts: string[]): unknown {
  const { parent, key } = parentOf(doc, parts);
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!Number.isInteger(i) || i < 0 || i >= parent.length) throw patchError(`index ${key} out of range`);
    return parent.splice(i, 1)[0];
  }
  if (!(key in parent)) throw patchError(`path /${parts.join('/')} does not exist`);
  const v = parent[key];
  delete parent[key];
  return v;
}

function add(doc: unknown, parts: string[], value: unknown, replace: boolean): unknown {
  if (parts.length === 0) return structuredClone(value);
  const { parent, key } = parentOf(doc, parts);
  if (Array.isArray(parent)) {
    const i = key === '-' ? parent.length : Number(key);
    if (!Number.isInteger(i) || i < 0 || i > parent.length || (replace && i >= parent.length)) throw patchError(`index ${key} out of range`);
    if (replace) parent[i] = structuredClone(value);
    else parent.splice(i, 0, structuredClone(value));
  } else {
    if (replace && !(key in parent)) throw patchError(`path /${parts.join('/')} does not exist`);
    parent[key] = structuredClone(value);
  }
  return doc;
}

/** RFC 6902 JSON patch: add, remove, replace, move, copy, test. Returns a new document. */
export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw patchError('a JSON patch is a list of operations');
  let doc = structuredClone(target);
  for (const op of ops) {
    if (!isObject(op)) throw patchError('each operation must be an object');
    const path = pointer(op['path']);
    switch (op['op']) {
      case 'add': doc = add(doc, path, op['value'], false); break;
      case 'replace': doc = add(doc, path, op['value'], true); break;
      case 'remove': remove(doc, path); break;
      case 'move': { const v = remove(doc, pointer(op['from'])); doc = add(doc, path, v, false); break; }
      case 'copy': doc = add(doc, path, getAt(doc, pointer(op['from'])), false); break;
      case 'test':
        if (JSON.stringify(getAt(doc, path)) !== JSON.stringify(op['value'])) throw patchError(`test failed at ${String(op['path'])}`);
        break;
      default: throw patchError(`unknown operation ${JSON.stringify(op['op'])}`);
    }
  }
  return doc;
}

export function applyPatch(target: unknown, patchText: string, type: PatchType): unknown {
  let patch: unknown;
  try {
    patch = JSON.parse(patchText);
  } catch (e) {
    throw patchError(`patch is not JSON: ${(e as Error).message}`);
  }
  if (type === 'json') return jsonPatch(target, patch);
  if (!isObject(patch)) throw patchError('a merge patch must be a JSON object');
  return mergePatch(target, patch);
}
