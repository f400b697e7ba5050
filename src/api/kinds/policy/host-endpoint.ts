import { calicoKind, defineKind } from '../define-kind.js';
import type { Issues } from '../../validate/issues.js';
import { array, object, string } from '../../validate/schema.js';
import type { ObjectSpec } from '../../validate/schema.js';
import { endpointPortSpec } from './endpoint-port.js';
import { interfaceNameProblem, ipSpec, resourceNameSpec } from './endpoint-fields.js';
import { KIND_HOST_ENDPOINT } from './types.js';

/**
 * HostEndpoint (cluster-scoped): a host interface (or `*` for all of them)
 * and/or the IPs expected on it, on one node, secured by policy. Validation
 * as validator.go validateHostEndpointSpec: a node is required, and an
 * interface name or some expected IPs.
 */
function checkHostEndpointSpec(spec: Record<string, unknown>, path: string, issues: Issues): void {
  const iface = typeof spec.interfaceName === 'string' ? spec.interfaceName : '';
  const ips = Array.isArray(spec.expectedIPs) ? spec.expectedIPs : [];
  if (iface === '' && ips.length === 0) {
    issues.add(`${path}.interfaceName`, 'no interface or expected IPs have been specified');
  }
  if (typeof spec.node !== 'string' || spec.node === '') issues.add(`${path}.node`, 'no node has been specified');
}

export const hostEndpointSpecSchema: ObjectSpec = object(
  {
    node: resourceNameSpec,
    interfaceName: string({ check: (v) => (v === '' ? undefined : interfaceNameProblem(v)) }),
    expectedIPs: array(ipSpec),
    profiles: array(resourceNameSpec),
    ports: array(endpointPortSpec),
  },
  { check: (v, path, issues) => checkHostEndpointSpec(v, path, issues) },
);

export const hostEndpointKind = defineKind({
  info: calicoKind(KIND_HOST_ENDPOINT, 'hostendpoints', false, ['hostendpoint', 'hostendpoints', 'hep', 'heps']),
  spec: hostEndpointSpecSchema,
  validate(r, issues) {
    // Calico validates the zero-value spec, so a missing spec reports the missing node and interface.
    if (r.spec === undefined) checkHostEndpointSpec({}, 'spec', issues);
  },
});
