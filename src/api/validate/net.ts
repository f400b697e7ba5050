import { assertDefined } from '../../lib/assert.js';
import {
  bitsOf,
  bytesToIp,
  formatIpValue,
  ipToBytes,
  networkContainsNetwork,
  networkOf,
  parseIpValue,
  parsePrefixLength,
  unmapIpv4,
  type IpNetwork,
} from '../../lib/net/ip.js';

/**
 * Network value parsing shared by every kind: IP addresses and CIDRs (in the
 * api's shapes and reasons; the parsing itself is src/lib/net/ip.ts), ports and port ranges as Calico's
 * numorstring.Port reads them, and the Kubernetes name / label validators.
 *
 * Parse functions return `{ ok: true, value }` or `{ ok: false, reason }`
 * rather than throwing, so validators can add the reason at a field path.
 */
export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

export type IpFamily = 4 | 6;

export type IpAddr = string & { readonly __brand: 'IpAddr' };
export type Cidr = string & { readonly __brand: 'Cidr' };

export interface ParsedIp {
  readonly family: IpFamily;
  /** Canonical text: dotted quad, or RFC 5952 IPv6 (lower case, longest zero run as `::`). */
  readonly address: IpAddr;
  /** 4 or 16 bytes, network order. */
  readonly bytes: Uint8Array;
}

export interface ParsedCidr {
  readonly family: IpFamily;
  /** The address as written (canonicalised), possibly with host bits set. */
  readonly ip: IpAddr;
  readonly prefixLength: number;
  /** Canonical network form with host bits cleared, e.g. `10.0.0.0/24` (as Go's IPNet.String()). */
  readonly cidr: Cidr;
  /** The network address (host bits cleared). */
  readonly network: IpAddr;
}

function ok<T>(value: T): Parsed<T> {
  return { ok: true, value };
}
function fail<T>(reason: string): Parsed<T> {
  return { ok: false, reason };
}

/** Formats 4 or 16 bytes as canonical text (RFC 5952 for IPv6). */
export function formatIp(bytes: Uint8Array): IpAddr {
  const ip = assertDefined(bytesToIp(bytes), `an IP address has 4 or 16 bytes, not ${bytes.length}`);
  return formatIpValue(ip) as IpAddr;
}

/** Parses an IPv4 or IPv6 address (no zone, no prefix). */
export function parseIp(text: string): Parsed<ParsedIp> {
  if (typeof text !== 'string') return fail('invalid IP address');
  const parsed = parseIpValue(text);
  if (!parsed) return fail(`invalid IP address "${text}"`);
  // Like Go's net.IP (To4() != nil), an IPv4-mapped address (::ffff:a.b.c.d) is an IPv4 address.
  const ip = unmapIpv4(parsed);
  return ok({ family: ip.family, address: formatIpValue(ip) as IpAddr, bytes: ipToBytes(ip) });
}

export interface ParseCidrOptions {
  /** Accept a bare IP as a host CIDR (/32 or /128), like Calico's ParseCIDROrIP. */
  readonly allowBareIp?: boolean;
}

/** Parses `addr/len` (v4 or v6); the canonical `cidr` has host bits cleared. */
export function parseCidr(text: string, opts: ParseCidrOptions = {}): Parsed<ParsedCidr> {
  if (typeof text !== 'string') return fail('invalid CIDR');
  const slash = text.indexOf('/');
  if (slash < 0 && !opts.allowBareIp) return fail(`invalid CIDR "${text}"`);
  const parsed = parseIpValue(slash < 0 ? text : text.slice(0, slash));
  if (!parsed) return fail(`invalid CIDR "${text}"`);
  // The prefix applies to the unmapped address: "::ffff:10.0.0.1/24" is 10.0.0.0/24.
  const ip = unmapIpv4(parsed);
  const prefixLength = slash < 0 ? bitsOf(ip.family) : parsePrefixLength(text.slice(slash + 1), ip.family);
  if (prefixLength === null) return fail(`invalid CIDR "${text}"`);
  const net = formatIpValue({ family: ip.family, value: networkOf(ip, prefixLength).base }) as IpAddr;
  return ok({
    family: ip.family,
    ip: formatIpValue(ip) as IpAddr,
    prefixLength,
    network: net,
    cidr: `${net}/${prefixLength}` as Cidr,
  });
}

/** The bigint network of a ParsedCidr (its texts are canonical, so they always parse). */
function networkOfCidr(c: ParsedCidr): IpNetwork | null {
  const ip = parseIpValue(c.network);
  return ip ? networkOf(ip, c.prefixLength) : null;
}

/** True when CIDR `inner` lies wholly inside CIDR `outer` (same family). */
export function cidrContains(outer: ParsedCidr, inner: ParsedCidr): boolean {
  const a = networkOfCidr(outer);
  const b = networkOfCidr(inner);
  return a !== null && b !== null && networkContainsNetwork(a, b);
}

