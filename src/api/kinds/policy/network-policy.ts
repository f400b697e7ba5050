import { calicoKind, defineKind } from '../define-kind.js';
import { isPlainObject } from '../../validate/schema.js';
import {
  applyPolicyDefaults,
  checkNetworkPolicySpec,
  checkTieredName,
  networkPolicyName,
  networkPolicySpecFields,
  policySpecSchema,
} from './policy-spec.js';
import { KIND_NETWORK_POLICY } from './types.js';

/**
 * NetworkPolicy (projectcalico.org/v3, namespaced): ordered ingress/egress
 * rules applied to the endpoints its selector picks in its namespace.
 */
export const networkPolicySpecSchema = policySpecSchema(networkPolicySpecFields, checkNetworkPolicySpec);

export const networkPolicyKind = defineKind({
  info: calicoKind(KIND_NETWORK_POLICY, 'networkpolicies', true, ['networkpolicy', 'policy', 'np', 'policies', 'pol', 'pols']),
  name: networkPolicyName,
  spec: networkPolicySpecSchema,
  validate(r, issues) {
    if (isPlainObject(r.metadata)) checkTieredName(r, issues);
  },
  defaults: (r) => applyPolicyDefaults(r, { inferTypes: true }),
});
