import { calicoKind, defineKind } from '../define-kind.js';
import { checkLabelKey, checkLabelValue } from '../../validate/net.js';
import { canonicalizeRule, ruleSpec } from '../../validate/rule.js';
import { array, isPlainObject, object, stringMap } from '../../validate/schema.js';
import type { ObjectSpec } from '../../validate/schema.js';
import { KIND_PROFILE } from './types.js';

/**
 * Profile (cluster-scoped): rules and labels an endpoint inherits by naming
 * the profile; the last word for endpoints no policy selects. Under
 * Kubernetes, `kns.<namespace>` and `ksa.<namespace>.<serviceaccount>`.
 */
export const profileSpecSchema: ObjectSpec = object({
  ingress: array(ruleSpec),
  egress: array(ruleSpec),
  labelsToApply: stringMap({ key: checkLabelKey, value: checkLabelValue }),
});

export const profileKind = defineKind({
  info: calicoKind(KIND_PROFILE, 'profiles', false, ['profile', 'profiles', 'pro', 'pros']),
  spec: profileSpecSchema,
  defaults(r) {
    const spec = r.spec as Record<string, unknown> | undefined;
    if (!spec) return;
    for (const dir of ['ingress', 'egress'] as const) {
      const list = spec[dir];
      if (Array.isArray(list)) for (const rule of list) if (isPlainObject(rule)) canonicalizeRule(rule);
    }
  },
});
