/**
 * ruleMatches: does one model rule match one packet, exactly as the ModelRule
 * contract defines (and as Felix renders it): every present field must match;
 * a rule whose nets have none of the packet's family does not apply to it.
 */
import { cidrContains, canonicalIp, ipToBigInt, parseCidr, protocolName, protocolNumber } from '../model/net.js';
import type { ParsedCidr } from '../model/net.js';
import type { DesiredState, IpSetState } from '../model/desired-state.js';
import type { IcmpMatch, ModelRule, PortRange } from '../model/types.js';

/** A packet as the simulator sees it. Ports are meaningful for tcp/udp/sctp, ICMP fields for icmp/icmpv6. */
export interface SimPacket {
  readonly srcIp: string;
  readonly dstIp: string;
  /** Name (tcp, UDP, icmpv6...) or IANA number. */
  readonly protocol: number | string;
  readonly srcPort?: number;
  readonly dstPort?: number;
  readonly icmpType?: number;
  readonly icmpCode?: number;
}

/** A packet with addresses parsed and protocol resolved, computed once per evaluation. */
export interface PreparedPacket {
  readonly family: 4 | 6;
  readonly src: { family: 4 | 6; value: bigint };
  readonly dst: { family: 4 | 6; value: bigint };
  readonly srcText: string;
  readonly dstText: string;
  readonly protocol: number;
  readonly protocolName: string;
  readonly srcPort: number | undefined;
  readonly dstPort: number | undefined;
  readonly icmpType: number | undefined;
  readonly icmpCode: number | undefined;
}

export function preparePacket(p: SimPacket): PreparedPacket {
  const src = ipToBigInt(p.srcIp);
  const dst = ipToBigInt(p.dstIp);
  if (!src || !dst) throw new RangeError(`packet addresses must be IPs: ${p.srcIp} -> ${p.dstIp}`);
  if (src.family !== dst.family) throw new RangeError(`packet mixes IPv4 and IPv6: ${p.srcIp} -> ${p.dstIp}`);
  const protocol = protocolNumber(p.protocol);
  if (protocol === null) throw new RangeError(`unknown protocol ${String(p.protocol)}`);
  return {
    family: src.family,
    src,
    dst,
    srcText: canonicalIp(p.srcIp)!,
    dstText: canonicalIp(p.dstIp)!,
    protocol,
    protocolName: protocolName(protocol),
    srcPort: p.srcPort,
    dstPort: p.dstPort,
    icmpType: p.icmpType,
    icmpCode: p.icmpCode,
  };
}

/** State plus per-evaluation caches; make one per simulated packet (states change between packets). */
export interface MatchContext {
  readonly state: DesiredState;
  readonly parsedSets: Map<string, ParsedCidr[]>;
}

export function matchContext(state: DesiredState): MatchContext {
  return { state, parsedSets: new Map() };
}
const parsedNets = new Map<string, ParsedCidr | null>();

function parseNet(text: string): ParsedCidr | null {
  let c = parsedNets.get(text);
  if (c === undefined) {
    c = parseCidr(text);
    if (parsedNets.size > 100_000) parsedNets.clear();
    parsedNets.set(text, c);
  }
  return c;
}

function inNets(nets: readonly string[], ip: PreparedPacket['src']): boolean {
  return nets.some((n) => {
    const c = parseNet(n);
    return c !== null && cidrContains(c, ip);
  });
}

function hasFamily(nets: readonly string[] | undefined, family: 4 | 6): boolean {
  return nets === undefined || nets.length === 0 || nets.some((n) => (n.includes(':') ? 6 : 4) === family);
}

function inIpSet(ctx: MatchContext, id: string, ip: PreparedPacket['src']): boolean {
  let cidrs = ctx.parsedSets.get(id);
  if (!cidrs) {
    const set: IpSetState | undefined = ctx.state.ipSets.get(id);
    cidrs = set ? [...set.members].map(parseCidr).filter((c): c is ParsedCidr => c !== null) : [];
    ctx.parsedSets.set(id, cidrs);
  }
  return cidrs.some((c) => cidrContains(c, ip));
}

function inNamedPortSet(ctx: MatchContext, id: string, ipText: string, proto: string, port: number | undefined): boolean {
  if (port === undefined) return false;
  return ctx.state.ipSets.get(id)?.members.has(`${ipText},${proto}:${port}`) ?? false;
}

function inRanges(ranges: readonly PortRange[], port: number | undefined): boolean {
  return port !== undefined && ranges.some((r) => port >= r.first && port <= r.last);
}

function icmpMatches(m: IcmpMatch, p: PreparedPacket): boolean {
  return p.icmpType === m.type && (m.code === undefined || p.icmpCode === m.code);
}

function portsMatch(
  ctx: MatchContext, p: PreparedPacket, ipText: string, port: number | undefined,
  ranges: readonly PortRange[] | undefined, named: readonly string[] | undefined,
  notRanges: readonly PortRange[] | undefined, notNamed: readonly string[] | undefined,
): boolean {
  if ((ranges?.length ?? 0) + (named?.length ?? 0) > 0) {
    const hit = inRanges(ranges ?? [], port) || (named ?? []).some((id) => inNamedPortSet(ctx, id, ipText, p.protocolName, port));
    if (!hit) return false;
  }
  if (notRanges && inRanges(notRanges, port)) return false;
  if (notNamed && notNamed.some((id) => inNamedPortSet(ctx, id, ipText, p.protocolName, port))) return false;
  return true;
}

export function ruleMatches(ctx: MatchContext, r: ModelRule, p: PreparedPacket): boolean {
  if (r.ipVersion !== undefined && r.ipVersion !== p.family) return false;
  if (!hasFamily(r.srcNets, p.family) || !hasFamily(r.notSrcNets, p.family) ||
      !hasFamily(r.dstNets, p.family) || !hasFamily(r.notDstNets, p.family)) return false;
  if (r.protocol !== undefined && r.protocol !== p.protocol) return false;
  if (r.notProtocol !== undefined && r.notProtocol === p.protocol) return false;
  if (r.icmp && !icmpMatches(r.icmp, p)) return false;
  if (r.notIcmp && icmpMatches(r.notIcmp, p)) return false;
  if (r.srcNets?.length && !inNets(r.srcNets, p.src)) return false;
  if (r.notSrcNets?.length && inNets(r.notSrcNets, p.src)) return false;
  if (r.dstNets?.length && !inNets(r.dstNets, p.dst)) return false;
  if (r.notDstNets?.length && inNets(r.notDstNets, p.dst)) return false;
  if (r.srcIpSetIds && !r.srcIpSetIds.every((id) => inIpSet(ctx, id, p.src))) return false;
  if (r.notSrcIpSetIds && r.notSrcIpSetIds.some((id) => inIpSet(ctx, id, p.src))) return false;
  if (r.dstIpSetIds && !r.dstIpSetIds.every((id) => inIpSet(ctx, id, p.dst))) return false;
  if (r.notDstIpSetIds && r.notDstIpSetIds.some((id) => inIpSet(ctx, id, p.dst))) return false;
  if (!portsMatch(ctx, p, p.srcText, p.srcPort, r.srcPorts, r.srcNamedPortIpSetIds, r.notSrcPorts, r.notSrcNamedPortIpSetIds)) return false;
  if (!portsMatch(ctx, p, p.dstText, p.dstPort, r.dstPorts, r.dstNamedPortIpSetIds, r.notDstPorts, r.notDstNamedPortIpSetIds)) return false;
  return true;
}
