/**
 * One table of every bench/results/*.json (or *.quick.json with --quick),
 * plus issue 11's targets for figures whose benchmark, written by another
 * area, judges itself by a different budget (CNI: ADD p50 <= 2x the
 * reference bridge + host-local in the same run). Run by scripts/bench.sh.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { metric, printTable, repoRoot, type Metric } from './harness.js';

interface Row { readonly name: string; readonly unit: string; readonly value: number; readonly baseline: number | null; readonly ratio: number | null; readonly target: number | string | null; readonly pass: boolean; readonly rule?: string }

const quick = process.argv.includes('--quick');
const dir = join(repoRoot(), 'bench', 'results');
const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json') && f.endsWith('.quick.json') === quick).sort() : [];
const all: Metric[] = [];
const extra: Metric[] = [];
for (const f of files) {
  const bench = f.replace(/(\.quick)?\.json$/, '');
  const rows = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Row[];
  for (const r of rows) {
    all.push({ name: `${bench}: ${r.name}`, unit: r.unit, value: r.value, baseline: r.baseline, ratio: r.ratio, target: typeof r.target === 'number' ? r.target : null, pass: r.pass, rule: r.rule ?? (r.target === null ? '-' : `(own) ${r.target}`) });
    if (bench === 'cni' && r.name === 'ADD p50' && r.baseline !== null) {
      extra.push(metric('cni: calico ADD p50 vs reference bridge + host-local ADD p50 (issue 11)', 'ms', r.value, r.baseline, { on: 'ratio', op: '<=', bound: 2 }));
    }
  }
}
printTable(`All benchmark results${quick ? ' (quick)' : ''} (bench/results)`, all);
if (extra.length) printTable('Issue 11 targets recomputed from results judged by another budget', extra);
const missed = [...all, ...extra].filter((m) => !m.pass);
console.log(`\n${all.length + extra.length} figures, ${missed.length} missing their target.`);
