import type { Resource } from '../types.js';
import type { Issues } from '../validate/issues.js';
import { parseCidr } from '../validate/net.js';
import { array, bool, enumOf, int, object, required, string } from '../validate/schema.js';
import { calicoKind, defineKind } from './define-kind.js';
import {
  asNumberField, bgpPasswordField, duration, ignoredInterfaceField, ipv4Field, ipv6Field, logLevel, nameField, netField,
} from './common-fields.js';

/**
 * BGPConfiguration (projectcalico.org/v3): cluster-wide BGP settings in the
 * resource named `default`, per-node overrides in `node.<nodename>`.
 * Validation follows bgpconfig.go tags and validator.go
 * validateBGPConfigurationSpec (community formats, communities must be used
 * by a prefixAdvertisement, mesh password / restart time need the mesh on).
 *
 * No defaults are stored: libcalico-go's client writes the resource as
 * given; asNumber 64512, nodeToNodeMeshEnabled true, listenPort 179 and
 * logSeverityScreen Info are applied by their readers (see BGP_DEFAULTS).
 */
export const BGP_DEFAULTS = {
  asNumber: 64512,
  nodeToNodeMeshEnabled: true,
  listenPort: 179,
  logSeverityScreen: 'Info',
  bindMode: 'None',
  serviceLoadBalancerAggregation: 'Enabled',
} as const;

const cidrBlock = object({ cidr: netField });

export const bgpConfigurationSpecSchema = object({
  logSeverityScreen: logLevel,
  nodeToNodeMeshEnabled: bool(),
  asNumber: asNumberField,
  serviceLoadBalancerIPs: array(cidrBlock),
  serviceExternalIPs: array(cidrBlock),
  serviceClusterIPs: array(cidrBlock),
  serviceLoadBalancerAggregation: enumOf(['Enabled', 'Disabled']),
  communities: array(object({ name: required(nameField), value: required(string()) })),
  prefixAdvertisements: array(object({ cidr: required(netField), communities: required(array(string())) })),
  listenPort: int({ min: 1, max: 65535 }),
  nodeMeshPassword: bgpPasswordField,
  nodeMeshMaxRestartTime: duration,
  bindMode: enumOf(['None', 'NodeIP']),
  ignoredInterfaces: array(ignoredInterfaceField),
  localWorkloadPeeringIPV4: ipv4Field,
  localWorkloadPeeringIPV6: ipv6Field,
  // Added after v3.31 (accepted so current docs examples load).
  programClusterRoutes: enumOf(['Enabled', 'Disabled', 'EnabledIPIPOnly', 'EnabledNoEncapOnly']),
  ipv4NormalRoutePriority: int({ min: 1, max: 2147483646 }),
  ipv6NormalRoutePriority: int({ min: 1, max: 2147483646 }),
});

const standardCommunity = /^(\d+):(\d+)$/;
const largeCommunity = /^(\d+):(\d+):(\d+)$/;

/**
 * Checks a community value: `aa:nn` (16-bit parts) or `aa:nn:mm` (32-bit
 * parts). Returns undefined when valid, 'format' when it is not a community
 * value at all, or the reason when a part is too large.
 */
export function communityProblem(value: string): string | undefined {
  const m = standardCommunity.exec(value) ?? largeCommunity.exec(value);
  if (!m) return 'format';
  const bits = m.length === 3 ? 16 : 32;
  const max = bits === 16 ? 0xffff : 0xffffffff;
  for (const p of m.slice(1)) if (Number(p) > max) return `invalid community value, expected ${bits} bit value`;
  return undefined;
}

function validateBGPConfiguration(r: Resource, issues: Issues): void {
  const spec = (r.spec ?? {}) as Record<string, unknown>;
  const communities = Array.isArray(spec.communities) ? (spec.communities as Record<string, unknown>[]) : [];
  const names = new Set<string>();
  communities.forEach((c, i) => {
    if (!c || typeof c !== 'object') return;
    if (typeof c.name === 'string') names.add(c.name);
    if (typeof c.value !== 'string') return;
    const p = communityProblem(c.value);
    if (p === 'format') issues.add(`spec.communities[${i}].value`, 'invalid community value or format used.', c.value);
    else if (p) issues.add(`spec.communities[${i}].value`, p, c.value);
  });
  const pas = Array.isArray(spec.prefixAdvertisements) ? (spec.prefixAdvertisements as Record<string, unknown>[]) : [];
  if (pas.length === 0 && communities.length !== 0) {
    issues.add('spec.communities', 'communities are defined but not used in Spec.PrefixAdvertisement[].');
  }
  pas.forEach((pa, i) => {
    if (!pa || typeof pa !== 'object' || !Array.isArray(pa.communities)) return;
    (pa.communities as unknown[]).forEach((v, j) => {
      if (typeof v !== 'string') return;
      const p = communityProblem(v);
      if (p === 'format' && !names.has(v)) {
        issues.add(`spec.prefixAdvertisements[${i}].communities[${j}]`, 'community used is invalid or not defined.', v);
      } else if (p && p !== 'format') issues.add(`spec.prefixAdvertisements[${i}].communities[${j}]`, p, v);
    });
    if (typeof pa.cidr === 'string' && !parseCidr(pa.cidr, { allowBareIp: true }).ok) {
      issues.add(`spec.prefixAdvertisements[${i}].cidr`, 'invalid CIDR value.', pa.cidr);
    }
  });
  if (spec.nodeToNodeMeshEnabled === false) {
    if (spec.nodeMeshPassword !== undefined) {
      issues.add('spec.nodeMeshPassword', 'spec.NodeMeshPassword cannot be set if spec.NodeToNodeMesh is disabled');
    }
    if (spec.nodeMeshMaxRestartTime !== undefined) {
      issues.add('spec.nodeMeshMaxRestartTime', 'spec.NodeMeshMaxRestartTime cannot be set if spec.NodeToNodeMesh is disabled');
    }
  }
  // libcalico-go ValidateDefaultOnlyFields: some fields belong to the global `default` resource only.
  if (r.metadata.name !== 'default') {
    const only: readonly [string, string][] = [
      ['nodeToNodeMeshEnabled', 'nodeToNodeMeshEnabled'], ['asNumber', 'ASNumber'],
      ['serviceLoadBalancerIPs', 'ServiceLoadBalancerIPs'], ['serviceExternalIPs', 'ServiceExternalIPs'],
      ['serviceClusterIPs', 'ServiceClusterIPs'], ['nodeMeshPassword', 'nodeMeshPassword'],
      ['nodeMeshMaxRestartTime', 'nodeMeshMaxRestartTime'],
    ];
    for (const [f, label] of only) {
      const v = spec[f];
      if (v === undefined || (Array.isArray(v) && v.length === 0)) continue;
      issues.add(`spec.${f}`, `Cannot set ${label} on a non default BGP Configuration.`);
    }
  }
}

export const bgpConfigurationKind = defineKind({
  info: calicoKind('BGPConfiguration', 'bgpconfigurations', false, [
    'bgpconfiguration', 'bgpconfigurations', 'bgpconfig', 'bgpconfigs',
  ]),
  spec: bgpConfigurationSpecSchema,
  validate: validateBGPConfiguration,
});
