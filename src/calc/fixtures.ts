/**
 * Builders of CalcUpdates for tests, benchmarks and examples: short, typed
 * v3 resources with only the fields a case needs.
 */
import type {
  GlobalNetworkPolicySpec,
  HostEndpointSpec,
  NetworkPolicySpec,
  ProfileSpec,
  StagedGlobalNetworkPolicySpec,
  TierSpec,
  WorkloadEndpointSpec,
} from '../api/kinds/policy/types.js';
import type { CalcUpdate } from './updates.js';

const API = 'projectcalico.org/v3';

export function wep(ns: string, name: string, spec: WorkloadEndpointSpec, labels: Record<string, string> = {}): CalcUpdate {
  return {
    kind: 'WorkloadEndpoint',
    key: { kind: 'WorkloadEndpoint', namespace: ns, name },
    value: {
      apiVersion: API, kind: 'WorkloadEndpoint',
      metadata: { name, namespace: ns, labels },
      spec: { orchestrator: 'k8s', node: 'node1', endpoint: 'eth0', interfaceName: `cali${name}`.slice(0, 15), profiles: [`kns.${ns}`], ...spec },
    },
  };
}

export function delWep(ns: string, name: string): CalcUpdate {
  return { kind: 'WorkloadEndpoint', key: { kind: 'WorkloadEndpoint', namespace: ns, name }, value: null };
}

export function hep(name: string, spec: HostEndpointSpec, labels: Record<string, string> = {}): CalcUpdate {
  return { kind: 'HostEndpoint', key: { kind: 'HostEndpoint', name }, value: { apiVersion: API, kind: 'HostEndpoint', metadata: { name, labels }, spec: { node: 'node1', ...spec } } };
}

export function np(ns: string, name: string, spec: NetworkPolicySpec): CalcUpdate {
  return { kind: 'NetworkPolicy', key: { kind: 'NetworkPolicy', namespace: ns, name }, value: { apiVersion: API, kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec } };
}

export function delNp(ns: string, name: string): CalcUpdate {
  return { kind: 'NetworkPolicy', key: { kind: 'NetworkPolicy', namespace: ns, name }, value: null };
}

export function gnp(name: string, spec: GlobalNetworkPolicySpec): CalcUpdate {
  return { kind: 'GlobalNetworkPolicy', key: { kind: 'GlobalNetworkPolicy', name }, value: { apiVersion: API, kind: 'GlobalNetworkPolicy', metadata: { name }, spec } };
}

export function delGnp(name: string): CalcUpdate {
  return { kind: 'GlobalNetworkPolicy', key: { kind: 'GlobalNetworkPolicy', name }, value: null };
}

export function sgnp(name: string, spec: StagedGlobalNetworkPolicySpec): CalcUpdate {
  return { kind: 'StagedGlobalNetworkPolicy', key: { kind: 'StagedGlobalNetworkPolicy', name }, value: { apiVersion: API, kind: 'StagedGlobalNetworkPolicy', metadata: { name }, spec } };
}

export function snp(ns: string, name: string, spec: StagedGlobalNetworkPolicySpec): CalcUpdate {
  return { kind: 'StagedNetworkPolicy', key: { kind: 'StagedNetworkPolicy', namespace: ns, name }, value: { apiVersion: API, kind: 'StagedNetworkPolicy', metadata: { name, namespace: ns }, spec } };
}

export function tier(name: string, spec: TierSpec): CalcUpdate {
  return { kind: 'Tier', key: { kind: 'Tier', name }, value: { apiVersion: API, kind: 'Tier', metadata: { name }, spec } };
}

export function profile(name: string, spec: ProfileSpec): CalcUpdate {
  return { kind: 'Profile', key: { kind: 'Profile', name }, value: { apiVersion: API, kind: 'Profile', metadata: { name }, spec } };
}

export function delProfile(name: string): CalcUpdate {
  return { kind: 'Profile', key: { kind: 'Profile', name }, value: null };
}

/** The profile Calico makes of a Namespace: allow-all, labels as `pcns.*` plus `pcns.projectcalico.org/name`. */
export function namespaceProfile(ns: string, labels: Record<string, string> = {}): CalcUpdate {
  const labelsToApply: Record<string, string> = { 'pcns.projectcalico.org/name': ns };
  for (const [k, v] of Object.entries(labels)) labelsToApply[`pcns.${k}`] = v;
  return profile(`kns.${ns}`, { ingress: [{ action: 'Allow' }], egress: [{ action: 'Allow' }], labelsToApply });
}

export function networkSet(ns: string, name: string, nets: string[], labels: Record<string, string> = {}): CalcUpdate {
  return { kind: 'NetworkSet', key: { kind: 'NetworkSet', namespace: ns, name }, value: { apiVersion: API, kind: 'NetworkSet', metadata: { name, namespace: ns, labels }, spec: { nets } } };
}

export function globalNetworkSet(name: string, nets: string[], labels: Record<string, string> = {}): CalcUpdate {
  return { kind: 'GlobalNetworkSet', key: { kind: 'GlobalNetworkSet', name }, value: { apiVersion: API, kind: 'GlobalNetworkSet', metadata: { name, labels }, spec: { nets } } };
}

export function felixConfig(name: string, spec: Record<string, unknown>): CalcUpdate {
  return { kind: 'FelixConfiguration', key: { kind: 'FelixConfiguration', name }, value: { apiVersion: API, kind: 'FelixConfiguration', metadata: { name }, spec } };
}
