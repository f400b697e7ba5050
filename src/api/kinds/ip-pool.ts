import type { Resource } from '../types.js';
import type { Issues } from '../validate/issues.js';
import { cidrsOverlap, parseCidr, type ParsedCidr } from '../validate/net.js';
import { array, bool, custom, enumOf, int, object, string, type Spec } from '../validate/schema.js';
import { selectorField } from '../validate/selector-field.js';
import { calicoKind, defineKind, specOf } from './define-kind.js';
import { optionalEnum } from './common-fields.js';

/**
 * IPPool (projectcalico.org/v3): a range of addresses Calico IPAM hands out.
 * Validation follows validator.go validateIPPoolSpec plus the checks
 * libcalico-go's ipPools client does before create (block size per family,
 * encapsulation rules); defaults as clientv3 sets them on create: blockSize
 * 26 / 122, ipipMode and vxlanMode Never, nodeSelector all(), allowedUses
 * [Workload, Tunnel], assignmentMode Automatic. The CIDR is stored in its
 * canonical form. Overlap with other pools needs the datastore: see
 * `ipPoolOverlapIssue`.
 */
export const ENCAP_MODES = ['Never', 'Always', 'CrossSubnet'] as const;
export const ALLOWED_USES = ['Workload', 'Tunnel', 'LoadBalancer'] as const;

const V4_LINK_LOCAL = parseCidr('169.254.0.0/16');
const V6_LINK_LOCAL = parseCidr('fe80::/10');

const allowedUse: Spec = custom('string', (v) => {
  if (typeof v !== 'string') return 'expected string';
  return (ALLOWED_USES as readonly string[]).includes(v) ? undefined : `unknown use: ${v}`;
});

export const ipPoolSpecSchema = object({
  cidr: string(),
  vxlanMode: optionalEnum(ENCAP_MODES),
  ipipMode: optionalEnum(ENCAP_MODES),
  natOutgoing: bool(),
  disabled: bool(),
  disableBGPExport: bool(),
  blockSize: int({ min: 0, max: 128 }),
  nodeSelector: selectorField({ forbidGlobal: 'global() selector is not valid for IPPool nodeSelector - use all() instead' }),
  namespaceSelector: selectorField({ forbidGlobal: 'global() selector is not valid for IPPool namespaceSelector - use all() instead' }),
  // Legacy v1 fields: accepted by the decoder, rejected unless empty (mustBeNil / mustBeFalse).
  ipip: custom('object', () => 'field must not be set (use ipipMode)'),
  'nat-outgoing': custom('boolean', (v) => (v === false ? undefined : 'field must not be set (use natOutgoing)')),
  allowedUses: array(allowedUse, { maxItems: 10 }),
  assignmentMode: enumOf(['Automatic', 'Manual']),
});

function validateIPPool(r: Resource, issues: Issues): void {
  const spec = (r.spec ?? {}) as Record<string, unknown>;
  if (spec.cidr === undefined || spec.cidr === '') {
    issues.add('spec.cidr', 'IPPool CIDR must be specified');
    return;
  }
  if (typeof spec.cidr !== 'string') return; // type already reported
  const parsed = parseCidr(spec.cidr, { allowBareIp: true });
  if (!parsed.ok) {
    issues.add('spec.cidr', 'IPPool CIDR must be a valid subnet', spec.cidr);
    return;
  }
  const cidr = parsed.value;
  const v4 = cidr.family === 4;
  const ipip = typeof spec.ipipMode === 'string' && spec.ipipMode !== '' ? spec.ipipMode : 'Never';
  const vxlan = typeof spec.vxlanMode === 'string' && spec.vxlanMode !== '' ? spec.vxlanMode : 'Never';
  const uses = Array.isArray(spec.allowedUses) ? (spec.allowedUses as unknown[]) : [];
  const isLoadBalancer = uses.includes('LoadBalancer');
  const blockSize = typeof spec.blockSize === 'number' && spec.blockSize !== 0 ? spec.blockSize : v4 ? 26 : 122;

  if (typeof spec.blockSize === 'number' && Number.isInteger(spec.blockSize)) {
    if (v4 && (blockSize < 20 || blockSize > 32)) issues.add('spec.blockSize', 'IPv4 block size must be between 20 and 32', spec.blockSize);
    if (!v4 && (blockSize < 116 || blockSize > 128)) issues.add('spec.blockSize', 'IPv6 block size must be between 116 and 128', spec.blockSize);
  }
  if (spec.disabled !== true && cidr.prefixLength > blockSize) {
    issues.add('spec.cidr', 'IP pool size is too small for use with Calico IPAM. It must be equal to or greater than the block size.', spec.cidr);
  }
  if (cidr.ip !== cidr.network) issues.add('spec.cidr', 'IP pool CIDR is not strictly masked', spec.cidr);
  if (v4 && V4_LINK_LOCAL.ok && cidrsOverlap(cidr, V4_LINK_LOCAL.value)) {
    issues.add('spec.cidr', 'IP pool range overlaps with IPv4 Link Local range 169.254.0.0/16', spec.cidr);
  }
  if (!v4 && V6_LINK_LOCAL.ok && cidrsOverlap(cidr, V6_LINK_LOCAL.value)) {
    issues.add('spec.cidr', 'IP pool range overlaps with IPv6 Link Local range fe80::/10', spec.cidr);
  }
  if (vxlan !== 'Never' && ipip !== 'Never') {
    issues.add('spec.vxlanMode', 'Cannot enable both VXLAN and IPIP on the same IPPool', spec.vxlanMode);
  }
  if (!v4 && ipip !== 'Never') {
    issues.add('spec.ipipMode', "IPIPMode other than 'Never' is not supported on an IPv6 IP pool", spec.ipipMode);
  }
  if (isLoadBalancer && (ipip !== 'Never' || vxlan !== 'Never')) {
    issues.add('spec.ipipMode', 'Neither IPIPMode nor VXLANMode can be enabled on AllowedUses LoadBalancer IP pool');
  }
  if (isLoadBalancer) {
    for (const u of uses) {
      if (u === 'Workload' || u === 'Tunnel') issues.add('spec.allowedUses', `LoadBalancer cannot be used at the same time as: ${u}`);
    }
    // validator.go reports this when disableBGPExport is *set* (its message reads the other way round).
    if (spec.disableBGPExport === true) {
      issues.add('spec.disableBGPExport', 'IP Pool with AllowedUse LoadBalancer must have DisableBGPExport set to true');
    }
    const nodeSelector = typeof spec.nodeSelector === 'string' && spec.nodeSelector !== '' ? spec.nodeSelector : 'all()';
    if (nodeSelector !== 'all()') {
      issues.add('spec.nodeSelector', 'IP Pool with AllowedUse LoadBalancer must have node selector set to all()');
    }
  }
  // Only an explicit Tunnel use conflicts (validator_test accepts a namespaceSelector with allowedUses unset).
  const hasTunnel = uses.includes('Tunnel');
  if (hasTunnel && typeof spec.namespaceSelector === 'string' && spec.namespaceSelector !== '') {
    issues.add(
      'spec.namespaceSelector',
      'IP Pool with AllowedUse Tunnel cannot have namespaceSelector specified - tunnel IPs are not namespaced resources',
    );
  }
}

