/**
 * iptables dispatch chains as a prefix tree (felix/rules/dispatch.go): with
 * many endpoints a flat list of `-i cali123 -g cali-fw-cali123` rules is a
 * linear walk per packet, so past a threshold the interfaces are split by
 * their next character into child chains (`-i cali1+ -g <dispatch>-1`), each
 * ending with the same fallback. Depth grows with log16(endpoints).
 */
import { rule, type IrChain, type IrRule } from './ir.js';
import { MAX_CHAIN_NAME } from './names.js';

/** Above this many entries a chain is split (Felix uses a similar small fan-out). */
const MAX_FLAT = 16;
const NAME_SAFE = /^[A-Za-z0-9_.-]$/;

function commonPrefix(names: readonly string[]): string {
  if (!names.length) return '';
  let p = names[0]!;
  for (const n of names) while (!n.startsWith(p)) p = p.slice(0, -1);
  return p;
}

/**
 * The dispatch chain `name` and its children. `entries` maps interface ->
 * endpoint chain; `fallback` ends every chain of the tree (a child chain is
 * reached by goto, so it must decide like the root would).
 */
export function dispatchTree(name: string, key: 'iif' | 'oif', entries: ReadonlyMap<string, string>, fallback: readonly IrRule[]): IrChain[] {
  const out: IrChain[] = [];
  const sorted = [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const build = (chain: string, list: [string, string][], suffix: string): void => {
    const rules: IrRule[] = [];
    const common = commonPrefix(list.map(([i]) => i));
    if (list.length <= MAX_FLAT || chain.length + 2 > MAX_CHAIN_NAME) {
      for (const [iface, target] of list) rules.push(rule([{ k: key, name: iface }], { k: 'goto', chain: target }));
    } else {
      const groups = new Map<string, [string, string][]>();
      for (const e of list) {
        const c = e[0].charAt(common.length);
        if (c === '' || !NAME_SAFE.test(c)) { rules.push(rule([{ k: key, name: e[0] }], { k: 'goto', chain: e[1] })); continue; }
        const g = groups.get(c) ?? [];
        groups.set(c, g);
        g.push(e);
      }
      for (const [c, g] of groups) {
        if (g.length === 1) { rules.push(rule([{ k: key, name: g[0]![0] }], { k: 'goto', chain: g[0]![1] })); continue; }
        const child = `${name}-${suffix}${c}`;
        rules.push(rule([{ k: key, name: `${common}${c}*` }], { k: 'goto', chain: child }));
        build(child, g, `${suffix}${c}`);
      }
    }
    out.unshift({ name: chain, rules: [...rules, ...fallback] });
  };
  build(name, sorted, '');
  return out;
}
