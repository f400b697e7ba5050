/**
 * End to end: `calico-lab up` that fails or is interrupted leaves nothing
 * behind (no netns with the lab prefix, none of its processes, no state dir),
 * and a bad topology file is refused with an error naming the field before
 * anything is created. Needs root (skips otherwise).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { exec } from '../../dist/lib/exec.js';
import { canUseNetns } from '../support/netns.js';

const repo = resolve(import.meta.dirname, '../../..');
const root = await canUseNetns();

async function labNetns(name: string): Promise<string[]> {
  const r = await exec('ip', ['netns', 'list']);
  return r.stdout.split('\n').map((l) => l.split(' ')[0] ?? '').filter((n) => n.startsWith(`cl-${name}.`));
}

/** PIDs of the lab's own programs, found by their command lines and their environment (NODENAME of this lab's state dir). */
function labProcesses(dir: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (!/calico-node|pod-server\.js|prober-main\.js/.test(cmd)) continue;
      const environ = readFileSync(`/proc/${d}/environ`, 'utf8');
      if (environ.includes(dir)) out.push(Number(d));
    } catch { /* gone */ }
  }
  return out;
}

describe('calico-lab up failures', { skip: !root && 'needs root and ip netns' }, () => {
  const dir = root ? mkdtempSync(join(tmpdir(), 'calico-lab-fail-')) : '';
  const env = { CALICO_LAB_STATE_DIR: dir };
  const lab = (...args: string[]) => exec(process.execPath, [join(repo, 'bin/calico-lab'), ...args], { env, timeoutMs: 180_000 });
  const file = (n: string, text: string): string => {
    const p = join(dir, n);
    writeFileSync(p, text);
    return p;
  };

  after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  /** Runs `calico-lab up` (2 nodes, 6 pods) and sends `sig` midway (agents run, the first pods are being plumbed). */
  const upKilledMidway = async (name: string, sig: NodeJS.Signals): Promise<{ code: number | null; out: string; sent: boolean }> => {
    const topo = file(`topo-${name}.json`, JSON.stringify({
      nodes: 2,
      pods: Array.from({ length: 6 }, (_, i) => ({ namespace: 'x', name: `p${i}`, ports: [{ containerPort: 80 }] })),
    }));
    const child = spawn(process.execPath, [join(repo, 'bin/calico-lab'), 'up', '--name', name, '--topology', topo], {
      env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let sent = false;
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (!sent && /pod x\/p\d: 10\.244\./.test(out)) { sent = true; child.kill(sig); }
    });
    const code = await exited;
    return { code, out, sent };
  };

  test('bad topology: clear error naming the field, non-zero exit, nothing created', async () => {
    const name = `b${randomBytes(2).toString('hex')}`;
    const bad = file('bad.yaml', `nodes: 2
pods:
  - {namespace: x, name: a}
  - {namespace: x, name: b, node: node-7}
  - {namespace: x, name: c, ports: [{containerPort: 70000}], labels: {"bad key!": v}}
`);
    const r = await lab('up', '--name', name, '--topology', bad);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /pods\[2\]\.ports\[0\]\.containerPort: must be 1-65535/);
    assert.match(r.stderr, /pods\[1\]\.node: must be one of the nodes \(node-1, node-2\)/);
    assert.match(r.stderr, /pods\[2\]\.labels\.bad key!: invalid label key/);
    assert.deepEqual(await labNetns(name), []);
    assert.ok(!existsSync(join(dir, name)));

    const notYaml = await lab('up', '--name', name, '--topology', file('broken.yaml', 'nodes: [a\n'));
    assert.notEqual(notYaml.code, 0);
    assert.match(notYaml.stderr, /not valid YAML or JSON/);
    const badFlag = await lab('up', '--name', name, '--dataplane', 'bpf');
    assert.equal(badFlag.code, 2);
    assert.match(badFlag.stderr, /--dataplane: must be one of nftables, iptables/);
    assert.deepEqual(await labNetns(name), []);
  });

  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    test(`${sig} in the middle of up removes everything it had created`, async () => {
      const name = `k${randomBytes(2).toString('hex')}`;
      const { code, out, sent } = await upKilledMidway(name, sig);
      assert.ok(sent, `never reached the pods: ${out}`);
      assert.equal(code, sig === 'SIGINT' ? 130 : 143, out);
      assert.match(out, /removing everything/);
      assert.deepEqual(await labNetns(name), []);
      assert.ok(!existsSync(join(dir, name)), 'state dir left behind');
      assert.deepEqual(labProcesses(dir), []);
    });
  }

  test('SIGKILL in the middle of up: down afterwards removes everything', async () => {
    const name = `s${randomBytes(2).toString('hex')}`;
    const { out, sent } = await upKilledMidway(name, 'SIGKILL');
    assert.ok(sent, `never reached the pods: ${out}`);
    assert.ok((await labNetns(name)).length > 0, 'a killed up cannot clean up: something must be left for down');
    assert.ok(labProcesses(dir).length > 0);
    const down = await lab('down', '--name', name);
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(await labNetns(name), []);
    assert.ok(!existsSync(join(dir, name)), 'state dir left behind');
    assert.deepEqual(labProcesses(dir), []);
  });

  test('a failing up (already exists) changes nothing of the existing lab', async () => {
    const name = `x${randomBytes(2).toString('hex')}`;
    const r1 = await lab('up', '--name', name, '--nodes', '1');
    assert.equal(r1.code, 0, r1.stderr);
    try {
      const r2 = await lab('up', '--name', name, '--nodes', '1');
      assert.notEqual(r2.code, 0);
      assert.match(r2.stderr, /already exists/);
      const st = await lab('status', '--name', name, '-o', 'json');
      assert.equal(st.code, 0, st.stderr);
      assert.equal((JSON.parse(st.stdout) as { nodes: { inSync: boolean }[] }).nodes[0]?.inSync, true);
    } finally {
      await lab('down', '--name', name);
    }
    assert.deepEqual(await labNetns(name), []);
  });
});
