import { parseCidr, parsePort } from './net.js';
import type { ParsedCidr } from './net.js';
import { custom, int, object, jsonTypeOf } from './schema.js';
import type { Spec } from './schema.js';

/**
 * Field-level pieces of Calico's rule validation (libcalico-go
 * lib/validator/v3/validator.go and api/pkg/lib/numorstring): protocols,
 * ports, ICMP type/code and rule CIDRs. Rule-level cross checks live in
 * rule.ts; these are the leaves it is built from, shared with the endpoint
 * kinds (EndpointPort / WorkloadEndpointPort protocols).
 */

/** Protocol names Calico's v3 validator accepts (case-sensitive, `protocolRegex`). */
export const PROTOCOL_NAMES = ['TCP', 'UDP', 'ICMP', 'ICMPv6', 'SCTP', 'UDPLite'] as const;

/** A protocol as numorstring.Protocol holds it after JSON decoding. */
export type ProtocolValue = { readonly num: number } | { readonly name: string };

/**
 * Decodes a protocol the way numorstring.Uint8OrString does: a JSON number is a
 * number; a string that parses as a uint8 ("6") is a number too; any other
 * string is a name. Returns undefined for a JSON number that is not a uint8
 * (Go's decoder fails on those).
 */
export function decodeProtocol(value: unknown): ProtocolValue | undefined {
  if (typeof value === 'number') {
    return Number.isInteger(value) && value >= 0 && value <= 255 ? { num: value } : undefined;
  }
  if (typeof value === 'string') {
    if (/^\d+$/.test(value) && Number(value) <= 255) return { num: Number(value) };
    return { name: value };
  }
  return undefined;
}

/** validateProtocol: a number 1-255 or one of Calico's protocol names. */
export function protocolProblem(value: unknown): string | undefined {
  if (typeof value !== 'number' && typeof value !== 'string') {
    return `expected integer or string, got ${jsonTypeOf(value)}`;
  }
  const p = decodeProtocol(value);
  if (!p) return `protocol number invalid: ${String(value)} is not between 1 and 255`;
  if ('num' in p) return p.num === 0 ? 'protocol number invalid' : undefined;
  return (PROTOCOL_NAMES as readonly string[]).includes(p.name) ? undefined : 'protocol name invalid';
}

/** numorstring.Protocol.SupportsPorts: TCP, UDP and SCTP (names, lower-case v1 names, 6/17/132). */
export function protocolSupportsPorts(value: unknown): boolean {
  const p = decodeProtocol(value);
  if (!p) return false;
  if ('num' in p) return p.num === 6 || p.num === 17 || p.num === 132;
  return ['TCP', 'UDP', 'SCTP', 'tcp', 'udp', 'sctp'].includes(p.name);
}

/** True when the protocol equals the canonical name `name` (Go compares decoded Protocol structs). */
export function protocolIs(value: unknown, name: string): boolean {
  const p = decodeProtocol(value);
  return p !== undefined && 'name' in p && p.name === name;
}

/** Canonical JSON form (what Go marshals back): numbers as numbers, names unchanged. */
export function canonicalProtocol(value: number | string): number | string {
  const p = decodeProtocol(value);
  return p && 'num' in p ? p.num : value;
}

export const protocolSpec: Spec = custom('integer or string', (value) => protocolProblem(value));

/**
 * A rule port (numorstring.Port + validatePort): an integer, "min:max"
 * range, or a named port; numbers must be 1-65535.
 */
export const portSpec: Spec = custom('integer or string', (value) => {
  const parsed = parsePort(value);
  if (!parsed.ok) return parsed.reason;
  if (parsed.value.kind === 'range' && parsed.value.min < 1) {
    return 'port range invalid, port number must be between 1 and 65535';
  }
  return undefined;
});

/** Canonical JSON form of a valid port (Port.MarshalJSON): 80, "80:90" or the name. */
export function canonicalPort(value: number | string): number | string {
  const parsed = parsePort(value);
  if (!parsed.ok) return value;
  const p = parsed.value;
  if (p.kind === 'named') return p.name;
  return p.min === p.max ? p.min : `${p.min}:${p.max}`;
}

/** ICMPFields: type 0-254, code 0-255; a code needs a type (kernel limitation). */
export const icmpSpec: Spec = object(
  { type: int({ min: 0, max: 254 }), code: int({ min: 0, max: 255 }) },
  {
    check(v, path, issues) {
      if (v.code !== undefined && v.code !== null && (v.type === undefined || v.type === null)) {
        issues.add(`${path}.code`, 'ICMP code specified without an ICMP type', v.code);
      }
    },
  },
);

/**
 * The `net` field validator: a CIDR or bare IP that is strictly masked
 * (no host bits set), e.g. `10.0.0.0/8` but not `10.0.0.1/8`.
 */
export function strictNetProblem(value: string): string | undefined {
  const c = parseCidr(value, { allowBareIp: true });
  if (!c.ok) return c.reason;
  if (c.value.ip !== c.value.network) return `invalid network "${value}": host bits are set (use ${c.value.cidr})`;
  return undefined;
}

/** The `cidr` field validator: a CIDR (host bits allowed) or a bare IP. */
export function cidrProblem(value: string): string | undefined {
  const c = parseCidr(value, { allowBareIp: true });
  return c.ok ? undefined : c.reason;
}

/** Parses a rule CIDR as validateRule does (cnet.ParseCIDR: a prefix length is required). */
export function parseRuleCidr(value: string): ParsedCidr | undefined {
  const c = parseCidr(value);
  return c.ok ? c.value : undefined;
}

/** True for a catch-all CIDR in a negated field (Calico compares `0.0.0.0/0` textually, ::/0 by value). */
export function isCatchAllNegation(text: string, c: ParsedCidr): boolean {
  if (c.family === 4) return text === '0.0.0.0/0';
  return c.prefixLength === 0 && c.ip === '::';
}
