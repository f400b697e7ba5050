/**
 * PolicyRecord: what the graph keeps of one policy, built once per update from
 * the v3 resource: identity, tier and order, the endpoint selector exactly as
 * Felix builds it, directions, host-endpoint flags, staged action.
 */
import type { GlobalNetworkPolicySpec, Rule, StagedAction, StagedGlobalNetworkPolicySpec } from '../api/kinds/policy/types.js';
import type { PolicyId, PolicyKind } from '../dataplane/model/index.js';
import { policyKey } from '../dataplane/model/index.js';
import { parseSelector, type Selector } from '../selector/index.js';
import { entityRuleSelector, globalPolicySelector, namespacedPolicySelector } from './selectors.js';
import type { V3 } from './updates.js';

export interface PolicyRecord {
  readonly key: string;
  readonly id: PolicyId;
  readonly tier: string;
  readonly order: number | undefined;
  /** The selector the graph evaluates (namespace-scoped etc). */
  readonly selector: Selector;
  /** The selector as the user wrote it, for display. */
  readonly displaySelector: string;
  /** Namespace for rule scoping ('' for global policies). */
  readonly namespace: string;
  readonly ingress: readonly Rule[];
  readonly egress: readonly Rule[];
  readonly governsIngress: boolean;
  readonly governsEgress: boolean;
  readonly untracked: boolean;
  readonly preDnat: boolean;
  readonly applyOnForward: boolean;
  /** Present on staged kinds only. */
  readonly stagedAction: StagedAction | undefined;
}

/**
 * Builds a record, or returns null for a policy that must be treated as absent:
 * a staged `Learn`/`Ignore` (nothing to evaluate) or a selector that does not
 * parse (validation should have stopped it; the graph never throws on input).
 */
export function policyRecordFrom(kind: PolicyKind, res: V3<StagedGlobalNetworkPolicySpec>): PolicyRecord | null {
  const spec = res.spec ?? {};
  const namespaced = kind === 'NetworkPolicy' || kind === 'StagedNetworkPolicy' || kind === 'StagedKubernetesNetworkPolicy';
  const ns = namespaced ? res.metadata.namespace ?? 'default' : '';
  const staged = kind.startsWith('Staged');
  const stagedAction: StagedAction | undefined = staged ? spec.stagedAction ?? 'Set' : undefined;
  if (stagedAction === 'Learn' || stagedAction === 'Ignore') return null;
  const g = spec as GlobalNetworkPolicySpec;
  let selector: Selector;
  try {
    selector = parseSelector(
      namespaced
        ? namespacedPolicySelector(ns, spec.selector, spec.serviceAccountSelector)
        : globalPolicySelector(spec.selector, g.namespaceSelector, spec.serviceAccountSelector),
    );
  } catch {
    return null;
  }
  const ingress = spec.ingress ?? [];
  const egress = spec.egress ?? [];
  if (!rulesParse(ingress, ns) || !rulesParse(egress, ns)) return null;
  // Calico defaults `types` from the rules present (networkpolicy.go).
  const types = spec.types && spec.types.length > 0
    ? spec.types
    : [...(ingress.length > 0 || egress.length === 0 ? ['Ingress' as const] : []), ...(egress.length > 0 ? ['Egress' as const] : [])];
  const id: PolicyId = namespaced ? { kind, namespace: ns, name: res.metadata.name } : { kind, name: res.metadata.name };
  return {
    key: policyKey(id),
    id,
    tier: spec.tier || 'default',
    order: typeof spec.order === 'number' ? spec.order : undefined,
    selector,
    displaySelector: spec.selector ?? '',
    namespace: ns,
    ingress,
    egress,
    governsIngress: types.includes('Ingress'),
    governsEgress: types.includes('Egress'),
    untracked: !namespaced && g.doNotTrack === true,
    preDnat: !namespaced && g.preDNAT === true,
    applyOnForward: !namespaced && g.applyOnForward === true,
    stagedAction,
  };
}

/**
 * True when every selector in the rules parses. Like Felix's validation filter,
 * a resource that fails is treated as absent rather than half-applied.
 */
export function rulesParse(rules: readonly Rule[], ns: string): boolean {
  try {
    for (const r of rules) {
      for (const e of [r.source, r.destination]) {
        const combined = entityRuleSelector(e, ns);
        if (combined !== '') parseSelector(combined);
        if (e?.notSelector) parseSelector(e.notSelector);
      }
    }
    return true;
  } catch {
    return false;
  }
}

/** True when two records put the policy in the same place for every endpoint. */
export function samePlacement(a: PolicyRecord, b: PolicyRecord): boolean {
  return a.tier === b.tier && a.order === b.order && a.governsIngress === b.governsIngress &&
    a.governsEgress === b.governsEgress && a.untracked === b.untracked && a.preDnat === b.preDnat &&
    a.applyOnForward === b.applyOnForward && a.stagedAction === b.stagedAction;
}
