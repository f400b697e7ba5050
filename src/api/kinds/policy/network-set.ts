import { calicoKind, defineKind } from '../define-kind.js';
import type { Resource } from '../../types.js';
import type { Issues } from '../../validate/issues.js';
import { cidrProblem } from '../../validate/rule-fields.js';
import { array, object, string } from '../../validate/schema.js';
import type { ObjectSpec } from '../../validate/schema.js';
import { KIND_NETWORK_SET } from './types.js';

/**
 * NetworkSet (namespaced): a labelled list of CIDRs (a bare IP is a host
 * CIDR) that rule selectors in the same namespace can match.
 */
export const networkSetSpecSchema: ObjectSpec = object({ nets: array(string({ check: cidrProblem })) });

/** Label reserved for mapping the namespace into Calico's v1 model (validateNetworkSet). */
export const LABEL_NAMESPACE = 'projectcalico.org/namespace';

export function checkReservedLabels(r: Resource, issues: Issues): void {
  const labels = r.metadata?.labels;
  if (labels && typeof labels === 'object' && Object.prototype.hasOwnProperty.call(labels, LABEL_NAMESPACE)) {
    issues.add(`metadata.labels.${LABEL_NAMESPACE}`, `${LABEL_NAMESPACE} is not a valid label name`, LABEL_NAMESPACE);
  }
}

export const networkSetKind = defineKind({
  info: calicoKind(KIND_NETWORK_SET, 'networksets', true, ['networkset', 'networksets', 'netsets']),
  spec: networkSetSpecSchema,
  validate: checkReservedLabels,
});
