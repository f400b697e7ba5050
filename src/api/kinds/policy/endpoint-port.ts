import type { Issues } from '../../validate/issues.js';
import { checkPortName } from '../../validate/net.js';
import { protocolProblem, protocolSupportsPorts, strictNetProblem } from '../../validate/rule-fields.js';
import { custom, int, object, required, string } from '../../validate/schema.js';
import type { ObjectSpec } from '../../validate/schema.js';

/**
 * Named ports of endpoints: HostEndpoint `EndpointPort` (hostendpoint.go)
 * and WorkloadEndpoint `WorkloadEndpointPort` (workloadendpoint.go), with
 * validator.go validateEndpointPort / validateWorkloadEndpointPort. Only
 * TCP, UDP and SCTP carry ports.
 */

/** A protocol that must be valid and support ports; `kind` names the struct in the message. */
function portProtocol(kind: string) {
  return custom('integer or string', (value) => {
    const bad = protocolProblem(value);
    if (bad) return bad;
    return protocolSupportsPorts(value) ? undefined : `${kind} protocol does not support ports.`;
  });
}

const portNumber = int({ min: 1, max: 65535 });

export const endpointPortSpec: ObjectSpec = object({
  name: required(string({ check: (v) => (v === '' ? 'port name must not be empty' : checkPortName(v)) })),
  protocol: required(portProtocol('EndpointPort')),
  port: required(portNumber),
});

function checkWorkloadEndpointPort(p: Record<string, unknown>, path: string, issues: Issues): void {
  const name = typeof p.name === 'string' ? p.name : '';
  const hostPort = typeof p.hostPort === 'number' ? p.hostPort : 0;
  if (name === '' && hostPort === 0) {
    issues.add(`${path}.name`, 'WorkloadEndpointPort name must not be empty if no HostPort is specified');
  }
}

export const workloadEndpointPortSpec: ObjectSpec = object(
  {
    name: string({ check: (v) => (v === '' ? undefined : checkPortName(v)) }),
    protocol: required(portProtocol('WorkloadEndpointPort')),
    port: required(portNumber),
    hostPort: int({ min: 0, max: 65535 }),
    hostIP: string({ check: (v) => (v === '' ? undefined : strictNetProblem(v)) }),
  },
  { check: (v, path, issues) => checkWorkloadEndpointPort(v, path, issues) },
);
