import type { Issues } from './issues.js';
import { entityRuleSpec } from './entity-rule.js';
import { TOTAL_ANNOTATION_SIZE_LIMIT, checkLabelKey } from './net.js';
import {
  canonicalPort,
  canonicalProtocol,
  icmpSpec,
  isCatchAllNegation,
  parseRuleCidr,
  protocolIs,
  protocolSpec,
  protocolSupportsPorts,
} from './rule-fields.js';
import { array, enumOf, int, isPlainObject, object, required, string, stringMap } from './schema.js';
import type { ObjectSpec } from './schema.js';

/**
 * Rule validation as Calico's validator.go (validateRule, validateHTTPRule,
 * validateRuleMetadata) plus the field tags of policy_common.go. Every issue
 * carries the full path, e.g. `spec.ingress[0].destination.ports[1]`.
 *
 * Direction-specific checks (services only in ingress sources / egress
 * destinations, HTTP only on ingress) belong to the policy kinds, which
 * know the direction; see checkRuleDirection.
 */

/** validator.go protocolPortsMsg. */
export const PROTOCOL_PORTS_MSG = 'rules that specify ports must set protocol to TCP or UDP or SCTP';
/** validator.go protocolIcmpMsg. */
export const PROTOCOL_ICMP_MSG = 'rules that specify ICMP fields must set protocol to ICMP';
/** validator.go protocolAndHTTPMsg. */
export const PROTOCOL_HTTP_MSG = 'rules that specify HTTP fields must set protocol to TCP or empty';

const ACTION_VALUES = ['Allow', 'Deny', 'Log', 'Pass'] as const;

