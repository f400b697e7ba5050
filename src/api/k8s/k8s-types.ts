/**
 * The parts of the Kubernetes objects the converter reads (networking.k8s.io/v1
 * NetworkPolicy, v1 Namespace, v1 ServiceAccount), and the
 * projectcalico.org/v3 shapes it produces, in Calico's JSON field order.
 * Inputs are read defensively through `reader.ts` because callers pass
 * plain parsed YAML/JSON.
 */
import type { PortJson } from './ports.js';

export interface K8sLabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface K8sLabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: K8sLabelSelectorRequirement[];
}

export interface K8sIPBlock {
  cidr: string;
  except?: string[];
}

export interface K8sNetworkPolicyPeer {
  podSelector?: K8sLabelSelector | null;
  namespaceSelector?: K8sLabelSelector | null;
  ipBlock?: K8sIPBlock | null;
}

export interface K8sNetworkPolicyPort {
  protocol?: string | null;
  /** IntOrString. */
  port?: number | string | null;
  endPort?: number | null;
}

export interface K8sObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string | null;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** A rule of a projectcalico.org/v3 policy or profile, fields in Calico's order. */
export interface CalicoEntityRule {
  nets?: string[];
  selector?: string;
  namespaceSelector?: string;
  ports?: PortJson[];
  notNets?: string[];
}

export interface CalicoRule {
  action: 'Allow';
  protocol?: string;
  source?: CalicoEntityRule;
  destination?: CalicoEntityRule;
}

export interface CalicoObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
}

export interface CalicoNetworkPolicy {
  kind: 'NetworkPolicy';
  apiVersion: 'projectcalico.org/v3';
  metadata: CalicoObjectMeta;
  spec: {
    tier: string;
    order: number;
    ingress?: CalicoRule[];
    egress?: CalicoRule[];
    selector: string;
    types: Array<'Ingress' | 'Egress'>;
  };
}

export interface CalicoProfile {
  kind: 'Profile';
  apiVersion: 'projectcalico.org/v3';
  metadata: CalicoObjectMeta;
  spec: {
    ingress?: CalicoRule[];
    egress?: CalicoRule[];
    labelsToApply: Record<string, string>;
  };
}

export interface RuleConversionError {
  direction: 'ingress' | 'egress';
  /** Index of the rule in the Kubernetes policy's spec.ingress / spec.egress. */
  index: number;
  reason: string;
}
