import { calicoKind, defineKind, specOf } from '../define-kind.js';
import type { Issues } from '../../validate/issues.js';
import { checkDns1123Subdomain } from '../../validate/net.js';
import { enumOf, formatGoFloat, isPlainObject, number, object } from '../../validate/schema.js';
import type { NameRule } from '../../validate/metadata.js';
import {
  ADMIN_NETWORK_POLICY_TIER_NAME,
  ADMIN_NETWORK_POLICY_TIER_ORDER,
  BASELINE_ADMIN_NETWORK_POLICY_TIER_NAME,
  BASELINE_ADMIN_NETWORK_POLICY_TIER_ORDER,
  DEFAULT_TIER_NAME,
  DEFAULT_TIER_ORDER,
  KIND_TIER,
} from './types.js';

/**
 * Tier (cluster-scoped): an ordered group of policies with a default action
 * (Deny, or Pass to the next tier) for endpoints a policy of the tier
 * selected but no rule decided. Built-in tiers have fixed orders
 * (validator.go validateTier); an order left out means 1,000,000, like the
 * default tier (lib/resources/tier.go DefaultTierFields).
 */

const tierNameRegex = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Tier names appear inside policy names (`tier.policy`), so they are single DNS labels (max 63). */
export const tierName: NameRule = (name) => {
  if (name.length > 63) return `name is too long by ${name.length - 63} bytes`;
  if (!tierNameRegex.test(name)) {
    return "name must consist of lower case alphanumeric characters or '-' (regex: [a-z0-9]([-a-z0-9]*[a-z0-9])?)";
  }
  return checkDns1123Subdomain(name);
};

/** Orders the built-in tiers must keep. */
export const RESERVED_TIER_ORDERS: Readonly<Record<string, number>> = {
  [DEFAULT_TIER_NAME]: DEFAULT_TIER_ORDER,
  [ADMIN_NETWORK_POLICY_TIER_NAME]: ADMIN_NETWORK_POLICY_TIER_ORDER,
  [BASELINE_ADMIN_NETWORK_POLICY_TIER_NAME]: BASELINE_ADMIN_NETWORK_POLICY_TIER_ORDER,
};

export const tierSpecSchema = object({ order: number(), defaultAction: enumOf(['Deny', 'Pass']) });

function checkReservedOrder(name: string, spec: unknown, issues: Issues): void {
  const required = RESERVED_TIER_ORDERS[name];
  if (required === undefined) return;
  // An absent order is defaulted to 1,000,000 before Calico validates.
  const order = isPlainObject(spec) && typeof spec.order === 'number' ? spec.order : DEFAULT_TIER_ORDER;
  // Go prints the float64 with %v: "default tier order must be 1e+06".
  if (order !== required) issues.add('spec.order', `${name} tier order must be ${formatGoFloat(required)}`, order);
}

export const tierKind = defineKind({
  info: calicoKind(KIND_TIER, 'tiers', false, ['tier', 'tiers']),
  name: tierName,
  spec: tierSpecSchema,
  validate(r, issues) {
    if (typeof r.metadata?.name === 'string') checkReservedOrder(r.metadata.name, r.spec, issues);
  },
  defaults(r) {
    const spec = specOf(r);
    if (spec.order === undefined) spec.order = DEFAULT_TIER_ORDER;
    if (spec.defaultAction === undefined) spec.defaultAction = 'Deny';
  },
});
