import { CalicoError } from '../../../lib/errors.js';
import { canonicalIpsetMember } from './ipsets.js';

/** Protocol numbers ipset prints by name in `proto:port` members. */
const PROTO_NAMES: Readonly<Record<string, string>> = { '6': 'tcp', '17': 'udp', '132': 'sctp', '136': 'udplite' };
/** Protocols whose members carry a port (ipset also takes icmp types, which we never generate). */
const PORT_PROTOS = new Set(['tcp', 'udp', 'sctp', 'udplite']);

/**
 * Splits a /0 into the two /1 halves: hash:net and hash:net,port reject a
 * zero prefix (Felix does the same for its net sets).
 */
export function splitZeroPrefix(addr: string): string[] {
  if (addr === '0.0.0.0/0') return ['0.0.0.0/1', '128.0.0.0/1'];
  if (addr === '::/0') return ['::/1', '8000::/1'];
  return [addr];
}

function port(text: string, member: string): number {
  const n = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(n >= 0 && n <= 65535)) throw new CalicoError('CALICO_ERR_VALIDATION', `ipset member ${JSON.stringify(member)}: port ${JSON.stringify(text)} is not a number 0-65535`);
  return n;
}

/**
 * Expands `net-and-port` members (`<addr or CIDR>,<proto>:<port>` or
 * `...,<proto>:<first>-<last>`) into the members a `hash:net,port` set holds,
 * in the canonical text `ipset save` prints: /0 split into two /1, a port
 * range expanded into one member per port (ipset does the same on `add`, so
 * a range is only cheap when small), protocol numbers 6/17/132/136 written as
 * names, host bits masked and /32 or /128 dropped. The exact form matters: the
 * writer diffs these strings against the kernel's.
 */
export function* netPortMembers(members: Iterable<string>): Generator<string> {
  for (const m of members) {
    const comma = m.lastIndexOf(',');
    const colon = m.indexOf(':', comma);
    if (comma <= 0 || colon < 0) throw new CalicoError('CALICO_ERR_VALIDATION', `ipset member ${JSON.stringify(m)} is not <net>,<proto>:<port>`);
    const rawProto = m.slice(comma + 1, colon).trim().toLowerCase();
    const proto = PROTO_NAMES[rawProto] ?? rawProto;
    if (!PORT_PROTOS.has(proto)) throw new CalicoError('CALICO_ERR_VALIDATION', `ipset member ${JSON.stringify(m)}: protocol ${rawProto} has no ports`);
    const ports = m.slice(colon + 1).trim();
    const dash = ports.indexOf('-');
    const first = port(dash < 0 ? ports : ports.slice(0, dash), m);
    const last = dash < 0 ? first : port(ports.slice(dash + 1), m);
    if (last < first) throw new CalicoError('CALICO_ERR_VALIDATION', `ipset member ${JSON.stringify(m)}: port range is reversed`);
    for (const net of splitZeroPrefix(canonicalIpsetMember(m.slice(0, comma)))) {
      for (let p = first; p <= last; p++) yield `${net},${proto}:${p}`;
    }
  }
}
