/**
 * Shared benchmark harness. Issue 11's rules live here so every benchmark
 * follows them the same way:
 *  - a figure is always compared with a baseline measured in the same run
 *    (shared, noisy machines: throughput varies ~20% between repetitions);
 *  - each configuration is measured >= 5 times, the order of configurations
 *    rotated every repetition, and the median reported with min and max;
 *  - a missed target stays in the JSON with `"pass": false`.
 * Results: bench/results/<name>.json, an array of
 * {name, unit, value, baseline, ratio, target, pass} (+ min/max/samples).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One row of bench/results/<name>.json (issue 11's shape, plus spread). */
export interface Metric {
  readonly name: string;
  readonly unit: string;
  readonly value: number;
  readonly baseline: number | null;
  /** value / baseline, or null without a baseline. */
  readonly ratio: number | null;
  /** The bound from issue 11 (on the ratio or the value, see `rule`); null: report only. */
  readonly target: number | null;
  readonly pass: boolean;
  /** What `target` bounds, e.g. "ratio >= 0.95" or "value <= 200". */
  readonly rule?: string;
  readonly min?: number;
  readonly max?: number;
  readonly samples?: number;
}

/** Which side of `target` passes, and whether it bounds the value or the ratio. */
export interface Target {
  readonly on: 'ratio' | 'value';
  readonly op: '>=' | '<=';
  readonly bound: number;
}

export interface Spread { readonly median: number; readonly min: number; readonly max: number; readonly n: number }

export const MIN_REPS = 5;

/** Walks up from this file to the repository root (dist-test/bench/lib -> repo). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above the benchmark');
    dir = up;
  }
  return dir;
}

export function median(xs: readonly number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(xs: readonly number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export function spread(xs: readonly number[]): Spread {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
}

/**
 * Runs every configuration `reps` times; repetition r starts at
 * configuration r mod n, so no configuration always goes first (warm caches)
 * or last (a noisy neighbour waking up). Returns the samples per configuration.
 */
export async function rotated<K extends string>(keys: readonly K[], reps: number, run: (key: K, rep: number) => Promise<number>): Promise<Record<K, number[]>> {
  const out = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let r = 0; r < reps; r++) {
    for (let i = 0; i < keys.length; i++) {
      const k = keys[(i + r) % keys.length]!;
      out[k].push(await run(k, r));
    }
  }
  return out;
}

const round = (x: number): number => (Number.isFinite(x) ? Number(x.toPrecision(6)) : x);

/** Builds a metric; `pass` follows the target (no target: reported, passes). */
export function metric(name: string, unit: string, value: number | Spread, baseline: number | Spread | null, target: Target | null): Metric {
  const v = typeof value === 'number' ? value : value.median;
  const b = baseline === null ? null : typeof baseline === 'number' ? baseline : baseline.median;
  const ratio = b === null || b === 0 || !Number.isFinite(b) ? null : v / b;
  let pass = true;
  if (target) {
    const x = target.on === 'ratio' ? ratio : v;
    pass = x !== null && Number.isFinite(x) && (target.op === '>=' ? x >= target.bound : x <= target.bound);
  }
  const m: Metric = {
    name, unit, value: round(v), baseline: b === null ? null : round(b), ratio: ratio === null ? null : round(ratio),
    target: target ? target.bound : null, pass,
    ...(target ? { rule: `${target.on} ${target.op} ${target.bound}` } : {}),
  };
  return typeof value === 'number' ? m : { ...m, min: round(value.min), max: round(value.max), samples: value.n };
}

const fmt = (x: number | null | undefined): string => {
  if (x === null || x === undefined) return '-';
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a >= 1000 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : a >= 0.01 ? x.toFixed(3) : x.toPrecision(3);
};

/** Prints the metrics as an aligned table (value = median, with min..max). */
export function printTable(title: string, metrics: readonly Metric[]): void {
  const header = ['metric', 'unit', 'value', 'min..max', 'baseline', 'ratio', 'target', 'result'];
  const rows = metrics.map((m) => [
    m.name, m.unit, fmt(m.value), m.min === undefined ? '-' : `${fmt(m.min)}..${fmt(m.max)}`, fmt(m.baseline), fmt(m.ratio), m.rule ?? '-', m.pass ? 'PASS' : 'FAIL',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(r));
}

/** Writes bench/results/<name>.json (quick runs go to <name>.quick.json so they never replace real numbers). */
export function writeResults(name: string, metrics: readonly Metric[], quick = false): string {
  const dir = join(repoRoot(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}${quick ? '.quick' : ''}.json`);
  writeFileSync(file, `${JSON.stringify(metrics, null, 2)}\n`);
  return file;
}

export interface BenchArgs {
  readonly quick: boolean;
  /** Only these dataplanes (--dataplane=nftables|iptables), default both. */
  readonly dataplanes: readonly ('nftables' | 'iptables')[];
}

export function parseArgs(argv: readonly string[] = process.argv.slice(2)): BenchArgs {
  const quick = argv.includes('--quick') || process.env['BENCH_QUICK'] === '1';
  const dp = argv.find((a) => a.startsWith('--dataplane='))?.slice('--dataplane='.length);
  const dataplanes = dp === 'nftables' || dp === 'iptables' ? [dp] as const : ['nftables', 'iptables'] as const;
  return { quick, dataplanes };
}

type Cleanup = () => Promise<void> | void;
const cleanups: Cleanup[] = [];
let handlersInstalled = false;
let cleaning: Promise<void> | null = null;

/** Runs every registered cleanup once, newest first; errors are reported, not thrown. */
export function runCleanups(): Promise<void> {
  cleaning ??= (async () => {
    for (const c of cleanups.splice(0).reverse()) {
      try { await c(); } catch (e) { console.error(`cleanup failed: ${(e as Error).message}`); }
    }
  })().finally(() => { cleaning = null; });
  return cleaning;
}

/**
 * Registers a cleanup that runs on SIGINT/SIGTERM (then the process exits
 * 130/143) and at the end of `runBench`. Returns an unregister function for
 * cleanups the benchmark already ran itself.
 */
export function onCleanup(c: Cleanup): () => void {
  cleanups.push(c);
  if (!handlersInstalled) {
    handlersInstalled = true;
    for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
      process.on(sig, () => {
        console.error(`\n${sig}: cleaning up`);
        void runCleanups().finally(() => process.exit(code));
      });
    }
  }
  return () => { const i = cleanups.indexOf(c); if (i >= 0) cleanups.splice(i, 1); };
}

/**
 * Runs a benchmark body, always running the cleanups afterwards, printing
 * and writing its metrics. A thrown error exits 1 after cleanup.
 */
export async function runBench(name: string, title: string, body: (args: BenchArgs) => Promise<Metric[]>): Promise<Metric[]> {
  const args = parseArgs();
  let metrics: Metric[] = [];
  try {
    metrics = await body(args);
  } catch (e) {
    console.error(`${name} bench failed: ${(e as Error).stack ?? String(e)}`);
    process.exitCode = 1;
  } finally {
    await runCleanups();
  }
  if (metrics.length) {
    printTable(`${title}${args.quick ? ' (quick)' : ''}`, metrics);
    console.log(`wrote ${writeResults(name, metrics, args.quick)}`);
  }
  return metrics;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
