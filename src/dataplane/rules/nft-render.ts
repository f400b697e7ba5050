/**
 * IR -> nftables rule statements (the `body` the nftables Table driver sends
 * after `add rule <table> <chain>`), for a table of family `ip` or `ip6`.
 */
import type { Rule } from '../drivers/table.js';
import type { PortRange } from '../model/types.js';
import type { Action, Family, IrChain, IrRule, Match } from './ir.js';
import { internRule } from './rule-intern.js';

const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;

function ports(ranges: readonly PortRange[]): string {
  const items = ranges.map((r) => (r.first === r.last ? String(r.first) : `${r.first}-${r.last}`));
  return items.length === 1 ? items[0]! : `{ ${items.join(', ')} }`;
}

function ifname(name: string): string {
  // nft wildcards are a trailing `*` inside the quoted string, as in the IR.
  return `"${name.replace(/["\\]/g, '')}"`;
}

function addrKey(f: Family, dir: 'src' | 'dst'): string {
  return `${f === 4 ? 'ip' : 'ip6'} ${dir === 'src' ? 'saddr' : 'daddr'}`;
}

export function nftMatch(m: Match, f: Family): string {
  const op = 'neg' in m && m.neg ? '!= ' : '';
  switch (m.k) {
    case 'ct':
      return m.states.length === 1 ? `ct state ${m.states[0]!}` : `ct state { ${m.states.join(', ')} }`;
    case 'iif': return `iifname ${op}${ifname(m.name)}`;
    case 'oif': return `oifname ${op}${ifname(m.name)}`;
    case 'proto': return `meta l4proto ${op}${m.proto}`;
    case 'icmp': {
      const kw = f === 4 ? 'icmp' : 'icmpv6';
      if (m.code === undefined) return `${kw} type ${op}${m.type}`;
      if (m.neg) return `${kw} type . ${kw} code != { ${m.type} . ${m.code} }`;
      return `${kw} type ${m.type} ${kw} code ${m.code}`;
    }
    case 'nets': {
      const v = m.nets.length === 1 ? m.nets[0]! : `{ ${m.nets.join(', ')} }`;
      return `${addrKey(f, m.dir)} ${op}${v}`;
    }
    case 'set': return `${addrKey(f, m.dir)} ${op}@${m.set}`;
    case 'ports': return `th ${m.dir === 'src' ? 'sport' : 'dport'} ${op}${ports(m.ranges)}`;
    case 'namedPort':
      return `${addrKey(f, m.dir)} . meta l4proto . th ${m.dir === 'src' ? 'sport' : 'dport'} ${op}@${m.set}`;
    case 'addrPortSet':
      return `${addrKey(f, m.addr)} . meta l4proto . th ${m.port === 'src' ? 'sport' : 'dport'} @${m.set}`;
    case 'mark': return `meta mark and ${hex(m.mask)} == ${hex(m.value)}`;
    case 'rpfFail': return 'fib saddr . iif oif missing';
    default: {
      const never: never = m;
      throw new Error(`unknown match ${JSON.stringify(never)}`);
    }
  }
}

export function nftAction(a: Action): string {
  switch (a.k) {
    case 'accept': case 'drop': case 'return': case 'notrack': case 'masquerade': return a.k;
    case 'jump': return `jump ${a.chain}`;
    case 'goto': return `goto ${a.chain}`;
    case 'setMark': return `meta mark set meta mark or ${hex(a.bits)}`;
    case 'clearMark': return `meta mark set meta mark and ${hex(~a.bits)}`;
    // nftables takes at most 127 characters of prefix.
    case 'log': return `log prefix "${`${a.prefix}: `.slice(0, 127)}" level info`;
    case 'vmap': return `${a.key === 'iif' ? 'iifname' : 'oifname'} vmap @${a.map}`;
    default: {
      const never: never = a;
      throw new Error(`unknown action ${JSON.stringify(never)}`);
    }
  }
}

export function nftRule(r: IrRule, f: Family): Rule {
  const body = [...r.match.map((m) => nftMatch(m, f)), ...r.actions.map(nftAction)].join(' ');
  return r.comment === undefined ? { body } : { body, comment: r.comment };
}

export function nftChainRules(c: IrChain, f: Family): Rule[] {
  return c.rules.map((r) => internRule(nftRule(r, f)));
}
