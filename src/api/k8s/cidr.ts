/**
 * CIDR parsing with Go's net.ParseCIDR rules and IPNet.String() output,
 * which is what libcalico-go puts in nets/notNets when converting an ipBlock:
 * the host bits are masked off ("10.0.0.1/8" -> "10.0.0.0/8") and IPv6 is
 * printed in RFC 5952 form.
 */
import { formatIp } from '../validate/net.js';

/** Normalised network string, or null if Go's net.ParseCIDR would reject it. */
export function normaliseCidr(text: string): string | null {
  const slash = text.indexOf('/');
  if (slash < 0) return null;
  const addr = text.slice(0, slash);
  const maskText = text.slice(slash + 1);
  if (!/^[0-9]+$/.test(maskText)) return null;
  let bytes: number[] | null;
  let embeddedV4 = false;
  if (addr.includes(':')) {
    bytes = parseIPv6(addr);
  } else {
    bytes = parseIPv4(addr);
  }
  if (bytes === null) return null;
  // Go treats a dotted-quad address as 16 bytes internally but with a 32-bit
  // mask, so the prefix limit follows the textual family.
  const bits = bytes.length * 8;
  const prefix = Number(maskText);
  if (prefix > bits) return null;
  const masked = bytes.map((b, i) => {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    return b & ((0xff << (8 - keep)) & 0xff);
  });
  if (bytes.length === 16 && isV4Mapped(masked)) embeddedV4 = true;
  if (bytes.length === 4) return `${masked.join('.')}/${prefix}`;
  // Go's IPNet.String() turns an IPv4-mapped network back into IPv4 and
  // drops the 96 mapped bits from the prefix ("::ffff:1.2.3.0/120" -> "1.2.3.0/24").
  if (embeddedV4) return `${masked.slice(12).join('.')}/${prefix - 96}`;
  return `${formatIPv6(masked)}/${prefix}`;
}

function parseIPv4(s: string): number[] | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    // Go (>= 1.17) rejects empty parts, non-digits and leading zeros.
    if (!/^[0-9]{1,3}$/.test(p) || (p.length > 1 && p[0] === '0')) return null;
    const n = Number(p);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

function parseIPv6(s: string): number[] | null {
  let head = s;
  let tail = '';
  const dbl = s.indexOf('::');
  if (dbl >= 0) {
    if (s.indexOf('::', dbl + 1) >= 0) return null;
    head = s.slice(0, dbl);
    tail = s.slice(dbl + 2);
  }
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === '' ? [] : tail.split(':');
  const groups: number[] = [];
  const parseGroups = (gs: string[], allowV4Last: boolean): number[] | null => {
    const out: number[] = [];
    for (let i = 0; i < gs.length; i++) {
      const g = gs[i]!;
      if (allowV4Last && i === gs.length - 1 && g.includes('.')) {
        const v4 = parseIPv4(g);
        if (v4 === null) return null;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const h = parseGroups(headGroups, dbl < 0);
  const t = parseGroups(tailGroups, true);
  if (h === null || t === null) return null;
  if (dbl >= 0) {
    const fill = 8 - h.length - t.length;
    if (fill < 1) return null;
    groups.push(...h, ...new Array<number>(fill).fill(0), ...t);
  } else {
    if (h.length !== 8) return null;
    groups.push(...h);
  }
  const bytes: number[] = [];
  for (const g of groups) bytes.push(g >> 8, g & 0xff);
  return bytes;
}

function isV4Mapped(b: readonly number[]): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

/** RFC 5952 text of 16 address bytes (the one formatter in validate/net.ts). */
function formatIPv6(b: readonly number[]): string {
  return formatIp(Uint8Array.from(b));
}
