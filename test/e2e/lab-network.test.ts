/**
 * End to end: calico-lab with the agents' own routing between nodes
 * (`--network vxlan`: vxlan.calico routes; `--network bgp`: BIRD in each node
 * netns, full mesh) instead of the FALLBACK static routes: pods on different
 * nodes reach each other, the lab added no static route of its own, each
 * node's MTU file is its own (in the state dir), and down leaves no BIRD behind. Needs root (skips otherwise).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { main } from '../../dist/lab/cli.js';
import { exec } from '../../dist/lib/exec.js';
import { canUseNetns } from '../support/netns.js';

const root = await canUseNetns();

function processesMentioning(text: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(text)) out.push(Number(d));
    } catch { /* gone */ }
  }
  return out;
}

describe('calico-lab with the agents\' routing', { skip: !root && 'needs root and ip netns' }, () => {
  const dir = root ? mkdtempSync(join(tmpdir(), 'calico-lab-net-')) : '';
  after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });
  const lab = async (env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    let stdout = '';
    let stderr = '';
    const code = await main(args, { ...process.env, CALICO_LAB_STATE_DIR: dir, ...env }, { out: (t) => { stdout += t; }, err: (t) => { stderr += t; } });
    return { code, stdout, stderr };
  };

  for (const network of ['vxlan', 'bgp'] as const) {
    test(`--network ${network}: cross-node pod traffic over the agents' routes`, async () => {
      const name = `n${network[0]}${randomBytes(2).toString('hex')}`;
      const env = { CALICO_LAB_NAME: name };
      const topo = join(dir, `${name}.json`);
      writeFileSync(topo, JSON.stringify({ nodes: 2, pods: [
        { namespace: 'x', name: 'a', node: 'node-1', ports: [{ containerPort: 80 }] },
        { namespace: 'x', name: 'b', node: 'node-2', ports: [{ containerPort: 80 }] },
      ] }));
      try {
        const up = await lab(env, 'up', '--topology', topo, '--network', network);
        assert.equal(up.code, 0, `${up.stdout}\n${up.stderr}`);
        assert.doesNotMatch(up.stdout, /FALLBACK/);
        const pr = await lab(env, 'probe', '--port', '80', '-o', 'json');
        assert.equal(pr.code, 0, pr.stderr);
        const results = (JSON.parse(pr.stdout) as { results: { connected: boolean }[] }).results;
        assert.equal(results.length, 2);
        assert.ok(results.every((r) => r.connected), pr.stdout);
        // Each node's routing writes the pod MTU to its own file in the lab's state dir (never the
        // machine's /var/lib/calico/mtu); the pods get the netconf's explicit MTU.
        const state = JSON.parse(readFileSync(join(dir, name, 'state.json'), 'utf8')) as
          { nodes: { name: string; agentPid: number }[]; pods: { netns: string }[] };
        assert.equal(state.nodes.length, 2);
        for (const n of state.nodes) {
          const file = join(dir, name, `mtu-${n.name}`);
          const environ = readFileSync(`/proc/${n.agentPid}/environ`, 'utf8').split('\0');
          assert.ok(environ.includes(`CALICO_MTU_FILE=${file}`), `${n.name}: ${environ.filter((e) => e.startsWith('CALICO_'))}`);
          assert.equal(readFileSync(file, 'utf8'), network === 'vxlan' ? '1450\n' : '1500\n', n.name);
        }
        for (const p of state.pods) {
          const link = JSON.parse((await exec('ip', ['-n', p.netns, '-j', 'link', 'show', 'eth0'])).stdout) as { mtu: number }[];
          assert.equal(link[0]?.mtu, 1450, p.netns);
        }
        const routes = (await exec('ip', ['-n', `cl-${name}.n.node-1`, 'route', 'show'])).stdout;
        assert.doesNotMatch(routes, /proto 201/); // no FALLBACK route
        if (network === 'vxlan') assert.match(routes, /dev vxlan\.calico proto 81 onlink/);
        else assert.match(routes, /via 172\.30\.0\.12 dev eth0 proto bird/);
      } finally {
        const down = await lab(env, 'down');
        assert.equal(down.code, 0, down.stderr);
      }
      assert.deepEqual(processesMentioning(`cl-${name}.`), []);
      const ns = (await exec('ip', ['netns', 'list'])).stdout;
      assert.ok(!ns.includes(`cl-${name}.`), ns);
    });
  }
});
