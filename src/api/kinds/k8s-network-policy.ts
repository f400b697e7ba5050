import type { Resource } from '../types.js';
import { checkDns1123Subdomain, cidrContains, parseCidr } from '../validate/net.js';
import { array, enumOf, int, object, required, string, type Spec } from '../validate/schema.js';
import { defineKind, specOf } from './define-kind.js';
import { PROTOCOLS, k8sKind, labelSelector, namedOrNumberedPort } from './k8s-common.js';

/**
 * networking.k8s.io/v1 NetworkPolicy, stored as `KubernetesNetworkPolicy`
 * so it never collides with Calico's namespaced NetworkPolicy. Checked as
 * the Kubernetes API server does (ValidateNetworkPolicySpec): peers need
 * exactly one of ipBlock or selectors, ipBlock.except inside cidr, endPort
 * only with a numeric port and >= port. Defaults as Kubernetes sets them:
 * port protocol TCP; policyTypes [Ingress] plus Egress when egress rules exist.
 */
const cidrString = string({ check: (v) => (parseCidr(v).ok ? undefined : `must be a valid CIDR (e.g. 10.0.0.0/16), got "${v}"`) });

const peer: Spec = object({
  podSelector: labelSelector,
  namespaceSelector: labelSelector,
  ipBlock: object({ cidr: required(cidrString), except: array(cidrString) }),
}, {
  check: (p, path, issues) => {
    const hasSel = p.podSelector !== undefined || p.namespaceSelector !== undefined;
    if (p.ipBlock !== undefined && hasSel) issues.add(path, 'may not specify more than 1 peer type');
    else if (p.ipBlock === undefined && !hasSel) issues.add(path, 'must specify a peer');
    const block = p.ipBlock as { cidr?: unknown; except?: unknown } | undefined;
    if (!block || typeof block.cidr !== 'string' || !Array.isArray(block.except)) return;
    const outer = parseCidr(block.cidr);
    if (!outer.ok) return;
    block.except.forEach((e: unknown, i) => {
      if (typeof e !== 'string') return;
      const inner = parseCidr(e);
      if (inner.ok && (!cidrContains(outer.value, inner.value) || inner.value.prefixLength === outer.value.prefixLength)) {
        issues.add(`${path}.ipBlock.except[${i}]`, 'must be a strict subset of `cidr`', e);
      }
    });
  },
});

const port: Spec = object({
  protocol: enumOf(PROTOCOLS),
  port: namedOrNumberedPort,
  endPort: int({ min: 1, max: 65535 }),
}, {
  check: (p, path, issues) => {
    if (p.endPort === undefined) return;
    if (p.port === undefined) issues.add(`${path}.endPort`, 'may not be specified when `port` is not specified');
    else if (typeof p.port === 'string') issues.add(`${path}.endPort`, 'may not be specified when `port` is non-numeric');
    else if (typeof p.port === 'number' && typeof p.endPort === 'number' && p.endPort < p.port) {
      issues.add(`${path}.endPort`, 'must be greater than or equal to `port`', p.endPort);
    }
  },
});

export const k8sNetworkPolicySpecSchema = object({
  podSelector: required(labelSelector),
  policyTypes: array(enumOf(['Ingress', 'Egress']), {
    maxItems: 2,
    check: (v) => (new Set(v).size !== v.length ? 'duplicate policy type' : undefined),
  }),
  ingress: array(object({ ports: array(port), from: array(peer) })),
  egress: array(object({ ports: array(port), to: array(peer) })),
});

function k8sNetworkPolicyDefaults(r: Resource): void {
  const spec = specOf(r);
  if (!Array.isArray(spec.policyTypes) || spec.policyTypes.length === 0) {
    const types = ['Ingress'];
    if (Array.isArray(spec.egress) && spec.egress.length > 0) types.push('Egress');
    spec.policyTypes = types;
  }
  for (const dir of ['ingress', 'egress']) {
    const rules = spec[dir];
    if (!Array.isArray(rules)) continue;
    for (const rule of rules as { ports?: { protocol?: string }[] }[]) for (const p of rule.ports ?? []) p.protocol ??= 'TCP';
  }
}

export const k8sNetworkPolicyKind = defineKind({
  info: k8sKind('networking.k8s.io/v1', 'NetworkPolicy', 'KubernetesNetworkPolicy', 'networkpolicies', true, [
    'kubernetesnetworkpolicy', 'kubernetesnetworkpolicies', 'knp', 'networkpolicy.networking.k8s.io', 'networkpolicies.networking.k8s.io',
  ]),
  name: checkDns1123Subdomain,
  spec: k8sNetworkPolicySpecSchema,
  specRequired: true,
  defaults: k8sNetworkPolicyDefaults,
});
