/**
 * Go's time.Duration text form, which Calico resources use for every
 * metav1.Duration field: parsing as time.ParseDuration accepts ("90s",
 * "1m30s", "1.5h", "-2ms", "0") and formatting as Duration.String() writes
 * ("1m30s", "1h0m0s", "1.5ms", "0s"). Calico stores the parsed value, so a
 * resource written with `125s` reads back as `2m5s`.
 */
const UNITS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n, // U+00B5 micro sign
  'μs': 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const MAX = (1n << 63n) - 1n;

/** Parses a Go duration into nanoseconds; undefined when invalid (or out of int64 range). */
export function parseGoDuration(text: string): bigint | undefined {
  let s = text;
  let neg = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') return undefined;
  let total = 0n;
  const re = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/;
  while (s !== '') {
    const m = re.exec(s);
    if (!m) return undefined;
    const [all, whole = '', frac, unit] = m;
    if (whole === '' && (frac === undefined || frac === '')) return undefined;
    const u = UNITS[unit!]!;
    let v = BigInt(whole === '' ? '0' : whole) * u;
    if (frac) v += (BigInt(frac) * u) / 10n ** BigInt(frac.length);
    total += v;
    if (total > MAX + (neg ? 1n : 0n)) return undefined;
    s = s.slice(all.length);
  }
  return neg ? -total : total;
}

/** Writes nanoseconds as Go's Duration.String() does. */
export function formatGoDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const neg = ns < 0n;
  let u = neg ? -ns : ns;
  let out: string;
  if (u < 1_000_000_000n) {
    // Below a second Go switches to the largest sub-second unit: 1.5ms, 40µs, 7ns.
    const [unit, scale] = u < 1_000n ? ['ns', 1n] : u < 1_000_000n ? ['µs', 1_000n] : ['ms', 1_000_000n];
    out = `${fraction(u, scale)}${unit}`;
  } else {
    const secs = fraction(u % 60_000_000_000n, 1_000_000_000n);
    u /= 60_000_000_000n;
    const mins = u % 60n;
    const hours = u / 60n;
    out = hours > 0n ? `${hours}h${mins}m${secs}s` : mins > 0n ? `${mins}m${secs}s` : `${secs}s`;
  }
  return neg ? `-${out}` : out;
}

/** `value / scale` in decimal with trailing zeros (and a bare dot) dropped. */
function fraction(value: bigint, scale: bigint): string {
  const whole = value / scale;
  const rest = value % scale;
  if (rest === 0n) return whole.toString();
  const digits = scale.toString().length - 1;
  return `${whole}.${rest.toString().padStart(digits, '0').replace(/0+$/, '')}`;
}

/** The canonical (Go) spelling of a duration string, or the input when it does not parse. */
export function canonicalGoDuration(text: string): string {
  const ns = parseGoDuration(text);
  return ns === undefined ? text : formatGoDuration(ns);
}
