/**
 * Kubernetes -> Calico conversion (libcalico-go backend/k8s/conversion).
 * See src/api/k8s/DESIGN.md.
 */
export {
  convertK8sNetworkPolicy,
  k8sSelectorToCalico,
  K8S_NETWORK_POLICY_NAME_PREFIX,
  K8S_NETWORK_POLICY_ORDER,
  LABEL_ORCHESTRATOR,
} from './network-policy.js';
export {
  namespaceToProfile,
  serviceAccountToProfile,
  serviceAccountProfileName,
  profileNameToNamespace,
  profileNameToServiceAccount,
  joinProfileRevisions,
  splitProfileRevision,
  NAMESPACE_LABEL_PREFIX,
  NAMESPACE_PROFILE_NAME_PREFIX,
  SERVICE_ACCOUNT_LABEL_PREFIX,
  SERVICE_ACCOUNT_PROFILE_NAME_PREFIX,
  NAME_LABEL,
} from './profiles.js';
export { convertUid } from './uid.js';
export { normaliseCidr } from './cidr.js';
export { portFromString, portToJson, portToString, simplifyPorts, type Port, type PortJson } from './ports.js';
export type {
  CalicoNetworkPolicy,
  CalicoProfile,
  CalicoRule,
  CalicoEntityRule,
  CalicoObjectMeta,
  RuleConversionError,
  K8sLabelSelector,
  K8sNetworkPolicyPeer,
  K8sNetworkPolicyPort,
} from './k8s-types.js';
