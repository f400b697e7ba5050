/**
 * Allow-only policy runs compiled into set lookups.
 *
 * Within a tier, consecutive policies whose rules (in one direction) are all
 * plain Allows are order-independent: the packet is allowed iff any of their
 * rules matches, and otherwise falls through to the next policy. Instead of
 * walking one policy chain per policy, such a run is rendered as a few
 * lookups, one per rule shape:
 *   (peer address, protocol, destination port) in a `net-and-port` set,
 *   peer address in a `net` set (rules with an address but no protocol),
 *   and plain rules for whatever does not fit a set (no peer address,
 *   protocols without ports, protocol-only rules on iptables, where ipset
 *   would expand the whole port range).
 * Each lookup sets the accept mark and returns, exactly what the policy
 * chain's Allow plus the endpoint chain's "return if accepted" do.
 * "Peer address" is the source on ingress and the destination on egress.
 *
 * Nothing here keeps state or does I/O: the AllowSetsManager owns the sets.
 */
import type { ModelPolicy, ModelRule, PortRange } from '../model/types.js';
import { ipFamily, protocolName } from '../model/net.js';
import { MARK_ACCEPT, MARK_PASS, type Action, type Family, type IrRule, type Match } from './ir.js';
import { collapseCidrs, renderModelRule, type SetNamer } from './policy-rules.js';

export type RunDirection = 'ingress' | 'egress';

/** Protocols whose transport header has ports (`th dport` / ipset `proto:port`). */
const PORT_PROTOCOLS: ReadonlySet<number> = new Set([6, 17, 132, 136]);

/** Above this many set members (after ipset's range expansion on iptables) a run is walked instead. */
export const MAX_RUN_MEMBERS = 100_000;

const notPassed: Match = { k: 'mark', mask: MARK_PASS, value: 0 };
const ALLOW: readonly Action[] = [{ k: 'setMark', bits: MARK_ACCEPT }, { k: 'return' }];

/** Whether one model rule fits a compiled run in this direction (see the module comment). */
export function isAllowOnlyRule(r: ModelRule, dir: RunDirection): boolean {
  if (r.action !== 'Allow') return false;
  if (r.notProtocol !== undefined || r.icmp || r.notIcmp) return false;
  if (r.notSrcNets?.length || r.notDstNets?.length || r.notSrcIpSetIds?.length || r.notDstIpSetIds?.length) return false;
  if (r.srcPorts?.length || r.notSrcPorts?.length || r.notDstPorts?.length) return false;
  if (r.srcNamedPortIpSetIds?.length || r.dstNamedPortIpSetIds?.length) return false;
  if (r.notSrcNamedPortIpSetIds?.length || r.notDstNamedPortIpSetIds?.length) return false;
  const peerNets = dir === 'ingress' ? r.srcNets : r.dstNets;
  const peerSets = dir === 'ingress' ? r.srcIpSetIds : r.dstIpSetIds;
  const localNets = dir === 'ingress' ? r.dstNets : r.srcNets;
  const localSets = dir === 'ingress' ? r.dstIpSetIds : r.srcIpSetIds;
  if (localNets?.length || localSets?.length) return false;
  // One peer criterion: a list of nets (any of) or one set; several sets are an intersection.
  if ((peerSets?.length ?? 0) > 1 || (peerSets?.length && peerNets?.length)) return false;
  if (r.dstPorts?.length && (r.protocol === undefined || !PORT_PROTOCOLS.has(r.protocol))) return false;
  return true;
}

export function policyRules(p: ModelPolicy, dir: RunDirection): readonly ModelRule[] {
  return dir === 'ingress' ? p.inboundRules : p.outboundRules;
}

export function isAllowOnlyPolicy(p: ModelPolicy, dir: RunDirection): boolean {
  return policyRules(p, dir).every((r) => isAllowOnlyRule(r, dir));
}

export interface CompileEnv {
  readonly family: Family;
  readonly backend: 'nftables' | 'iptables';
  /** Kernel names of model IP sets (for plain rules). */
  readonly setName: SetNamer;
  /** Members of a model IP set (CIDRs or bare addresses, any family); undefined when unknown. */
  readonly members: (ipSetId: string) => Iterable<string> | undefined;
  readonly maxMembers?: number;
}

/** Kernel names of a run's two sets in the family being compiled. */
export interface RunSetNames {
  readonly netPort: string;
  readonly net: string;
}

export interface CompiledSet {
  readonly name: string;
  readonly kind: 'net' | 'net-and-port';
  readonly members: readonly string[];
}

export interface CompiledRun {
  /** The endpoint-chain rules standing for the whole run. */
  readonly rules: readonly IrRule[];
  readonly sets: readonly CompiledSet[];
}

interface PortEntry { readonly first: number; readonly last: number; readonly addrs: readonly string[] }

/**
 * `cidr,proto:port` members for one protocol with no two members overlapping
 * (nftables interval sets refuse overlaps): the port line is cut at every
 * range boundary and each piece gets the collapsed union of the addresses of
 * the ranges covering it. Stops (returning false) as soon as the members, as
 * the kernel will count them, exceed `budget.left`: a run too big for a set
 * costs no more work than the guard allows.
 */
