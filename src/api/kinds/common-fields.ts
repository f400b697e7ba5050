import { parseGoDuration } from '../validate/go-duration.js';
import { checkDns1123Subdomain, checkLabelKey, checkLabelValue, parseCidr, parseIp } from '../validate/net.js';
import { array, custom, enumOf, int, object, required, string, stringMap, type Spec } from '../validate/schema.js';

/**
 * Field specs shared by the non-policy kinds, one per validator.go tag
 * (`net`, `cidr`, `ipv4`, `logLevel`, `interface`, ...), with Calico's
 * meaning: e.g. `net` wants a strictly masked network and accepts a bare IP,
 * `cidr` accepts host bits.
 */

export function isGoDuration(v: string): boolean {
  return parseGoDuration(v) !== undefined;
}

/**
 * A metav1.Duration string (Go time.ParseDuration syntax: "90s", "1m30s",
 * "0", "1.5h"). Stored as written so that a resource reads back exactly as
 * applied (Go would re-encode `125s` as `2m5s`; see DESIGN.md); readers use
 * parseGoDuration.
 */
export const duration: Spec = {
  typeName: 'string',
  check(value, path, issues) {
    if (typeof value !== 'string') {
      issues.add(path, `expected string, got ${Array.isArray(value) ? 'array' : typeof value}`, value);
      return;
    }
    if (!isGoDuration(value)) issues.add(path, `time: invalid duration "${value}"`, value);
  },
};

/** validator.go `net`: a strictly masked CIDR, or a bare IP (a host network). */
export const netField: Spec = string({
  check: (v) => {
    const c = parseCidr(v, { allowBareIp: true });
    if (!c.ok) return `invalid CIDR "${v}"`;
    if (c.value.ip !== c.value.network) return `CIDR "${v}" is not strictly masked (network is ${c.value.cidr})`;
    return undefined;
  },
});

function cidrOf(family?: 4 | 6): Spec {
  return string({
    check: (v) => {
      const c = parseCidr(v, { allowBareIp: true });
      if (!c.ok) return `invalid CIDR "${v}"`;
      if (family && c.value.family !== family) return `must be an IPv${family} CIDR`;
      return undefined;
    },
  });
}

/** validator.go `cidr` / `cidrv4` / `cidrv6`: a CIDR (host bits allowed) or bare IP. */
export const cidrField = cidrOf();
export const cidrV4Field = cidrOf(4);
export const cidrV6Field = cidrOf(6);
/** validator.go `cidrs`: every entry a CIDR or IP. */
export const cidrsField = array(cidrField);

function ipOf(family?: 4 | 6): Spec {
  return string({
    check: (v) => {
      const ip = parseIp(v);
      if (!ip.ok) return `invalid IP address "${v}"`;
      if (family && ip.value.family !== family) return `must be an IPv${family} address`;
      return undefined;
    },
  });
}

export const ipField = ipOf();
export const ipv4Field = ipOf(4);
export const ipv6Field = ipOf(6);

/** validator.go logLevelRegex (case-sensitive); "" is unset (`omitempty` on a plain string). */
export const logLevel = enumOf(['Trace', 'Debug', 'Info', 'Warning', 'Error', 'Fatal'], { allowEmpty: true });

/** A plain (non-pointer) Go string enum with `omitempty` validation: "" means unset. */
export function optionalEnum(values: readonly string[]): Spec {
  return enumOf(values, { allowEmpty: true });
}

/** validator.go `name`: the resource name format (DNS-1123 subdomain). */
export const nameField: Spec = string({ check: (v) => checkDns1123Subdomain(v) });

/** validator.go `interface`: a Linux interface name, or `*` for all. */
export const interfaceField: Spec = string({
  check: (v) => (v === '*' || /^[a-zA-Z0-9_.-]{1,15}$/.test(v) ? undefined : 'invalid interface name'),
});

/** validator.go `ignoredInterface`: interface name with `*` wildcards, but not `*` alone. */
export const ignoredInterfaceField: Spec = string({
  check: (v) => (v !== '*' && /^[a-zA-Z0-9_.*-]{1,15}$/.test(v) ? undefined : 'invalid interface name'),
});

/** validator.go `regexp`: must compile (Go RE2 and JS syntax mostly agree for what Felix uses). */
export const regexpField: Spec = string({
  check: (v) => {
    try {
      new RegExp(v);
      return undefined;
    } catch {
      return `invalid regular expression "${v}"`;
    }
  },
});

/** validator.go `mac`: a hardware address as Go's net.ParseMAC accepts. */
export const macField: Spec = string({
  check: (v) =>
    /^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$/.test(v) ||
    /^([0-9A-Fa-f]{2}[:-]){7}[0-9A-Fa-f]{2}$/.test(v) ||
    /^([0-9A-Fa-f]{2}[:-]){19}[0-9A-Fa-f]{2}$/.test(v) ||
    /^([0-9A-Fa-f]{4}\.){2}[0-9A-Fa-f]{4}$/.test(v)
      ? undefined
      : `invalid MAC address "${v}"`,
});

/** validator.go `labels`: a label map as Kubernetes validates it. */
export const labelsField = stringMap({ key: checkLabelKey, value: checkLabelValue });

/**
 * numorstring.ASNumber: a 32-bit integer, or a string holding one, or the
 * dotted `a.b` notation (two 16-bit halves).
 */
export const asNumberField: Spec = custom('integer or string', (v) =>
  parseAsNumber(v) === undefined ? `invalid AS Number format (${String(v)})` : undefined);

export function parseAsNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 && v <= 0xffffffff ? v : undefined;
  if (typeof v !== 'string') return undefined;
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    return n <= 0xffffffff ? n : undefined;
  }
  const m = /^(\d+)\.(\d+)$/.exec(v);
  if (!m) return undefined;
  const hi = Number(m[1]);
  const lo = Number(m[2]);
  if (hi > 0xffff || lo > 0xffff) return undefined;
  return hi * 65536 + lo;
}

/** BGPPassword / secretKeyRef (a Kubernetes SecretKeySelector). */
export const bgpPasswordField = object({
  secretKeyRef: object({
    name: required(string()),
    key: required(string()),
    optional: custom('boolean', (v) => (typeof v === 'boolean' ? undefined : 'expected boolean')),
  }),
});

/** A TCP/UDP port number field 1-65535 (uint16 with gt=0). */
export const portNumber = int({ min: 1, max: 65535 });
