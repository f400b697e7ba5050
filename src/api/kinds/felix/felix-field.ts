import { parseGoDuration } from '../../validate/go-duration.js';
import { parsePort } from '../../validate/net.js';
import { array, bool, custom, int, object, required, string, stringMap, type CheckFn, type Spec } from '../../validate/schema.js';
import { selectorProblem } from '../../validate/selector-field.js';
import { cidrField, duration } from '../common-fields.js';

/**
 * FelixField describes one FelixConfigurationSpec field as its Go type and
 * tags say (see felix-fields.ts, generated from Calico's felixconfig.go).
 * `check` names validator.go tags; `pattern` is the CRD's kubebuilder pattern.
 */
export interface FelixField {
  readonly name: string;
  readonly type:
    | 'bool' | 'int' | 'uint32' | 'string' | 'duration' | 'port' | 'ports' | 'protoPorts' | 'strings' | 'stringMap'
    | 'healthTimeoutOverrides' | 'routeTableRanges' | 'routeTableRange' | 'bpfConntrackTimeouts' | 'dscp';
  readonly min?: number;
  readonly max?: number;
  readonly enum?: readonly string[];
  readonly check?: readonly string[];
  readonly pattern?: string;
  readonly flags?: string;
  /** Set for fields newer than v3.31 (accepted so current docs examples load). */
  readonly since?: string;
  /** A non-pointer Go string: "" is its zero value, which `omitempty` validation skips. */
  readonly emptyIsUnset?: boolean;
}

const regexpCheck: CheckFn<string> = (v) => {
  try {
    new RegExp(v);
    return undefined;
  } catch {
    return `invalid regular expression "${v}"`;
  }
};

function oneOf(values: readonly string[]): CheckFn<string> {
  return (v) => (values.includes(v) ? undefined : `must be one of ${values.map((x) => `"${x}"`).join(', ')}`);
}

/** validator.go field tags used by FelixConfigurationSpec, as string checks. */
const TAG_CHECKS: Readonly<Record<string, CheckFn<string>>> = {
  acceptReturn: oneOf(['Accept', 'Return']),
  dropAcceptReturn: oneOf(['Drop', 'Accept', 'Return']),
  dropReject: oneOf(['Drop', 'Reject']),
  logLevel: oneOf(['Trace', 'Debug', 'Info', 'Warning', 'Error', 'Fatal']),
  bpfLogLevel: oneOf(['Debug', 'Info', 'Off']),
  bpfServiceMode: oneOf(['Tunnel', 'DSR']),
  // validator.go validateIptablesBackend also accepts "".
  iptablesBackend: (v, p, i) => (v === '' ? undefined : oneOf(['Legacy', 'NFT', 'Auto'])(v, p, i)),
  interface: (v) => (v === '*' || /^[a-zA-Z0-9_.-]{1,15}$/.test(v) ? undefined : 'invalid interface name'),
  ifaceFilter: (v) => (/^[a-zA-Z0-9:._+-]{1,15}$/.test(v) ? undefined : 'invalid interface filter'),
  prometheusHost: (v) => (/^[a-zA-Z0-9:._+-]{1,64}$/.test(v) ? undefined : 'invalid host'),
  keyValueList: (v) => {
    if (v.trim() === '') return undefined;
    for (const item of v.split(',')) if (item !== '' && !/^\s*(\w+)=(.*)$/.test(item)) return 'must be a comma-separated list of key=value pairs';
    return undefined;
  },
  regexp: regexpCheck,
  selector: (v) => selectorProblem(v),
  // validator.go validateRouteSource only checks that the value compiles as a regexp.
  routeSource: regexpCheck,
};

function stringSpec(f: FelixField): Spec {
  const re = f.pattern !== undefined ? new RegExp(f.pattern, f.flags ?? '') : undefined;
  const checks = (f.check ?? []).map((t) => TAG_CHECKS[t]).filter((c): c is CheckFn<string> => c !== undefined);
  const check: CheckFn<string> = (v, path, issues) => {
    if (v === '' && f.emptyIsUnset) return undefined;
    if (f.enum && !f.enum.includes(v)) return `must be one of ${f.enum.map((x) => `"${x}"`).join(', ')}`;
    for (const c of checks) {
      const r = c(v, path, issues);
      if (typeof r === 'string') return r;
    }
    if (re && !re.test(v)) return `must match ${f.pattern}`;
    return undefined;
  };
  return string({ check });
}

/** numorstring.Port: a number, a "a:b" range, or a name (kept as written). */
const portSpec: Spec = custom('integer or string', (v) => {
  const p = parsePort(v);
  return p.ok ? undefined : p.reason;
});

