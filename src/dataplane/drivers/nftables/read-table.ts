import { CalicoError } from '../../../lib/errors.js';
import { hashFromComment } from '../rule-hash.js';
import { elementFromJson, valueFromJson } from './elements.js';
import { emptyKernelTable, type KernelTable, type NftBaseChainSpec } from './types.js';

type Obj = Record<string, unknown>;

function typeText(t: unknown): string {
  return Array.isArray(t) ? t.map(String).join(' . ') : String(t);
}

/** Adds every `@name` string found in a rule's JSON expressions (set and map references). */
function collectRefs(expr: unknown, into: Set<string>): void {
  if (typeof expr === 'string') {
    if (expr.startsWith('@')) into.add(expr.slice(1));
  } else if (Array.isArray(expr)) {
    for (const e of expr) collectRefs(e, into);
  } else if (expr && typeof expr === 'object') {
    for (const v of Object.values(expr as Obj)) collectRefs(v, into);
  }
}

/**
 * Builds the believed state from `nft -j list table` output (null = no
 * table). Rules are reduced to their `cali:` hash: identity, not text, is what
 * the diff compares, because the kernel prints rules back in its own form.
 */
export function kernelTableFromJson(json: unknown): KernelTable {
  if (json === null) return emptyKernelTable(false);
  const list = (json as { nftables?: unknown }).nftables;
  if (!Array.isArray(list)) throw new CalicoError('CALICO_ERR_KERNEL', 'nft -j output has no nftables array');
  const t = emptyKernelTable(true);
  const hashes = new Map<string, string[]>();
  const refs = new Map<string, Set<string>>();
  for (const item of list as Obj[]) {
    if (item['chain']) {
      const c = item['chain'] as Obj;
      const name = String(c['name']);
      const base: NftBaseChainSpec | undefined = c['hook'] === undefined ? undefined : {
        type: c['type'] as NftBaseChainSpec['type'],
        hook: c['hook'] as NftBaseChainSpec['hook'],
        priority: Number(c['prio']),
        policy: (c['policy'] as NftBaseChainSpec['policy']) ?? 'accept',
        ...(c['dev'] === undefined ? {} : { device: String(c['dev']) }),
      };
      const hs = hashes.get(name) ?? [];
      hashes.set(name, hs);
      const rs = refs.get(name) ?? new Set<string>();
      refs.set(name, rs);
      t.chains.set(name, base ? { base, hashes: hs, refs: rs } : { hashes: hs, refs: rs });
    } else if (item['rule']) {
      const r = item['rule'] as Obj;
      const chain = String(r['chain']);
      const hs = hashes.get(chain) ?? [];
      hashes.set(chain, hs);
      hs.push(hashFromComment(r['comment'] as string | undefined));
      const rs = refs.get(chain) ?? new Set<string>();
      refs.set(chain, rs);
      collectRefs(r['expr'], rs);
    } else if (item['set']) {
      const s = item['set'] as Obj;
      const elem = (s['elem'] as unknown[] | undefined) ?? [];
      t.sets.set(String(s['name']), {
        type: typeText(s['type']),
        flags: [...((s['flags'] as string[] | undefined) ?? [])].sort(),
        members: new Set(elem.map(elementFromJson)),
      });
    } else if (item['map']) {
      const m = item['map'] as Obj;
      const elem = (m['elem'] as [unknown, unknown][] | undefined) ?? [];
      t.maps.set(String(m['name']), {
        keyType: typeText(m['type']),
        valueType: typeText(m['map']),
        flags: [...((m['flags'] as string[] | undefined) ?? [])].sort(),
        elements: new Map(elem.map(([k, v]) => [elementFromJson(k), valueFromJson(v)])),
      });
    }
  }
  return t;
}
