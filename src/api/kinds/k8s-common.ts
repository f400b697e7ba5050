import { checkLabelKey, checkLabelValue, checkPortName } from '../validate/net.js';
import { array, enumOf, int, intOrString, object, required, string, stringMap, type Spec } from '../validate/schema.js';
import type { KindInfo } from '../types.js';

/**
 * Shapes shared by the Kubernetes kinds Calico reads (v1 Pod, Namespace,
 * ServiceAccount; networking.k8s.io/v1 NetworkPolicy), checked as the
 * Kubernetes API server validates them (apimachinery ValidateLabelSelector,
 * core ValidateContainerPorts).
 */
export function k8sKind(apiVersion: string, kind: string, storageKind: string, plural: string, namespaced: boolean, aliases: readonly string[]): KindInfo {
  return { kind, apiVersion, storageKind, namespaced, plural, aliases };
}

export const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;

/** metav1.LabelSelector: matchLabels plus matchExpressions (In/NotIn need values, Exists/DoesNotExist none). */
export const labelSelector: Spec = object({
  matchLabels: stringMap({ key: checkLabelKey, value: checkLabelValue }),
  matchExpressions: array(object({
    key: required(string({ check: checkLabelKey })),
    operator: required(enumOf(['In', 'NotIn', 'Exists', 'DoesNotExist'])),
    values: array(string()),
  }, {
    check: (e, path, issues) => {
      const values = Array.isArray(e.values) ? e.values : [];
      if ((e.operator === 'In' || e.operator === 'NotIn') && values.length === 0) {
        issues.add(`${path}.values`, 'must be specified when `operator` is \'In\' or \'NotIn\'');
      }
      if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && values.length > 0) {
        issues.add(`${path}.values`, 'may not be specified when `operator` is \'Exists\' or \'DoesNotExist\'');
      }
    },
  })),
});

/** core/v1 ContainerPort as Calico reads it for named ports. */
export const containerPort: Spec = object({
  name: string({ check: checkPortName }),
  containerPort: required(int({ min: 1, max: 65535 })),
  protocol: enumOf(PROTOCOLS),
  hostPort: int({ min: 1, max: 65535 }),
  hostIP: string(),
});

/** An int-or-string port of a NetworkPolicyPort: a number 1-65535 or an IANA service name. */
export const namedOrNumberedPort: Spec = intOrString((v) => {
  if (typeof v === 'number') return v >= 1 && v <= 65535 ? undefined : 'must be between 1 and 65535, inclusive';
  return checkPortName(v);
});
