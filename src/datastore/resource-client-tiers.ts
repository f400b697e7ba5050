import type { Resource } from '../api/types.js';
import type { ValidationIssue } from '../lib/errors.js';
import {
  policyNameIsFormatted,
  tierFromPolicyName as apiTierFromPolicyName,
  validateTieredPolicyName,
} from '../api/kinds/policy/tiered-name.js';

/**
 * Tiered policy naming, as libcalico-go's `names` package does it in v3.31.
 *
 * A policy in a tier other than `default` must be named `<tier>.<name>`; a
 * policy in the default tier may be named `foo` or `default.foo`. Names that
 * Calico generates itself (`knp.default.`, `kanp.adminnetworkpolicy.`,
 * `kbanp.baselineadminnetworkpolicy.`, `ossg.`) are always accepted.
 */

export const DEFAULT_TIER = 'default';
export const TIER_LABEL = 'projectcalico.org/tier';

/** The projectcalico.org/v3 kinds whose names follow the tier rules. */
const TIERED_KINDS = new Set(['NetworkPolicy', 'GlobalNetworkPolicy', 'StagedNetworkPolicy', 'StagedGlobalNetworkPolicy']);

export function isTieredKind(apiVersion: string, kind: string): boolean {
  return apiVersion === 'projectcalico.org/v3' && TIERED_KINDS.has(kind);
}

/** The tier a formatted name (`knp.default.` ...) fixes, else undefined. */
function formattedPrefixTier(name: string): string | undefined {
  return policyNameIsFormatted(name) ? apiTierFromPolicyName(name) : undefined;
}

/** The tier a policy name implies (libcalico-go TierFromPolicyName). */
export function tierFromPolicyName(name: string): string {
  return apiTierFromPolicyName(name) ?? DEFAULT_TIER;
}

/** The tier named in a policy's spec, or `default` (names.TierOrDefault). */
export function specTier(r: Resource): string {
  const t = r.spec?.['tier'];
  return typeof t === 'string' && t !== '' ? t : DEFAULT_TIER;
}

/**
 * Checks a policy name against its tier (names.ValidateTieredPolicyName);
 * returns the issue to report, or undefined when the name is fine.
 */
export function tieredNameIssue(name: string, tier: string): ValidationIssue | undefined {
  if (name === '' || validateTieredPolicyName(name, tier) === undefined) return undefined;
  return {
    path: 'metadata.name',
    value: name,
    reason: `Incorrectly formatted policy name ${name}: a policy in tier "${tier}" must be named "${tier}.<name>"`,
  };
}

/**
 * Other spellings under which `calicoctl get networkpolicy <name>` finds a
 * default-tier policy: `foo` also finds `default.foo` and the reverse.
 */
export function alternateDefaultTierNames(name: string): string[] {
  if (formattedPrefixTier(name) !== undefined) return [];
  if (name.startsWith(`${DEFAULT_TIER}.`)) return [name.slice(DEFAULT_TIER.length + 1)];
  if (!name.includes('.')) return [`${DEFAULT_TIER}.${name}`];
  return [];
}

/** Write side: a policy outside the default tier carries the tier label (clientv3 addTierLabel). */
export function addTierLabel(r: Resource): void {
  const tier = specTier(r);
  if (tier === DEFAULT_TIER) return;
  r.metadata.labels = { ...(r.metadata.labels ?? {}), [TIER_LABEL]: tier };
}

/** Read side: fill spec.tier from the name and the tier label when missing, as clientv3 Get/List do. */
export function completeTierOnRead(r: Resource): void {
  const spec = r.spec ?? (r.spec = {});
  if (typeof spec['tier'] !== 'string' || spec['tier'] === '') spec['tier'] = tierFromPolicyName(r.metadata.name);
  if (r.metadata.labels?.[TIER_LABEL] === undefined) {
    r.metadata.labels = { ...(r.metadata.labels ?? {}), [TIER_LABEL]: DEFAULT_TIER };
  }
}

/** Tiers Calico never lets you delete (clientv3 tiers.Delete). */
const UNDELETABLE_TIERS = new Set(['default', 'adminnetworkpolicy']);

/**
 * Why a tier may not be deleted, or undefined: the default and
 * adminnetworkpolicy tiers never, any tier while a policy of one of the
 * tiered kinds still lives in it. `listNames(kind, prefix)` lists stored
 * policies of a kind whose names start with `prefix`.
 */
export async function tierDeleteRefusal(
  tier: string,
  listPolicies: (kind: string, namePrefix: string) => Promise<readonly Resource[]>,
): Promise<{ operation: string; reason: string } | undefined> {
  if (UNDELETABLE_TIERS.has(tier)) return { operation: 'Delete', reason: `Cannot delete ${tier} tier` };
  for (const kind of TIERED_KINDS) {
    const items = await listPolicies(kind, `${tier}.`);
    if (items.some((p) => specTier(p) === tier)) return { operation: 'delete', reason: 'Cannot delete a non-empty tier' };
  }
  return undefined;
}