/** True when the two CIDRs share any address. */
export function cidrsOverlap(a: ParsedCidr, b: ParsedCidr): boolean {
  return cidrContains(a, b) || cidrContains(b, a);
}

// ---------------------------------------------------------------- ports

/** A Calico port: a single port, an inclusive range, or a named port. */
export type Port =
  | { readonly kind: 'range'; readonly min: number; readonly max: number }
  | { readonly kind: 'named'; readonly name: string };

const PORT_NUMBER_RANGE = 'port range invalid, port number must be between 1 and 65535';
const portNameRegex = /^[a-zA-Z0-9_.-]{1,128}$/;

/**
 * Parses a port as Calico's numorstring.Port does: integer `80`, string `"80"`,
 * range `"6040:6050"` (inclusive, min <= max) or a named port. Port 0 is
 * rejected as validator.go's validatePort does (1-65535).
 */
export function parsePort(input: unknown): Parsed<Port> {
  if (typeof input === 'number') {
    if (!Number.isInteger(input) || input < 1 || input > 65535) return fail(PORT_NUMBER_RANGE);
    return ok({ kind: 'range', min: input, max: input });
  }
  if (typeof input !== 'string') return fail('port must be an integer or a string');
  if (/^\d+$/.test(input)) {
    const n = Number(input);
    if (n > 65535) return fail(`invalid port format (${input})`);
    if (n < 1) return fail(PORT_NUMBER_RANGE);
    return ok({ kind: 'range', min: n, max: n });
  }
  const m = /^(\d+):(\d+)$/.exec(input);
  if (m) {
    const lo = Number(m[1]);
    const hi = Number(m[2]);
    if (lo > 65535) return fail(`invalid port range "${input}": invalid minimum port number`);
    if (hi > 65535) return fail(`invalid port range "${input}": invalid maximum port number`);
    if (lo > hi) {
      return fail(`invalid port range "${input}": minimum port number (${lo}) is greater than maximum port number (${hi})`);
    }
    if (lo < 1) return fail(`invalid port range "${input}": port number must be between 1 and 65535`);
    return ok({ kind: 'range', min: lo, max: hi });
  }
  if (!portNameRegex.test(input)) return fail(`invalid name for named port (${input})`);
  return ok({ kind: 'named', name: input });
}

/** Calico's output form of a port: number for a single port, "a:b" for a range, the name otherwise. */
export function formatPort(p: Port): number | string {
  if (p.kind === 'named') return p.name;
  return p.min === p.max ? p.min : `${p.min}:${p.max}`;
}

// ---------------------------------------------------------------- Kubernetes names

const dns1123LabelRe = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1123SubdomainRe = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const qualifiedNameRe = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const labelValueRe = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const ianaSvcNameRe = /^[-a-z0-9]+$/;

/** Kubernetes IsDNS1123Label: returns the reason when invalid. */
export function checkDns1123Label(v: string): string | undefined {
  if (v.length > 63) return 'must be no more than 63 characters';
  if (!dns1123LabelRe.test(v)) {
    return "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
  }
  return undefined;
}

/** Kubernetes IsDNS1123Subdomain: returns the reason when invalid. */
export function checkDns1123Subdomain(v: string): string | undefined {
  if (v.length > 253) return 'must be no more than 253 characters';
  if (!dns1123SubdomainRe.test(v)) {
    return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
  }
  return undefined;
}

/** Kubernetes IsQualifiedName (label and annotation keys): `[prefix/]name`. */
export function checkLabelKey(k: string): string | undefined {
  const parts = k.split('/');
  let name = k;
  if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) return 'prefix part must be non-empty';
    const bad = checkDns1123Subdomain(prefix);
    if (bad) return `prefix part ${bad}`;
  } else if (parts.length > 2) {
    return "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character with an optional DNS subdomain prefix and '/'";
  }
  if (name.length === 0) return 'name part must be non-empty';
  if (name.length > 63) return 'name part must be no more than 63 characters';
  if (!qualifiedNameRe.test(name)) {
    return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  }
  return undefined;
}

/** Kubernetes IsValidLabelValue. */
export function checkLabelValue(v: string): string | undefined {
  if (v.length > 63) return 'must be no more than 63 characters';
  if (!labelValueRe.test(v)) {
    return "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  }
  return undefined;
}

/** Kubernetes IsValidPortName (IANA service name): container port names. */
export function checkPortName(v: string): string | undefined {
  if (v.length < 1 || v.length > 15) return 'must be no more than 15 characters';
  if (!ianaSvcNameRe.test(v)) return 'must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)';
  if (!/[a-z]/.test(v)) return 'must contain at least one letter (a-z)';
  if (v.includes('--')) return 'must not contain consecutive hyphens';
  if (v.startsWith('-') || v.endsWith('-')) return 'must not begin or end with a hyphen';
  return undefined;
}

/** Total size limit Kubernetes applies to all annotations of one object. */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;
