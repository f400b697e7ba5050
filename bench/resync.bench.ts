/**
 * Start-up resync (issue 11, target 3): 10,000 local workload endpoints x
 * 1,000 policies, from an empty kernel to fully programmed by the real
 * CalcGraph + createIntDataplane (calc from resources included), against the
 * kernel's own bulk loader (`nft -f FILE`; for iptables `ipset restore` +
 * `iptables-restore`) loading the very ruleset the dataplane produced, dumped
 * from the kernel. Target: ratio <= 2. Needs root (a throwaway netns).
 *
 * Run after building: node dist-test/bench/resync.bench.js [--quick] [--dataplane=nftables|iptables]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { NetnsScope, canUseNetns } from '../test/support/netns.js';
import { MIN_REPS, metric, onCleanup, rotated, runBench, spread, type Metric } from './lib/harness.js';
import { dumpRuleset, flushRuleset, loadRuleset, rulesetSize } from './lib/kernel.js';
import { programScenario } from './lib/program.js';
import { scenario } from './lib/scenario.js';

const NODE = 'bench-node';

await runBench('resync', 'Start-up resync: empty kernel to programmed vs bulk load of the same ruleset', async ({ quick, dataplanes }) => {
  if (!(await canUseNetns())) throw new Error('needs root and ip netns');
  const endpoints = quick ? 500 : 10_000;
  const policies = quick ? 100 : 1_000;
  const reps = quick ? 2 : MIN_REPS;
  const scope = new NetnsScope('brs');
  onCleanup(() => scope.cleanup());
  const dir = mkdtempSync(join(tmpdir(), 'calico-bench-resync-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const updates = scenario({ node: NODE, endpoints, policies });
  const out: Metric[] = [];
  for (const driver of dataplanes) {
    const ns = await scope.netns(driver === 'nftables' ? 'nft' : 'ipt');
    // One programming pass first: gives the final ruleset to load raw (and warms the JIT for both sides alike).
    const first = await programScenario(driver, ns, NODE, updates);
    await first.dataplane.stop();
    const dump = await dumpRuleset(ns, driver);
    const size = rulesetSize(dump);
    console.log(`${driver}: ${endpoints} endpoints x ${policies} policies -> ${size.rules} rules, ${(size.bytes / 1e6).toFixed(1)} MB of ruleset text; first pass calc ${first.calcMs.toFixed(0)} ms + apply ${first.applyMs.toFixed(0)} ms`);
    const calcMs: number[] = [];
    const samples = await rotated(['calico', 'raw'] as const, reps, async (k) => {
      await flushRuleset(ns);
      if (k === 'raw') {
        const t0 = performance.now();
        await loadRuleset(ns, dump, dir);
        return performance.now() - t0;
      }
      const p = await programScenario(driver, ns, NODE, updates);
      await p.dataplane.stop();
      calcMs.push(p.calcMs);
      return p.totalMs;
    });
    const after = rulesetSize(await dumpRuleset(ns, driver));
    if (after.rules !== size.rules) throw new Error(`${driver}: programmed ${after.rules} rules, first pass had ${size.rules}`);
    const raw = driver === 'nftables' ? 'nft -f' : 'ipset restore + iptables-restore';
    out.push(metric(`${driver}: ${endpoints} endpoints x ${policies} policies, empty kernel to programmed (vs ${raw} of the same ruleset)`, 'ms', spread(samples.calico), spread(samples.raw), { on: 'ratio', op: '<=', bound: 2 }));
    out.push(metric(`${driver}: of which calc graph (resources to model)`, 'ms', spread(calcMs), null, null));
  }
  return out;
});
