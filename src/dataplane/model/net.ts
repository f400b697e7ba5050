/**
 * Address helpers shared by the model's producer (calc) and consumers (sim,
 * renderers): canonical CIDRs, containment, protocol numbers. IPv4 and IPv6.
 * The parsing and arithmetic are src/lib/net/ip.ts; this keeps the model's
 * nullable shapes (`ParsedCidr.addr`) that calc, rules and sim use.
 */
import {
  formatIpNetwork,
  formatIpValue,
  networkContainsIp,
  parseIpNetwork,
  parseIpValue,
  type IpFamily,
  type IpValue,
} from '../../lib/net/ip.js';

export interface ParsedCidr {
  readonly family: IpFamily;
  /** Network address as an integer (masked). */
  readonly addr: bigint;
  readonly prefix: number;
}

/** Address to integer; null if not an IP address. IPv4-mapped IPv6 stays IPv6. */
export function ipToBigInt(ip: string): IpValue | null {
  return parseIpValue(ip);
}

/** Parses `a.b.c.d/n`, `x::/n` or a bare address (host prefix). Null when invalid. */
export function parseCidr(text: string): ParsedCidr | null {
  const n = parseIpNetwork(text, { allowBareIp: true });
  return n ? { family: n.family, addr: n.base, prefix: n.prefix } : null;
}

export function formatCidr(c: ParsedCidr): string {
  return formatIpNetwork({ family: c.family, base: c.addr, prefix: c.prefix });
}

/** Canonical CIDR text (masked, explicit prefix), or null when invalid. */
export function canonicalCidr(text: string): string | null {
  const c = parseCidr(text);
  return c ? formatCidr(c) : null;
}

/** Canonical address text (no prefix), or null. */
export function canonicalIp(text: string): string | null {
  const ip = parseIpValue(text);
  return ip ? formatIpValue(ip) : null;
}

/** Family of an address or of a CIDR's address part (the prefix is not checked); null when invalid. */
export function ipFamily(text: string): IpFamily | null {
  const slash = text.indexOf('/');
  return parseIpValue(slash < 0 ? text : text.slice(0, slash))?.family ?? null;
}

export function cidrContains(cidr: ParsedCidr, ip: IpValue): boolean {
  return networkContainsIp({ family: cidr.family, base: cidr.addr, prefix: cidr.prefix }, ip);
}

const PROTOCOL_NUMBERS: Readonly<Record<string, number>> = {
  icmp: 1, tcp: 6, udp: 17, icmpv6: 58, sctp: 132, udplite: 136,
};

/** IANA number for a Calico protocol (name in any case, or 1-255); null when unknown. */
export function protocolNumber(p: number | string): number | null {
  if (typeof p === 'number') return Number.isInteger(p) && p >= 0 && p <= 255 ? p : null;
  if (/^[0-9]+$/.test(p)) return protocolNumber(Number(p));
  return PROTOCOL_NUMBERS[p.toLowerCase()] ?? null;
}

/** Lower-case name for tcp/udp/sctp/icmp/icmpv6/udplite, else the number as text. */
export function protocolName(n: number): string {
  for (const [name, num] of Object.entries(PROTOCOL_NUMBERS)) if (num === n) return name;
  return String(n);
}
