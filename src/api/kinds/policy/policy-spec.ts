import type { Resource } from '../../types.js';
import type { Issues } from '../../validate/issues.js';
import { checkDns1123Subdomain } from '../../validate/net.js';
import { checkRuleDirection, canonicalizeRule, ruleSpec } from '../../validate/rule.js';
import { GLOBAL_SELECTOR_ENTITY_RULE_ONLY, mentionsGlobal, selectorSpec } from '../../validate/rule-selector.js';
import { array, bool, enumOf, isPlainObject, number, object, string } from '../../validate/schema.js';
import type { FieldDef, ObjectSpec } from '../../validate/schema.js';
import type { NameRule } from '../../validate/metadata.js';
import { DEFAULT_TIER_NAME, PERFORMANCE_HINTS, POLICY_TYPES, STAGED_ACTIONS } from './types.js';
import type { PolicyType } from './types.js';
import { policyNameIsFormatted, tierFromPolicyName, validateTieredPolicyName } from './tiered-name.js';

/**
 * The parts shared by NetworkPolicy, GlobalNetworkPolicy and their staged
 * forms: spec schemas (networkpolicy.go / globalnetworkpolicy.go), the
 * cross-field checks of validator.go validateNetworkPolicySpec /
 * validateGlobalNetworkPolicySpec, name rules, and the defaults that
 * libcalico-go's clientv3 applies on create and read.
 */

const nameLabelFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const nameSubdomainFmt = `${nameLabelFmt}(\\.${nameLabelFmt})*`;
/** validator.go networkPolicyNameRegex: `name`, `tier.name`, or `knp.default.` / `ossg.default.` + subdomain. */
const networkPolicyNameRegex = new RegExp(
  `^((${nameLabelFmt})(\\.${nameLabelFmt})?|((?:knp|ossg)\\.default\\.(${nameSubdomainFmt})))$`,
);
/** validator.go globalNetworkPolicyNameRegex: `name` or `tier.name`. */
const globalNetworkPolicyNameRegex = new RegExp(`^(${nameLabelFmt}\\.)?${nameLabelFmt}$`);
const policyNameReason = `name must consist of lower case alphanumeric characters or '-' (regex: ${nameLabelFmt})`;

function policyNameRule(regex: RegExp): NameRule {
  return (name) => {
    if (name.length > 253) return `name is too long by ${name.length - 253} bytes`;
    if (!regex.test(name)) return policyNameReason;
    return checkDns1123Subdomain(name);
  };
}

export const networkPolicyName: NameRule = policyNameRule(networkPolicyNameRegex);
export const globalNetworkPolicyName: NameRule = policyNameRule(globalNetworkPolicyNameRegex);

const tierRef = string({ check: (v) => (v === '' ? undefined : checkDns1123Subdomain(v)) });
const rules = array(ruleSpec);
const policyTypes = array(enumOf(POLICY_TYPES));
const performanceHints = array(enumOf(PERFORMANCE_HINTS), {
  check: (hints) => (new Set(hints).size !== hints.length ? 'performance hints must be unique' : undefined),
});

/** NetworkPolicySpec fields (networkpolicy.go), in Calico's order. */
export const networkPolicySpecFields = {
  tier: tierRef,
  order: number(),
  ingress: rules,
  egress: rules,
  selector: selectorSpec,
  types: policyTypes,
  serviceAccountSelector: selectorSpec,
  performanceHints,
} as const;

/** GlobalNetworkPolicySpec fields (globalnetworkpolicy.go), in Go's order (`-o json` prints them so). */
export const globalNetworkPolicySpecFields = {
  tier: networkPolicySpecFields.tier,
  order: networkPolicySpecFields.order,
  ingress: networkPolicySpecFields.ingress,
  egress: networkPolicySpecFields.egress,
  selector: networkPolicySpecFields.selector,
  types: networkPolicySpecFields.types,
  doNotTrack: bool(),
  preDNAT: bool(),
  applyOnForward: bool(),
  serviceAccountSelector: networkPolicySpecFields.serviceAccountSelector,
  namespaceSelector: selectorSpec,
  performanceHints: networkPolicySpecFields.performanceHints,
} as const;

