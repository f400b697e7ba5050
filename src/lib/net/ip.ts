/**
 * The one IP address / CIDR implementation. Addresses are held as bigint so
 * IPv4 and IPv6 share every code path (masking, containment, ordinals).
 *
 * Text rules follow Go's net.ParseIP / net.ParseCIDR (Go >= 1.17), which is
 * what libcalico-go and Felix use: dotted quads without leading zeros, IPv6
 * with at most one `::` and an optional dotted-quad tail, no zone (`%eth0`).
 * Formatting is canonical: dotted quad, or RFC 5952 IPv6 (lower case, the
 * longest run of two or more zero groups as `::`, first run on ties).
 *
 * The callers keep their own shapes and error styles on top of this:
 * src/api/validate/net.ts (validation reasons), src/ipam/ip.ts (throwing
 * parsers, `version`), src/dataplane/model/net.ts (nullable parsers) and
 * src/api/k8s/cidr.ts (Go's IPNet.String() for IPv4-mapped networks).
 */

export type IpFamily = 4 | 6;

/** An address: its family and its value as an unsigned integer (network order). */
export interface IpValue {
  readonly family: IpFamily;
  readonly value: bigint;
}

/** A network: `base` has every host bit cleared. */
export interface IpNetwork {
  readonly family: IpFamily;
  readonly base: bigint;
  readonly prefix: number;
}

/** A parsed CIDR text: the network plus the address as written (host bits kept). */
export interface ParsedIpNetwork extends IpNetwork {
  readonly ip: IpValue;
}

/** Address width in bits: 32 or 128. */
export function bitsOf(family: IpFamily): number {
  return family === 4 ? 32 : 128;
}

const decimalOctet = /^(0|[1-9][0-9]{0,2})$/;
const hexGroup = /^[0-9a-fA-F]{1,4}$/;

/** Strict dotted quad (no leading zeros, as Go >= 1.17 and Node's isIPv4); null otherwise. */
export function parseIpv4(text: string): bigint | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let v = 0n;
  for (const p of parts) {
    if (!decimalOctet.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

/** IPv6 text (one optional `::`, optional dotted-quad tail, no zone); null otherwise. */
export function parseIpv6(text: string): bigint | null {
  let head = text;
  let tail: bigint | null = null;
  // An embedded dotted quad (::ffff:1.2.3.4) stands for the last two groups.
  const lastColon = text.lastIndexOf(':');
  if (lastColon >= 0 && text.slice(lastColon + 1).includes('.')) {
    tail = parseIpv4(text.slice(lastColon + 1));
    if (tail === null) return null;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return null;
  const groupsOf = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const left = groupsOf(halves[0]!);
  const right = halves.length === 2 ? groupsOf(halves[1]!) : [];
  const missing = 8 - left.length - right.length;
  // Without `::` there must be exactly 8 groups; `::` stands for at least one.
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right];
  let v = 0n;
  for (const g of groups) {
    if (!hexGroup.test(g)) return null;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  if (tail !== null) v = (v & ~0xffffffffn) | tail;
  return v;
}

/**
 * Parses an IPv4 or IPv6 address; the family follows the text (an
 * IPv4-mapped IPv6 address stays IPv6: see `unmapIpv4`). Null when invalid.
 */
export function parseIpValue(text: string): IpValue | null {
  if (text.includes(':')) {
    const v = parseIpv6(text);
    return v === null ? null : { family: 6, value: v };
  }
  const v = parseIpv4(text);
  return v === null ? null : { family: 4, value: v };
}

/** True for ::ffff:a.b.c.d (IPv4-mapped IPv6). */
export function isIpv4Mapped(ip: IpValue): boolean {
  return ip.family === 6 && ip.value >> 32n === 0xffffn;
}

/** Like Go's IP.To4(): an IPv4-mapped IPv6 address becomes its IPv4 address; others unchanged. */
export function unmapIpv4(ip: IpValue): IpValue {
  return isIpv4Mapped(ip) ? { family: 4, value: ip.value & 0xffffffffn } : ip;
}

/** Canonical text: dotted quad, or RFC 5952 IPv6. */
export function formatIpValue(ip: IpValue): string {
  if (ip.family === 4) {
    const v = ip.value;
    return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn)).join('.');
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((ip.value >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** The address as 4 or 16 bytes, network order. */
export function ipToBytes(ip: IpValue): Uint8Array {
  const n = bitsOf(ip.family) / 8;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Number((ip.value >> BigInt((n - 1 - i) * 8)) & 0xffn);
  return out;
}

/** 4 bytes are IPv4, 16 bytes IPv6; null for any other length. */
export function bytesToIp(bytes: Uint8Array): IpValue | null {
  if (bytes.length !== 4 && bytes.length !== 16) return null;
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return { family: bytes.length === 4 ? 4 : 6, value: v };
}

/** Network mask as an integer: the top `prefix` bits set. */
export function maskOf(family: IpFamily, prefix: number): bigint {
  const all = (1n << BigInt(bitsOf(family))) - 1n;
  return (all >> BigInt(prefix)) ^ all;
}

/** A prefix length written as 1-3 decimal digits, at most the family's width; null otherwise. */
export function parsePrefixLength(text: string, family: IpFamily): number | null {
  if (!/^\d{1,3}$/.test(text)) return null;
  const n = Number(text);
  return n <= bitsOf(family) ? n : null;
}

/** The network `ip/prefix` (host bits cleared). */
export function networkOf(ip: IpValue, prefix: number): IpNetwork {
  return { family: ip.family, base: ip.value & maskOf(ip.family, prefix), prefix };
}

export interface ParseIpNetworkOptions {
  /** Accept a bare address as a host network (/32 or /128), like Calico's ParseCIDROrIP. */
  readonly allowBareIp?: boolean;
}

/** Parses `addr/len` (v4 or v6, family from the text). Null when invalid. */
export function parseIpNetwork(text: string, opts: ParseIpNetworkOptions = {}): ParsedIpNetwork | null {
  const slash = text.indexOf('/');
  if (slash < 0 && !opts.allowBareIp) return null;
  const ip = parseIpValue(slash < 0 ? text : text.slice(0, slash));
  if (!ip) return null;
  const prefix = slash < 0 ? bitsOf(ip.family) : parsePrefixLength(text.slice(slash + 1), ip.family);
  if (prefix === null) return null;
  return { ...networkOf(ip, prefix), ip };
}

/** Canonical `base/prefix` text. */
export function formatIpNetwork(n: IpNetwork): string {
  return `${formatIpValue({ family: n.family, value: n.base })}/${n.prefix}`;
}

/** Number of addresses in the network. */
export function networkSize(n: IpNetwork): bigint {
  return 1n << BigInt(bitsOf(n.family) - n.prefix);
}

export function networkContainsIp(n: IpNetwork, ip: IpValue): boolean {
  return n.family === ip.family && (ip.value & maskOf(n.family, n.prefix)) === n.base;
}

/** True when `inner` lies wholly inside `outer` (same family). */
export function networkContainsNetwork(outer: IpNetwork, inner: IpNetwork): boolean {
  return (
    outer.family === inner.family &&
    inner.prefix >= outer.prefix &&
    (inner.base & maskOf(outer.family, outer.prefix)) === outer.base
  );
}

/** True when the two networks share any address (for CIDRs: one contains the other). */
export function networksOverlap(a: IpNetwork, b: IpNetwork): boolean {
  return networkContainsNetwork(a, b) || networkContainsNetwork(b, a);
}

export function sameNetwork(a: IpNetwork, b: IpNetwork): boolean {
  return a.family === b.family && a.base === b.base && a.prefix === b.prefix;
}
