/**
 * The policy scenario every dataplane benchmark programs: `endpoints` local
 * workload endpoints and `policies` NetworkPolicies on one node, as v3
 * resources (CalcUpdates, which are also what the datastore stores).
 *
 * Worst case for the probe flow on purpose: every policy selects the probe
 * server (plus 1/100th of the other endpoints), each allows TCP to the probe
 * ports only from one app's IP set, and only the last policy (highest order)
 * allows the probe client. A dataplane that walks policies therefore walks
 * all N for a new connection to the server, like the last rule of a linear
 * chain (ours compiles such allow-only runs into set lookups).
 */
import * as f from '../../dist/calc/fixtures.js';
import type { CalcUpdate as AnyUpdate } from '../../dist/calc/updates.js';
import type { ResourceUpdate as CalcUpdate } from './store.js';

/** Fixtures return CalcUpdate; every one of ours carries a resource. */
function r(u: AnyUpdate): CalcUpdate {
  if (u.kind === 'InSync') throw new Error('scenario updates carry resources');
  return u;
}

export const NS = 'bench';
export const APPS = 50;
export const GROUPS = 100;
export const IPERF_PORT = 5201;
export const CRR_PORT = 7000;

export interface ProbePod { readonly name: string; readonly ip: string; readonly iface: string; readonly labels: Record<string, string> }

export const PROBE_CLIENT: ProbePod = { name: 'probe-client', ip: '10.65.0.1', iface: 'calicli0', labels: { app: 'client', role: 'probe-client' } };
export const PROBE_SERVER: ProbePod = { name: 'probe-server', ip: '10.65.0.2', iface: 'calisrv0', labels: { app: 'server', role: 'probe-server' } };

export interface ScenarioOptions {
  readonly node: string;
  readonly endpoints: number;
  readonly policies: number;
  /** Add the probe client and server endpoints (packet-cost). */
  readonly probe?: boolean;
}

/** The IP of filler endpoint i (10.70.0.0/16 .. 10.7x: 65k endpoints per /16). */
export function endpointIp(i: number): string {
  return `10.${70 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
}

export const endpointName = (i: number): string => `ep${i}`;
/** The WorkloadEndpoint name Calico derives for a Kubernetes pod (`-` in the node name doubled). */
export const wepName = (node: string, pod: string): string => `${node.replace(/-/g, '--')}-k8s-${pod}-eth0`;
export const endpointIface = (i: number): string => `calibe${i}`;
export const endpointLabels = (i: number, app = i % APPS): Record<string, string> => ({ app: `a${app}`, grp: `g${i % GROUPS}` });

export function endpointUpdate(node: string, i: number, app?: number): CalcUpdate {
  return r(f.wep(NS, wepName(node, endpointName(i)), { node, pod: endpointName(i), containerID: `c${i}`, interfaceName: endpointIface(i), ipNetworks: [`${endpointIp(i)}/32`] }, endpointLabels(i, app)));
}

/** Policy j; `port` replaces the second allowed port (the programming-latency change). */
export function policyUpdate(j: number, total: number, port = CRR_PORT): CalcUpdate {
  const src = j === total - 1 ? 'client' : `a${j % APPS}`;
  return r(f.np(NS, `pol${j}`, {
    order: j,
    selector: `grp == 'g${j % GROUPS}' || role == 'probe-server'`,
    types: ['Ingress'],
    ingress: [{ action: 'Allow', protocol: 'TCP', source: { selector: `app == '${src}'` }, destination: { ports: [IPERF_PORT, port] } }],
  }));
}

export function scenario(o: ScenarioOptions): CalcUpdate[] {
  const out: CalcUpdate[] = [r(f.namespaceProfile(NS))];
  for (let i = 0; i < o.endpoints; i++) out.push(endpointUpdate(o.node, i));
  if (o.probe) {
    for (const p of [PROBE_CLIENT, PROBE_SERVER]) {
      out.push(r(f.wep(NS, wepName(o.node, p.name), { node: o.node, pod: p.name, containerID: p.name, interfaceName: p.iface, ipNetworks: [`${p.ip}/32`] }, p.labels)));
    }
  }
  for (let j = 0; j < o.policies; j++) out.push(policyUpdate(j, o.policies));
  return out;
}
