import { calicoKind, defineKind } from '../define-kind.js';
import type { Issues } from '../../validate/issues.js';
import { isPlainObject } from '../../validate/schema.js';
import {
  applyPolicyDefaults,
  checkGlobalNetworkPolicySpec,
  checkStagedDeleteSpec,
  checkTieredName,
  globalNetworkPolicyName,
  globalNetworkPolicySpecFields,
  policySpecSchema,
  stagedActionSpec,
} from './policy-spec.js';
import { KIND_STAGED_GLOBAL_NETWORK_POLICY } from './types.js';

/** StagedGlobalNetworkPolicy: the staged (computed, never enforced) form of a GlobalNetworkPolicy. */
function checkStagedSpec(spec: Record<string, unknown>, path: string, issues: Issues): void {
  if (spec.stagedAction === 'Delete') checkStagedDeleteSpec(spec, path, issues, 'StagedGlobalNetworkPolicySpec');
  else checkGlobalNetworkPolicySpec(spec, path, issues);
}

export const stagedGlobalNetworkPolicySpecSchema = policySpecSchema(
  { stagedAction: stagedActionSpec, ...globalNetworkPolicySpecFields },
  checkStagedSpec,
);

export const stagedGlobalNetworkPolicyKind = defineKind({
  info: calicoKind(KIND_STAGED_GLOBAL_NETWORK_POLICY, 'stagedglobalnetworkpolicies', false, [
    'stagedglobalnetworkpolicy',
    'sgnp',
    'sgnps',
  ]),
  name: globalNetworkPolicyName,
  spec: stagedGlobalNetworkPolicySpecSchema,
  validate(r, issues) {
    if (isPlainObject(r.metadata)) checkTieredName(r, issues);
  },
  defaults: (r) => applyPolicyDefaults(r, { inferTypes: (r.spec as { stagedAction?: unknown } | undefined)?.stagedAction !== 'Delete' }),
});
