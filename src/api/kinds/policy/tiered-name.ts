/**
 * Tiered policy names as libcalico-go lib/names/policy.go (v3.31): how a
 * policy's name relates to its tier. Kubernetes-derived and OpenStack
 * policies carry fixed prefixes and are accepted as they are.
 */

import {
  ADMIN_NETWORK_POLICY_TIER_NAME,
  BASELINE_ADMIN_NETWORK_POLICY_TIER_NAME,
  DEFAULT_TIER_NAME,
} from './types.js';

/** Name prefix of a Kubernetes NetworkPolicy converted to Calico. */
export const K8S_NETWORK_POLICY_NAME_PREFIX = 'knp.default.';
export const K8S_ADMIN_NETWORK_POLICY_NAME_PREFIX = 'kanp.adminnetworkpolicy.';
export const K8S_BASELINE_ADMIN_NETWORK_POLICY_NAME_PREFIX = 'kbanp.baselineadminnetworkpolicy.';
export const OPENSTACK_NETWORK_POLICY_NAME_PREFIX = 'ossg.';

/** policyNameIsFormatted: names whose prefix already fixes the tier. */
export function policyNameIsFormatted(name: string): boolean {
  return (
    name.startsWith(K8S_NETWORK_POLICY_NAME_PREFIX) ||
    name.startsWith(K8S_ADMIN_NETWORK_POLICY_NAME_PREFIX) ||
    name.startsWith(K8S_BASELINE_ADMIN_NETWORK_POLICY_NAME_PREFIX) ||
    name.startsWith(OPENSTACK_NETWORK_POLICY_NAME_PREFIX)
  );
}

/** TierOrDefault: the tier name, or `default` when blank. */
export function tierOrDefault(tier: string | undefined): string {
  return tier ? tier : DEFAULT_TIER_NAME;
}

/**
 * TierFromPolicyName: the tier a policy name implies (`default` for an
 * unprefixed name, the part before the first dot otherwise). Undefined for
 * an empty name.
 */
export function tierFromPolicyName(name: string): string | undefined {
  if (name === '') return undefined;
  if (name.startsWith(K8S_NETWORK_POLICY_NAME_PREFIX)) return DEFAULT_TIER_NAME;
  if (name.startsWith(K8S_ADMIN_NETWORK_POLICY_NAME_PREFIX)) return ADMIN_NETWORK_POLICY_TIER_NAME;
  if (name.startsWith(K8S_BASELINE_ADMIN_NETWORK_POLICY_NAME_PREFIX)) return BASELINE_ADMIN_NETWORK_POLICY_TIER_NAME;
  if (name.startsWith(OPENSTACK_NETWORK_POLICY_NAME_PREFIX)) return DEFAULT_TIER_NAME;
  const dot = name.indexOf('.');
  return dot < 0 ? DEFAULT_TIER_NAME : name.slice(0, dot);
}

/**
 * ValidateTieredPolicyName: returns Calico's error text when `name` does not
 * fit `tier` (a non-default tier needs `<tier>.<name>`; the default tier
 * takes `name` or `default.<name>`), undefined when it does.
 */
export function validateTieredPolicyName(name: string, tier: string | undefined): string | undefined {
  if (name === '') return 'Policy name is empty';
  if (policyNameIsFormatted(name)) return undefined;
  const t = tierOrDefault(tier);
  const dot = name.indexOf('.');
  if (dot < 0 && t === DEFAULT_TIER_NAME) return undefined;
  if (dot >= 0 && name.startsWith(`${t}.`)) return undefined;
  return `Incorrectly formatted policy name ${name}`;
}

/**
 * TieredPolicyName: the backend form of a name, `default.<name>` for an
 * unprefixed default-tier name (used when looking a policy up by either form).
 */
export function tieredPolicyName(name: string): string {
  if (name === '' || policyNameIsFormatted(name)) return name;
  return name.includes('.') ? name : `${DEFAULT_TIER_NAME}.${name}`;
}

/**
 * BackendTieredPolicyName: the backend form of `name` (see tieredPolicyName),
 * or Calico's error text when it does not fit `tier`. Unlike
 * validateTieredPolicyName, an unprefixed name is checked in its
 * `default.`-prefixed form, so it only fits the default tier.
 */
export function backendTieredPolicyName(
  name: string,
  tier: string | undefined,
): { readonly name: string } | { readonly error: string } {
  const full = tieredPolicyName(name);
  if (full === '') return { error: 'Policy name is empty' };
  if (policyNameIsFormatted(full)) return { name: full };
  const dot = full.indexOf('.');
  if (dot < 0 || !full.startsWith(`${tierOrDefault(tier)}.`)) return { error: `Incorrectly formatted policy name ${full}` };
  return { name: full };
}

/**
 * ClientTieredPolicyName: the name shown to users for a backend name
 * (`default.` dropped), or Calico's error text for a name with no tier part.
 */
export function clientTieredPolicyName(name: string): { readonly name: string } | { readonly error: string } {
  if (name === '') return { error: 'Policy name is empty' };
  if (policyNameIsFormatted(name)) return { name };
  const dot = name.indexOf('.');
  if (dot < 0) return { error: `Invalid policy name ${name}` };
  return name.slice(0, dot) === DEFAULT_TIER_NAME ? { name: name.slice(dot + 1) } : { name };
}
