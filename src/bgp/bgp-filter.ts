/**
 * BGPFilter resources rendered as BIRD 2 functions, as Calico's confd
 * names them: `'bgp_<name>_importFilterV4'()` and `'..._exportFilterV4'()`.
 * Each rule becomes one `if (<conditions>) then { accept|reject; }`; a
 * function that falls through leaves the decision to the peer's filter.
 * Supported rule fields: cidr + matchOperator, prefixLength, source
 * (RemotePeers), interface, action; exportV4/importV4 and exportV6/importV6.
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
  readonly action: 'Accept' | 'Reject';
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
  return parts.length === 0 ? 'true' : parts.join(' && ');
}

/** The filter's functions for each family in `families` (default IPv4 only). */
export function renderFilterFunctions(f: BgpFilterView, families: readonly (4 | 6)[] = [4]): string {
  const fn = (dir: 'import' | 'export', family: 4 | 6, rules: readonly BgpFilterRule[]): string => {
    const body = rules.map((r) => `  if (${condition(r, family)}) then { ${r.action === 'Accept' ? 'accept' : 'reject'}; }`);
    return [`# v${family} BGPFilter ${f.name}`, `function ${filterFunctionName(f.name, dir, family)}() {`, ...(body.length ? body : ['  # no rules']), '}'].join('\n');
  };
  return families.map((v) => (v === 4
    ? `${fn('import', 4, f.importV4)}\n${fn('export', 4, f.exportV4)}\n`
    : `${fn('import', 6, f.importV6)}\n${fn('export', 6, f.exportV6)}\n`)).join('');
}
