/**
 * Selector text the graph evaluates, built exactly as libcalico-go's update
 * processors build Felix's v1 selectors (updateprocessors/rules.go
 * getEndpointSelector, networkpolicy/globalnetworkpolicy processors):
 * namespace scoping, `pcns.`/`pcsa.` prefixes, `all()`/`global()` rewriting.
 * Producing the same text gives the same canonical form and the same IP set ids.
 */
import type { EntityRule, ServiceAccountMatch } from '../api/kinds/policy/types.js';
import { parseSelector, prefixSelectorLabels } from '../selector/index.js';

export const LABEL_NAMESPACE = 'projectcalico.org/namespace';
export const LABEL_ORCHESTRATOR = 'projectcalico.org/orchestrator';
export const LABEL_SERVICE_ACCOUNT = 'projectcalico.org/serviceaccount';
export const NAMESPACE_LABEL_PREFIX = 'pcns.';
export const SERVICE_ACCOUNT_LABEL_PREFIX = 'pcsa.';

/** Canonical text of `text` with `prefix` on every label (upstream parseSelectorAttachPrefix). */
export function attachPrefix(text: string, prefix: string): string {
  return prefixSelectorLabels(parseSelector(text), prefix).toString();
}

function quoteValue(v: string): string {
  return v.includes("'") ? `"${v}"` : `'${v}'`;
}

/** The service-account part of an entity rule: names AND prefixed selector (upstream parseServiceAccounts). */
export function serviceAccountSelector(sam: ServiceAccountMatch): string {
  let updated = '';
  if (sam.selector) updated = attachPrefix(sam.selector, SERVICE_ACCOUNT_LABEL_PREFIX);
  if (!sam.names || sam.names.length === 0) return updated;
  let names = parseSelector(`${LABEL_SERVICE_ACCOUNT} in { ${sam.names.map(quoteValue).join(', ')} }`).toString();
  if (updated !== '') names = `(${updated}) && (${names})`;
  return names;
}

/**
 * The one selector an entity rule's endpoints must match, or '' for "any".
 * `ns` is the policy's namespace ('' for global policies and profiles).
 */
export function entityRuleSelector(er: EntityRule | undefined, ns: string): string {
  if (!er) return '';
  const saSel = er.serviceAccounts ? serviceAccountSelector(er.serviceAccounts) : '';
  let nsSel = '';
  if (er.namespaceSelector) {
    nsSel = attachPrefix(er.namespaceSelector, NAMESPACE_LABEL_PREFIX)
      .replaceAll('all()', `has(${LABEL_NAMESPACE})`)
      .replaceAll('global()', `!has(${LABEL_NAMESPACE})`);
  } else if (ns !== '') {
    nsSel = `${LABEL_NAMESPACE} == ${quoteValue(ns)}`;
  }
  const parts: string[] = [];
  if (saSel !== '') parts.push(saSel);
  if (er.selector) parts.push(er.selector);
  let selector = parts.length === 0 ? '' : parts.length === 1 ? parts[0]! : `(${parts.join(') && (')})`;
  if (nsSel !== '' && (selector !== '' || er.notSelector || er.namespaceSelector)) {
    selector = selector !== '' ? `(${nsSel}) && (${selector})` : nsSel;
  }
  return selector;
}

/** A NetworkPolicy's endpoint selector: scoped to its namespace, AND its serviceAccountSelector. */
export function namespacedPolicySelector(ns: string, selector: string | undefined, saSelector: string | undefined): string {
  const nsSel = `${LABEL_NAMESPACE} == ${quoteValue(ns)}`;
  const sel = selector?.trim() ?? '';
  let out = sel === '' ? nsSel : `(${nsSel}) && (${sel})`;
  if (saSelector) out = `(${out}) && (${attachPrefix(saSelector, SERVICE_ACCOUNT_LABEL_PREFIX)})`;
  return out;
}

/** A GlobalNetworkPolicy's endpoint selector: its namespaceSelector AND selector AND serviceAccountSelector. */
export function globalPolicySelector(
  selector: string | undefined,
  namespaceSelector: string | undefined,
  saSelector: string | undefined,
): string {
  let out = selector?.trim() ?? '';
  if (namespaceSelector) {
    const nsSel = attachPrefix(namespaceSelector, NAMESPACE_LABEL_PREFIX).replaceAll('all()', `has(${LABEL_NAMESPACE})`);
    out = out !== '' ? `(${nsSel}) && (${out})` : nsSel;
  }
  if (saSelector) {
    const sa = attachPrefix(saSelector, SERVICE_ACCOUNT_LABEL_PREFIX);
    out = out !== '' ? `(${out}) && (${sa})` : sa;
  }
  return out;
}
