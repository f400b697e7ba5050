/**
 * compileRules turns v3 rules into model rules (felix/calc rule_scanner.go):
 * every selector becomes a `net` IP set (selector + namespaceSelector +
 * serviceAccounts folded into one selector), every named port a `ip-and-port`
 * IP set over the rule's selector, protocols become numbers, CIDRs canonical,
 * port strings ranges. Returns the rules and the IP sets they reference.
 */
import { createHash } from 'node:crypto';
import type { EntityRule, Port, Rule } from '../api/kinds/policy/types.js';
import { canonicalCidr, canonicalJson, protocolNumber } from '../dataplane/model/index.js';
import type { IcmpMatch, IpSetId, ModelRule, PortRange } from '../dataplane/model/index.js';
import { makeUniqueId, parseSelector, type Selector } from '../selector/index.js';
import { entityRuleSelector } from './selectors.js';

export type NamedPortProtocol = 'tcp' | 'udp' | 'sctp';

/** What an IP set contains: endpoints/network sets matching `selector`, or their named port. */
export interface IpSetSpec {
  readonly id: IpSetId;
  readonly selector: Selector;
  readonly namedPort?: { readonly protocol: NamedPortProtocol; readonly name: string };
}

export interface CompiledRules {
  readonly rules: ModelRule[];
  /** Every IP set referenced by `rules`, by id. */
  readonly ipSets: Map<IpSetId, IpSetSpec>;
}

const VALID_ACTIONS: ReadonlySet<string> = new Set(['Allow', 'Deny', 'Log', 'Pass']);
const NAMED_PORT_PROTOCOLS: Readonly<Record<number, NamedPortProtocol>> = { 6: 'tcp', 17: 'udp', 132: 'sctp' };

function selectorSet(sel: Selector): IpSetSpec {
  return { id: sel.uniqueId(), selector: sel };
}

function namedPortSet(sel: Selector, protocol: NamedPortProtocol, name: string): IpSetSpec {
  // Same shape as Felix's IPSetData.UniqueID for named-port sets.
  return { id: makeUniqueId('n', `${sel.toString()},${protocol},${name}`), selector: sel, namedPort: { protocol, name } };
}

function splitPorts(ports: readonly Port[] | undefined): { ranges: PortRange[]; named: string[] } {
  const ranges: PortRange[] = [];
  const named: string[] = [];
  for (const p of ports ?? []) {
    if (typeof p === 'number') ranges.push({ first: p, last: p });
    else if (/^\d+$/.test(p)) ranges.push({ first: Number(p), last: Number(p) });
    else if (/^\d+:\d+$/.test(p)) {
      const [a, b] = p.split(':').map(Number) as [number, number];
      ranges.push({ first: a, last: b });
    } else named.push(p);
  }
  return { ranges, named };
}

function nets(list: readonly string[] | undefined): string[] {
  const out: string[] = [];
  for (const n of list ?? []) {
    const c = canonicalCidr(n);
    if (c !== null) out.push(c);
  }
  return out;
}

function icmp(f: Rule['icmp']): IcmpMatch | undefined {
  if (!f || f.type === undefined) return undefined;
  return f.code === undefined ? { type: f.type } : { type: f.type, code: f.code };
}

interface EntityOut {
  nets?: string[];
  notNets?: string[];
  ipSetIds?: IpSetId[];
  notIpSetIds?: IpSetId[];
  ports?: PortRange[];
  notPorts?: PortRange[];
  namedPortIpSetIds?: IpSetId[];
  notNamedPortIpSetIds?: IpSetId[];
}

