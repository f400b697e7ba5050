import { formatCidr, parseCidr, cidrContains, type ParsedCidr } from '../../model/net.js';
import { canonicalElement } from './elements.js';

/**
 * Makes the members of an `addr . inet_proto . inet_service` interval set
 * pairwise disjoint while matching exactly the same packets. The kernel's
 * concatenated interval sets (pipapo) reject an element that overlaps one
 * already there ("File exists"): `10.0.0.0/24 . tcp . 1-100` and
 * `10.0.0.5 . tcp . 9` cannot both be added. CIDRs either nest or are
 * disjoint, so per protocol: the port ranges of one CIDR are merged, and a
 * nested CIDR keeps only the ports its enclosing CIDRs do not already cover.
 *
 * Input and output are canonical elements (`10.0.0.0/24 . 6 . 80-90`), sorted.
 */
export function disjointNetPortMembers(members: Iterable<string>): string[] {
  const out = new Set<string>();
  /** proto -> CIDR text -> (parsed CIDR, port ranges). */
  const byProto = new Map<string, Map<string, { net: ParsedCidr; ranges: [number, number][] }>>();
  for (const m of members) {
    const parts = m.split(' . ');
    const net = parts.length === 3 ? parseCidr(parts[0] ?? '') : null;
    const ports = /^(\d+)(?:-(\d+))?$/.exec(parts[2] ?? '');
    if (!net || !ports) { out.add(m); continue; }
    const lo = Number(ports[1]); const hi = Number(ports[2] ?? ports[1]);
    const proto = parts[1] ?? '';
    let nets = byProto.get(proto);
    if (!nets) byProto.set(proto, (nets = new Map()));
    const key = formatCidr(net);
    const g = nets.get(key) ?? { net, ranges: [] };
    nets.set(key, g);
    g.ranges.push([Math.min(lo, hi), Math.max(lo, hi)]);
  }
  for (const [proto, nets] of byProto) {
    const groups = [...nets.values()].sort((a, b) => a.net.prefix - b.net.prefix);
    for (const g of groups) g.ranges = mergeRanges(g.ranges);
    for (const [i, g] of groups.entries()) {
      const covered = mergeRanges(groups.slice(0, i)
        .filter((a) => a.net.family === g.net.family && a.net.prefix < g.net.prefix && cidrContains(a.net, { family: g.net.family, value: g.net.addr }))
        .flatMap((a) => a.ranges));
      for (const [lo, hi] of subtractRanges(g.ranges, covered)) {
        out.add(canonicalElement(`${formatCidr(g.net)} . ${proto} . ${lo === hi ? lo : `${lo}-${hi}`}`));
      }
    }
  }
  return [...out].sort();
}

/** Sorted union of inclusive ranges; touching ranges are joined. */
function mergeRanges(rs: readonly (readonly [number, number])[]): [number, number][] {
  const sorted = [...rs].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

/** `rs` minus `cut` (both sorted, merged, inclusive). */
function subtractRanges(rs: readonly [number, number][], cut: readonly [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  for (const [lo0, hi] of rs) {
    let lo = lo0;
    for (const [clo, chi] of cut) {
      if (chi < lo || clo > hi) continue;
      if (clo > lo) out.push([lo, clo - 1]);
      lo = chi + 1;
      if (lo > hi) break;
    }
    if (lo <= hi) out.push([lo, hi]);
  }
  return out;
}
