import { calicoKind, defineKind } from '../define-kind.js';
import { isPlainObject } from '../../validate/schema.js';
import {
  applyPolicyDefaults,
  checkGlobalNetworkPolicySpec,
  checkTieredName,
  globalNetworkPolicyName,
  globalNetworkPolicySpecFields,
  policySpecSchema,
} from './policy-spec.js';
import { KIND_GLOBAL_NETWORK_POLICY } from './types.js';

/**
 * GlobalNetworkPolicy (cluster-scoped): like NetworkPolicy across all
 * namespaces and host endpoints, plus the host-endpoint modes doNotTrack,
 * preDNAT and applyOnForward.
 */
export const globalNetworkPolicySpecSchema = policySpecSchema(globalNetworkPolicySpecFields, checkGlobalNetworkPolicySpec);

export const globalNetworkPolicyKind = defineKind({
  info: calicoKind(KIND_GLOBAL_NETWORK_POLICY, 'globalnetworkpolicies', false, ['globalnetworkpolicy', 'gnp', 'gnps']),
  name: globalNetworkPolicyName,
  spec: globalNetworkPolicySpecSchema,
  validate(r, issues) {
    if (isPlainObject(r.metadata)) checkTieredName(r, issues);
  },
  defaults: (r) => applyPolicyDefaults(r, { inferTypes: true }),
});
