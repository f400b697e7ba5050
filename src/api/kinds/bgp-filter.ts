import type { Resource } from '../types.js';
import type { Issues } from '../validate/issues.js';
import { parseCidr } from '../validate/net.js';
import { array, enumOf, int, object, required, string, type Spec } from '../validate/schema.js';
import { calicoKind, defineKind } from './define-kind.js';
import { communityProblem } from './bgp-configuration.js';
import { optionalEnum } from './common-fields.js';

/**
 * BGPFilter (projectcalico.org/v3): import/export route filters referenced
 * by BGPPeer.filters. Each rule matches on cidr (+ matchOperator, optional
 * prefixLength), source and interface, with action Accept or Reject.
 * validator.go: netv4/netv6 (strictly masked, family), cidr and
 * matchOperator go together, prefixLength needs cidr.
 */
function netOf(family: 4 | 6): Spec {
  return string({
    check: (v) => {
      const c = parseCidr(v, { allowBareIp: true });
      if (!c.ok || c.value.family !== family) return `invalid IPv${family} CIDR "${v}"`;
      if (c.value.ip !== c.value.network) return `CIDR "${v}" is not strictly masked`;
      return undefined;
    },
  });
}

const communityValue = string({
  check: (v) => {
    const p = communityProblem(v);
    return p === 'format' ? 'invalid community value or format used.' : p;
  },
});

const operation = object({
  addCommunity: object({ value: required(communityValue) }),
  prependASPath: object({ prefix: required(array(int({ min: 0, max: 0xffffffff }), { minItems: 1, maxItems: 10 })) }),
  setPriority: object({ value: required(int({ min: 1, max: 2147483646 })) }),
}, {
  check: (o) => (Object.keys(o).length === 1 ? undefined : 'exactly one of addCommunity, prependASPath, setPriority must be set'),
});

function ruleSchema(family: 4 | 6): Spec {
  const max = family === 4 ? 32 : 128;
  return object({
    cidr: netOf(family),
    prefixLength: object({ min: int({ min: 0, max }), max: int({ min: 0, max }) }),
    source: optionalEnum(['RemotePeers']),
    interface: string({ check: (v) => (v === '*' || /^[a-zA-Z0-9_.*-]{1,15}$/.test(v) ? undefined : 'invalid interface name') }),
    matchOperator: optionalEnum(['Equal', 'NotEqual', 'In', 'NotIn']),
    action: required(enumOf(['Accept', 'Reject'])),
    // Later additions documented for BGPFilter (peer type, priority, community match, operations).
    peerType: enumOf(['eBGP', 'iBGP']),
    priority: int({ min: 1, max: 2147483646 }),
    communities: object({ values: array(communityValue) }),
    // The AS path starts with these AS numbers.
    asPathPrefix: array(int({ min: 0, max: 0xffffffff })),
    operations: array(operation, { maxItems: 10 }),
  }, {
    check: (r) => (Array.isArray(r.operations) && r.operations.length > 0 && r.action !== 'Accept'
      ? 'operations are only valid when action is Accept'
      : undefined),
  });
}

export const bgpFilterSpecSchema = object({
  exportV4: array(ruleSchema(4)),
  importV4: array(ruleSchema(4)),
  exportV6: array(ruleSchema(6)),
  importV6: array(ruleSchema(6)),
});

function validateBGPFilter(r: Resource, issues: Issues): void {
  const spec = (r.spec ?? {}) as Record<string, unknown>;
  for (const list of ['exportV4', 'importV4', 'exportV6', 'importV6']) {
    const rules = spec[list];
    if (!Array.isArray(rules)) continue;
    rules.forEach((rule: unknown, i) => {
      if (!rule || typeof rule !== 'object') return;
      const x = rule as Record<string, unknown>;
      const path = `spec.${list}[${i}]`;
      const cidr = typeof x.cidr === 'string' ? x.cidr : '';
      const op = typeof x.matchOperator === 'string' ? x.matchOperator : '';
      if (cidr && !op) issues.add(`${path}.cidr`, 'MatchOperator cannot be empty when CIDR is not');
      if (!cidr && op) issues.add(`${path}.matchOperator`, 'CIDR cannot be empty when MatchOperator is not');
      if (!cidr && x.prefixLength !== undefined) issues.add(`${path}.prefixLength`, 'CIDR cannot be empty when PrefixLength is not');
    });
  }
}

export const bgpFilterKind = defineKind({
  info: calicoKind('BGPFilter', 'bgpfilters', false, ['bgpfilter', 'bgpfilters', 'bgpf', 'bgpfs', 'bf', 'bfs']),
  spec: bgpFilterSpecSchema,
  validate: validateBGPFilter,
});
