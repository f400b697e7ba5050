import { calicoKind, defineKind } from '../define-kind.js';
import type { Resource } from '../../types.js';
import type { Issues } from '../../validate/issues.js';
import { cidrContains, parseCidr, parseIp } from '../../validate/net.js';
import { cidrProblem, strictNetProblem } from '../../validate/rule-fields.js';
import { array, custom, int, intOrString, isPlainObject, object, required, string } from '../../validate/schema.js';
import type { ObjectSpec } from '../../validate/schema.js';
import { interfaceNameProblem, ipSpec, resourceNameSpec } from './endpoint-fields.js';
import { workloadEndpointPortSpec } from './endpoint-port.js';
import { KIND_WORKLOAD_ENDPOINT } from './types.js';
import { workloadEndpointName } from './workload-endpoint-name.js';

/**
 * WorkloadEndpoint (namespaced): one interface of a workload (pod,
 * container, VM) as the CNI plugin records it. Validation as
 * libcalico-go validator.go validateWorkloadEndpointSpec plus the name
 * check of clientv3 (the name is derived from node, orchestrator,
 * pod/workload/containerID and endpoint); defaults as clientv3's
 * updateLabelsForStorage (namespace and orchestrator labels).
 */

const containerIdRegex = /^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;

/** net.ParseMAC forms: 6, 8 or 20 octets with `:` or `-`, or dotted groups of four hex digits. */
export function macProblem(v: string): string | undefined {
  const colon = /^[0-9a-fA-F]{2}([:-])[0-9a-fA-F]{2}(\1[0-9a-fA-F]{2})*$/;
  const dotted = /^[0-9a-fA-F]{4}(\.[0-9a-fA-F]{4})*$/;
  let octets = 0;
  if (colon.test(v)) octets = v.split(/[:-]/).length;
  else if (dotted.test(v)) octets = v.split('.').length * 2;
  return octets === 6 || octets === 8 || octets === 20 ? undefined : `invalid MAC address ${v}`;
}

function ipOfFamily(family: 4 | 6) {
  return string({
    check: (v) => {
      const p = parseIp(v);
      return p.ok && p.value.family === family ? undefined : `invalid IPv${family} gateway address specified`;
    },
  });
}

const ipNatSpec = object(
  { internalIP: ipSpec, externalIP: ipSpec },
  {
    check(v, path, issues) {
      const a = typeof v.internalIP === 'string' ? parseIp(v.internalIP) : undefined;
      const b = typeof v.externalIP === 'string' ? parseIp(v.externalIP) : undefined;
      if (a?.ok && b?.ok && a.value.family !== b.value.family) issues.add(`${path}.externalIP`, 'mismatched IP versions');
    },
  },
);

const int64 = int();

/** QoSControls (workloadendpoint.go): bandwidth/packet/connection limits and a DSCP value. */
export const qosControlsSpec: ObjectSpec = object({
  ingressBandwidth: int64,
  ingressBurst: int64,
  ingressPeakrate: int64,
  ingressMinburst: int64,
  egressBandwidth: int64,
  egressBurst: int64,
  egressPeakrate: int64,
  egressMinburst: int64,
  ingressPacketRate: int64,
  ingressPacketBurst: int64,
  egressPacketRate: int64,
  egressPacketBurst: int64,
  ingressMaxConnections: int64,
  egressMaxConnections: int64,
  dscp: intOrString(),
});

function checkWorkloadEndpointSpec(spec: Record<string, unknown>, path: string, issues: Issues): void {
  const networks = Array.isArray(spec.ipNetworks) ? spec.ipNetworks : [];
  const parsedNets = networks.flatMap((n, i) => {
    if (typeof n !== 'string') return [];
    const c = parseCidr(n, { allowBareIp: true });
    if (!c.ok) return [];
    const full = c.value.family === 4 ? 32 : 128;
    if (c.value.prefixLength !== full) issues.add(`${path}.ipNetworks[${i}]`, 'IP network contains multiple addresses', n);
    return [c.value];
  });

  // Each NAT's internal IP must lie in one of the endpoint's networks.
  const nats = Array.isArray(spec.ipNATs) ? spec.ipNATs : [];
  if (nats.length > 0) {
    let valid = false;
    for (const nat of nats) {
      const internal = isPlainObject(nat) && typeof nat.internalIP === 'string' ? parseCidr(nat.internalIP, { allowBareIp: true }) : undefined;
      valid = internal?.ok === true && parsedNets.some((n) => cidrContains(n, internal.value));
      if (!valid) break;
    }
    if (!valid) issues.add(`${path}.ipNATs`, 'NAT is not in the endpoint networks');
  }
}

export const workloadEndpointSpecSchema: ObjectSpec = object(
  {
    orchestrator: resourceNameSpec,
    workload: resourceNameSpec,
    node: resourceNameSpec,
    containerID: string({
      check: (v) => (v === '' || containerIdRegex.test(v) ? undefined : `invalid containerID "${v}"`),
    }),
    pod: resourceNameSpec,
    endpoint: resourceNameSpec,
    serviceAccountName: resourceNameSpec,
    ipNetworks: array(string({ check: strictNetProblem })),
    ipNATs: array(ipNatSpec),
    ipv4Gateway: ipOfFamily(4),
    ipv6Gateway: ipOfFamily(6),
    profiles: array(resourceNameSpec),
    interfaceName: required(custom('string', (v) => (typeof v === 'string' ? interfaceNameProblem(v) : 'expected string'))),
    mac: string({ check: (v) => (v === '' ? undefined : macProblem(v)) }),
    ports: array(workloadEndpointPortSpec),
    allowSpoofedSourcePrefixes: array(string({ check: cidrProblem })),
    qosControls: qosControlsSpec,
  },
  { check: (v, path, issues) => checkWorkloadEndpointSpec(v, path, issues) },
);

/** clientv3 assignOrValidateName: the name must be the one derived from the spec's identifiers. */
function checkName(r: Resource, issues: Issues): void {
  const spec = isPlainObject(r.spec) ? r.spec : {};
  const derived = workloadEndpointName(spec);
  if (!derived.ok) {
    issues.add(`spec.${derived.field}`, derived.reason);
    return;
  }
  if (r.metadata.name !== derived.name) {
    issues.add(
      'metadata.name',
      `the WorkloadEndpoint name does not match the primary identifiers assigned in the Spec: expected name ${derived.name}`,
      r.metadata.name,
    );
  }
}

export const LABEL_NAMESPACE = 'projectcalico.org/namespace';
export const LABEL_ORCHESTRATOR = 'projectcalico.org/orchestrator';

export const workloadEndpointKind = defineKind({
  info: calicoKind(KIND_WORKLOAD_ENDPOINT, 'workloadendpoints', true, ['workloadendpoint', 'workloadendpoints', 'wep', 'weps']),
  spec: workloadEndpointSpecSchema,
  validate(r, issues) {
    if (r.spec === undefined) issues.add('spec.interfaceName', 'required field is missing');
    if (isPlainObject(r.metadata) && typeof r.metadata.name === 'string') checkName(r, issues);
  },
  defaults(r) {
    const spec = (r.spec ?? {}) as Record<string, unknown>;
    r.metadata.labels = {
      ...(r.metadata.labels ?? {}),
      [LABEL_NAMESPACE]: r.metadata.namespace ?? 'default',
      [LABEL_ORCHESTRATOR]: typeof spec.orchestrator === 'string' ? spec.orchestrator : '',
    };
  },
});