function ipPoolDefaults(r: Resource): void {
  const spec = specOf(r);
  const parsed = parseCidr(String(spec.cidr), { allowBareIp: true });
  if (parsed.ok) spec.cidr = parsed.value.cidr;
  const v4 = parsed.ok && parsed.value.family === 4;
  if (!spec.blockSize) spec.blockSize = v4 ? 26 : 122;
  if (!spec.ipipMode) spec.ipipMode = 'Never';
  if (!spec.vxlanMode) spec.vxlanMode = 'Never';
  if (!spec.nodeSelector) spec.nodeSelector = 'all()';
  if (!Array.isArray(spec.allowedUses) || spec.allowedUses.length === 0) spec.allowedUses = ['Workload', 'Tunnel'];
  if (!spec.assignmentMode) spec.assignmentMode = 'Automatic';
  delete spec.ipip;
  delete spec['nat-outgoing'];
}

/**
 * libcalico-go ipPools.Update: the CIDR may only be rewritten to the same
 * network in canonical form, and blockSize never changes.
 */
function validateIPPoolUpdate(old: Resource, updated: Resource, issues: Issues): void {
  const o = (old.spec ?? {}) as Record<string, unknown>;
  const n = (updated.spec ?? {}) as Record<string, unknown>;
  const oc = parseCidr(String(o.cidr), { allowBareIp: true });
  const nc = parseCidr(String(n.cidr), { allowBareIp: true });
  if (o.cidr !== n.cidr && (!oc.ok || !nc.ok || oc.value.cidr !== nc.value.cidr || n.cidr !== nc.value.cidr)) {
    issues.add('spec.cidr', 'IPPool CIDR cannot be modified', n.cidr);
  }
  const oldBlock = typeof o.blockSize === 'number' ? o.blockSize : oc.ok && oc.value.family === 6 ? 122 : 26;
  if (n.blockSize !== oldBlock) issues.add('spec.blockSize', 'IPPool BlockSize cannot be modified', n.blockSize);
}

export const ipPoolKind = defineKind({
  info: calicoKind('IPPool', 'ippools', false, ['ippool', 'ippools', 'ipp', 'ipps', 'pool', 'pools']),
  spec: ipPoolSpecSchema,
  specRequired: true,
  // Status (conditions) exists in Calico after v3.31; written by controllers, accepted on read-back.
  status: object({ conditions: array(object({}, { allowUnknown: true })) }),
  validate: validateIPPool,
  defaults: ipPoolDefaults,
  validateUpdate: validateIPPoolUpdate,
});

/**
 * The datastore-dependent check libcalico-go does on IPPool create: the new
 * pool's CIDR must not overlap another pool's. Returns the issue reason, or
 * undefined. `others` are existing pools (the one with the same name is skipped).
 */
export function ipPoolOverlapIssue(pool: Resource, others: readonly Resource[]): string | undefined {
  const mine = poolCidr(pool);
  if (!mine) return undefined;
  for (const o of others) {
    if (o.metadata.name === pool.metadata.name) continue;
    const theirs = poolCidr(o);
    if (theirs && cidrsOverlap(mine, theirs)) {
      const spec = o.spec as { cidr?: string };
      return `IPPool(${pool.metadata.name}) CIDR overlaps with IPPool(${o.metadata.name}) CIDR ${spec.cidr ?? ''}`;
    }
  }
  return undefined;
}

function poolCidr(r: Resource): ParsedCidr | undefined {
  const c = (r.spec as { cidr?: unknown } | undefined)?.cidr;
  if (typeof c !== 'string') return undefined;
  const p = parseCidr(c, { allowBareIp: true });
  return p.ok ? p.value : undefined;
}
