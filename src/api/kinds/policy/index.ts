// Policy-related kinds register themselves when imported here.
import './network-policy.js';
import './global-network-policy.js';
import './staged-network-policy.js';
import './staged-global-network-policy.js';
import './staged-kubernetes-network-policy.js';
import './tier.js';
import './network-set.js';
import './global-network-set.js';
import './host-endpoint.js';
import './workload-endpoint.js';
import './profile.js';

export * from './types.js';
export {
  tierFromPolicyName,
  tieredPolicyName,
  backendTieredPolicyName,
  clientTieredPolicyName,
  validateTieredPolicyName,
  policyNameIsFormatted,
  K8S_NETWORK_POLICY_NAME_PREFIX,
} from './tiered-name.js';
export { defaultPolicyTypes, LABEL_TIER } from './policy-spec.js';
export { workloadEndpointName } from './workload-endpoint-name.js';
