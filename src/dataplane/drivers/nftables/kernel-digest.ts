import type { KernelChain, KernelMap, KernelSet, KernelTable } from './types.js';

/**
 * Short content digests of believed and read objects, so a background
 * kernel read can be compared without shipping the whole table between
 * threads: only objects whose digest differs travel back in full.
 * Chains hash their rule hashes in order; sets and maps are order-free (a
 * sum and an xor of per-element FNV-1a hashes, plus the count), so neither
 * side sorts 100k members.
 */

function fnv(s: string, h = 0x811c9dc5): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function orderFree(items: Iterable<string>): string {
  let sum = 0; let xor = 0; let n = 0;
  for (const s of items) {
    const h = fnv(s);
    sum = (sum + h) >>> 0;
    xor = (xor ^ fnv(s, 0x12345678)) >>> 0;
    n++;
  }
  return `${n}:${sum.toString(36)}:${xor.toString(36)}`;
}

export function chainDigest(c: KernelChain): string {
  const b = c.base;
  let h = fnv(b ? `${b.type}|${b.hook}|${b.priority}|${b.policy ?? 'accept'}|${b.device ?? ''}` : '');
  for (const r of c.hashes) h = fnv(r, h ^ 0x9e3779b9);
  return `${c.hashes.length}:${h.toString(36)}`;
}

export function setDigest(s: KernelSet): string {
  return `${s.type}|${s.flags.join(',')}|${orderFree(s.members)}`;
}

export function mapDigest(m: KernelMap): string {
  const entries = function* (): Generator<string> { for (const [k, v] of m.elements) yield `${k}=${v}`; };
  return `${m.keyType}|${m.valueType}|${m.flags.join(',')}|${orderFree(entries())}`;
}

/** Digests of every object of a table, by kind and name. */
export interface TableDigests {
  readonly chains: [string, string][];
  readonly sets: [string, string][];
  readonly maps: [string, string][];
}

/**
 * Digests of a believed table. `cache` (key `c/`, `s/`, `m/` + name) keeps
 * them between calls; the owner deletes the entries of objects it changes,
 * so a resync only hashes what changed since the last one.
 */
export function tableDigests(k: KernelTable, cache: Map<string, string> = new Map()): TableDigests {
  const get = <T>(key: string, o: T, f: (o: T) => string): string => {
    let d = cache.get(key);
    if (d === undefined) { d = f(o); cache.set(key, d); }
    return d;
  };
  return {
    chains: [...k.chains].map(([n, c]) => [n, get(`c/${n}`, c, chainDigest)]),
    sets: [...k.sets].map(([n, s]) => [n, get(`s/${n}`, s, setDigest)]),
    maps: [...k.maps].map(([n, m]) => [n, get(`m/${n}`, m, mapDigest)]),
  };
}

/** Plain-data form of what differs (structured-clone friendly); null = not in the kernel. */
export interface KernelDiff {
  readonly exists: boolean;
  readonly chains: [string, KernelChain | null][];
  readonly sets: [string, { type: string; flags: string[]; members: string[] } | null][];
  readonly maps: [string, { keyType: string; valueType: string; flags: string[]; elements: [string, string][] } | null][];
}

/** The objects of `read` that differ from the believed digests, or are missing from either side. */
export function diffAgainst(read: KernelTable, believed: TableDigests): KernelDiff {
  const diff: KernelDiff = { exists: read.exists, chains: [], sets: [], maps: [] };
  const bc = new Map(believed.chains); const bs = new Map(believed.sets); const bm = new Map(believed.maps);
  for (const [n, c] of read.chains) if (bc.get(n) !== chainDigest(c)) diff.chains.push([n, c]);
  for (const [n] of bc) if (!read.chains.has(n)) diff.chains.push([n, null]);
  for (const [n, s] of read.sets) if (bs.get(n) !== setDigest(s)) diff.sets.push([n, { type: s.type, flags: [...s.flags], members: [...s.members] }]);
  for (const [n] of bs) if (!read.sets.has(n)) diff.sets.push([n, null]);
  for (const [n, m] of read.maps) {
    if (bm.get(n) !== mapDigest(m)) diff.maps.push([n, { keyType: m.keyType, valueType: m.valueType, flags: [...m.flags], elements: [...m.elements] }]);
  }
  for (const [n] of bm) if (!read.maps.has(n)) diff.maps.push([n, null]);
  return diff;
}
