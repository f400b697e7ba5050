/**
 * WorkloadEndpoint identifiers and names, as libcalico-go's `names`
 * package builds them, and the host-side veth names the CNI plugin and
 * Felix agree on.
 *
 *   k8s:        <node>-k8s-<pod>-<endpoint>
 *   cni:        <node>-cni-<containerID>-<endpoint>
 *   libnetwork: <node>-libnetwork-libnetwork-<endpoint>
 *   other:      <node>-<orchestrator>-<workload>-<endpoint>
 *
 * Each segment may not start or end with '-'; a '-' inside a segment is
 * written '--' so the name splits back unambiguously.
 */
import { createHash } from 'node:crypto';
import { ValidationError } from '../lib/errors.js';

export const ORCHESTRATOR_K8S = 'k8s';
export const ORCHESTRATOR_CNI = 'cni';

export interface WorkloadEndpointIdentifiers {
  node: string;
  orchestrator: string;
  endpoint?: string | undefined;
  workload?: string | undefined;
  pod?: string | undefined;
  containerId?: string | undefined;
}

interface Segment {
  readonly value: string;
  /** The WorkloadEndpoint spec field this segment comes from (for errors). */
  readonly field: string;
}

function segments(ids: WorkloadEndpointIdentifiers): Segment[] {
  if (!ids.node) throw new ValidationError([{ path: 'node', reason: 'field should be assigned' }]);
  const node = { value: ids.node, field: 'node' };
  const orch = { value: ids.orchestrator ?? '', field: 'orchestrator' };
  const endp = { value: ids.endpoint ?? '', field: 'endpoint' };
  switch (ids.orchestrator) {
    case ORCHESTRATOR_K8S: return [node, orch, { value: ids.pod ?? '', field: 'pod' }, endp];
    case ORCHESTRATOR_CNI: return [node, orch, { value: ids.containerId ?? '', field: 'containerID' }, endp];
    case 'libnetwork': return [node, orch, orch, endp];
    default: return [node, orch, { value: ids.workload ?? '', field: 'workload' }, endp];
  }
}

function escapeDashes(s: Segment): string {
  if (s.value.startsWith('-')) throw new ValidationError([{ path: s.field, value: s.value, reason: "field must not begin with a '-'" }]);
  if (s.value.endsWith('-')) throw new ValidationError([{ path: s.field, value: s.value, reason: "field must not end with a '-'" }]);
  return s.value.replaceAll('-', '--');
}

/**
 * The WorkloadEndpoint name for `ids`. With `allowPrefix`, stops at the first
 * empty segment and returns the prefix so far ending in '-' (for prefix lists).
 * Throws ValidationError naming the missing or malformed field.
 */
export function workloadEndpointName(ids: WorkloadEndpointIdentifiers, allowPrefix = false): string {
  const parts: string[] = [];
  for (const s of segments(ids)) {
    if (s.value === '') {
      if (!allowPrefix) throw new ValidationError([{ path: s.field, value: s.value, reason: 'field should be assigned' }]);
      return parts.join('-') + '-';
    }
    parts.push(escapeDashes(s));
  }
  return parts.join('-');
}

/** Splits a name on single dashes, un-escaping '--'. */
export function extractNameParts(name: string): string[] {
  const parts: string[] = [];
  let last = -1;
  for (let i = 1; i < name.length; i++) {
    if (name[i] !== '-') continue;
    if (i < name.length - 1 && name[i + 1] === '-') { i++; continue; }
    parts.push(name.slice(last + 1, i).replaceAll('--', '-'));
    last = i;
  }
  parts.push(name.slice(last + 1).replaceAll('--', '-'));
  return parts;
}

/** True when `name` is an endpoint of `ids`; empty identifier fields match anything. */
export function nameMatches(ids: WorkloadEndpointIdentifiers, name: string): boolean {
  const req = segments(ids);
  if (name.length < 2 * req.length - 1) return false;
  const parts = extractNameParts(name);
  if (parts.length !== req.length) return false;
  return req.every((r, i) => r.value === '' || r.value === parts[i]);
}

/** Parses a WorkloadEndpoint name back into its identifiers (names.ParseWorkloadEndpointName). */
export function parseWorkloadEndpointName(name: string): WorkloadEndpointIdentifiers {
  if (name === '') throw new ValidationError([{ path: 'metadata.name', value: name, reason: 'cannot parse empty string' }]);
  const parts = extractNameParts(name);
  const ids: WorkloadEndpointIdentifiers = { node: parts[0] ?? '', orchestrator: parts[1] ?? '' };
  const rest = parts.slice(2);
  if (rest.length > 2) throw new ValidationError([{ path: 'metadata.name', value: name, reason: 'not a WorkloadEndpoint name' }]);
  const [third, endpoint] = rest;
  switch (ids.orchestrator) {
    case ORCHESTRATOR_K8S: ids.pod = third; break;
    case ORCHESTRATOR_CNI: ids.containerId = third; break;
    case 'libnetwork': break;
    default: ids.workload = third;
  }
  if (endpoint !== undefined) ids.endpoint = endpoint;
  return ids;
}

/** Interface prefix Felix uses (FELIX_INTERFACEPREFIX, first of a comma list; default `cali`). */
export function interfacePrefix(env: NodeJS.ProcessEnv = process.env): string {
  const p = env['FELIX_INTERFACEPREFIX'];
  return p ? (p.split(',')[0] ?? 'cali') : 'cali';
}

/**
 * Host veth of a Kubernetes pod: prefix + the first 11 hex chars of
 * sha1("<namespace>.<pod>") (conversion.VethNameForWorkload), so Felix can
 * compute it from the Pod alone.
 */
export function vethNameForWorkload(namespace: string, pod: string, env: NodeJS.ProcessEnv = process.env): string {
  const h = createHash('sha1').update(`${namespace}.${pod}`).digest('hex');
  return interfacePrefix(env) + h.slice(0, 11);
}

/** Host veth of a non-Kubernetes workload: `cali` + the first 11 chars of the container id (plugin.go). */
export function vethNameForContainer(containerId: string): string {
  return 'cali' + containerId.slice(0, 11);
}