/**
 * ProtoPort: validator.go wants TCP/UDP/SCTP, while Calico's docs list and
 * show lower-case values (`protocol: tcp`, `net: ""`), so both cases are accepted.
 */
const protoPort = object({
  protocol: string({
    check: (v) => (['TCP', 'UDP', 'SCTP'].includes(v.toUpperCase()) ? undefined : "protocol must be 'TCP' or 'UDP' or 'SCTP'."),
  }),
  port: required(int({ min: 0, max: 65535 })),
  net: string({ check: (v, path, issues) => (v === '' ? undefined : cidrField.check(v, path, issues)) }),
}, {
  check: (o, path, issues) => {
    if (o.protocol === undefined) issues.add(`${path}.protocol`, "protocol must be 'TCP' or 'UDP' or 'SCTP'.");
  },
});

/** numorstring.DSCP: 0-63, or a class name (DF, EF, AFxy, CSx). */
const DSCP_NAMES = ['DF', 'EF', 'AF11', 'AF12', 'AF13', 'AF21', 'AF22', 'AF23', 'AF31', 'AF32', 'AF33', 'AF41', 'AF42', 'AF43',
  'CS0', 'CS1', 'CS2', 'CS3', 'CS4', 'CS5', 'CS6'];
const dscpSpec: Spec = custom('integer or string', (v) => {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 && v <= 63 ? undefined : 'DSCP value must be between 0 and 63';
  if (typeof v === 'string') return DSCP_NAMES.includes(v) ? undefined : `unknown DSCP class "${v}"`;
  return 'expected integer or string';
});

const conntrackTimeout = string({
  check: (v) => (/^(([0-9]*(\.[0-9]*)?(ms|s|h|m|us)+)+|Auto)$/.test(v) ? undefined : `invalid conntrack timeout "${v}"`),
});

const healthTimeoutOverride = object({
  name: required(string({ check: (v) => (/^[a-zA-Z0-9_ -]+$/.test(v) ? undefined : 'name should match regex ^[a-zA-Z0-9_ -]+$') })),
  timeout: required({
    ...duration,
    check(value, path, issues) {
      duration.check(value, path, issues);
      if (typeof value === 'string' && (parseGoDuration(value) ?? 0n) < 0n) issues.add(path, 'Timeout should not be negative', value);
    },
  }),
});

const routeTableIdRange = object({ min: required(int()), max: required(int()) }, {
  check: (r) => {
    if (typeof r.min !== 'number' || typeof r.max !== 'number') return undefined;
    if (r.min > r.max) return 'min value cannot be greater than max value';
    if (r.min <= 0) return 'cannot target indices < 1';
    if (r.max > 0xffffffff) return 'max index too high';
    return undefined;
  },
});

const routeTableRange = object({ min: required(int()), max: required(int()) }, {
  check: (r) => {
    if (typeof r.min !== 'number' || typeof r.max !== 'number') return undefined;
    return r.min >= 1 && r.max >= r.min && r.max <= 250 ? undefined : 'must be a range of route table indices within 1..250';
  },
});

/** The schema spec of one Felix field. */
export function felixFieldSpec(f: FelixField): Spec {
  switch (f.type) {
    case 'bool':
      return bool();
    case 'int':
      return int({ ...(f.min !== undefined ? { min: f.min } : {}), ...(f.max !== undefined ? { max: f.max } : {}) });
    case 'uint32':
      return int({ min: f.min ?? 0, max: f.max ?? 0xffffffff });
    case 'string':
      return stringSpec(f);
    case 'duration':
      return duration;
    case 'port':
      return portSpec;
    case 'ports':
      return array(portSpec);
    case 'protoPorts':
      return array(protoPort);
    case 'strings':
      if (f.check?.includes('cidrs')) return array(cidrField);
      if (f.check?.includes('ifaceFilterSlice')) return array(string({ check: TAG_CHECKS.ifaceFilter! }));
      return array(string());
    case 'stringMap':
      return f.check?.includes('bpfLogFilters') ? stringMap({ key: TAG_CHECKS.interface! }) : stringMap();
    case 'healthTimeoutOverrides':
      return array(healthTimeoutOverride);
    case 'routeTableRanges':
      return array(routeTableIdRange);
    case 'routeTableRange':
      return routeTableRange;
    case 'dscp':
      return dscpSpec;
    case 'bpfConntrackTimeouts':
      return object({
        creationGracePeriod: conntrackTimeout, tcpSynSent: conntrackTimeout, tcpEstablished: conntrackTimeout,
        tcpFinsSeen: conntrackTimeout, tcpResetSeen: conntrackTimeout, udpTimeout: conntrackTimeout,
        genericTimeout: conntrackTimeout, icmpTimeout: conntrackTimeout,
      });
  }
}
