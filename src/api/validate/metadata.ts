import type { Issues } from './issues.js';
import { checkDns1123Label, checkDns1123Subdomain, checkLabelKey, checkLabelValue, TOTAL_ANNOTATION_SIZE_LIMIT } from './net.js';
import { any, array, int, object, stringMap, string, type CheckFn } from './schema.js';

/**
 * The ObjectMeta fields a resource may carry (Kubernetes ObjectMeta, as
 * Calico's v3 kinds embed it). Labels and annotations are checked as
 * Kubernetes does (ValidateLabels / ValidateAnnotations).
 */
export const objectMetaSchema = object({
  name: string(),
  generateName: string(),
  namespace: string({ check: (v) => (v === '' ? undefined : checkDns1123Label(v)) }),
  selfLink: string(),
  uid: string(),
  resourceVersion: string(),
  generation: int(),
  creationTimestamp: string(),
  deletionTimestamp: string(),
  deletionGracePeriodSeconds: int(),
  labels: stringMap({ key: checkLabelKey, value: checkLabelValue }),
  annotations: stringMap({ key: (k) => checkLabelKey(k.toLowerCase()) }),
  ownerReferences: array(any()),
  finalizers: array(string()),
  managedFields: array(any()),
}, {
  check: (meta, path, issues) => {
    const ann = meta.annotations;
    if (ann && typeof ann === 'object') {
      let size = 0;
      for (const [k, v] of Object.entries(ann)) size += k.length + (typeof v === 'string' ? v.length : 0);
      if (size > TOTAL_ANNOTATION_SIZE_LIMIT) {
        issues.add(`${path}.annotations`, `annotations size ${size} must have at most ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes`);
      }
    }
  },
});

/** Name rule of a kind: returns the reason when `name` is not acceptable. */
export type NameRule = CheckFn<string>;

const NAME_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const NAME_SUBDOMAIN_FMT = `${NAME_LABEL_FMT}(\\.${NAME_LABEL_FMT})*`;

/**
 * Most Calico names: a DNS-1123 subdomain (validator.go validateObjectMeta:
 * nameRegex, at most 253 bytes), with Calico's messages.
 */
export const subdomainName: NameRule = (name) => {
  if (name.length > 253) return `name is too long by ${name.length - 253} bytes`;
  if (checkDns1123Subdomain(name)) {
    return `name must consist of lower case alphanumeric characters, '-' or '.' (regex: ${NAME_SUBDOMAIN_FMT})`;
  }
  return undefined;
};
/** Tier-like names: a DNS-1123 label (max 63). */
export const labelName: NameRule = (name) => checkDns1123Label(name);

/** Checks `metadata.name` of `r` with `rule` (the generic checks already ran). */
export function checkName(metadata: unknown, rule: NameRule, issues: Issues): void {
  if (!metadata || typeof metadata !== 'object') return;
  const name = (metadata as { name?: unknown }).name;
  if (typeof name !== 'string') return;
  const reason = rule(name, 'metadata.name', issues);
  if (typeof reason === 'string') issues.add('metadata.name', reason, name);
}
