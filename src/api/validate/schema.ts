import type { Issues } from './issues.js';

/**
 * A small declarative schema language for plain JSON values, used by every
 * kind to check its spec the way Calico decodes and validates: strictly
 * (an unknown field is an error, as calicoctl's `json: unknown field "foo"`),
 * with wrong types and missing required fields reported per field path, and
 * every problem collected into one `Issues` so a single run lists them all.
 *
 * JSON `null` is treated as "absent" everywhere, as Go's decoder leaves a
 * nil pointer / zero value for it; `stripNulls` removes such fields before
 * defaulting so they do not appear in stored objects.
 */
export interface Spec {
  /** Human name of the expected type, used in "expected X" messages. */
  readonly typeName: string;
  /** Checks `value` (never undefined or null) at `path`, adding problems to `issues`. */
  check(value: unknown, path: string, issues: Issues): void;
  /**
   * Returns `value` with object keys in their canonical spelling (Go's JSON
   * decoder matches field names case-insensitively, and re-encodes them
   * with the declared name). Only called on values that validated.
   */
  normalize?(value: unknown): unknown;
  /**
   * Returns `value` with YAML numbers and booleans that sit in Go string
   * fields turned into strings, as calicoctl's decoder (sigs.k8s.io/yaml)
   * does before json.Unmarshal: `routeReflector: true` as a label value is
   * the string "true". Runs before `check`; absent for specs whose Go type
   * is not a plain string (numorstring, Duration, bool, int).
   */
  coerce?(value: unknown): unknown;
  /**
   * Returns `value` with object keys in declaration order, which is Go's
   * struct order (calicoctl `-o json` prints structs in that order). Keys
   * the spec does not declare follow, as they were.
   */
  order?(value: unknown): unknown;
}

/**
 * The string sigs.k8s.io/yaml makes of a YAML scalar decoded into a Go
 * string field: integers in decimal, floats as strconv.FormatFloat(f, 'g',
 * -1, 32), booleans as true/false. Other values are returned unchanged.
 */
export function goScalarString(v: unknown): unknown {
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v !== 'number') return v;
  if (Number.isInteger(v) && Math.abs(v) <= Number.MAX_SAFE_INTEGER) return String(v);
  // go-yaml reads integers up to 64 bits exactly; past 2^53 this text is the nearest double's.
  if (Number.isInteger(v) && v >= -(2 ** 63) && v < 2 ** 64) return BigInt(v).toString();
  return formatGoFloat(v, 32);
}

/**
 * Go's strconv.FormatFloat(v, 'g', -1, bits), which is also what fmt's %v
 * prints for a float64 (`1e+06`, `1000`, `0.5`, `1e-05`): the shortest
 * digits that read back as the same float of that size, in %e form when
 * the exponent is < -4 or >= 6 (Go's precision for shortest 'g').
 */
