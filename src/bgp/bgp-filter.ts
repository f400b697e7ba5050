/**
 * BGPFilter resources rendered as BIRD 2 functions, as Calico's confd
 * names them: `'bgp_<name>_importFilterV4'()` and `'..._exportFilterV4'()`.
 * Each rule becomes one `if (<conditions>) then { [operations] accept|reject; }`;
 * a function that falls through leaves the decision to the peer's filter.
 * Supported rule fields: cidr + matchOperator (with prefixLength the
 * operator applies to the prefix set `cidr{min,max}`), source
 * (RemotePeers), interface, asPathPrefix, peerType (iBGP/eBGP: the function then takes
 * `bool is_same_as`, passed per session), priority (the route's kernel
 * metric), communities.values, action, operations (addCommunity,
 * prependASPath, setPriority as the kernel metric); exportV4/importV4 and
 * exportV6/importV6.
 */
import { createHash } from 'node:crypto';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export interface BgpFilterRule {
  readonly cidr?: string;
  readonly matchOperator?: 'Equal' | 'NotEqual' | 'In' | 'NotIn';
  readonly prefixLength?: { readonly min?: number; readonly max?: number };
  readonly source?: 'RemotePeers';
  readonly interface?: string;
  readonly peerType?: 'iBGP' | 'eBGP';
  /** asPathPrefix: the AS path starts with these AS numbers. */
  readonly asPathPrefix?: readonly number[];
  /** Matches routes whose kernel metric (setPriority) is this value. */
  readonly priority?: number;
  /** communities.values: the route must carry all of them. */
  readonly communities?: readonly string[];
  readonly action: 'Accept' | 'Reject';
  readonly operations?: readonly BgpFilterOperation[];
}

export type BgpFilterOperation =
  | { readonly addCommunity: string }
  | { readonly prependASPath: readonly number[] }
  | { readonly setPriority: number };

function parseOperations(v: unknown): BgpFilterOperation[] {
  if (!Array.isArray(v)) return [];
  const out: BgpFilterOperation[] = [];
  for (const o0 of v) {
    const o = obj(o0);
    const ac = str(obj(o['addCommunity'])['value']);
    const pp = obj(o['prependASPath'])['prefix'];
    const sp = obj(o['setPriority'])['value'];
    if (ac) out.push({ addCommunity: ac });
    else if (Array.isArray(pp)) out.push({ prependASPath: pp.filter((x): x is number => typeof x === 'number') });
    else if (typeof sp === 'number') out.push({ setPriority: sp });
  }
  return out;
}

export interface BgpFilterView {
  readonly name: string;
  readonly exportV4: readonly BgpFilterRule[];
  readonly importV4: readonly BgpFilterRule[];
  readonly exportV6: readonly BgpFilterRule[];
  readonly importV6: readonly BgpFilterRule[];
}

function parseRules(v: unknown): BgpFilterRule[] {
  if (!Array.isArray(v)) return [];
  return v.map((r0) => {
    const r = obj(r0);
    const pl = obj(r['prefixLength']);
    const op = str(r['matchOperator']);
    return {
      action: r['action'] === 'Reject' ? 'Reject' : 'Accept',
      ...(str(r['cidr']) ? { cidr: str(r['cidr'])! } : {}),
      ...(op === 'Equal' || op === 'NotEqual' || op === 'In' || op === 'NotIn' ? { matchOperator: op } : {}),
      ...(r['prefixLength'] !== undefined ? { prefixLength: {
        ...(typeof pl['min'] === 'number' ? { min: pl['min'] } : {}), ...(typeof pl['max'] === 'number' ? { max: pl['max'] } : {}) } } : {}),
      ...(r['source'] === 'RemotePeers' ? { source: 'RemotePeers' as const } : {}),
      ...(str(r['interface']) ? { interface: str(r['interface'])! } : {}),
      ...(r['peerType'] === 'iBGP' || r['peerType'] === 'eBGP' ? { peerType: r['peerType'] } : {}),
      ...(typeof r['priority'] === 'number' ? { priority: r['priority'] } : {}),
      ...(Array.isArray(r['asPathPrefix']) && r['asPathPrefix'].length > 0
        ? { asPathPrefix: r['asPathPrefix'].map(Number).filter((n) => Number.isInteger(n) && n >= 0) } : {}),
      ...(Array.isArray(obj(r['communities'])['values']) ? { communities: (obj(r['communities'])['values'] as unknown[]).filter((x): x is string => typeof x === 'string') } : {}),
      ...(Array.isArray(r['operations']) ? { operations: parseOperations(r['operations']) } : {}),
    };
  });
}

export function parseBgpFilters(m: ReadonlyMap<string, unknown>): Map<string, BgpFilterView> {
  const out = new Map<string, BgpFilterView>();
  for (const [name, v] of [...m].sort(([a], [b]) => a.localeCompare(b))) {
    const s = obj(obj(v)['spec']);
    out.set(name, {
      name, exportV4: parseRules(s['exportV4']), importV4: parseRules(s['importV4']),
      exportV6: parseRules(s['exportV6']), importV6: parseRules(s['importV6']),
    });
  }
  return out;
}

/** BIRD refuses symbols longer than this. */
const BIRD_SYMBOL_MAX = 64;

