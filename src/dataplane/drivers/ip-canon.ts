import { isIP } from 'node:net';

/**
 * Canonical text of addresses and CIDRs as the kernel tools print them back
 * (nft -j, ipset save, ip -j route), so desired and read-back state compare
 * equal: IPv6 in RFC 5952 form, host bits masked off, /32 and /128 dropped,
 * and an address range that is exactly one prefix written as that prefix
 * (nft stores it so).
 */

/** Canonical IPv4/IPv6 address; anything else is returned unchanged. */
export function canonicalAddr(a: string): string {
  const v = isIP(a);
  if (v === 6) return new URL(`http://[${a}]/`).hostname.slice(1, -1);
  return a;
}

function toBig(addr: string, v: 4 | 6): bigint {
  if (v === 4) return addr.split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n);
  let groups = canonicalAddr(addr).split(':');
  const gap = groups.indexOf('');
  if (gap >= 0) {
    const left = groups.slice(0, gap).filter((g) => g !== '');
    const right = groups.slice(gap + 1).filter((g) => g !== '');
    groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  }
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function fromBig(n: bigint, v: 4 | 6): string {
  if (v === 4) return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join('.');
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((n >> BigInt(i * 16)) & 0xffffn).toString(16));
  return canonicalAddr(groups.join(':'));
}

const bits = (v: 4 | 6): number => (v === 4 ? 32 : 128);

/** `addr/len` with host bits masked; a full-length prefix becomes the bare address. */
export function canonicalCidr(addr: string, len: number): string {
  const v = isIP(addr);
  if ((v !== 4 && v !== 6) || addr.includes('.') && v === 6) return `${canonicalAddr(addr)}/${len}`;
  const max = bits(v);
  if (len >= max) return canonicalAddr(addr);
  const hostMask = (1n << BigInt(max - len)) - 1n;
  return `${fromBig(toBig(addr, v) & ~hostMask, v)}/${len}`;
}

/** `a-b`, written as a prefix (or single address) when it is exactly one. */
export function canonicalRange(a: string, b: string): string {
  const v = isIP(a);
  if ((v !== 4 && v !== 6) || isIP(b) !== v || (v === 6 && (a.includes('.') || b.includes('.')))) {
    return `${canonicalAddr(a)}-${canonicalAddr(b)}`;
  }
  const lo = toBig(a, v); const hi = toBig(b, v);
  const size = hi - lo + 1n;
  if (size > 0n && (size & (size - 1n)) === 0n && (lo & (size - 1n)) === 0n) {
    const k = size.toString(2).length - 1;
    return canonicalCidr(fromBig(lo, v), bits(v) - k);
  }
  return `${fromBig(lo, v)}-${fromBig(hi, v)}`;
}

/** Canonical form of an address, CIDR or range; non-IP text is returned as given. */
export function canonicalIpText(s: string): string {
  const slash = s.indexOf('/');
  if (slash > 0 && isIP(s.slice(0, slash)) !== 0) return canonicalCidr(s.slice(0, slash), Number(s.slice(slash + 1)));
  const dash = s.indexOf('-');
  if (dash > 0 && isIP(s.slice(0, dash)) !== 0 && isIP(s.slice(dash + 1)) !== 0) return canonicalRange(s.slice(0, dash), s.slice(dash + 1));
  return isIP(s) !== 0 ? canonicalAddr(s) : s;
}
