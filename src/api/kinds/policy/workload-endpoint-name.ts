/**
 * WorkloadEndpoint names as libcalico-go lib/names/workloadendpoint.go:
 * `<node>-<orchestrator>-<pod|containerID|workload>-<endpoint>` with dashes
 * inside each part doubled, so the parts can be split apart again.
 */

export type DerivedName =
  | { readonly ok: true; readonly name: string }
  | { readonly ok: false; readonly field: string; readonly reason: string };

function part(spec: Record<string, unknown>, field: string): string {
  const v = spec[field];
  return typeof v === 'string' ? v : '';
}

/** The name segments (field names) for an orchestrator (getSegments). */
export function nameSegments(orchestrator: string): readonly string[] {
  switch (orchestrator) {
    case 'k8s':
      return ['node', 'orchestrator', 'pod', 'endpoint'];
    case 'cni':
      return ['node', 'orchestrator', 'containerID', 'endpoint'];
    case 'libnetwork':
      return ['node', 'orchestrator', 'orchestrator', 'endpoint'];
    default:
      return ['node', 'orchestrator', 'workload', 'endpoint'];
  }
}

/** CalculateWorkloadEndpointName(false) over a WorkloadEndpoint spec. */
export function workloadEndpointName(spec: Record<string, unknown>): DerivedName {
  if (part(spec, 'node') === '') return { ok: false, field: 'node', reason: 'field should be assigned' };
  const parts: string[] = [];
  for (const field of nameSegments(part(spec, 'orchestrator'))) {
    const v = part(spec, field);
    if (v === '') return { ok: false, field, reason: 'field should be assigned' };
    if (v.startsWith('-')) return { ok: false, field, reason: "field must not begin with a '-'" };
    if (v.endsWith('-')) return { ok: false, field, reason: "field must not end with a '-'" };
    parts.push(v.replaceAll('-', '--'));
  }
  return { ok: true, name: parts.join('-') };
}
