import { calicoKind, defineKind } from '../define-kind.js';
import { checkReservedLabels, networkSetSpecSchema } from './network-set.js';
import { KIND_GLOBAL_NETWORK_SET } from './types.js';

/**
 * GlobalNetworkSet (cluster-scoped): a labelled list of CIDRs that any
 * policy can select, and namespaced policies reach with `namespaceSelector: global()`.
 */
export const globalNetworkSetKind = defineKind({
  info: calicoKind(KIND_GLOBAL_NETWORK_SET, 'globalnetworksets', false, ['globalnetworkset', 'globalnetworksets', 'gnetsets']),
  spec: networkSetSpecSchema,
  validate: checkReservedLabels,
});
