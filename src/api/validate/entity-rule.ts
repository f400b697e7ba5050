import type { Issues } from './issues.js';
import { checkDns1123Subdomain } from './net.js';
import { portSpec, strictNetProblem } from './rule-fields.js';
import {
  GLOBAL_SELECTOR_ALONE,
  GLOBAL_SELECTOR_ENTITY_RULE_ONLY,
  globalSelectorMisused,
  mentionsGlobal,
  selectorSpec,
} from './rule-selector.js';
import { array, isPlainObject, object, string } from './schema.js';
import type { ObjectSpec } from './schema.js';

/**
 * EntityRule: the source or destination of a rule (policy_common.go), with
 * the struct-level checks of validator.go validateEntityRule. Checks that
 * need the whole rule (ports vs protocol, IP families across nets, direction
 * rules for services) are in rule.ts and the policy kinds.
 */

/** The `omitempty,name` tag: empty, or a DNS-1123 subdomain. */
const resourceName = string({ check: (v) => (v === '' ? undefined : checkDns1123Subdomain(v)) });

const netList = array(string({ check: strictNetProblem }));

export const serviceMatchSpec: ObjectSpec = object({ name: resourceName, namespace: resourceName });

export const serviceAccountMatchSpec: ObjectSpec = object({ names: array(string()), selector: selectorSpec });

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function nonEmptyList(v: unknown): boolean {
  return Array.isArray(v) && v.length > 0;
}

/** validateEntityRule's struct-level checks on a decoded EntityRule object. */
function checkEntityRule(r: Record<string, unknown>, path: string, issues: Issues): void {
  const selector = str(r.selector);
  if (mentionsGlobal(selector)) issues.add(`${path}.selector`, GLOBAL_SELECTOR_ENTITY_RULE_ONLY, selector);

  const nsSelector = str(r.namespaceSelector);
  if (globalSelectorMisused(nsSelector)) issues.add(`${path}.namespaceSelector`, GLOBAL_SELECTOR_ALONE, nsSelector);

  if (!isPlainObject(r.services)) return;
  const sp = `${path}.services`;
  if (str(r.services.name) === '') issues.add(sp, 'must specify a service name');
  if (nsSelector !== '') issues.add(sp, 'cannot specify NamespaceSelector and Services on the same rule');
  if (selector !== '' || str(r.notSelector) !== '') {
    issues.add(sp, 'cannot specify Selector/NotSelector and Services on the same rule');
  }
  if (r.serviceAccounts !== undefined && r.serviceAccounts !== null) {
    issues.add(sp, 'cannot specify ServiceAccounts and Services on the same rule');
  }
  if (nonEmptyList(r.nets) || nonEmptyList(r.notNets)) {
    issues.add(sp, 'cannot specify Nets/NotNets and Services on the same rule');
  }
}

/** Schema of an EntityRule: field types, formats and the entity-level checks. */
export const entityRuleSpec: ObjectSpec = object(
  {
    nets: netList,
    selector: selectorSpec,
    namespaceSelector: selectorSpec,
    services: serviceMatchSpec,
    ports: array(portSpec),
    notNets: netList,
    notSelector: selectorSpec,
    notPorts: array(portSpec),
    serviceAccounts: serviceAccountMatchSpec,
  },
  { check: (v, path, issues) => checkEntityRule(v, path, issues) },
);

/** Validates one EntityRule at `path` (e.g. `spec.ingress[0].source`). */
export function validateEntityRule(value: unknown, path: string, issues: Issues): void {
  entityRuleSpec.check(value, path, issues);
}