export function formatGoFloat(v: number, bits: 32 | 64 = 64): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  const f = bits === 32 ? Math.fround(v) : v;
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  let e = Math.abs(f).toExponential();
  if (bits === 32) {
    for (let p = 1; p <= 9; p++) {
      const c = Math.abs(f).toExponential(p - 1);
      if (Math.fround(Number(c)) === Math.abs(f)) {
        e = c;
        break;
      }
    }
  }
  const [mant, ex] = e.split('e');
  const digits = mant!.replace('.', '');
  const exp = Number(ex);
  const sign = f < 0 ? '-' : '';
  if (exp < -4 || exp >= 6) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const ae = Math.abs(exp);
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${ae < 10 ? '0' : ''}${ae}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${'0'.repeat(exp + 1 - digits.length)}`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

/** A custom check: returns a reason string when `value` is invalid (or adds issues itself). */
export type CheckFn<T> = (value: T, path: string, issues: Issues) => string | undefined | void;

/** Joins a field name onto a path: `spec` + `cidr` -> `spec.cidr`. */
export function fieldPath(base: string, field: string): string {
  return base ? `${base}.${field}` : field;
}

/** Joins an array index onto a path: `spec.ports` + 1 -> `spec.ports[1]`. */
export function indexPath(base: string, index: number): string {
  return `${base}[${index}]`;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Names the JSON type of a value for messages ("string", "number", "array", ...). */
export function jsonTypeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function runCheck<T>(fn: CheckFn<T> | undefined, value: T, path: string, issues: Issues): void {
  if (!fn) return;
  const reason = fn(value, path, issues);
  if (typeof reason === 'string') issues.add(path, reason, value);
}

function wrongType(path: string, expected: string, value: unknown, issues: Issues): void {
  issues.add(path, `expected ${expected}, got ${jsonTypeOf(value)}`, value);
}

export interface StringOptions {
  /** Extra check on the string (format, value rules). */
  readonly check?: CheckFn<string>;
  readonly minLength?: number;
  readonly maxLength?: number;
}

export function string(opts: StringOptions = {}): Spec {
  return {
    typeName: 'string',
    coerce: goScalarString,
    check(value, path, issues) {
      if (typeof value !== 'string') return wrongType(path, 'string', value, issues);
      if (opts.minLength !== undefined && value.length < opts.minLength) {
        issues.add(path, opts.minLength === 1 ? 'must not be empty' : `must be at least ${opts.minLength} characters`, value);
        return;
      }
      if (opts.maxLength !== undefined && value.length > opts.maxLength) {
        issues.add(path, `must be no more than ${opts.maxLength} characters`, value);
        return;
      }
      runCheck(opts.check, value, path, issues);
    },
  };
}

export interface IntOptions {
  readonly min?: number;
  readonly max?: number;
  readonly check?: CheckFn<number>;
}

/** An integer (JSON number without fraction), optionally within [min, max]. */
export function int(opts: IntOptions = {}): Spec {
  return {
    typeName: 'integer',
    check(value, path, issues) {
      if (typeof value !== 'number' || !Number.isInteger(value)) return wrongType(path, 'integer', value, issues);
      if ((opts.min !== undefined && value < opts.min) || (opts.max !== undefined && value > opts.max)) {
        const reason = opts.min !== undefined && opts.max !== undefined
          ? `must be between ${opts.min} and ${opts.max}`
          : opts.min !== undefined ? `must be greater than or equal to ${opts.min}` : `must be less than or equal to ${opts.max}`;
        issues.add(path, reason, value);
        return;
      }
      runCheck(opts.check, value, path, issues);
    },
  };
}

/** A JSON number (float allowed), e.g. a policy `order`. */
export function number(opts: { readonly check?: CheckFn<number> } = {}): Spec {
  return {
    typeName: 'number',
    check(value, path, issues) {
      if (typeof value !== 'number' || !Number.isFinite(value)) return wrongType(path, 'number', value, issues);
      runCheck(opts.check, value, path, issues);
    },
  };
}

export function bool(): Spec {
  return {
    typeName: 'boolean',
    check(value, path, issues) {
      if (typeof value !== 'boolean') wrongType(path, 'boolean', value, issues);
    },
  };
}

/**
 * One of a fixed set of strings. Calico's `oneof=` validation is
 * case-sensitive; the message lists the allowed values. `allowEmpty` is for
 * non-pointer Go strings with `omitempty` validation, where "" means unset.
 */
export function enumOf(values: readonly string[], opts: { readonly check?: CheckFn<string>; readonly allowEmpty?: boolean } = {}): Spec {
  return {
    typeName: 'string',
    coerce: goScalarString,
    check(value, path, issues) {
      if (typeof value !== 'string') return wrongType(path, 'string', value, issues);
      if (value === '' && opts.allowEmpty) return;
      if (!values.includes(value)) {
        issues.add(path, `must be one of ${values.map((v) => `"${v}"`).join(', ')}`, value);
        return;
      }
      runCheck(opts.check, value, path, issues);
    },
  };
}

export interface StringMapOptions {
  readonly key?: CheckFn<string>;
  readonly value?: CheckFn<string>;
}

/** An object whose values are all strings (labels, annotations, nodeSelector maps). */
export function stringMap(opts: StringMapOptions = {}): Spec {
  return {
    typeName: 'map of strings',
    coerce(value) {
      if (!isPlainObject(value)) return value;
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, goScalarString(v)]));
    },
    check(value, path, issues) {
      if (!isPlainObject(value)) return wrongType(path, 'object', value, issues);
      for (const [k, v] of Object.entries(value)) {
        const p = fieldPath(path, k);
        if (typeof v !== 'string') {
          wrongType(p, 'string', v, issues);
          continue;
        }
        runCheck(opts.key, k, p, issues);
        runCheck(opts.value, v, p, issues);
      }
    },
  };
}

export interface ArrayOptions {
  readonly minItems?: number;
  readonly maxItems?: number;
  /** Whole-array check after the items were checked (e.g. uniqueness). */
  readonly check?: CheckFn<readonly unknown[]>;
}

export function array(item: Spec, opts: ArrayOptions = {}): Spec {
  return {
    typeName: `array of ${item.typeName}`,
    check(value, path, issues) {
      if (!Array.isArray(value)) return wrongType(path, 'array', value, issues);
      if (opts.minItems !== undefined && value.length < opts.minItems) {
        issues.add(path, `must have at least ${opts.minItems} item${opts.minItems === 1 ? '' : 's'}`);
      }
      if (opts.maxItems !== undefined && value.length > opts.maxItems) {
        issues.add(path, `must have at most ${opts.maxItems} items`);
      }
      value.forEach((v, i) => {
        const p = indexPath(path, i);
        if (v === null || v === undefined) issues.add(p, `expected ${item.typeName}, got null`);
        else item.check(v, p, issues);
      });
      runCheck(opts.check, value, path, issues);
    },
    normalize(value) {
      return Array.isArray(value) && item.normalize ? value.map((v) => item.normalize!(v)) : value;
    },
    coerce(value) {
      return Array.isArray(value) && item.coerce ? value.map((v) => (v === null || v === undefined ? v : item.coerce!(v))) : value;
    },
    order(value) {
      return Array.isArray(value) && item.order ? value.map((v) => (v === null || v === undefined ? v : item.order!(v))) : value;
    },
  };
}

/** A field of an object schema: a spec, or `{ spec, required }`. */
export type FieldDef = Spec | { readonly spec: Spec; readonly required: boolean };

export interface ObjectOptions {
  /** Cross-field checks, run after each field was checked (even when some failed). */
  readonly check?: CheckFn<Record<string, unknown>>;
  /** Accept fields not listed (Pod specs: Calico ignores fields it does not read). */
  readonly allowUnknown?: boolean;
}

export function required(spec: Spec): FieldDef {
  return { spec, required: true };
}

/**
 * An object with known fields. Unknown fields are reported as
 * `unknown field "x"` (at the path of the unknown field), missing required
 * fields as `required field is missing`.
 */
export function object(fields: Readonly<Record<string, FieldDef>>, opts: ObjectOptions = {}): ObjectSpec {
  return new ObjectSpec(fields, opts);
}

export class ObjectSpec implements Spec {
  readonly typeName = 'object';
  constructor(
    readonly fields: Readonly<Record<string, FieldDef>>,
    readonly opts: ObjectOptions = {},
  ) {}

  /** The declared name of field `k`: exact, else a case-insensitive match (as Go's JSON decoder does). */
  fieldName(k: string): string | undefined {
    if (Object.prototype.hasOwnProperty.call(this.fields, k)) return k;
    const lower = k.toLowerCase();
    return Object.keys(this.fields).find((f) => f.toLowerCase() === lower);
  }

  check(value: unknown, path: string, issues: Issues): void {
    if (!isPlainObject(value)) return wrongType(path, 'object', value, issues);
    const seen = new Map<string, string>();
    for (const [k, v] of Object.entries(value)) {
      const name = this.fieldName(k);
      const p = fieldPath(path, k);
      if (name === undefined) {
        if (!this.opts.allowUnknown) issues.add(p, `unknown field "${k}"`);
        continue;
      }
      const dup = seen.get(name);
      if (dup !== undefined) issues.add(p, `duplicate field "${k}" (also given as "${dup}")`);
      seen.set(name, k);
      if (v === null || v === undefined) continue;
      specOf(this.fields[name]!).check(v, p, issues);
    }
    for (const [k, def] of Object.entries(this.fields)) {
      if ('required' in def && def.required) {
        const given = seen.get(k);
        if (given === undefined || value[given] === undefined || value[given] === null) {
          issues.add(fieldPath(path, k), 'required field is missing');
        }
      }
    }
    // Cross-field checks see canonical field names.
    runCheck(this.opts.check, this.renameKeys(value), path, issues);
  }

  private renameKeys(value: Record<string, unknown>): Record<string, unknown> {
    let renamed = false;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const name = this.fieldName(k) ?? k;
      if (name !== k) renamed = true;
      out[name] = v;
    }
    return renamed ? out : value;
  }

  normalize(value: unknown): unknown {
    if (!isPlainObject(value)) return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const name = this.fieldName(k) ?? k;
      const def = this.fields[name];
      const spec = def ? specOf(def) : undefined;
      out[name] = spec?.normalize && v !== null && v !== undefined ? spec.normalize(v) : v;
    }
    return out;
  }

  coerce(value: unknown): unknown {
    if (!isPlainObject(value)) return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const name = this.fieldName(k);
      const spec = name === undefined ? undefined : specOf(this.fields[name]!);
      out[k] = spec?.coerce && v !== null && v !== undefined ? spec.coerce(v) : v;
    }
    return out;
  }

  order(value: unknown): unknown {
    if (!isPlainObject(value)) return value;
    const out: Record<string, unknown> = {};
    for (const [name, def] of Object.entries(this.fields)) {
      if (!Object.prototype.hasOwnProperty.call(value, name)) continue;
      const v = value[name];
      const spec = specOf(def);
      out[name] = spec.order && v !== null && v !== undefined ? spec.order(v) : v;
    }
    for (const [k, v] of Object.entries(value)) if (!(k in out)) out[k] = v;
    return out;
  }

  /** A copy with more fields (e.g. GlobalNetworkPolicy = NetworkPolicy + extras). */
  extend(more: Readonly<Record<string, FieldDef>>, opts?: ObjectOptions): ObjectSpec {
    return new ObjectSpec({ ...this.fields, ...more }, opts ?? this.opts);
  }
}

function specOf(def: FieldDef): Spec {
  return 'check' in def ? def : def.spec;
}

/** Any value accepted as-is (opaque blobs Calico passes through). */
export function any(): Spec {
  return { typeName: 'any value', check() {} };
}

/**
 * A value checked by a function only (for int-or-string and similar unions).
 * `typeName` 'string' declares a Go string field, which gets `coerce`.
 */
export function custom(typeName: string, fn: CheckFn<unknown>): Spec {
  return {
    typeName,
    ...(typeName === 'string' ? { coerce: goScalarString } : {}),
    check(value, path, issues) {
      runCheck(fn, value, path, issues);
    },
  };
}

/** Either an integer or a string (Kubernetes IntOrString), with a check on the result. */
export function intOrString(fn?: CheckFn<number | string>): Spec {
  return custom('integer or string', (value, path, issues) => {
    if (typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value))) {
      return fn ? fn(value, path, issues) : undefined;
    }
    return `expected integer or string, got ${jsonTypeOf(value)}`;
  });
}

/** Removes `null` object fields recursively (Go decodes them to zero values, omitted on output). */
export function stripNulls<T>(v: T): T {
  if (Array.isArray(v)) return v.map((x) => stripNulls(x)) as T;
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) out[k] = stripNulls(x);
    return out as T;
  }
  return v;
}
