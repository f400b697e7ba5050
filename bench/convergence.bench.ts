/**
 * Convergence (issue 11, target 6): in a 3-node lab (calico-lab, one agent
 * per node netns, SQLite), `calico-lab apply -f policy.yaml` of a changed
 * GlobalNetworkPolicy until every node has programmed it: the time
 * calico-lab prints ("programmed on all 3 nodes in N ms", from the first
 * datastore write to every node's applied revision), median over 50
 * changes. Target: median <= 100 ms. Every 10th change (and the last) is
 * checked in the kernels with `calico-lab probe`: the policy alternately
 * allows port 80 and port 81 to the server pods, so port 80 must flip
 * between connected and refused-by-policy on every node.
 * Baseline (same run, rotated): the same command with --wait=false applying a
 * GlobalNetworkSet no policy uses: what the CLI and the write cost alone.
 * Wall time of the waited command is reported too.
 *
 * Run after building: node dist-test/bench/convergence.bench.js [--quick] [--dataplane=...]
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { exec } from '../dist/lib/exec.js';
import { canUseNetns } from '../test/support/netns.js';
import { metric, onCleanup, repoRoot, rotated, runBench, spread, type Metric } from './lib/harness.js';

const NODES = 3;

function topology(): string {
  const port = [{ name: 'http', containerPort: 80, protocol: 'TCP' }, { name: 'alt', containerPort: 81, protocol: 'TCP' }];
  const pods = [{ namespace: 'bench', name: 'client', node: 'node-1', labels: { app: 'client' }, ports: port }];
  for (let i = 1; i <= NODES; i++) pods.push({ namespace: 'bench', name: `srv-${i}`, node: `node-${i}`, labels: { app: 'srv' }, ports: port });
  return JSON.stringify({ nodes: NODES, namespaces: [{ name: 'bench', labels: {} }], pods });
}

const policy = (port: number): string => `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: bench-convergence}
spec:
  selector: app == 'srv'
  types: [Ingress]
  ingress:
  - {action: Allow, protocol: TCP, destination: {ports: [${port}]}}
`;

const netset = (i: number): string => `apiVersion: projectcalico.org/v3
kind: GlobalNetworkSet
metadata: {name: bench-convergence-unused, labels: {unused: 'true'}}
spec: {nets: ['192.0.2.${i % 250}/32']}
`;

await runBench('convergence', `Convergence: calico-lab apply until all ${NODES} nodes programmed`, async ({ quick, dataplanes }) => {
  if (!(await canUseNetns())) throw new Error('needs root and ip netns');
  const changes = quick ? 5 : 50;
  const lab = join(repoRoot(), 'bin/calico-lab');
  const dir = mkdtempSync(join(tmpdir(), 'calico-bench-conv-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'topology.json'), topology());
  const out: Metric[] = [];
  for (const driver of dataplanes) {
    const name = `bc${randomBytes(2).toString('hex')}`;
    const run = (args: string[]) => exec(process.execPath, [lab, ...args, '--name', name], { timeoutMs: 300_000 });
    const down = async (): Promise<void> => { await run(['down']); };
    const unregister = onCleanup(down);
    try {
      const t0 = performance.now();
      const up = await run(['up', '--topology', join(dir, 'topology.json'), '--dataplane', driver]);
      if (up.code !== 0) throw new Error(`calico-lab up (${driver}): ${up.stdout.slice(-1500)}${up.stderr.slice(-1500)}`);
      console.log(`${driver}: lab ${name} up in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      const wall: number[] = [];
      let applied = 0;
      const samples = await rotated(['policy', 'netset'] as const, changes, async (k, rep) => {
        const file = join(dir, `${k}-${rep}.yaml`);
        if (k === 'netset') {
          writeFileSync(file, netset(rep));
          const s = performance.now();
          const r = await run(['apply', '-f', file, '--wait=false']);
          if (r.code !== 0) throw new Error(`apply --wait=false: ${r.stderr}`);
          return performance.now() - s;
        }
        const port = applied % 2 === 0 ? 81 : 80;
        writeFileSync(file, policy(port));
        const s = performance.now();
        const r = await run(['apply', '-f', file]);
        wall.push(performance.now() - s);
        const m = /programmed on all (\d+) nodes in (\d+) ms/.exec(r.stdout);
        if (r.code !== 0 || !m) throw new Error(`apply: ${r.stdout}${r.stderr}`);
        if (Number(m[1]) !== NODES) throw new Error(`programmed on ${m[1]} nodes, expected ${NODES}`);
        if (applied % 10 === 0 || applied === changes - 1) {
          const p = await run(['probe', '--port', '80', '--from', 'bench/client', '--timeout-ms', '1000', '-o', 'json']);
          const res = (JSON.parse(p.stdout) as { results: { to: string; connected: boolean }[] }).results.filter((x) => x.to.includes('srv-'));
          if (res.length !== NODES || res.some((x) => x.connected !== (port === 80))) throw new Error(`policy allowing port ${port} not enforced everywhere: ${JSON.stringify(res)}`);
        }
        applied++;
        return Number(m[2]);
      });
      out.push(metric(`${driver}: apply of a policy until all ${NODES} nodes programmed, median of ${changes} (baseline: apply --wait=false wall time)`, 'ms', spread(samples.policy), spread(samples.netset), { on: 'value', op: '<=', bound: 100 }));
      out.push(metric(`${driver}: wall time of the waiting calico-lab apply command`, 'ms', spread(wall), spread(samples.netset), null));
    } finally {
      unregister();
      await down();
    }
  }
  return out;
});
