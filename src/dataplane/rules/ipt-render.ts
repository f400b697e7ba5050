/**
 * IR -> iptables-restore rule arguments (the `body` the IptablesTable driver
 * writes after `-A <chain> -m comment --comment ...`). iptables has one target
 * per rule and cannot OR address lists in one rule, so one IR rule may become
 * several lines, in Felix's ways:
 *   set-mark + return -> `-j MARK` then `-m mark --mark b/b -j RETURN`;
 *   any of several CIDRs -> one rule per CIDR;
 *   none of several CIDRs -> mark each with the scratch bit first, then match
 *   the scratch bit clear;
 *   more than 15 ports -> multiport chunks (one rule each; negated: all in one).
 */
import type { Rule } from '../drivers/table.js';
import type { PortRange } from '../model/types.js';
import { MARK_SCRATCH0, type Action, type Family, type IrChain, type IrRule, type Match } from './ir.js';
import { internRule } from './rule-intern.js';

const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;
const CT: Readonly<Record<string, string>> = { established: 'ESTABLISHED', related: 'RELATED', invalid: 'INVALID', untracked: 'UNTRACKED' };
/** multiport takes at most 15 ports, a range counting as two. */
const MULTIPORT_MAX = 15;

function portChunks(ranges: readonly PortRange[]): string[] {
  const chunks: string[] = [];
  let cur: string[] = [];
  let weight = 0;
  for (const r of ranges) {
    const w = r.first === r.last ? 1 : 2;
    if (weight + w > MULTIPORT_MAX) { chunks.push(cur.join(',')); cur = []; weight = 0; }
    cur.push(r.first === r.last ? String(r.first) : `${r.first}:${r.last}`);
    weight += w;
  }
  if (cur.length) chunks.push(cur.join(','));
  return chunks;
}

function iface(name: string): string {
  return name.endsWith('*') ? `${name.slice(0, -1)}+` : name;
}

/** One match as arguments; `nets` and positive `ports` are handled by the expansion in iptRules. */
function iptMatch(m: Match, f: Family): string {
  const not = 'neg' in m && m.neg ? '! ' : '';
  switch (m.k) {
    case 'ct': return `-m conntrack --ctstate ${m.states.map((s) => CT[s]).join(',')}`;
    case 'iif': return `${not}-i ${iface(m.name)}`;
    case 'oif': return `${not}-o ${iface(m.name)}`;
    case 'proto': return `${not}-p ${m.proto}`;
    case 'icmp': {
      const t = m.code === undefined ? `${m.type}` : `${m.type}/${m.code}`;
      return f === 4 ? `-m icmp ${not}--icmp-type ${t}` : `-m icmp6 ${not}--icmpv6-type ${t}`;
    }
    case 'nets': return `${not}--${m.dir === 'src' ? 'source' : 'destination'} ${m.nets[0]!}`;
    case 'set': return `-m set ${not}--match-set ${m.set} ${m.dir}`;
    case 'ports': return portChunks(m.ranges).map((c) => `-m multiport ${not}--${m.dir === 'src' ? 'sports' : 'dports'} ${c}`).join(' ');
    case 'namedPort': return `-m set ${not}--match-set ${m.set} ${m.dir},${m.dir}`;
    // hash:net,port: the address from one side, protocol and port from the other.
    case 'addrPortSet': return `-m set --match-set ${m.set} ${m.addr},${m.port}`;
    case 'mark': return `-m mark --mark ${hex(m.value)}/${hex(m.mask)}`;
    case 'rpfFail': return '-m rpfilter --invert';
    default: {
      const never: never = m;
      throw new Error(`unknown match ${JSON.stringify(never)}`);
    }
  }
}

function iptTarget(a: Action): string {
  switch (a.k) {
    case 'accept': return '-j ACCEPT';
    case 'drop': return '-j DROP';
    case 'return': return '-j RETURN';
    case 'jump': return `-j ${a.chain}`;
    case 'goto': return `-g ${a.chain}`;
    case 'setMark': return `-j MARK --set-xmark ${hex(a.bits)}/${hex(a.bits)}`;
    case 'clearMark': return `-j MARK --set-xmark 0x0/${hex(a.bits)}`;
    // iptables takes at most 29 characters of prefix.
    case 'log': return `-j LOG --log-prefix "${`${a.prefix}: `.slice(0, 29)}" --log-level 5`;
    case 'notrack': return '-j CT --notrack';
    case 'masquerade': return '-j MASQUERADE';
    case 'vmap': throw new Error('verdict maps are nftables-only; iptables dispatch is rendered as rules');
    default: {
      const never: never = a;
      throw new Error(`unknown action ${JSON.stringify(never)}`);
    }
  }
}

const line = (parts: readonly string[], comment: string | undefined): Rule => {
  const body = parts.filter((p) => p !== '').join(' ');
  return comment === undefined ? { body } : { body, comment };
};

/** The iptables rules for one IR rule. */
export function iptRules(r: IrRule, f: Family): Rule[] {
  const out: Rule[] = [];
  const plain: string[] = [];
  let alternatives: string[][] = [[]];
  const negNets: Match[] = [];
  // iptables allows one -s and one -d per rule: a negated CIDR list goes through the scratch bit
  // unless it is a single CIDR on a side with no positive CIDR match.
  const positiveSides = new Set(r.match.filter((m) => m.k === 'nets' && !m.neg).map((m) => (m as { dir: string }).dir));
  for (const m of r.match) {
    if (m.k === 'nets' && m.neg && (m.nets.length > 1 || positiveSides.has(m.dir))) { negNets.push(m); continue; }
    if (m.k === 'nets' && m.nets.length > 1) {
      alternatives = alternatives.flatMap((alt) => m.nets.map((n) => [...alt, iptMatch({ ...m, nets: [n] }, f)]));
      continue;
    }
    if (m.k === 'ports' && !m.neg) {
      const chunks = portChunks(m.ranges);
      if (chunks.length > 1) {
        alternatives = alternatives.flatMap((alt) => chunks.map((c) => [...alt, `-m multiport --${m.dir === 'src' ? 'sports' : 'dports'} ${c}`]));
        continue;
      }
    }
    plain.push(iptMatch(m, f));
  }
  if (negNets.length) {
    // "None of these CIDRs": set the scratch bit for any of them, then require it clear.
    out.push(line([`-j MARK --set-xmark 0x0/${hex(MARK_SCRATCH0)}`], r.comment));
    for (const m of negNets) {
      if (m.k !== 'nets') continue;
      for (const n of m.nets) out.push(line([iptMatch({ k: 'nets', dir: m.dir, nets: [n] }, f), `-j MARK --set-xmark ${hex(MARK_SCRATCH0)}/${hex(MARK_SCRATCH0)}`], r.comment));
    }
    plain.push(`-m mark --mark 0x0/${hex(MARK_SCRATCH0)}`);
  }
  for (const alt of alternatives) {
    const matches = [...plain, ...alt];
    const acts = r.actions;
    if (acts.length === 2 && acts[0]!.k === 'setMark' && acts[1]!.k === 'return') {
      const bits = acts[0]!.bits;
      out.push(line([...matches, iptTarget(acts[0]!)], r.comment));
      out.push(line([`-m mark --mark ${hex(bits)}/${hex(bits)}`, '-j RETURN'], r.comment));
      continue;
    }
    for (const a of acts) out.push(line([...matches, iptTarget(a)], r.comment));
  }
  return out;
}

export function iptChainRules(c: IrChain, f: Family): Rule[] {
  return c.rules.flatMap((r) => iptRules(r, f).map(internRule));
}
