import { checkDns1123Label, checkDns1123Subdomain } from '../validate/net.js';
import { array, bool, object, string } from '../validate/schema.js';
import { defineKind } from './define-kind.js';
import { k8sKind } from './k8s-common.js';

/**
 * v1 Namespace and v1 ServiceAccount: Calico reads only their labels (as
 * `pcns.*` / `pcsa.*` profile labels) and names. Other fields are accepted.
 */
export const namespaceKind = defineKind({
  info: k8sKind('v1', 'Namespace', 'Namespace', 'namespaces', false, ['namespace', 'namespaces', 'ns']),
  name: checkDns1123Label,
  spec: object({ finalizers: array(string()) }, { allowUnknown: true }),
  status: object({ phase: string() }, { allowUnknown: true }),
});

export const serviceAccountKind = defineKind({
  info: k8sKind('v1', 'ServiceAccount', 'ServiceAccount', 'serviceaccounts', true, ['serviceaccount', 'serviceaccounts', 'sa']),
  name: checkDns1123Subdomain,
  topLevel: {
    secrets: array(object({}, { allowUnknown: true })),
    imagePullSecrets: array(object({ name: string() })),
    automountServiceAccountToken: bool(),
  },
});
