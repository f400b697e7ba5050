/**
 * Calculation-graph benchmark at 10,000 workload endpoints x 1,000 policies
 * (50 namespaces x 200 pods; 800 namespaced policies + 200 global ones over 3
 * tiers, with selector, namespaceSelector, named-port and nets rules).
 * Measures, in all-endpoints mode (every endpoint local: the hardest case,
 * what `calicoctl explain` runs) and in a per-node mode (200 local endpoints):
 *   - from-scratch computation time (all updates + flush),
 *   - one endpoint label change (update + flush), median of 21,
 *   - one policy change (rules + selector, update + flush), median of 21,
 *   - peak RSS.
 * Label/policy change rows use the from-scratch time as baseline, so `ratio`
 * is incremental cost as a fraction of a recomputation.
 * Prints a table and writes bench/results/calc.json.
 *
 * Run after building: node dist-test/bench/calc.bench.js
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as GraphModule from '../dist/calc/calc-graph.js';
import type * as FixturesModule from '../dist/calc/fixtures.js';
import type { CalcUpdate } from '../dist/calc/updates.js';
import { repoRoot } from './lib/harness.js';

const NAMESPACES = 50;
const PODS_PER_NS = 200;
const NS_POLICIES = 800;
const GLOBAL_POLICIES = 200;
const APPS = 20;
const REPS = 21;

interface Result { name: string; unit: string; value: number; baseline: number; ratio: number; target: number; pass: boolean }


function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function inputs(f: typeof FixturesModule): CalcUpdate[] {
  const out: CalcUpdate[] = [];
  out.push(f.tier('security', { order: 100 }), f.tier('platform', { order: 200, defaultAction: 'Pass' }), f.tier('default', { order: 1_000_000 }));
  for (let n = 0; n < NAMESPACES; n++) {
    const ns = `ns${n}`;
    out.push(f.namespaceProfile(ns, { env: n % 2 === 0 ? 'prod' : 'dev', team: `t${n % 5}` }));
    for (let p = 0; p < PODS_PER_NS; p++) {
      const i = n * PODS_PER_NS + p;
      out.push(f.wep(ns, `pod${p}`, {
        node: `node${i % 50}`,
        ipNetworks: [`10.${Math.floor(i / 65536) + 1}.${Math.floor(i / 256) % 256}.${i % 256}/32`],
        ports: [{ name: 'http', protocol: 'TCP', port: 8000 + (p % 3) }],
      }, { app: `app${p % APPS}`, version: `v${p % 3}` }));
    }
  }
  for (let i = 0; i < NS_POLICIES; i++) {
    const ns = `ns${i % NAMESPACES}`;
    const a = i % APPS;
    out.push(f.np(ns, `pol${i}`, {
      order: 100 + (i % 10),
      selector: `app == 'app${a}'`,
      ingress: [
        { action: 'Allow', protocol: 'TCP', source: { selector: `app == 'app${(a + 1) % APPS}'` }, destination: { ports: [80, 'http'] } },
        { action: 'Allow', protocol: 'TCP', source: { namespaceSelector: `team == 't${i % 5}'` }, destination: { ports: ['8000:8100'] } },
      ],
      egress: [{ action: 'Allow', destination: { selector: `app in {'app${a}', 'app${(a + 2) % APPS}'}` } }, { action: 'Allow', protocol: 'UDP', destination: { ports: [53] } }],
    }));
  }
  for (let i = 0; i < GLOBAL_POLICIES; i++) {
    const t = ['security', 'platform', 'default'][i % 3]!;
    out.push(f.gnp(`${t === 'default' ? '' : `${t}.`}g${i}`, {
      tier: t,
      order: i,
      selector: i % 4 === 0 ? 'all()' : `version == 'v${i % 3}' && app != 'app${i % APPS}'`,
      namespaceSelector: i % 2 === 0 ? "env == 'prod'" : '',
      ingress: [
        { action: 'Deny', source: { nets: [`192.168.${i % 256}.0/24`] } },
        { action: i % 3 === 1 ? 'Pass' : 'Log', protocol: 'TCP', destination: { notPorts: [22] } },
      ],
      egress: [{ action: 'Deny', destination: { notNets: ['10.0.0.0/8'] } }],
    }));
  }
  return out;
}

async function measure(name: string, opts: GraphModule.CalcGraphOptions, g: typeof GraphModule, f: typeof FixturesModule, all: CalcUpdate[]): Promise<Result[]> {
  const t0 = performance.now();
  const graph = new g.CalcGraph(opts);
  graph.onUpdates(all);
  const msgs = graph.flush();
  const scratchMs = performance.now() - t0;
  const stats = graph.stats();
  console.log(`${name}: ${msgs.length} messages, ${stats.localEndpoints} local endpoints, ${stats.activePolicies} active policies, ${stats.activeIpSets} IP sets`);

  const labelTimes: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const t = performance.now();
    graph.onUpdate(f.wep('ns7', 'pod13', { node: 'node7', ipNetworks: ['10.1.5.101/32'], ports: [{ name: 'http', protocol: 'TCP', port: 8001 }] }, { app: `app${(13 + r + 1) % APPS}`, version: 'v1' }));
    graph.flush();
    labelTimes.push(performance.now() - t);
  }
  const policyTimes: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const t = performance.now();
    graph.onUpdate(f.np('ns3', 'pol3', {
      order: 103,
      selector: `app == 'app${(3 + r + 1) % APPS}'`,
      ingress: [{ action: 'Allow', protocol: 'TCP', source: { selector: `app == 'app${(r + 9) % APPS}'` }, destination: { ports: [80 + r, 'http'] } }],
    }));
    graph.flush();
    policyTimes.push(performance.now() - t);
  }
  const label = median(labelTimes);
  const policy = median(policyTimes);
  return [
    { name: `${name}: from scratch`, unit: 'ms', value: scratchMs, baseline: 10_000, ratio: scratchMs / 10_000, target: 1, pass: scratchMs <= 10_000 },
    { name: `${name}: endpoint label change`, unit: 'ms', value: label, baseline: scratchMs, ratio: label / scratchMs, target: 0.01, pass: label / scratchMs <= 0.01 },
    { name: `${name}: policy change`, unit: 'ms', value: policy, baseline: scratchMs, ratio: policy / scratchMs, target: 0.1, pass: policy / scratchMs <= 0.1 },
  ];
}

async function main(): Promise<void> {
  const root = repoRoot();
  const g: typeof GraphModule = await import(pathToFileURL(join(root, 'dist/calc/calc-graph.js')).href);
  const f: typeof FixturesModule = await import(pathToFileURL(join(root, 'dist/calc/fixtures.js')).href);
  const all = inputs(f);
  const results: Result[] = [];
  results.push(...await measure('all endpoints', { allEndpoints: true }, g, f, all));
  results.push(...await measure('one node (node7)', { hostname: 'node7' }, g, f, all));
  const peakMb = process.resourceUsage().maxRSS / 1024;
  results.push({ name: 'peak RSS', unit: 'MB', value: peakMb, baseline: 2048, ratio: peakMb / 2048, target: 1, pass: peakMb <= 2048 });

  const fmt = (n: number): string => (n >= 100 ? n.toFixed(0) : n.toFixed(2));
  const rows = results.map((r) => [r.name, `${fmt(r.value)} ${r.unit}`, `${fmt(r.baseline)} ${r.unit}`, r.ratio.toFixed(4), `<= ${r.target}`, r.pass ? 'PASS' : 'FAIL']);
  const headers = ['measure', 'value', 'baseline', 'ratio', 'target', ''];
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const r of [headers, ...rows]) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  '));
  const outDir = join(root, 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'calc.json'), JSON.stringify(results, null, 2) + '\n');
  if (results.some((r) => !r.pass)) process.exitCode = 1;
}

await main();
