/**
 * BGPFilter resources rendered as BIRD 2 functions, as Calico's confd
 * names them: `'bgp_<name>_importFilterV4'()` and `'..._exportFilterV4'()`.
 * Each rule becomes one `if (<conditions>) then { [operations] accept|reject; }`;
 * a function that falls through leaves the decision to the peer's filter.
 * Supported rule fields: cidr + matchOperator, prefixLength, source
 * (RemotePeers), interface, communities.values, action, operations
 * (addCommunity, prependASPath, setPriority as the kernel metric);
 * exportV4/importV4 and exportV6/importV6. Not supported: peerType.
 */
type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export interface BgpFilterRule {
  readonly cidr?: string;
  readonly matchOperator?: 'Equal' | 'NotEqual' | 'In' | 'NotIn';
  readonly prefixLength?: { readonly min?: number; readonly max?: number };
  readonly source?: 'RemotePeers';
  readonly interface?: string;
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

export function filterFunctionName(filter: string, dir: 'import' | 'export', family: 4 | 6 = 4): string {
  return `'bgp_${filter}_${dir}FilterV${family}'`;
}

function condition(r: BgpFilterRule, family: 4 | 6): string {
  const parts: string[] = [];
  if (r.cidr) {
    const len = Number(r.cidr.split('/')[1] ?? (family === 4 ? 32 : 128));
    if (r.prefixLength) {
      parts.push(`(net ~ [ ${r.cidr}{${r.prefixLength.min ?? len},${r.prefixLength.max ?? (family === 4 ? 32 : 128)}} ])`);
    } else {
      const op = r.matchOperator ?? 'In';
      parts.push(op === 'Equal' ? `(net = ${r.cidr})` : op === 'NotEqual' ? `(net != ${r.cidr})` : op === 'In' ? `(net ~ ${r.cidr})` : `(net !~ ${r.cidr})`);
    }
  }
  if (r.source === 'RemotePeers') parts.push('((defined(source)) && (source ~ [ RTS_BGP ]))');
  if (r.interface) parts.push(`(ifname ~ "${r.interface.replace(/["\\]/g, '')}")`);
  for (const c of r.communities ?? []) {
    const n = c.split(':');
    parts.push(n.length === 3 ? `((${n.join(', ')}) ~ bgp_large_community)` : `((${n.join(', ')}) ~ bgp_community)`);
  }
  return parts.length === 0 ? 'true' : parts.join(' && ');
}

function operation(o: BgpFilterOperation): string {
  if ('addCommunity' in o) {
    const n = o.addCommunity.split(':');
    return n.length === 3 ? `bgp_large_community.add((${n.join(', ')})); ` : `bgp_community.add((${n.join(', ')})); `;
  }
  if ('prependASPath' in o) return o.prependASPath.map((as) => `bgp_path.prepend(${as}); `).join('');
  return `krt_metric = ${o.setPriority}; `;
}

/** The filter's functions for each family in `families` (default IPv4 only). */
export function renderFilterFunctions(f: BgpFilterView, families: readonly (4 | 6)[] = [4]): string {
  const fn = (dir: 'import' | 'export', family: 4 | 6, rules: readonly BgpFilterRule[]): string => {
    const body = rules.map((r) => `  if (${condition(r, family)}) then { ${(r.action === 'Accept' ? r.operations ?? [] : []).map(operation).join('')}${r.action === 'Accept' ? 'accept' : 'reject'}; }`);
    return [`# v${family} BGPFilter ${f.name}`, `function ${filterFunctionName(f.name, dir, family)}() {`, ...(body.length ? body : ['  # no rules']), '}'].join('\n');
  };
  return families.map((v) => (v === 4
    ? `${fn('import', 4, f.importV4)}\n${fn('export', 4, f.exportV4)}\n`
    : `${fn('import', 6, f.importV6)}\n${fn('export', 6, f.exportV6)}\n`)).join('');
}