function httpPathProblem(paths: readonly unknown[]): string | undefined {
  for (const p of paths) {
    if (!isPlainObject(p)) continue;
    const exact = typeof p.exact === 'string' ? p.exact : '';
    const prefix = typeof p.prefix === 'string' ? p.prefix : '';
    if (exact !== '' && prefix !== '') return "Invalid path match. Both 'exact' and 'prefix' are set";
    const v = exact || prefix;
    if (v === '') return "Invalid path match. Either 'exact' or 'prefix' must be set";
    if (!v.startsWith('/') || /[? #]/.test(v)) {
      return `Invalid path ${v}. (must start with \`/\` and not contain \`?\` or \`#\``;
    }
  }
  return undefined;
}

export const httpMatchSpec: ObjectSpec = object({
  methods: array(string(), {
    check: (methods) =>
      new Set(methods).size !== methods.length ? `Invalid methods (duplicates): [${methods.join(' ')}]` : undefined,
  }),
  paths: array(object({ exact: string(), prefix: string() }), { check: httpPathProblem }),
});

/** validateObjectMetaAnnotations as applied to rule metadata: qualified keys, 256 KiB in total. */
export function checkAnnotations(annotations: Record<string, unknown>, path: string, issues: Issues): void {
  let total = 0;
  for (const [k, v] of Object.entries(annotations)) {
    const bad = checkLabelKey(k.toLowerCase());
    if (bad) issues.add(`${path}.${k}`, bad, k);
    total += k.length + (typeof v === 'string' ? v.length : 0);
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) {
    issues.add(path, `total size of annotations is too large by ${total - TOTAL_ANNOTATION_SIZE_LIMIT} bytes`);
  }
}

export const ruleMetadataSpec: ObjectSpec = object(
  { annotations: stringMap() },
  {
    check(v, path, issues) {
      if (isPlainObject(v.annotations)) checkAnnotations(v.annotations, `${path}.annotations`, issues);
    },
  },
);

function entity(v: unknown): Record<string, unknown> {
  return isPlainObject(v) ? v : {};
}

function present(v: unknown): boolean {
  return v !== undefined && v !== null;
}

/** validateRule: checks that span several fields of one rule. */
function checkRuleCrossFields(rule: Record<string, unknown>, path: string, issues: Issues): void {
  const src = entity(rule.source);
  const dst = entity(rule.destination);
  const protocol = rule.protocol;
  const hasProtocol = present(protocol);

  if (!hasProtocol || !protocolSupportsPorts(protocol)) {
    for (const [side, e] of [['source', src], ['destination', dst]] as const) {
      for (const f of ['ports', 'notPorts'] as const) {
        const list = e[f];
        if (Array.isArray(list) && list.length > 0) issues.add(`${path}.${side}.${f}`, PROTOCOL_PORTS_MSG, list);
      }
    }
  }

  if (present(rule.http) && hasProtocol && !protocolIs(protocol, 'TCP')) {
    issues.add(`${path}.protocol`, PROTOCOL_HTTP_MSG, protocol);
  }

  if (present(rule.icmp) && !(hasProtocol && (protocolIs(protocol, 'ICMP') || protocolIs(protocol, 'ICMPv6')))) {
    issues.add(`${path}.icmp`, PROTOCOL_ICMP_MSG, rule.icmp);
  }

  const ipVersion = typeof rule.ipVersion === 'number' ? rule.ipVersion : undefined;
  const isProto = (name: string) => protocolIs(rule.protocol, name) || protocolIs(rule.notProtocol, name);
  if (isProto('ICMP') && ipVersion !== undefined && ipVersion !== 4) {
    issues.add(`${path}.ipVersion`, "must set ipversion to '4' with protocol icmp", ipVersion);
  }
  if (isProto('ICMPv6') && ipVersion !== undefined && ipVersion !== 6) {
    issues.add(`${path}.ipVersion`, "must set ipversion to '6' with protocol icmpv6", ipVersion);
  }

  // IP families: each nets field must agree with ipVersion and with the others.
  let seenV4 = false;
  let seenV6 = false;
  const scan = (list: unknown, fieldPath: string, negated: boolean) => {
    if (!Array.isArray(list)) return;
    let v4 = false;
    let v6 = false;
    list.forEach((n, i) => {
      if (typeof n !== 'string') return;
      const c = parseRuleCidr(n);
      if (!c) {
        issues.add(`${fieldPath}[${i}]`, 'invalid CIDR', n);
        return;
      }
      v4 ||= c.family === 4;
      v6 ||= c.family === 6;
      if (negated && isCatchAllNegation(n, c)) {
        issues.add(`${fieldPath}[${i}]`, 'catch-all CIDR in negation creates logical contradiction (matches no traffic)', n);
      }
    });
    if (ipVersion !== undefined && ((v4 && ipVersion !== 4) || (v6 && ipVersion !== 6))) {
      issues.add(fieldPath, "rule IP version doesn't match CIDR version", list);
    }
    if ((v4 && seenV6) || (v6 && seenV4) || (v4 && v6)) {
      issues.add(fieldPath, 'rule contains both IPv4 and IPv6 CIDRs', list);
    }
    seenV4 ||= v4;
    seenV6 ||= v6;
  };
  scan(src.nets, `${path}.source.nets`, false);
  scan(src.notNets, `${path}.source.notNets`, true);
  scan(dst.nets, `${path}.destination.nets`, false);
  scan(dst.notNets, `${path}.destination.notNets`, true);

  if (present(rule.http) && rule.action !== 'Allow') {
    issues.add(`${path}.http`, 'only valid for Allow rules', rule.http);
  }

  if (present(dst.services)) {
    if (Array.isArray(dst.ports) && dst.ports.length > 0) {
      issues.add(`${path}.destination.ports`, 'cannot specify ports with a service selector', dst.ports);
    }
    if (Array.isArray(dst.notPorts) && dst.notPorts.length > 0) {
      issues.add(`${path}.destination.notPorts`, 'cannot specify notports with a service selector', dst.notPorts);
    }
  }
}

/** Schema of a Rule: fields of policy_common.go Rule plus validateRule. */
export const ruleSpec: ObjectSpec = object(
  {
    action: required(enumOf(ACTION_VALUES)),
    ipVersion: int({ check: (v) => (v === 4 || v === 6 ? undefined : 'IP version must be 4 or 6') }),
    protocol: protocolSpec,
    icmp: icmpSpec,
    notProtocol: protocolSpec,
    notICMP: icmpSpec,
    source: entityRuleSpec,
    destination: entityRuleSpec,
    http: httpMatchSpec,
    metadata: ruleMetadataSpec,
  },
  { check: (v, path, issues) => checkRuleCrossFields(v, path, issues) },
);

/** Validates one rule at `path` (e.g. `spec.ingress[0]`). */
export function validateRule(value: unknown, path: string, issues: Issues): void {
  ruleSpec.check(value, path, issues);
}

export type RuleDirection = 'ingress' | 'egress';

/**
 * validateNetworkPolicySpec's per-direction checks on a list of rules:
 * services only as an ingress source or egress destination; no HTTP
 * (application layer policy) match on egress rules.
 */
export function checkRuleDirection(
  rules: unknown,
  direction: RuleDirection,
  path: string,
  issues: Issues,
  /** GlobalNetworkPolicy words the egress HTTP message in the plural. */
  egressHttpReason = 'not allowed in egress rule',
): void {
  if (!Array.isArray(rules)) return;
  rules.forEach((r, i) => {
    if (!isPlainObject(r)) return;
    const rp = `${path}[${i}]`;
    if (direction === 'egress') {
      if (present(entity(r.source).services)) issues.add(`${rp}.source.services`, 'not allowed in egress rule source');
      if (present(r.http)) issues.add(`${rp}.http`, egressHttpReason);
    } else if (present(entity(r.destination).services)) {
      issues.add(`${rp}.destination.services`, 'not allowed in ingress rule destination');
    }
  });
}

/**
 * Rewrites a validated rule's protocol and port values to the form Calico
 * stores and prints ("6" -> 6, "80" -> 80), as a Go decode/encode round trip does.
 */
export function canonicalizeRule(rule: Record<string, unknown>): void {
  for (const f of ['protocol', 'notProtocol'] as const) {
    const p = rule[f];
    if (typeof p === 'string' || typeof p === 'number') rule[f] = canonicalProtocol(p);
  }
  for (const side of ['source', 'destination'] as const) {
    const e = rule[side];
    if (!isPlainObject(e)) continue;
    for (const f of ['ports', 'notPorts'] as const) {
      const list = e[f];
      if (Array.isArray(list)) {
        e[f] = list.map((p: unknown) => (typeof p === 'string' || typeof p === 'number' ? canonicalPort(p) : p));
      }
    }
  }
}
