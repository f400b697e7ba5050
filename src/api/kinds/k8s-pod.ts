import type { Resource } from '../types.js';
import { array, bool, object, string, type Spec } from '../validate/schema.js';
import { checkDns1123Subdomain } from '../validate/net.js';
import { defineKind, specOf } from './define-kind.js';
import { containerPort, k8sKind } from './k8s-common.js';
import { ipField } from './common-fields.js';

/**
 * v1 Pod: only what Calico reads is checked (labels via metadata,
 * spec.serviceAccountName, spec.nodeName, spec.hostNetwork, containers[].ports[]
 * for named ports, status.podIP/podIPs); every other Pod field is accepted untouched,
 * so a real pod manifest (image, command, volumes, ...) is not rejected.
 * Defaults as the Kubernetes API server fills the parts Calico reads:
 * container port protocol TCP, serviceAccountName `default`.
 */
const container: Spec = object({ name: string(), ports: array(containerPort) }, { allowUnknown: true });

export const podKind = defineKind({
  info: k8sKind('v1', 'Pod', 'Pod', 'pods', true, ['pod', 'pods', 'po']),
  name: checkDns1123Subdomain,
  spec: object({
    serviceAccountName: string({ check: checkDns1123Subdomain }),
    serviceAccount: string(),
    nodeName: string(),
    hostNetwork: bool(),
    containers: array(container),
    initContainers: array(container),
  }, { allowUnknown: true }),
  status: object({
    podIP: ipField,
    podIPs: array(object({ ip: ipField })),
  }, { allowUnknown: true }),
  defaults: (r: Resource) => {
    const spec = specOf(r);
    if (!spec.serviceAccountName) spec.serviceAccountName = typeof spec.serviceAccount === 'string' && spec.serviceAccount ? spec.serviceAccount : 'default';
    for (const list of ['containers', 'initContainers']) {
      const cs = spec[list];
      if (!Array.isArray(cs)) continue;
      for (const c of cs as { ports?: { protocol?: string }[] }[]) for (const p of c.ports ?? []) p.protocol ??= 'TCP';
    }
  },
});
