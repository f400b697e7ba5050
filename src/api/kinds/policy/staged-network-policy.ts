import { calicoKind, defineKind } from '../define-kind.js';
import type { Issues } from '../../validate/issues.js';
import { isPlainObject } from '../../validate/schema.js';
import {
  applyPolicyDefaults,
  checkNetworkPolicySpec,
  checkStagedDeleteSpec,
  checkTieredName,
  networkPolicyName,
  networkPolicySpecFields,
  policySpecSchema,
  stagedActionSpec,
} from './policy-spec.js';
import { KIND_STAGED_NETWORK_POLICY } from './types.js';

/**
 * StagedNetworkPolicy: a NetworkPolicy that is computed but never enforced
 * (`stagedAction` Set, Delete, Learn or Ignore; absent means Set). With
 * Delete it stages the removal of the enforced policy of the same name and
 * must carry no rules or selectors.
 */
function checkStagedSpec(spec: Record<string, unknown>, path: string, issues: Issues): void {
  if (spec.stagedAction === 'Delete') checkStagedDeleteSpec(spec, path, issues, 'StagedNetworkPolicySpec');
  else checkNetworkPolicySpec(spec, path, issues);
}

export const stagedNetworkPolicySpecSchema = policySpecSchema(
  { stagedAction: stagedActionSpec, ...networkPolicySpecFields },
  checkStagedSpec,
);

export const stagedNetworkPolicyKind = defineKind({
  info: calicoKind(KIND_STAGED_NETWORK_POLICY, 'stagednetworkpolicies', true, [
    'stagednetworkpolicy',
    'stagedpolicy',
    'snp',
    'stagedpolicies',
    'spol',
    'spols',
  ]),
  name: networkPolicyName,
  spec: stagedNetworkPolicySpecSchema,
  validate(r, issues) {
    // clientv3 also refuses to *create* one named `knp.default.*` (an operation error, not a
    // validation error: such names are valid for staged Kubernetes policies converted by Calico).
    if (isPlainObject(r.metadata)) checkTieredName(r, issues);
  },
  defaults: (r) => applyPolicyDefaults(r, { inferTypes: (r.spec as { stagedAction?: unknown } | undefined)?.stagedAction !== 'Delete' }),
});
