import type { Resource } from '../types.js';
import type { Issues } from '../validate/issues.js';
import { checkDns1123Label, parseCidr, parseIp, parsePort } from '../validate/net.js';
import { object, type FieldDef } from '../validate/schema.js';
import { calicoKind, defineKind } from './define-kind.js';
import { felixFieldSpec } from './felix/felix-field.js';
import { FELIX_FIELDS } from './felix/felix-fields.js';

/**
 * FelixConfiguration (projectcalico.org/v3): Felix settings, cluster-wide in
 * `default` and per node in `node.<nodename>`. Sparse: only the fields the
 * user set are stored, plus the three that libcalico-go's client fills on
 * every create/update (`felixConfigurationDefaults`); Felix applies the
 * rest of its defaults at runtime. Field types and tag checks come from the
 * generated FELIX_FIELDS table; cross-field rules from validator.go
 * validateFelixConfigSpec.
 */
const fields: Record<string, FieldDef> = {};
for (const f of FELIX_FIELDS) fields[f.name] = felixFieldSpec(f);

export const felixConfigurationSpecSchema = object(fields);

function validateFelixConfiguration(r: Resource, issues: Issues): void {
  const c = (r.spec ?? {}) as Record<string, unknown>;
  if (Array.isArray(c.kubeNodePortRanges)) {
    if (c.kubeNodePortRanges.length > 7) issues.add('spec.kubeNodePortRanges', 'node port ranges list is too long (max 7)');
    for (const p of c.kubeNodePortRanges) {
      const parsed = parsePort(p);
      if (parsed.ok && parsed.value.kind === 'named') {
        issues.add('spec.kubeNodePortRanges', 'node port ranges should not contain named ports');
      }
    }
  }
  if (Array.isArray(c.externalNodesList)) {
    c.externalNodesList.forEach((cidr: unknown, i) => {
      if (typeof cidr !== 'string') return;
      const p = parseCidr(cidr, { allowBareIp: true });
      if (!p.ok) issues.add(`spec.externalNodesList[${i}]`, 'has invalid CIDR(s)', cidr);
      else if (p.value.family !== 4) issues.add(`spec.externalNodesList[${i}]`, 'has invalid IPv6 CIDR', cidr);
    });
  }
  if (typeof c.openstackRegion === 'string' && c.openstackRegion !== '') {
    const maxLen = 63 - 'openstack-region-'.length;
    if (c.openstackRegion.length > maxLen) issues.add('spec.openstackRegion', 'is too long', c.openstackRegion);
    else if (checkDns1123Label(c.openstackRegion)) issues.add('spec.openstackRegion', 'must be a valid DNS label', c.openstackRegion);
  }
  const ipCheck = (field: string, family: 4 | 6): void => {
    const v = c[field];
    if (typeof v !== 'string' || v === '') return;
    const ip = parseIp(v);
    if (!ip.ok || ip.value.family !== family) issues.add(`spec.${field}`, `is not a valid IPv${family} address`, v);
  };
  ipCheck('natOutgoingAddress', 4);
  ipCheck('deviceRouteSourceAddress', 4);
  ipCheck('deviceRouteSourceAddressIPv6', 6);
  if (c.routeTableRange !== undefined && c.routeTableRanges !== undefined) {
    issues.add('spec.routeTableRange', 'cannot be set when `RouteTableRanges` is also set');
  }
  if (Array.isArray(c.routeTableRanges)) {
    let tables = 0;
    for (const r of c.routeTableRanges as { min?: unknown; max?: unknown }[]) {
      if (r && typeof r.min === 'number' && typeof r.max === 'number') tables += r.max - r.min + 1;
    }
    if (tables > 0xffff) issues.add('spec.routeTableRanges', 'targets too many tables');
  }
}

/**
 * clientv3 felixconfig.go setDefaults (v3.31.7), applied on create and
 * update so `calicoctl get` shows them: floatingIPs Disabled,
 * bpfConnectTimeLoadBalancing TCP, bpfHostNetworkedNATWithoutCTLB Enabled;
 * the deprecated boolean bpfConnectTimeLoadBalancingEnabled, when set,
 * overrides both BPF fields (Enabled/Disabled, NAT without CTLB Disabled).
 * (Go also always prints `bpfLogLevel: ""`, a field without omitempty; that is
 * an encoding artefact, not a default, and is not reproduced: see DESIGN.md.)
 */
export function felixConfigurationDefaults(r: Resource): void {
  if (r.spec === undefined || r.spec === null) r.spec = {};
  const spec = r.spec as Record<string, unknown>;
  spec.floatingIPs ??= 'Disabled';
  spec.bpfConnectTimeLoadBalancing ??= 'TCP';
  spec.bpfHostNetworkedNATWithoutCTLB ??= 'Enabled';
  const legacy = spec.bpfConnectTimeLoadBalancingEnabled;
  if (typeof legacy === 'boolean') {
    spec.bpfHostNetworkedNATWithoutCTLB = 'Disabled';
    spec.bpfConnectTimeLoadBalancing = legacy ? 'Enabled' : 'Disabled';
  }
}

export const felixConfigurationKind = defineKind({
  info: calicoKind('FelixConfiguration', 'felixconfigurations', false, [
    'felixconfiguration', 'felixconfigurations', 'felixconfig', 'felixconfigs',
  ]),
  spec: felixConfigurationSpecSchema,
  validate: validateFelixConfiguration,
  defaults: felixConfigurationDefaults,
});
