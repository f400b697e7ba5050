import { CalicoError } from '../lib/errors.js';

/**
 * IP address and CIDR arithmetic for IPAM. Addresses are held as bigint so
 * IPv4 and IPv6 share one code path (block ordinals are offsets from the
 * block's base address, as in libcalico-go's OrdinalToIP / IPToOrdinal).
 */

export type IpVersion = 4 | 6;

export interface IpAddr {
  readonly version: IpVersion;
  readonly value: bigint;
}

export interface IpNet {
  readonly version: IpVersion;
  /** Network (base) address: host bits are zero. */
  readonly base: bigint;
  readonly prefix: number;
}

export function bitsOf(version: IpVersion): number {
  return version === 4 ? 32 : 128;
}

function parseV4(s: string): bigint | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let v = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

function parseV6(s: string): bigint | null {
  if (s.includes('%')) return null;
  let head = s;
  let tailV4: bigint | null = null;
  // An embedded dotted quad (::ffff:1.2.3.4) takes the last two groups.
  const lastColon = s.lastIndexOf(':');
  if (lastColon >= 0 && s.slice(lastColon + 1).includes('.')) {
    tailV4 = parseV4(s.slice(lastColon + 1));
    if (tailV4 === null) return null;
    head = s.slice(0, lastColon + 1) + '0:0';
  }
  const dbl = head.split('::');
  if (dbl.length > 2) return null;
  const toGroups = (x: string): string[] => (x === '' ? [] : x.split(':'));
  const left = toGroups(dbl[0]!);
  const right = dbl.length === 2 ? toGroups(dbl[1]!) : [];
  const missing = 8 - left.length - right.length;
  if (dbl.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...left, ...Array<string>(dbl.length === 2 ? missing : 0).fill('0'), ...right];
  let v = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  if (tailV4 !== null) v = (v & ~0xffffffffn) | tailV4;
  return v;
}

/** Parses an IPv4 or IPv6 address; null if it is not one. */
export function tryParseIp(s: string): IpAddr | null {
  const t = s.trim();
  if (t.includes(':')) {
    const v = parseV6(t);
    return v === null ? null : { version: 6, value: v };
  }
  const v = parseV4(t);
  return v === null ? null : { version: 4, value: v };
}

export function parseIp(s: string): IpAddr {
  const ip = tryParseIp(s);
  if (!ip) throw new CalicoError('CALICO_ERR_VALIDATION', `invalid IP address: ${JSON.stringify(s)}`);
  return ip;
}

/** Canonical text: dotted quad, or RFC 5952 IPv6 (lower case, longest zero run as `::`). */
export function formatIp(ip: IpAddr): string {
  if (ip.version === 4) {
    const v = ip.value;
    return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 255n)).join('.');
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((ip.value >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/**
 * Parses `a.b.c.d/n` or `x::/n` (a bare address means /32 or /128). Host bits
 * are masked off, as Go's net.ParseCIDR does for the network.
 */
export function tryParseCidr(s: string): IpNet | null {
  const [addr, len, ...rest] = s.trim().split('/');
  if (rest.length || addr === undefined) return null;
  const ip = tryParseIp(addr);
  if (!ip) return null;
  const bits = bitsOf(ip.version);
  let prefix = bits;
  if (len !== undefined) {
    if (!/^\d{1,3}$/.test(len)) return null;
    prefix = Number(len);
    if (prefix > bits) return null;
  }
  return { version: ip.version, base: ip.value & maskOf(ip.version, prefix), prefix };
}

export function parseCidr(s: string): IpNet {
  const n = tryParseCidr(s);
  if (!n) throw new CalicoError('CALICO_ERR_VALIDATION', `invalid CIDR: ${JSON.stringify(s)}`);
  return n;
}

export function maskOf(version: IpVersion, prefix: number): bigint {
  const bits = BigInt(bitsOf(version));
  const all = (1n << bits) - 1n;
  return (all >> BigInt(prefix)) ^ all;
}

export function formatCidr(n: IpNet): string {
  return `${formatIp({ version: n.version, value: n.base })}/${n.prefix}`;
}

/** Number of addresses in the network. */
export function sizeOf(n: IpNet): bigint {
  return 1n << BigInt(bitsOf(n.version) - n.prefix);
}

export function cidrContainsIp(n: IpNet, ip: IpAddr): boolean {
  return n.version === ip.version && (ip.value & maskOf(n.version, n.prefix)) === n.base;
}

/** True if `inner` lies wholly inside `outer`. */
export function cidrContainsCidr(outer: IpNet, inner: IpNet): boolean {
  return outer.version === inner.version && inner.prefix >= outer.prefix
    && (inner.base & maskOf(outer.version, outer.prefix)) === outer.base;
}

export function cidrsOverlap(a: IpNet, b: IpNet): boolean {
  return cidrContainsCidr(a, b) || cidrContainsCidr(b, a);
}

export function sameCidr(a: IpNet, b: IpNet): boolean {
  return a.version === b.version && a.base === b.base && a.prefix === b.prefix;
}