/** `omitempty`: an empty stagedAction is accepted and means Set. */
export const stagedActionSpec = enumOf(['', ...STAGED_ACTIONS]);

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function checkTypesUnique(types: unknown, path: string, issues: Issues): void {
  if (!Array.isArray(types)) return;
  const seen = new Set<unknown>();
  for (const t of types) {
    if (seen.has(t)) issues.add(path, `'${String(t)}' type specified more than once`, types);
    seen.add(t);
  }
}

/** validateNetworkPolicySpec's cross-field checks on `spec` at `path`. */
export function checkNetworkPolicySpec(spec: Record<string, unknown>, path: string, issues: Issues): void {
  checkTypesUnique(spec.types, `${path}.types`, issues);
  checkRuleDirection(spec.egress, 'egress', `${path}.egress`, issues);
  checkRuleDirection(spec.ingress, 'ingress', `${path}.ingress`, issues);
  if (mentionsGlobal(str(spec.selector))) issues.add(`${path}.selector`, GLOBAL_SELECTOR_ENTITY_RULE_ONLY, spec.selector);
  if (mentionsGlobal(str(spec.serviceAccountSelector))) {
    issues.add(`${path}.serviceAccountSelector`, GLOBAL_SELECTOR_ENTITY_RULE_ONLY, spec.serviceAccountSelector);
  }
}

/** validateGlobalNetworkPolicySpec's cross-field checks on `spec` at `path`. */
export function checkGlobalNetworkPolicySpec(spec: Record<string, unknown>, path: string, issues: Issues): void {
  const doNotTrack = spec.doNotTrack === true;
  const preDNAT = spec.preDNAT === true;
  if (doNotTrack && preDNAT) {
    issues.add(`${path}.preDNAT`, 'PreDNAT and DoNotTrack cannot both be true, for a given PolicySpec');
  }
  if (preDNAT && Array.isArray(spec.egress) && spec.egress.length > 0) {
    issues.add(`${path}.egress`, 'PreDNAT PolicySpec cannot have any Egress rules');
  }
  if (preDNAT && Array.isArray(spec.types) && spec.types.includes('Egress')) {
    issues.add(`${path}.types`, "PreDNAT PolicySpec cannot have 'egress' Type", spec.types);
  }
  if (spec.applyOnForward !== true && (doNotTrack || preDNAT)) {
    issues.add(
      `${path}.applyOnForward`,
      'ApplyOnForward must be true if either PreDNAT or DoNotTrack is true, for a given PolicySpec',
    );
  }
  checkTypesUnique(spec.types, `${path}.types`, issues);
  checkRuleDirection(spec.egress, 'egress', `${path}.egress`, issues, 'not allowed in egress rules');
  checkRuleDirection(spec.ingress, 'ingress', `${path}.ingress`, issues);

  // Service names are not namespace-qualified at global scope, so a namespace is required.
  const needNamespace = (list: unknown, side: 'source' | 'destination', listPath: string) => {
    if (!Array.isArray(list)) return;
    list.forEach((r, i) => {
      const e = isPlainObject(r) ? r[side] : undefined;
      const svc = isPlainObject(e) ? e.services : undefined;
      if (isPlainObject(svc) && str(svc.namespace) === '') {
        issues.add(`${listPath}[${i}].${side}.services.namespace`, 'must specify a namespace');
      }
    });
  };
  needNamespace(spec.egress, 'destination', `${path}.egress`);
  needNamespace(spec.ingress, 'source', `${path}.ingress`);

  for (const f of ['selector', 'serviceAccountSelector', 'namespaceSelector'] as const) {
    if (mentionsGlobal(str(spec[f]))) issues.add(`${path}.${f}`, GLOBAL_SELECTOR_ENTITY_RULE_ONLY, spec[f]);
  }
}

