/**
 * Model rules -> IR rules (felix/rules/policy.go). One ModelRule may become
 * zero rules (wrong family) or several: a port match that is "a range OR a
 * named port" cannot be one kernel rule, so it is split into one rule per
 * alternative, as Felix does.
 */
import { ipFamily, parseCidr, formatCidr, type ParsedCidr } from '../model/net.js';
import type { ModelRule, PortRange } from '../model/types.js';
import { LOG_PREFIX } from './names.js';
import { MARK_ACCEPT, MARK_PASS, type Action, type Family, type IrRule, type Match } from './ir.js';

/** Maps a model IP set id to its kernel set name in a family. */
export type SetNamer = (id: string, family: Family) => string;

/** How actions render: in policy chains Allow marks and returns; untracked Allow does the same. */
export function actionFor(action: ModelRule['action'], logPrefix = LOG_PREFIX): readonly Action[] {
  switch (action) {
    case 'Allow': return [{ k: 'setMark', bits: MARK_ACCEPT }, { k: 'return' }];
    case 'Deny': return [{ k: 'drop' }];
    case 'Pass': return [{ k: 'setMark', bits: MARK_PASS }, { k: 'return' }];
    // The prefix is user configuration: nothing that could end the quoted string.
    case 'Log': return [{ k: 'log', prefix: logPrefix.replace(/["\\\r\n]/g, '') }];
    default: {
      const never: never = action;
      throw new Error(`unknown rule action ${String(never)}`);
    }
  }
}

/**
 * Removes CIDRs contained in another of the list (CIDRs either nest or are
 * disjoint), so a kernel interval set never sees overlapping elements.
 */
export function collapseCidrs(nets: Iterable<string>): string[] {
  const parsed: ParsedCidr[] = [];
  for (const n of nets) {
    const c = parseCidr(n);
    if (c) parsed.push(c);
  }
  // Widest first; a CIDR is dropped when its network, cut to a kept prefix
  // length, is a kept CIDR: one hash lookup per distinct kept length.
  parsed.sort((a, b) => a.prefix - b.prefix);
  const kept = new Map<string, Set<bigint>>();
  const out: string[] = [];
  for (const c of parsed) {
    const bits = c.family === 4 ? 32 : 128;
    let inside = false;
    for (const [key, addrs] of kept) {
      const [fam, len] = key.split('/').map(Number) as [number, number];
      if (fam !== c.family || len > c.prefix) continue;
      const host = BigInt(bits - len);
      if (addrs.has((c.addr >> host) << host)) { inside = true; break; }
    }
    if (inside) continue;
    const key = `${c.family}/${c.prefix}`;
    let s = kept.get(key);
    if (!s) kept.set(key, (s = new Set()));
    s.add(c.addr);
    out.push(formatCidr(c));
  }
  return out.sort();
}

function ofFamily(nets: readonly string[] | undefined, f: Family): string[] {
  return (nets ?? []).filter((n) => ipFamily(n) === f);
}

/** Port alternatives for one side: ranges (as one match) and each named-port set. */
function portAlternatives(
  dir: 'src' | 'dst', proto: number | undefined, ranges: readonly PortRange[] | undefined,
  named: readonly string[] | undefined, f: Family, setName: SetNamer,
): Match[][] {
  const alts: Match[][] = [];
  if (ranges?.length) {
    if (proto === undefined) return [];
    alts.push([{ k: 'ports', dir, proto, ranges }]);
  }
  for (const id of named ?? []) alts.push([{ k: 'namedPort', dir, set: setName(id, f) }]);
  return alts.length ? alts : [[]];
}

/**
 * The IR rules for one model rule in family `f` (empty when the rule does not
 * apply to the family). `comment` is kept on every produced rule.
 */
export function renderModelRule(r: ModelRule, f: Family, setName: SetNamer, actions: readonly Action[] = actionFor(r.action)): IrRule[] {
  if (r.ipVersion !== undefined && r.ipVersion !== f) return [];
  const src = ofFamily(r.srcNets, f); const notSrc = ofFamily(r.notSrcNets, f);
  const dst = ofFamily(r.dstNets, f); const notDst = ofFamily(r.notDstNets, f);
  // A rule with nets only of the other family does not apply to this one (FilterRuleToIPVersion).
  if ((r.srcNets?.length && !src.length) || (r.notSrcNets?.length && !notSrc.length) ||
      (r.dstNets?.length && !dst.length) || (r.notDstNets?.length && !notDst.length)) return [];
  // Ports need a protocol (Calico validation guarantees one); a rule without it never matches.
  if (r.protocol === undefined && (r.srcPorts?.length || r.dstPorts?.length || r.notSrcPorts?.length || r.notDstPorts?.length)) return [];
  // ICMP type matches are family-specific: icmp for 4, icmpv6 for 6.
  const icmpProto = f === 4 ? 1 : 58;
  if ((r.icmp || r.notIcmp) && r.protocol !== undefined && r.protocol !== icmpProto) return [];

  const base: Match[] = [];
  if (r.protocol !== undefined) base.push({ k: 'proto', proto: r.protocol });
  if (r.notProtocol !== undefined) base.push({ k: 'proto', proto: r.notProtocol, neg: true });
  if (r.icmp) base.push({ k: 'icmp', type: r.icmp.type, ...(r.icmp.code === undefined ? {} : { code: r.icmp.code }) });
  if (r.notIcmp) base.push({ k: 'icmp', type: r.notIcmp.type, ...(r.notIcmp.code === undefined ? {} : { code: r.notIcmp.code }), neg: true });
  if (src.length) base.push({ k: 'nets', dir: 'src', nets: collapseCidrs(src) });
  if (notSrc.length) base.push({ k: 'nets', dir: 'src', nets: collapseCidrs(notSrc), neg: true });
  if (dst.length) base.push({ k: 'nets', dir: 'dst', nets: collapseCidrs(dst) });
  if (notDst.length) base.push({ k: 'nets', dir: 'dst', nets: collapseCidrs(notDst), neg: true });
  for (const id of r.srcIpSetIds ?? []) base.push({ k: 'set', dir: 'src', set: setName(id, f) });
  for (const id of r.notSrcIpSetIds ?? []) base.push({ k: 'set', dir: 'src', set: setName(id, f), neg: true });
  for (const id of r.dstIpSetIds ?? []) base.push({ k: 'set', dir: 'dst', set: setName(id, f) });
  for (const id of r.notDstIpSetIds ?? []) base.push({ k: 'set', dir: 'dst', set: setName(id, f), neg: true });
  if (r.notSrcPorts?.length && r.protocol !== undefined) base.push({ k: 'ports', dir: 'src', proto: r.protocol, ranges: r.notSrcPorts, neg: true });
  for (const id of r.notSrcNamedPortIpSetIds ?? []) base.push({ k: 'namedPort', dir: 'src', set: setName(id, f), neg: true });
  if (r.notDstPorts?.length && r.protocol !== undefined) base.push({ k: 'ports', dir: 'dst', proto: r.protocol, ranges: r.notDstPorts, neg: true });
  for (const id of r.notDstNamedPortIpSetIds ?? []) base.push({ k: 'namedPort', dir: 'dst', set: setName(id, f), neg: true });

  const srcAlts = portAlternatives('src', r.protocol, r.srcPorts, r.srcNamedPortIpSetIds, f, setName);
  const dstAlts = portAlternatives('dst', r.protocol, r.dstPorts, r.dstNamedPortIpSetIds, f, setName);
  const out: IrRule[] = [];
  const comment = `rule ${r.ruleId}`;
  for (const s of srcAlts) {
    for (const d of dstAlts) out.push({ match: [...base, ...s, ...d], actions, comment });
  }
  return out;
}
