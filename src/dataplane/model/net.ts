/**
 * Address helpers shared by the model's producer (calc) and consumers (sim,
 * renderers): canonical CIDRs, containment, protocol numbers. IPv4 and IPv6.
 */
import { isIP } from 'node:net';

export interface ParsedCidr {
  readonly family: 4 | 6;
  /** Network address as an integer (masked). */
  readonly addr: bigint;
  readonly prefix: number;
}

/** Address to integer; null if not an IP address. IPv4-mapped IPv6 stays IPv6. */
export function ipToBigInt(ip: string): { family: 4 | 6; value: bigint } | null {
  const fam = isIP(ip);
  if (fam === 4) {
    const p = ip.split('.').map(Number);
    return { family: 4, value: BigInt(((p[0]! << 24) >>> 0) + (p[1]! << 16) + (p[2]! << 8) + p[3]!) };
  }
  if (fam !== 6) return null;
  let s = ip;
  // An embedded dotted quad becomes two hextets.
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = ipToBigInt(tail);
    if (!v4) return null;
    const n = Number(v4.value);
    s = `${s.slice(0, lastColon + 1)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, rest] = s.split('::') as [string, string | undefined];
  const hs = head === '' ? [] : head.split(':');
  const ts = rest === undefined || rest === '' ? [] : rest.split(':');
  const fill = rest === undefined ? 0 : 8 - hs.length - ts.length;
  const parts = [...hs, ...Array<string>(fill).fill('0'), ...ts];
  let v = 0n;
  for (const h of parts) v = (v << 16n) | BigInt(parseInt(h, 16));
  return { family: 6, value: v };
}

function bigIntToIp(family: 4 | 6, v: bigint): string {
  if (family === 4) {
    const n = Number(v);
    return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
  }
  const hextets: string[] = [];
  for (let i = 7; i >= 0; i--) hextets.push(((v >> BigInt(i * 16)) & 0xffffn).toString(16));
  // RFC 5952: compress the longest run (>= 2) of zero hextets.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (hextets[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && hextets[j] === '0') j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  if (bestStart < 0) return hextets.join(':');
  return `${hextets.slice(0, bestStart).join(':')}::${hextets.slice(bestStart + bestLen).join(':')}`;
}

/** Parses `a.b.c.d/n`, `x::/n` or a bare address (host prefix). Null when invalid. */
export function parseCidr(text: string): ParsedCidr | null {
  const slash = text.indexOf('/');
  const ipText = slash < 0 ? text : text.slice(0, slash);
  const ip = ipToBigInt(ipText);
  if (!ip) return null;
  const max = ip.family === 4 ? 32 : 128;
  const prefix = slash < 0 ? max : Number(text.slice(slash + 1));
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return null;
  const hostBits = BigInt(max - prefix);
  const addr = (ip.value >> hostBits) << hostBits;
  return { family: ip.family, addr, prefix };
}

export function formatCidr(c: ParsedCidr): string {
  return `${bigIntToIp(c.family, c.addr)}/${c.prefix}`;
}

/** Canonical CIDR text (masked, explicit prefix), or null when invalid. */
export function canonicalCidr(text: string): string | null {
  const c = parseCidr(text);
  return c ? formatCidr(c) : null;
}

/** Canonical address text (no prefix), or null. */
export function canonicalIp(text: string): string | null {
  const ip = ipToBigInt(text);
  return ip ? bigIntToIp(ip.family, ip.value) : null;
}

export function ipFamily(text: string): 4 | 6 | null {
  const f = isIP(text.includes('/') ? text.slice(0, text.indexOf('/')) : text);
  return f === 4 ? 4 : f === 6 ? 6 : null;
}

export function cidrContains(cidr: ParsedCidr, ip: { family: 4 | 6; value: bigint }): boolean {
  if (cidr.family !== ip.family) return false;
  const hostBits = BigInt((cidr.family === 4 ? 32 : 128) - cidr.prefix);
  return (ip.value >> hostBits) << hostBits === cidr.addr;
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
