import { calicoKind, defineKind } from '../define-kind.js';
import { convertK8sNetworkPolicy } from '../../k8s/index.js';
import type { Resource } from '../../types.js';
import { Issues } from '../../validate/issues.js';
import { checkLabelKey, checkLabelValue, parseCidr } from '../../validate/net.js';
import { array, enumOf, int, intOrString, isPlainObject, object, required, string, stringMap } from '../../validate/schema.js';
import type { ObjectSpec } from '../../validate/schema.js';
import { networkPolicySpecSchema } from './network-policy.js';
import { stagedActionSpec } from './policy-spec.js';
import { KIND_STAGED_KUBERNETES_NETWORK_POLICY, POLICY_TYPES } from './types.js';

/**
 * StagedKubernetesNetworkPolicy (namespaced): a Kubernetes NetworkPolicy
 * (networking.k8s.io/v1 shapes) staged for evaluation, never enforced.
 * The Kubernetes shapes are checked first; then, as Calico does, the policy
 * is converted to a Calico NetworkPolicy (src/api/k8s) and rules that fail
 * to convert, or a converted spec that fails NetworkPolicy validation, are
 * reported. With stagedAction Delete the rest of the spec must be empty.
 */

const requirementSpec = object(
  {
    key: required(string({ check: checkLabelKey })),
    operator: required(enumOf(['In', 'NotIn', 'Exists', 'DoesNotExist'])),
    values: array(string()),
  },
  {
    check(v, path, issues) {
      const n = Array.isArray(v.values) ? v.values.length : 0;
      if ((v.operator === 'In' || v.operator === 'NotIn') && n === 0) {
        issues.add(`${path}.values`, 'must be specified when `operator` is \'In\' or \'NotIn\'');
      }
      if ((v.operator === 'Exists' || v.operator === 'DoesNotExist') && n > 0) {
        issues.add(`${path}.values`, 'may not be specified when `operator` is \'Exists\' or \'DoesNotExist\'');
      }
    },
  },
);

export const labelSelectorSpec: ObjectSpec = object({
  matchLabels: stringMap({ key: checkLabelKey, value: checkLabelValue }),
  matchExpressions: array(requirementSpec),
});

const cidrString = string({
  check: (v) => {
    const c = parseCidr(v);
    return c.ok ? undefined : c.reason;
  },
});

const ipBlockSpec = object({ cidr: required(cidrString), except: array(cidrString) });

const peerSpec = object({ podSelector: labelSelectorSpec, namespaceSelector: labelSelectorSpec, ipBlock: ipBlockSpec });

const networkPolicyPortSpec = object(
  {
    protocol: enumOf(['TCP', 'UDP', 'SCTP']),
    port: intOrString((p) => {
      if (typeof p === 'number') return p >= 1 && p <= 65535 ? undefined : 'must be between 1 and 65535, inclusive';
      return /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(p) && p.length <= 15 ? undefined : `invalid named port "${p}"`;
    }),
    endPort: int({ min: 1, max: 65535 }),
  },
  {
    check(v, path, issues) {
      if (v.endPort === undefined) return;
      if (typeof v.port !== 'number') issues.add(`${path}.endPort`, 'may not be specified when `port` is not a number');
      else if (typeof v.endPort === 'number' && v.endPort < v.port) {
        issues.add(`${path}.endPort`, 'must be greater than or equal to `port`', v.endPort);
      }
    },
  },
);

const ingressRuleSpec = object({ ports: array(networkPolicyPortSpec), from: array(peerSpec) });
const egressRuleSpec = object({ ports: array(networkPolicyPortSpec), to: array(peerSpec) });

function isZero(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return true;
  return isPlainObject(v) && Object.values(v).every(isZero);
}

function checkSpec(spec: Record<string, unknown>, path: string, issues: Issues): void {
  if (spec.stagedAction !== 'Delete') return;
  const extra = Object.keys(spec).filter((k) => k !== 'stagedAction' && !isZero(spec[k]));
  if (extra.length > 0) {
    issues.add(path, 'StagedKubernetesNetworkPolicySpec: Spec fields should all be zero-value if stagedAction is Delete', extra);
  }
}

/** validateStagedKubernetesNetworkPolicy: convert to a Calico policy and validate that. */
function checkByConversion(r: Resource, issues: Issues): void {
  const spec = r.spec;
  if (!isPlainObject(spec) || spec.stagedAction === 'Delete') return;
  // Shape problems were reported by the schema; the converter would only repeat them.
  if (issues.list.some((i) => i.path === 'spec' || i.path.startsWith('spec.'))) return;
  const k8sSpec: Record<string, unknown> = { ...spec };
  delete k8sSpec.stagedAction;
  let converted: ReturnType<typeof convertK8sNetworkPolicy>;
  try {
    converted = convertK8sNetworkPolicy({ metadata: { name: r.metadata.name, namespace: r.metadata.namespace }, spec: k8sSpec });
  } catch (e) {
    issues.add('spec', `conversion to stagednetworkpolicy failed ${(e as Error).message}`);
    return;
  }
  for (const err of converted.errors) {
    issues.add(`spec.${err.direction}[${err.index}]`, `conversion to stagednetworkpolicy failed ${err.reason}`);
  }
  const inner = new Issues();
  networkPolicySpecSchema.check(converted.policy.spec, 'spec', inner);
  for (const i of inner.list) issues.add('spec', `converted policy is invalid: ${i.path}: ${i.reason}`, i.value);
}

export const stagedKubernetesNetworkPolicySpecSchema: ObjectSpec = object(
  {
    stagedAction: stagedActionSpec,
    podSelector: labelSelectorSpec,
    ingress: array(ingressRuleSpec),
    egress: array(egressRuleSpec),
    policyTypes: array(enumOf(POLICY_TYPES)),
  },
  { check: (v, path, issues) => checkSpec(v, path, issues) },
);

export const stagedKubernetesNetworkPolicyKind = defineKind({
  info: calicoKind(KIND_STAGED_KUBERNETES_NETWORK_POLICY, 'stagedkubernetesnetworkpolicies', true, [
    'stagedkubernetesnetworkpolicy',
    'stagedkubernetespolicy',
    'sknp',
    'stagedkubernetespolicies',
    'skpol',
    'skpols',
  ]),
  spec: stagedKubernetesNetworkPolicySpecSchema,
  validate: checkByConversion,
});