function netPortMembers(proto: number, entries: readonly PortEntry[], out: string[], budget: { left: number }, expand: boolean): boolean {
  const cuts = [...new Set(entries.flatMap((e) => [e.first, e.last + 1]))].sort((a, b) => a - b);
  // Pathological port layouts (thousands of ranges over thousands of rules) are walked.
  if (entries.length * cuts.length > 4_000_000) return false;
  const name = protocolName(proto);
  for (let i = 0; i + 1 < cuts.length; i++) {
    const first = cuts[i]!; const last = cuts[i + 1]! - 1;
    const width = expand ? last - first + 1 : 1;
    // Policies of a run often share peers: dedupe the text before parsing.
    const addrs = new Set<string>();
    for (const e of entries) {
      if (e.first > first || e.last < last) continue;
      for (const a of e.addrs) addrs.add(a);
      if (addrs.size * width > budget.left * 4 + 1024) return false;
    }
    if (!addrs.size) continue;
    const port = first === last ? String(first) : `${first}-${last}`;
    const nets = collapseCidrs(addrs);
    budget.left -= nets.length * width;
    if (budget.left < 0) return false;
    for (const a of nets) out.push(`${a},${name}:${port}`);
  }
  return true;
}

function asCidr(m: string, f: Family): string | null {
  if (ipFamily(m) !== f) return null;
  return m.includes('/') ? m : `${m}/${f === 4 ? 32 : 128}`;
}

/**
 * Compiles the rules of a run (all its policies' rules in `dir`, which must
 * all satisfy isAllowOnlyRule) for one family. Null when the sets would be too
 * big: the caller walks the run's policy chains instead.
 */
export function compileRun(rules: readonly ModelRule[], dir: RunDirection, names: RunSetNames, env: CompileEnv): CompiledRun | null {
  const f = env.family;
  const max = env.maxMembers ?? MAX_RUN_MEMBERS;
  const plain = new Map<string, IrRule>();
  const netMembers = new Set<string>();
  let hasNet = false;
  const byProto = new Map<number, PortEntry[]>();
  // One set is often the peer of several rules: its members are filtered once.
  const setAddrs = new Map<string, string[]>();
  for (const r of rules) {
    if (r.ipVersion !== undefined && r.ipVersion !== f) continue;
    const nets = dir === 'ingress' ? r.srcNets : r.dstNets;
    const setId = (dir === 'ingress' ? r.srcIpSetIds : r.dstIpSetIds)?.[0];
    let addrs: string[] | null = null;
    if (nets?.length) {
      addrs = nets.filter((n) => ipFamily(n) === f);
      // Nets only of the other family: the rule does not apply here (as renderModelRule).
      if (!addrs.length) continue;
    } else if (setId !== undefined) {
      addrs = setAddrs.get(setId) ?? null;
      if (!addrs) {
        addrs = [];
        for (const m of env.members(setId) ?? []) {
          const c = asCidr(m, f);
          if (c) addrs.push(c);
        }
        setAddrs.set(setId, addrs);
      }
    }
    const proto = r.protocol;
    const ports = r.dstPorts?.length ? r.dstPorts : undefined;
    const portable = proto !== undefined && PORT_PROTOCOLS.has(proto);
    if (addrs !== null && proto === undefined) {
      hasNet = true;
      for (const a of addrs) netMembers.add(a);
      if (netMembers.size > max * 4) return null;
    } else if (addrs !== null && portable && (ports || env.backend === 'nftables')) {
      const ranges: readonly PortRange[] = ports ?? [{ first: 0, last: 65535 }];
      let list = byProto.get(proto);
      if (!list) byProto.set(proto, (list = []));
      for (const pr of ranges) list.push({ first: pr.first, last: pr.last, addrs });
    } else {
      for (const ir of renderModelRule({ ...r, ruleId: 'allow-run' }, f, env.setName, ALLOW)) {
        const rr: IrRule = { match: [notPassed, ...ir.match], actions: ALLOW, comment: 'Allow-only run' };
        plain.set(JSON.stringify(rr.match), rr);
      }
    }
  }
  const sets: CompiledSet[] = [];
  const out: IrRule[] = [];
  const addrSide = dir === 'ingress' ? 'src' : 'dst';
  if (byProto.size) {
    const members: string[] = [];
    const budget = { left: max };
    for (const proto of [...byProto.keys()].sort((a, b) => a - b)) {
      if (!netPortMembers(proto, byProto.get(proto)!, members, budget, env.backend === 'iptables')) return null;
    }
    sets.push({ name: names.netPort, kind: 'net-and-port', members: members.sort() });
    out.push({ match: [notPassed, { k: 'addrPortSet', addr: addrSide, port: 'dst', set: names.netPort }], actions: ALLOW, comment: 'Allow-only run: address, protocol and port' });
  }
  if (hasNet) {
    const members = collapseCidrs(netMembers).sort();
    if (members.length > max) return null;
    sets.push({ name: names.net, kind: 'net', members });
    out.push({ match: [notPassed, { k: 'set', dir: addrSide, set: names.net }], actions: ALLOW, comment: 'Allow-only run: address' });
  }
  out.push(...[...plain.keys()].sort().map((k) => plain.get(k)!));
  return { rules: out, sets };
}
