/**
 * Programming latency (issue 11, target 2): one policy change and one
 * endpoint label change on a node with 1,000 local endpoints x 1,000
 * policies, from the datastore write (SQLite, another process than the agent,
 * as calicoctl would write) to the change applied in the kernel by the real
 * agent (bench/lib/agent-main.js). Timed to the agent's apply-completion
 * (its applied revision, reported every 1 ms); every 25th change is then
 * verified in the kernel (new port in the ruleset / endpoint IP moved to
 * another IP set). Targets: median <= 20 ms, p99 <= 100 ms; the same at 10x
 * the policies: median <= 2x the 1x median.
 * Baseline (same run, rotated with the rest): the kernel tool's own cost of a
 * one-element change (`nft add element`, or `ipset add`), spawned.
 *
 * Run after building: node dist-test/bench/programming-latency.bench.js [--quick] [--dataplane=...]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SqliteDatastore } from '../dist/datastore/sqlite/sqlite-datastore.js';
import { NetnsScope, canUseNetns } from '../test/support/netns.js';
import { AgentProcess } from './lib/agent-process.js';
import { metric, onCleanup, percentile, rotated, runBench, sleep, spread, type Metric } from './lib/harness.js';
import { inNs, type Driver } from './lib/kernel.js';
import { APPS, endpointIp, endpointUpdate, policyUpdate, scenario } from './lib/scenario.js';
import { put, writeScenario } from './lib/store.js';
import { rulesetText, setsContaining } from './lib/verify.js';

const NODE = 'bench-node';
const ENDPOINTS = 1_000;

interface Node { scale: string; policies: number; ds: SqliteDatastore; agent: AgentProcess; ns: string }

async function startNode(scope: NetnsScope, dir: string, driver: Driver, scale: string, policies: number, endpoints: number): Promise<Node> {
  const ns = await scope.netns(`${driver.slice(0, 3)}${scale}`);
  const db = join(dir, `${driver}-${scale}.db`);
  const ds = SqliteDatastore.open(db);
  onCleanup(() => ds.close());
  const rev = await writeScenario(ds, scenario({ node: NODE, endpoints, policies }));
  const agent = new AgentProcess(ns, { db, node: NODE, driver });
  const t = await agent.waitFor(rev);
  console.log(`${driver} ${scale}: ${endpoints} endpoints x ${policies} policies programmed ${((t - agent.startedAt) / 1000).toFixed(1)} s after agent start`);
  return { scale, policies, ds, agent, ns };
}

await runBench('programming-latency', 'Programming latency: datastore write to kernel', async ({ quick, dataplanes }) => {
  if (!(await canUseNetns())) throw new Error('needs root and ip netns');
  const endpoints = quick ? 100 : ENDPOINTS;
  const base = quick ? 100 : 1_000;
  const changes = quick ? 6 : 100;
  const scope = new NetnsScope('bpl');
  onCleanup(() => scope.cleanup());
  const dir = mkdtempSync(join(tmpdir(), 'calico-bench-latency-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const out: Metric[] = [];
  for (const driver of dataplanes) {
    const nodes = [await startNode(scope, dir, driver, '1x', base, endpoints), await startNode(scope, dir, driver, '10x', base * 10, endpoints)];
    // Baseline: one spawned one-element change by the kernel's own tool, in a scratch set.
    const rawNs = nodes[0]!.ns;
    if (driver === 'nftables') await inNs(rawNs, 'nft', ['-f', '-'], 'table ip benchraw {\n set s { type ipv4_addr; }\n}\n');
    else await inNs(rawNs, 'ipset', ['create', 'benchraw', 'hash:ip']);
    const keys = ['raw', ...nodes.flatMap((n) => [`${n.scale} policy`, `${n.scale} label`])];
    const samples = await rotated(keys, changes, async (key, rep) => {
      await sleep(100); // changes arrive one at a time, never throttled by the apply loop's minimum interval
      if (key === 'raw') {
        const ip = `10.99.${rep >> 8}.${rep & 255}`;
        const t0 = performance.now();
        if (driver === 'nftables') await inNs(rawNs, 'nft', ['add', 'element', 'ip', 'benchraw', 's', `{ ${ip} }`]);
        else await inNs(rawNs, 'ipset', ['add', 'benchraw', ip]);
        return performance.now() - t0;
      }
      const n = nodes.find((x) => key.startsWith(`${x.scale} `))!;
      const verify = rep % 25 === 0 || rep === changes - 1;
      if (key.endsWith('policy')) {
        const port = 20_000 + rep;
        const t0 = performance.now();
        const rev = await put(n.ds, policyUpdate(n.policies >> 1, n.policies, port));
        const ms = (await n.agent.waitFor(rev, 60_000)) - t0;
        if (verify && !(await rulesetText(n.ns, driver)).includes(String(port))) throw new Error(`${driver} ${n.scale}: port ${port} not in the kernel after revision ${rev}`);
        return ms;
      }
      const i = 7;
      const app = (i % APPS + 1 + (rep % 2)) % APPS; // alternates between two apps, never the original
      const before = verify ? await setsContaining(n.ns, driver, endpointIp(i)) : [];
      const t0 = performance.now();
      const rev = await put(n.ds, endpointUpdate(NODE, i, app));
      const ms = (await n.agent.waitFor(rev, 60_000)) - t0;
      if (verify) {
        const after = await setsContaining(n.ns, driver, endpointIp(i));
        if (after.join() === before.join()) throw new Error(`${driver} ${n.scale}: endpoint ${endpointIp(i)} IP sets unchanged after label change (${after.join()})`);
      }
      return ms;
    });
    for (const n of nodes) await n.agent.stop();
    const raw = spread(samples['raw']!);
    for (const kind of ['policy', 'label'] as const) {
      const what = kind === 'policy' ? 'one policy change' : 'one endpoint label change';
      const one = samples[`1x ${kind}`]!;
      const ten = samples[`10x ${kind}`]!;
      out.push(metric(`${driver}: ${what}, ${endpoints} endpoints x ${base} policies, median (baseline: raw 1-element change)`, 'ms', spread(one), raw, { on: 'value', op: '<=', bound: 20 }));
      out.push(metric(`${driver}: ${what}, ${endpoints} x ${base}, p99 of ${one.length}`, 'ms', percentile(one, 99), percentile(samples['raw']!, 99), { on: 'value', op: '<=', bound: 100 }));
      out.push(metric(`${driver}: ${what}, ${endpoints} x ${base * 10} policies, median (baseline: 1x median)`, 'ms', spread(ten), spread(one), { on: 'ratio', op: '<=', bound: 2 }));
      out.push(metric(`${driver}: ${what}, ${endpoints} x ${base * 10}, p99 of ${ten.length}`, 'ms', percentile(ten, 99), percentile(one, 99), { on: 'value', op: '<=', bound: 100 }));
    }
  }
  return out;
});