/**
 * The BIRD function of a filter: `'bgp_<name>_<dir>FilterV<family>'`. A
 * name too long for BIRD's 64-character symbols is cut and suffixed with
 * `_` + the first 16 hex digits of its SHA-256 (as confd), so distinct
 * long names stay distinct.
 */
export function filterFunctionName(filter: string, dir: 'import' | 'export', family: 4 | 6 = 4): string {
  const fixed = `bgp__${dir}FilterV${family}`.length;
  const room = BIRD_SYMBOL_MAX - fixed;
  const name = filter.length <= room
    ? filter
    : `${filter.slice(0, room - 17)}_${createHash('sha256').update(filter).digest('hex').toUpperCase().slice(0, 16)}`;
  return `'bgp_${name}_${dir}FilterV${family}'`;
}

const rulesOf = (f: BgpFilterView, dir: 'import' | 'export', family: 4 | 6): readonly BgpFilterRule[] =>
  (dir === 'import' ? (family === 4 ? f.importV4 : f.importV6) : (family === 4 ? f.exportV4 : f.exportV6));

/** True when the filter has rules for this direction and family (only then is its function called). */
export function hasRules(f: BgpFilterView, dir: 'import' | 'export', family: 4 | 6): boolean {
  return rulesOf(f, dir, family).length > 0;
}

/** True when some rule matches on peerType: the function takes `bool is_same_as`. */
export function usesPeerType(f: BgpFilterView, dir: 'import' | 'export', family: 4 | 6): boolean {
  return rulesOf(f, dir, family).some((r) => r.peerType !== undefined);
}

const OPERATORS = { Equal: '=', NotEqual: '!=', In: '~', NotIn: '!~' } as const;

function condition(r: BgpFilterRule, family: 4 | 6): string {
  const parts: string[] = [];
  if (r.cidr) {
    const hostLen = family === 4 ? 32 : 128;
    const op = OPERATORS[r.matchOperator ?? 'In'];
    if (r.prefixLength) {
      // As confd: the range never widens the CIDR's own length nor passes the family's maximum.
      const len = Number(r.cidr.split('/')[1] ?? hostLen);
      const min = Math.max(len, r.prefixLength.min ?? len);
      const max = Math.min(hostLen, r.prefixLength.max ?? hostLen);
      parts.push(`(net ${op} [ ${r.cidr}{${min},${max}} ])`);
    } else {
      parts.push(`(net ${op} ${r.cidr})`);
    }
  }
  if (r.source === 'RemotePeers') parts.push('((defined(source)) && (source ~ [ RTS_BGP ]))');
  if (r.interface) parts.push(`((defined(ifname)) && (ifname ~ "${r.interface.replace(/["\\]/g, '')}"))`);
  for (const c of r.communities ?? []) {
    const n = c.split(':');
    parts.push(n.length === 3 ? `((${n.join(', ')}) ~ bgp_large_community)` : `((${n.join(', ')}) ~ bgp_community)`);
  }
  if (r.asPathPrefix?.length) parts.push(`(bgp_path ~ [= ${r.asPathPrefix.join(' ')} * =])`);
  if (r.priority !== undefined) parts.push(`((defined(krt_metric)) && (krt_metric = ${r.priority}))`);
  return parts.join(' && ');
}

function operation(o: BgpFilterOperation): string {
  if ('addCommunity' in o) {
    const n = o.addCommunity.split(':');
    return n.length === 3 ? `bgp_large_community.add((${n.join(', ')})); ` : `bgp_community.add((${n.join(', ')})); `;
  }
  // Each prepend goes in front: prepend the last first so the path starts with the prefix in order.
  if ('prependASPath' in o) return [...o.prependASPath].reverse().map((as) => `bgp_path.prepend(${as}); `).join('');
  return `krt_metric = ${o.setPriority}; `;
}

function statement(r: BgpFilterRule, family: 4 | 6): string {
  const body = `${(r.action === 'Accept' ? r.operations ?? [] : []).map(operation).join('')}${r.action === 'Accept' ? 'accept' : 'reject'};`;
  const cond = condition(r, family);
  // A rule without match fields applies to every route: the bare action (as confd).
  const stmt = cond === '' ? body : `if (${cond}) then { ${body} }`;
  if (r.peerType === 'iBGP') return `if (is_same_as) then { ${stmt} }`;
  if (r.peerType === 'eBGP') return `if (!is_same_as) then { ${stmt} }`;
  return stmt;
}

/** The filter's functions for each family in `families` (default IPv4 only). */
export function renderFilterFunctions(f: BgpFilterView, families: readonly (4 | 6)[] = [4]): string {
  const fn = (dir: 'import' | 'export', family: 4 | 6, rules: readonly BgpFilterRule[]): string => {
    const body = rules.map((r) => `  ${statement(r, family)}`);
    const params = usesPeerType(f, dir, family) ? 'bool is_same_as' : '';
    return [`# v${family} BGPFilter ${f.name}`, `function ${filterFunctionName(f.name, dir, family)}(${params}) {`, ...(body.length ? body : ['  # no rules']), '}'].join('\n');
  };
  return families.map((v) => (v === 4
    ? `${fn('import', 4, f.importV4)}\n${fn('export', 4, f.exportV4)}\n`
    : `${fn('import', 6, f.importV6)}\n${fn('export', 6, f.exportV6)}\n`)).join('');
}