/**
 * The validator's policy-name rule (validator_test.go: `th.ing` valid,
 * `t.h.i.ng` invalid): at most one dot, i.e. `<tier>.<name>` or `<name>`,
 * besides the formatted prefixes (`knp.default.`, ...). Whether the prefix
 * matches `spec.tier` is clientv3's create/update check
 * (names.ValidateTieredPolicyName), done by the resource client, not here.
 */
export function checkTieredName(r: Resource, issues: Issues): void {
  const name = r.metadata?.name ?? '';
  const spec = isPlainObject(r.spec) ? r.spec : {};
  const dot = name.indexOf('.');
  const tier = dot < 0 ? str(spec.tier) : name.slice(0, dot);
  const reason = !policyNameIsFormatted(name) && name.indexOf('.', dot + 1) > 0 && dot >= 0
    ? `Incorrectly formatted policy name ${name}`
    : validateTieredPolicyName(name, tier);
  if (reason) issues.add('metadata.name', reason, r.metadata?.name);
}

/**
 * Staged policies with stagedAction Delete must leave every enforced field
 * except the tier at its zero value (types are cleared by the client first).
 */
export function checkStagedDeleteSpec(
  spec: Record<string, unknown>,
  path: string,
  issues: Issues,
  kindSpecName: string,
): void {
  const extra = Object.keys(spec).filter((k) => {
    if (k === 'tier' || k === 'types' || k === 'stagedAction') return false;
    const v = spec[k];
    return !(v === undefined || v === null || v === '' || v === false);
  });
  if (extra.length > 0) {
    issues.add(path, `${kindSpecName}: Spec fields, except Tier, should all be zero-value if stagedAction is Delete`, extra);
  }
}

/**
 * clientv3 defaultPolicyTypesField: with no `types`, a policy applies to
 * Ingress when it has no egress rules (including when it has no rules at
 * all), Egress when it has only egress rules, and both when it has both.
 */
export function defaultPolicyTypes(spec: Record<string, unknown>): void {
  if (Array.isArray(spec.types) && spec.types.length > 0) return;
  const nIngress = Array.isArray(spec.ingress) ? spec.ingress.length : 0;
  const nEgress = Array.isArray(spec.egress) ? spec.egress.length : 0;
  let types: PolicyType[];
  if (nEgress === 0) types = ['Ingress'];
  else if (nIngress === 0) types = ['Egress'];
  else types = ['Ingress', 'Egress'];
  spec.types = types;
}

/** Label Calico sets on every policy naming its tier (apiv3.LabelTier). */
export const LABEL_TIER = 'projectcalico.org/tier';

/**
 * The defaults a policy shows after `calicoctl create` + `get`: `types`
 * inferred, `spec.tier` filled from the name (TierFromPolicyName: `default`
 * for an unprefixed name), and the `projectcalico.org/tier` label. The name
 * itself is kept as written (3.31 stores default-tier policies under the
 * name they were created with).
 */
export function applyPolicyDefaults(r: Resource, opts: { readonly inferTypes: boolean }): void {
  if (!r.spec) r.spec = {};
  const spec = r.spec as Record<string, unknown>;
  if (opts.inferTypes) defaultPolicyTypes(spec);
  else delete spec.types;
  const tier = str(spec.tier) || tierFromPolicyName(r.metadata.name) || DEFAULT_TIER_NAME;
  spec.tier = tier;
  const labels = { ...(r.metadata.labels ?? {}) };
  if (tier !== DEFAULT_TIER_NAME || labels[LABEL_TIER] === undefined) labels[LABEL_TIER] = tier;
  r.metadata.labels = labels;
  for (const dir of ['ingress', 'egress'] as const) {
    const list = spec[dir];
    if (Array.isArray(list)) for (const rule of list) if (isPlainObject(rule)) canonicalizeRule(rule);
  }
}

/** Builds an object schema for a policy spec with cross-field checks. */
export function policySpecSchema(
  fields: Readonly<Record<string, FieldDef>>,
  check: (spec: Record<string, unknown>, path: string, issues: Issues) => void,
): ObjectSpec {
  return object(fields, { check: (v, path, issues) => check(v, path, issues) });
}
