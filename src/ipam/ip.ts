import { CalicoError } from '../lib/errors.js';
import {
  bitsOf as familyBits,
  formatIpValue,
  maskOf as familyMask,
  networkContainsIp,
  networkContainsNetwork,
  networkSize,
  parseIpNetwork,
  parseIpValue,
  type IpNetwork,
} from '../lib/net/ip.js';

/**
 * IP address and CIDR arithmetic for IPAM, in IPAM's vocabulary (`version`,
 * throwing parsers with CALICO_ERR_VALIDATION). Addresses are bigint so block
 * ordinals are offsets from the block's base address, as in libcalico-go's
 * OrdinalToIP / IPToOrdinal. The parsing and arithmetic are src/lib/net/ip.ts.
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

const asNetwork = (n: IpNet): IpNetwork => ({ family: n.version, base: n.base, prefix: n.prefix });

export function bitsOf(version: IpVersion): number {
  return familyBits(version);
}

/** Parses an IPv4 or IPv6 address (surrounding blanks ignored); null if it is not one. */
export function tryParseIp(s: string): IpAddr | null {
  const ip = parseIpValue(s.trim());
  return ip ? { version: ip.family, value: ip.value } : null;
}

export function parseIp(s: string): IpAddr {
  const ip = tryParseIp(s);
  if (!ip) throw new CalicoError('CALICO_ERR_VALIDATION', `invalid IP address: ${JSON.stringify(s)}`);
  return ip;
}

/** Canonical text: dotted quad, or RFC 5952 IPv6 (lower case, longest zero run as `::`). */
export function formatIp(ip: IpAddr): string {
  return formatIpValue({ family: ip.version, value: ip.value });
}

/**
 * Parses `a.b.c.d/n` or `x::/n` (a bare address means /32 or /128). Host bits
 * are masked off, as Go's net.ParseCIDR does for the network.
 */
export function tryParseCidr(s: string): IpNet | null {
  const n = parseIpNetwork(s.trim(), { allowBareIp: true });
  return n ? { version: n.family, base: n.base, prefix: n.prefix } : null;
}

export function parseCidr(s: string): IpNet {
  const n = tryParseCidr(s);
  if (!n) throw new CalicoError('CALICO_ERR_VALIDATION', `invalid CIDR: ${JSON.stringify(s)}`);
  return n;
}

export function maskOf(version: IpVersion, prefix: number): bigint {
  return familyMask(version, prefix);
}

export function formatCidr(n: IpNet): string {
  return `${formatIp({ version: n.version, value: n.base })}/${n.prefix}`;
}

/** Number of addresses in the network. */
export function sizeOf(n: IpNet): bigint {
  return networkSize(asNetwork(n));
}

export function cidrContainsIp(n: IpNet, ip: IpAddr): boolean {
  return networkContainsIp(asNetwork(n), { family: ip.version, value: ip.value });
}

/** True if `inner` lies wholly inside `outer`. */
export function cidrContainsCidr(outer: IpNet, inner: IpNet): boolean {
  return networkContainsNetwork(asNetwork(outer), asNetwork(inner));
}

export function cidrsOverlap(a: IpNet, b: IpNet): boolean {
  return cidrContainsCidr(a, b) || cidrContainsCidr(b, a);
}

export function sameCidr(a: IpNet, b: IpNet): boolean {
  return a.version === b.version && a.base === b.base && a.prefix === b.prefix;
}
