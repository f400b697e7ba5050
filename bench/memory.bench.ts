/**
 * Agent memory (issue 11, target 4): resident memory of the real agent
 * process (bench/lib/agent-main.js: Agent + syncer + CalcGraph + dataplane on
 * SQLite) once it has programmed 10,000 local workload endpoints x 1,000
 * policies. Target: <= 200 MB. Baseline, same run: an idle `node` process
 * (what the runtime alone costs). Also reports the agent's start-up time from
 * process start to the kernel programmed (empty kernel every start).
 *
 * Run after building: node dist-test/bench/memory.bench.js [--quick] [--dataplane=...]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteDatastore } from '../dist/datastore/sqlite/sqlite-datastore.js';
import { NetnsScope, canUseNetns } from '../test/support/netns.js';
import { AgentProcess, rssMb } from './lib/agent-process.js';
import { MIN_REPS, metric, onCleanup, rotated, runBench, sleep, spread, type Metric } from './lib/harness.js';
import { dumpRuleset, flushRuleset, rulesetSize } from './lib/kernel.js';
import { scenario } from './lib/scenario.js';
import { writeScenario } from './lib/store.js';

const NODE = 'bench-node';

await runBench('memory', 'Agent resident memory after programming (vs an idle node process)', async ({ quick, dataplanes }) => {
  if (!(await canUseNetns())) throw new Error('needs root and ip netns');
  const endpoints = quick ? 500 : 10_000;
  const policies = quick ? 100 : 1_000;
  const reps = quick ? 1 : MIN_REPS;
  const scope = new NetnsScope('bmem');
  onCleanup(() => scope.cleanup());
  const dir = mkdtempSync(join(tmpdir(), 'calico-bench-memory-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const db = join(dir, 'calico.db');
  const ds = SqliteDatastore.open(db);
  const rev = await writeScenario(ds, scenario({ node: NODE, endpoints, policies }));
  await ds.close();
  const out: Metric[] = [];
  for (const driver of dataplanes) {
    const ns = await scope.netns(driver === 'nftables' ? 'nft' : 'ipt');
    const startMs: number[] = [];
    const samples = await rotated(['agent', 'node'] as const, reps, async (k) => {
      if (k === 'node') {
        const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
        scope.track(child.pid);
        await sleep(500);
        const mb = rssMb(child.pid!);
        child.kill('SIGKILL');
        return mb;
      }
      await flushRuleset(ns);
      const agent = new AgentProcess(ns, { db, node: NODE, driver });
      try {
        const t = await agent.waitFor(rev);
        startMs.push(t - agent.startedAt);
        // The agent must really have programmed the scenario (each policy is at least one rule).
        if (startMs.length === 1) {
          const rules = rulesetSize(await dumpRuleset(ns, driver)).rules;
          if (rules < policies + endpoints) throw new Error(`${driver}: only ${rules} rules programmed`);
        }
        await sleep(1000); // settle: let the post-apply status report and GC run
        return agent.rssMb();
      } finally {
        await agent.stop();
      }
    });
    out.push(metric(`${driver}: agent RSS at ${endpoints} endpoints x ${policies} policies (baseline: idle node)`, 'MB', spread(samples.agent), spread(samples.node), { on: 'value', op: '<=', bound: 200 }));
    out.push(metric(`${driver}: agent process start to kernel programmed`, 'ms', spread(startMs), null, null));
  }
  return out;
});
