import { isIP } from 'node:net';
import { CalicoError } from '../../../lib/errors.js';
import { canonicalAddr, canonicalIpText } from '../ip-canon.js';

export { canonicalAddr } from '../ip-canon.js';

/**
 * Canonical text of set/map elements, so desired members and members read
 * back from `nft -j` compare equal: IPv6 compressed lower-case, /32 and /128
 * dropped, protocols as numbers, numbers in decimal, verdicts as `jump X`.
 * The canonical form is also valid nft input, so it is what we send.
 */

const PROTOS: Readonly<Record<string, number>> = {
  icmp: 1, igmp: 2, tcp: 6, udp: 17, dccp: 33, gre: 47, esp: 50, ah: 51,
  'icmpv6': 58, 'ipv6-icmp': 58, sctp: 132, udplite: 136,
};

function canonicalAtom(a: string): string {
  const s = a.trim();
  const ip = canonicalIpText(s);
  if (ip !== s || isIP(s.split(/[/-]/)[0] ?? '') !== 0) return ip;
  const lower = s.toLowerCase();
  const proto = PROTOS[lower];
  if (proto !== undefined) return String(proto);
  if (/^0x[0-9a-f]+$/.test(lower)) return String(parseInt(lower, 16));
  if (/^\d+-\d+$/.test(s)) return s;
  return s.replace(/^"(.*)"$/, '$1');
}

/** Canonical form of one set member or map key (concatenations joined with ` . `). */
export function canonicalElement(e: string): string {
  const c = /[;{}\r\n]/.test(e) ? '"' : e.split(' . ').map(canonicalAtom).join(' . ');
  if (c.includes('"')) throw new CalicoError('CALICO_ERR_VALIDATION', `invalid nft element ${JSON.stringify(e.slice(0, 80))}`);
  return c;
}

/** Canonical verdict/value of a map element. */
export function canonicalValue(v: string): string {
  if (/[;{}\r\n]/.test(v)) throw new CalicoError('CALICO_ERR_VALIDATION', `invalid nft map value ${JSON.stringify(v.slice(0, 80))}`);
  const s = v.trim().replace(/\s+/g, ' ');
  const m = /^(jump|goto) "?([^"]+)"?$/.exec(s);
  if (m) return `${m[1]} ${m[2]}`;
  return canonicalAtom(s);
}

/** Renders a canonical element for nft input; `ifname`/string-typed parts are quoted. */
export function renderElement(canonical: string, type: string): string {
  if (!type.includes('ifname') && !type.includes('string')) return canonical;
  const types = type.split('.').map((t) => t.trim());
  return canonical.split(' . ').map((part, i) => (types[i] === 'ifname' || types[i] === 'string' ? `"${part}"` : part)).join(' . ');
}

/** Converts one JSON element (`"1.2.3.4"`, `{prefix}`, `{range}`, `{concat}`, `{elem}`) to canonical text. */
export function elementFromJson(j: unknown): string {
  if (typeof j === 'string') return canonicalAtom(j);
  if (typeof j === 'number') return String(j);
  if (j && typeof j === 'object') {
    const o = j as Record<string, unknown>;
    if ('elem' in o) return elementFromJson((o['elem'] as Record<string, unknown>)['val']);
    if ('prefix' in o) {
      const p = o['prefix'] as { addr: string; len: number };
      return canonicalAtom(`${p.addr}/${p.len}`);
    }
    if ('range' in o) {
      const [a, b] = o['range'] as [unknown, unknown];
      return canonicalAtom(`${elementFromJson(a)}-${elementFromJson(b)}`);
    }
    if ('concat' in o) return (o['concat'] as unknown[]).map(elementFromJson).join(' . ');
  }
  throw new CalicoError('CALICO_ERR_KERNEL', `unrecognised nft element ${JSON.stringify(j)}`);
}

/** Converts one JSON map value (verdict object or data) to canonical text. */
export function valueFromJson(j: unknown): string {
  if (j && typeof j === 'object' && !Array.isArray(j)) {
    const o = j as Record<string, unknown>;
    const [k] = Object.keys(o);
    if (k === 'jump' || k === 'goto') return `${k} ${(o[k] as { target: string }).target}`;
    if (k !== undefined && o[k] === null) return k;
  }
  return elementFromJson(j);
}
