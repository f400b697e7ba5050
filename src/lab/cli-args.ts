/**
 * A small flag parser for calico-lab: `--flag value`, `--flag=value`,
 * `-o json`, `-f FILE`, boolean `--ipv6` / `--wait=false` / `--no-wait`,
 * repeatable flags, positionals. Unknown flags are usage errors naming the flag.
 */
import { CalicoError } from '../lib/errors.js';

export interface FlagSpec {
  /** Flags taking a value (long names without dashes; short aliases map to them). */
  readonly values?: readonly string[];
  readonly booleans?: readonly string[];
  readonly repeatable?: readonly string[];
  readonly aliases?: Readonly<Record<string, string>>;
}

export interface ParsedArgs {
  readonly flags: Map<string, string[]>;
  readonly bools: Map<string, boolean>;
  readonly positionals: string[];
}

export function usage(msg: string): CalicoError {
  return new CalicoError('CALICO_ERR_USAGE', msg);
}

export function parseArgs(argv: readonly string[], spec: FlagSpec): ParsedArgs {
  const flags = new Map<string, string[]>();
  const bools = new Map<string, boolean>();
  const positionals: string[] = [];
  const values = new Set(spec.values ?? []);
  const booleans = new Set(spec.booleans ?? []);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') { positionals.push(...argv.slice(i + 1)); break; }
    if (!a.startsWith('-') || a === '-' || /^-\d/.test(a)) { positionals.push(a); continue; }
    let name = a.replace(/^--?/, '');
    let inline: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) { inline = name.slice(eq + 1); name = name.slice(0, eq); }
    name = spec.aliases?.[name] ?? name;
    if (values.has(name)) {
      const v = inline ?? argv[++i];
      if (v === undefined) throw usage(`flag --${name} needs a value`);
      const list = flags.get(name) ?? [];
      if (list.length > 0 && !(spec.repeatable ?? []).includes(name)) throw usage(`flag --${name} given twice`);
      list.push(v);
      flags.set(name, list);
    } else if (booleans.has(name)) {
      if (inline !== undefined && !/^(true|false)$/.test(inline)) throw usage(`flag --${name}: want true or false`);
      bools.set(name, inline !== 'false');
    } else if (name.startsWith('no-') && booleans.has(name.slice(3))) {
      bools.set(name.slice(3), false);
    } else {
      throw usage(`unknown flag ${a}`);
    }
  }
  return { flags, bools, positionals };
}

export function one(p: ParsedArgs, name: string): string | undefined {
  return p.flags.get(name)?.[0];
}

export function intFlag(p: ParsedArgs, name: string, min: number, max: number): number | undefined {
  const v = one(p, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw usage(`--${name}: must be an integer ${min}-${max}, got ${JSON.stringify(v)}`);
  return Number(v);
}

export function choice<T extends string>(p: ParsedArgs, name: string, allowed: readonly T[], dflt: T): T {
  const v = one(p, name);
  if (v === undefined) return dflt;
  if (!(allowed as readonly string[]).includes(v)) throw usage(`--${name}: must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
}
