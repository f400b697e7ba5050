/**
 * Kubernetes label key rules (apimachinery IsQualifiedName), which Calico's
 * validator applies to label keys on every resource. Reasons use the same
 * wording as Kubernetes so messages match what users see from kubectl and
 * calicoctl.
 */

const QUALIFIED_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const QUALIFIED_NAME_RE = new RegExp(`^${QUALIFIED_NAME_FMT}$`);
const QUALIFIED_NAME_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const QUALIFIED_NAME_MAX = 63;

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_MAX = 253;

/** apimachinery RegexError wording, including its double spaces. */
function regexError(msg: string, fmt: string, ...examples: string[]): string {
  let s = `${msg} (e.g. `;
  examples.forEach((ex, i) => {
    if (i > 0) s += ' or ';
    s += `'${ex}', `;
  });
  return `${s}regex used for validation is '${fmt}')`;
}

/** Reason the DNS-1123 subdomain is invalid, or null. */
export function validateDns1123Subdomain(value: string): string | null {
  if (value.length > DNS1123_SUBDOMAIN_MAX) return `must be no more than ${DNS1123_SUBDOMAIN_MAX} characters`;
  if (!DNS1123_SUBDOMAIN_RE.test(value)) return regexError(DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, 'example.com');
  return null;
}

/**
 * Validates a label key as a Kubernetes qualified name: an optional DNS
 * subdomain prefix and `/`, then a name of at most 63 characters.
 * Returns null if valid, else the reason.
 */
export function validateLabelKey(key: string): string | null {
  const parts = key.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0]!;
  } else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) return 'prefix part must be non-empty';
    const prefixErr = validateDns1123Subdomain(prefix);
    if (prefixErr !== null) return `prefix part ${prefixErr}`;
  } else {
    return (
      'a qualified name ' +
      regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc') +
      " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
    );
  }
  if (name.length === 0) return 'name part must be non-empty';
  if (name.length > QUALIFIED_NAME_MAX) return `name part must be no more than ${QUALIFIED_NAME_MAX} characters`;
  if (!QUALIFIED_NAME_RE.test(name)) {
    return 'name part ' + regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc');
  }
  return null;
}

const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;
const LABEL_VALUE_RE = new RegExp(`^${LABEL_VALUE_FMT}$`);
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/** Validates a label value (apimachinery IsValidLabelValue). Returns null if valid, else the reason. */
export function validateLabelValue(value: string): string | null {
  if (value.length > QUALIFIED_NAME_MAX) return `must be no more than ${QUALIFIED_NAME_MAX} characters`;
  if (!LABEL_VALUE_RE.test(value)) return regexError(LABEL_VALUE_MSG, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345');
  return null;
}
