import { isIPv4, isIPv6 } from 'node:net';

/**
 * Network value parsing shared by every kind: IP addresses and CIDRs (the
 * only place that mints canonical forms), ports and port ranges as Calico's
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

function v4Bytes(text: string): Uint8Array {
  return Uint8Array.from(text.split('.').map((p) => Number(p)));
}

function v6Bytes(text: string): Uint8Array {
  let s = text;
  const out = new Uint8Array(16);
  // Embedded IPv4 tail (::ffff:1.2.3.4).
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  let tailBytes: Uint8Array | undefined;
  if (tail.includes('.')) {
    tailBytes = v4Bytes(tail);
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const [head, rest] = s.includes('::') ? (s.split('::') as [string, string]) : [s, undefined];
  const headParts = head ? head.split(':') : [];
  const restParts = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const groups: number[] = headParts.map((g) => parseInt(g, 16));
  if (rest !== undefined) {
    const fill = 8 - headParts.length - restParts.length;
    for (let i = 0; i < fill; i++) groups.push(0);
    groups.push(...restParts.map((g) => parseInt(g, 16)));
  }
  groups.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  if (tailBytes) out.set(tailBytes, 12);
  return out;
}

/** Formats 4 or 16 bytes as canonical text (RFC 5952 for IPv6). */
export function formatIp(bytes: Uint8Array): IpAddr {
  if (bytes.length === 4) return Array.from(bytes).join('.') as IpAddr;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  // Longest run of two or more zero groups becomes `::` (first one on ties).
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
  if (bestStart < 0) return hex.join(':') as IpAddr;
  const left = hex.slice(0, bestStart).join(':');
  const right = hex.slice(bestStart + bestLen).join(':');
  return `${left}::${right}` as IpAddr;
}

/** Parses an IPv4 or IPv6 address (no zone, no prefix). */
export function parseIp(text: string): Parsed<ParsedIp> {
  if (typeof text !== 'string') return fail('invalid IP address');
  if (isIPv4(text)) {
    const bytes = v4Bytes(text);
    return ok({ family: 4, address: formatIp(bytes), bytes });
  }
  if (isIPv6(text) && !text.includes('%')) {
    const bytes = v6Bytes(text);
    // Like Go's net.IP (To4() != nil), an IPv4-mapped address (::ffff:a.b.c.d) is an IPv4 address.
    if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
      const v4 = bytes.slice(12);
      return ok({ family: 4, address: formatIp(v4), bytes: v4 });
    }
    return ok({ family: 6, address: formatIp(bytes), bytes });
  }
  return fail(`invalid IP address "${text}"`);
}

/** Clears the host bits of `bytes` beyond `prefixLength` (returns a copy). */
export function maskBytes(bytes: Uint8Array, prefixLength: number): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let i = 0; i < out.length; i++) {
    const bitsHere = Math.max(0, Math.min(8, prefixLength - i * 8));
    out[i] = out[i]! & ((0xff << (8 - bitsHere)) & 0xff);
  }
  return out;
}

export interface ParseCidrOptions {
  /** Accept a bare IP as a host CIDR (/32 or /128), like Calico's ParseCIDROrIP. */
  readonly allowBareIp?: boolean;
}

/** Parses `addr/len` (v4 or v6); the canonical `cidr` has host bits cleared. */
export function parseCidr(text: string, opts: ParseCidrOptions = {}): Parsed<ParsedCidr> {
  if (typeof text !== 'string') return fail('invalid CIDR');
  const slash = text.indexOf('/');
  let ipText = text;
  let lenText: string | undefined;
  if (slash >= 0) {
    ipText = text.slice(0, slash);
    lenText = text.slice(slash + 1);
  } else if (!opts.allowBareIp) {
    return fail(`invalid CIDR "${text}"`);
  }
  const ip = parseIp(ipText);
  if (!ip.ok) return fail(`invalid CIDR "${text}"`);
  const max = ip.value.family === 4 ? 32 : 128;
  let prefixLength = max;
  if (lenText !== undefined) {
    if (!/^\d{1,3}$/.test(lenText) || Number(lenText) > max) return fail(`invalid CIDR "${text}"`);
    prefixLength = Number(lenText);
  }
  const net = formatIp(maskBytes(ip.value.bytes, prefixLength));
  return ok({
    family: ip.value.family,
    ip: ip.value.address,
    prefixLength,
    network: net,
    cidr: `${net}/${prefixLength}` as Cidr,
  });
}

/** True when CIDR `inner` lies wholly inside CIDR `outer` (same family). */
export function cidrContains(outer: ParsedCidr, inner: ParsedCidr): boolean {
  if (outer.family !== inner.family || inner.prefixLength < outer.prefixLength) return false;
  const a = parseIp(outer.network);
  const b = parseIp(inner.network);
  if (!a.ok || !b.ok) return false;
  const masked = formatIp(maskBytes(b.value.bytes, outer.prefixLength));
  return masked === outer.network;
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
