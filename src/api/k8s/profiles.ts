/**
 * Kubernetes Namespaces and ServiceAccounts as Calico Profiles, as
 * libcalico-go's NamespaceToProfile / ServiceAccountToProfile. The profiles
 * carry the namespace / service account labels (prefixed `pcns.` / `pcsa.`,
 * plus `<prefix>projectcalico.org/name`) that pods inherit, which is how
 * namespaceSelector and serviceAccountSelector match.
 */
import { CalicoError, ValidationError } from '../../lib/errors.js';
import type { CalicoObjectMeta, CalicoProfile, K8sObjectMeta } from './k8s-types.js';
import { readMeta } from './reader.js';
import { convertUid } from './uid.js';

export const NAMESPACE_LABEL_PREFIX = 'pcns.';
export const NAMESPACE_PROFILE_NAME_PREFIX = 'kns.';
export const SERVICE_ACCOUNT_LABEL_PREFIX = 'pcsa.';
export const SERVICE_ACCOUNT_PROFILE_NAME_PREFIX = 'ksa.';
/** Label matching a namespace or service account name exactly. */
export const NAME_LABEL = 'projectcalico.org/name';

/** Prefixed labels plus the name label, keys sorted (as Go's JSON encodes maps). */
function labelsToApply(prefix: string, labels: Record<string, string> | undefined, name: string): Record<string, string> {
  const all: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels ?? {})) all[prefix + k] = v;
  all[prefix + NAME_LABEL] = name;
  const sorted: Record<string, string> = {};
  for (const k of Object.keys(all).sort()) sorted[k] = all[k]!;
  return sorted;
}

/**
 * Upstream requires a UID and fails without one; objects stored through
 * calicoctl often have none, so an absent UID is simply left out, while a
 * malformed one is still an error.
 */
function profileMeta(name: string, meta: K8sObjectMeta, resourceVersion: string | undefined): CalicoObjectMeta {
  const m: CalicoObjectMeta = { name };
  if (meta.uid !== undefined && meta.uid !== '') {
    try {
      m.uid = convertUid(meta.uid);
    } catch (e) {
      throw new ValidationError([{ path: 'metadata.uid', value: meta.uid, reason: (e as Error).message }]);
    }
  }
  if (resourceVersion !== undefined) m.resourceVersion = resourceVersion;
  if (meta.creationTimestamp !== undefined && meta.creationTimestamp !== null) m.creationTimestamp = meta.creationTimestamp;
  return m;
}

/** v1 Namespace -> Profile `kns.<name>`: allow-all rules, `pcns.*` labels to apply. */
export function namespaceToProfile(ns: object): CalicoProfile {
  const meta = readMeta((ns as Record<string, unknown>)['metadata']);
  const rv = meta.resourceVersion !== undefined ? joinProfileRevisions(meta.resourceVersion, '') : undefined;
  return {
    kind: 'Profile',
    apiVersion: 'projectcalico.org/v3',
    metadata: profileMeta(NAMESPACE_PROFILE_NAME_PREFIX + meta.name, meta, rv),
    spec: {
      ingress: [{ action: 'Allow' }],
      egress: [{ action: 'Allow' }],
      labelsToApply: labelsToApply(NAMESPACE_LABEL_PREFIX, meta.labels, meta.name),
    },
  };
}

/** Profile name of a service account: `ksa.<namespace or "default">.<name>`. */
export function serviceAccountProfileName(name: string, namespace: string | undefined): string {
  return `${SERVICE_ACCOUNT_PROFILE_NAME_PREFIX}${namespace || 'default'}.${name}`;
}

/** v1 ServiceAccount -> Profile `ksa.<ns>.<name>`: no rules, `pcsa.*` labels to apply. */
export function serviceAccountToProfile(sa: object): CalicoProfile {
  const meta = readMeta((sa as Record<string, unknown>)['metadata']);
  const rv = meta.resourceVersion !== undefined ? joinProfileRevisions('', meta.resourceVersion) : undefined;
  return {
    kind: 'Profile',
    apiVersion: 'projectcalico.org/v3',
    metadata: profileMeta(serviceAccountProfileName(meta.name, meta.namespace), meta, rv),
    spec: {
      labelsToApply: labelsToApply(SERVICE_ACCOUNT_LABEL_PREFIX, meta.labels, meta.name),
    },
  };
}

/** Namespace of a `kns.` profile; throws if the profile is not namespace-backed. */
export function profileNameToNamespace(profileName: string): string {
  if (!profileName.startsWith(NAMESPACE_PROFILE_NAME_PREFIX)) {
    throw new CalicoError('CALICO_ERR_VALIDATION', `Profile ${profileName} not backed by a Namespace`);
  }
  return profileName.slice(NAMESPACE_PROFILE_NAME_PREFIX.length);
}

/** Namespace and name of a `ksa.` profile (the name may itself contain dots). */
export function profileNameToServiceAccount(profileName: string): { namespace: string; name: string } {
  if (!profileName.startsWith(SERVICE_ACCOUNT_PROFILE_NAME_PREFIX)) {
    throw new CalicoError('CALICO_ERR_VALIDATION', `Profile ${profileName} not backed by a ServiceAccount`);
  }
  const first = profileName.indexOf('.');
  const second = profileName.indexOf('.', first + 1);
  if (second < 0) throw new CalicoError('CALICO_ERR_VALIDATION', `Profile ${profileName} is not formatted correctly`);
  return { namespace: profileName.slice(first + 1, second), name: profileName.slice(second + 1) };
}

/** A profile's revision combines the namespace's and the service account's: "nsRev/saRev". */
export function joinProfileRevisions(nsRev: string, saRev: string): string {
  return `${nsRev}/${saRev}`;
}

export function splitProfileRevision(rev: string): { nsRev: string; saRev: string } {
  if (rev === '' || rev === '0') return { nsRev: '', saRev: '' };
  const parts = rev.split('/');
  if (parts.length !== 2) throw new CalicoError('CALICO_ERR_VALIDATION', `ResourceVersion is not valid: ${rev}`);
  return { nsRev: parts[0]!, saRev: parts[1]! };
}