/** Null when the entity cannot be rendered (named ports without tcp/udp/sctp: rejected by validation). */
function compileEntity(
  er: EntityRule | undefined,
  ns: string,
  protocol: number | undefined,
  sets: Map<IpSetId, IpSetSpec>,
): EntityOut | null {
  const out: EntityOut = {};
  if (!er) return out;
  const selText = entityRuleSelector(er, ns);
  const sel = selText !== '' ? parseSelector(selText) : undefined;
  const put = (s: IpSetSpec): IpSetId => {
    sets.set(s.id, s);
    return s.id;
  };
  const n = nets(er.nets);
  if (n.length) out.nets = n;
  const nn = nets(er.notNets);
  if (nn.length) out.notNets = nn;
  if (sel) out.ipSetIds = [put(selectorSet(sel))];
  if (er.notSelector) out.notIpSetIds = [put(selectorSet(parseSelector(er.notSelector)))];
  const ports = splitPorts(er.ports);
  const notPorts = splitPorts(er.notPorts);
  if (ports.named.length || notPorts.named.length) {
    const proto = protocol === undefined ? undefined : NAMED_PORT_PROTOCOLS[protocol];
    if (!proto) return null;
    const base = sel ?? parseSelector('all()');
    if (ports.named.length) out.namedPortIpSetIds = ports.named.map((p) => put(namedPortSet(base, proto, p)));
    if (notPorts.named.length) out.notNamedPortIpSetIds = notPorts.named.map((p) => put(namedPortSet(base, proto, p)));
  }
  if (ports.ranges.length) out.ports = ports.ranges;
  if (notPorts.ranges.length) out.notPorts = notPorts.ranges;
  return out;
}

function ruleId(owner: string, direction: string, index: number, rule: Rule): string {
  return createHash('sha224').update(`${owner}|${direction}|${index}|${canonicalJson(rule)}`).digest('base64url').slice(0, 16);
}

/**
 * Compiles one direction's rules. `owner` (policy/profile key) and `direction`
 * only feed the rule ids. `ns` is the policy's namespace ('' if global).
 */
export function compileRules(owner: string, direction: 'inbound' | 'outbound', rules: readonly Rule[] | undefined, ns: string, sets: Map<IpSetId, IpSetSpec>): ModelRule[] {
  const out: ModelRule[] = [];
  (rules ?? []).forEach((r, i) => {
    // Validation guarantees the action; anything else cannot be rendered and is skipped.
    if (!VALID_ACTIONS.has(r.action)) return;
    const protocol = r.protocol === undefined ? undefined : protocolNumber(r.protocol) ?? undefined;
    const notProtocol = r.notProtocol === undefined ? undefined : protocolNumber(r.notProtocol) ?? undefined;
    const local = new Map<IpSetId, IpSetSpec>();
    const src = compileEntity(r.source, ns, protocol, local);
    const dst = compileEntity(r.destination, ns, protocol, local);
    if (!src || !dst) return;
    for (const [k, v] of local) sets.set(k, v);
    const m: Record<string, unknown> = { action: r.action };
    if (r.ipVersion) m.ipVersion = r.ipVersion;
    if (protocol !== undefined) m.protocol = protocol;
    if (notProtocol !== undefined) m.notProtocol = notProtocol;
    const ic = icmp(r.icmp);
    if (ic) m.icmp = ic;
    const nic = icmp(r.notICMP);
    if (nic) m.notIcmp = nic;
    const side = (prefix: 'src' | 'dst', notPrefix: 'notSrc' | 'notDst', e: EntityOut): void => {
      if (e.nets) m[`${prefix}Nets`] = e.nets;
      if (e.notNets) m[`${notPrefix}Nets`] = e.notNets;
      if (e.ipSetIds) m[`${prefix}IpSetIds`] = e.ipSetIds;
      if (e.notIpSetIds) m[`${notPrefix}IpSetIds`] = e.notIpSetIds;
      if (e.ports) m[`${prefix}Ports`] = e.ports;
      if (e.notPorts) m[`${notPrefix}Ports`] = e.notPorts;
      if (e.namedPortIpSetIds) m[`${prefix}NamedPortIpSetIds`] = e.namedPortIpSetIds;
      if (e.notNamedPortIpSetIds) m[`${notPrefix}NamedPortIpSetIds`] = e.notNamedPortIpSetIds;
    };
    side('src', 'notSrc', src);
    side('dst', 'notDst', dst);
    m.ruleId = ruleId(owner, direction, i, r);
    const ann = r.metadata?.annotations;
    if (ann && Object.keys(ann).length) m.annotations = { ...ann };
    out.push(m as unknown as ModelRule);
  });
  return out;
}
