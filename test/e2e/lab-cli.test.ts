/**
 * End to end: bin/calico-lab driven as a user would, for both dataplanes:
 * up on a small topology, status -o json, probe (TCP and UDP) -o json,
 * apply / label / delete with --wait, a Pod added and removed through apply
 * and delete (CNI ADD / DEL), then down leaves no netns, process or state.
 * Needs root (skips otherwise). Labs live in a temporary state dir.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { exec } from '../../dist/lib/exec.js';
import { canUseNetns } from '../support/netns.js';

const repo = resolve(import.meta.dirname, '../../..');
const root = await canUseNetns();

interface Probe { results: { from: string; to: string; port: number; protocol: string; connected: boolean }[] }
interface Status { nodes: { name: string; inSync: boolean; agentRunning: boolean }[]; pods: { namespace: string; name: string; node: string; ips: string[]; labels: Record<string, string> }[] }

function alive(pid: number): boolean {
  try { process.kill(pid, 0); } catch { return false; }
  return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

const TOPOLOGY = {
  nodes: ['node-1', 'node-2'],
  namespaces: [{ name: 'x', labels: { team: 'x' } }, { name: 'y' }],
  pods: [
    { namespace: 'x', name: 'a', node: 'node-1', labels: { app: 'a' }, ports: [{ name: 'http', containerPort: 80 }, { name: 'dns', containerPort: 53, protocol: 'UDP' }] },
    { namespace: 'x', name: 'b', node: 'node-2', labels: { app: 'b' }, ports: [{ name: 'http', containerPort: 80 }] },
    { namespace: 'y', name: 'c', labels: { app: 'c' }, serviceAccountName: 'robot', ports: [{ containerPort: 80 }] },
  ],
};

const VARIANTS = [
  { dataplane: 'nftables', datastore: 'sqlite', ipv6: false },
  { dataplane: 'iptables', datastore: 'sqlite', ipv6: false },
  { dataplane: 'nftables', datastore: 'etcd', ipv6: true },
] as const;

for (const { dataplane, datastore, ipv6 } of VARIANTS) {
  describe(`calico-lab (${dataplane}, ${datastore}${ipv6 ? ', dual stack' : ''})`, { skip: !root && 'needs root and ip netns' }, () => {
    const dir = root ? mkdtempSync(join(tmpdir(), 'calico-lab-e2e-')) : '';
    const name = `e${dataplane[0]}${datastore[0]}${randomBytes(2).toString('hex')}`;
    const env = { CALICO_LAB_STATE_DIR: dir, CALICO_LAB_NAME: name };
    const lab = (...args: string[]) => exec(process.execPath, [join(repo, 'bin/calico-lab'), ...args], { env, timeoutMs: 180_000 });
    const file = (n: string, doc: unknown): string => {
      const p = join(dir, n);
      writeFileSync(p, typeof doc === 'string' ? doc : JSON.stringify(doc));
      return p;
    };
    const probe = async (...args: string[]): Promise<Map<string, boolean>> => {
      const r = await lab('probe', ...args, '--timeout-ms', '1500', '-o', 'json');
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout) as Probe;
      return new Map(out.results.map((x) => [`${x.from}>${x.to}`, x.connected]));
    };

    before(async () => {
      if (!root) return;
      const r = await lab('up', '--topology', file('topo.json', TOPOLOGY), '--dataplane', dataplane, '--datastore', datastore, ...(ipv6 ? ['--ipv6'] : []));
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, /NODE\s+AGENT/);
      assert.match(r.stdout, /FALLBACK/);
    });

    after(async () => {
      if (!root) return;
      await lab('down');
      rmSync(dir, { recursive: true, force: true });
    });

    test('status -o json: nodes in sync, pods with IPs, node and labels', async () => {
      const r = await lab('status', '-o', 'json');
      assert.equal(r.code, 0, r.stderr);
      const s = JSON.parse(r.stdout) as Status;
      assert.deepEqual(s.nodes.map((n) => [n.name, n.inSync, n.agentRunning]), [['node-1', true, true], ['node-2', true, true]]);
      const c = s.pods.find((p) => p.name === 'c')!;
      assert.equal(c.namespace, 'y');
      assert.equal(c.node, 'node-1'); // spread: the first pod without a node goes to node-1
      assert.deepEqual(c.labels, { app: 'c' });
      for (const p of s.pods) {
        assert.match(p.ips[0] ?? '', /^10\.244\.\d+\.\d+$/);
        if (ipv6) assert.match(p.ips[1] ?? '', /^fd00:10:244:/);
        else assert.equal(p.ips.length, 1);
      }
      if (datastore === 'etcd') {
        const cfg = readFileSync(join(dir, name, 'calicoctl.cfg'), 'utf8');
        assert.match(cfg, /datastoreType: etcdv3\n\s+etcdEndpoints: http:\/\/127\.0\.0\.1:\d+/);
        const ctl = await exec(process.execPath, [join(repo, 'bin/calicoctl'), 'get', 'nodes', '--config', join(dir, name, 'calicoctl.cfg')]);
        assert.equal(ctl.code, 0, ctl.stderr);
        assert.match(ctl.stdout, /node-1\s*\nnode-2/);
      }
    });

    test('probe --ipv6 uses the pods\' IPv6 addresses', { skip: !ipv6 && 'IPv4 only lab' }, async () => {
      const v6 = await probe('--port', '80', '--ipv6');
      assert.equal(v6.size, 6);
      assert.ok([...v6.values()].every(Boolean), JSON.stringify([...v6]));
    });

    test('probe: every ordered pair connects over TCP (also across nodes), UDP gets replies, closed port does not', async () => {
      const tcp = await probe('--port', '80');
      assert.equal(tcp.size, 6);
      assert.ok([...tcp.values()].every(Boolean), JSON.stringify([...tcp]));
      const udp = await probe('--port', '80', '--protocol', 'UDP', '--from', 'x/b', '--to', 'x/a');
      assert.deepEqual([...udp], [['x/b>x/a', true]]);
      const closed = await probe('--port', '8081', '--from', 'x/a', '--to', 'x/b');
      assert.deepEqual([...closed], [['x/a>x/b', false]]);
      const table = await lab('probe', '--port', '80', '--from', 'x/a');
      assert.match(table.stdout, /TCP\/80: 2\/2 connected/);
    });

    test('apply / label / delete with --wait change what the packets see', async () => {
      const policy = file('deny.yaml', `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-team-x, namespace: x}
spec:
  podSelector: {matchLabels: {app: a}}
  ingress:
  - from: [{podSelector: {matchLabels: {role: client}}}]
`);
      const ap = await lab('apply', '-f', policy);
      assert.equal(ap.code, 0, ap.stderr);
      assert.match(ap.stdout, /programmed on all 2 nodes in \d+ ms/);
      let m = await probe('--port', '80', '--to', 'x/a');
      assert.deepEqual([m.get('x/b>x/a'), m.get('y/c>x/a')], [false, false]);

      const lb = await lab('label', 'pod', 'x/b', 'role=client');
      assert.equal(lb.code, 0, lb.stderr);
      m = await probe('--port', '80', '--to', 'x/a');
      assert.deepEqual([m.get('x/b>x/a'), m.get('y/c>x/a')], [true, false]);
      // An existing key needs --overwrite, as kubectl.
      const clash = await lab('label', 'pod', 'x/b', 'role=other');
      assert.notEqual(clash.code, 0);
      assert.match(clash.stderr, /already has a value \(client\)/);
      const rm = await lab('label', 'pod', 'x/b', 'role-');
      assert.equal(rm.code, 0, rm.stderr);
      m = await probe('--port', '80', '--to', 'x/a', '--from', 'x/b');
      assert.equal(m.get('x/b>x/a'), false);

      const del = await lab('delete', '-f', policy);
      assert.equal(del.code, 0, del.stderr);
      m = await probe('--port', '80', '--to', 'x/a');
      assert.ok([...m.values()].every(Boolean));
    });

    test('apply a Pod plumbs it (CNI ADD + server); delete removes it (CNI DEL)', async () => {
      const pod = file('pod.yaml', `apiVersion: v1
kind: Pod
metadata: {name: d, namespace: y, labels: {app: d}}
spec:
  containers:
  - name: c
    ports: [{containerPort: 80}]
`);
      const ap = await lab('apply', '-f', pod);
      assert.equal(ap.code, 0, ap.stderr);
      const s = JSON.parse((await lab('status', '-o', 'json')).stdout) as Status;
      const d = s.pods.find((p) => p.name === 'd');
      assert.ok(d && d.ips.length === (ipv6 ? 2 : 1), JSON.stringify(s.pods));
      const m = await probe('--port', '80', '--to', 'y/d');
      assert.equal(m.size, 3);
      assert.ok([...m.values()].every(Boolean));
      const del = await lab('delete', '-f', pod);
      assert.equal(del.code, 0, del.stderr);
      const after = JSON.parse((await lab('status', '-o', 'json')).stdout) as Status;
      assert.ok(!after.pods.some((p) => p.name === 'd'));
      const ns = await exec('ip', ['netns', 'list']);
      assert.ok(!ns.stdout.includes(`cl-${name}.p.y.d`));
    });

    test('down removes every netns, process and the state dir', async () => {
      const state = JSON.parse(readFileSync(join(dir, name, 'state.json'), 'utf8')) as { nodes: { agentPid: number; etcdRelayPid?: number }[]; pods: { serverPid: number }[]; etcd?: { pid: number } };
      const pids = [...state.nodes.map((n) => n.agentPid), ...state.pods.map((p) => p.serverPid),
        ...(state.etcd ? [state.etcd.pid, ...state.nodes.map((n) => n.etcdRelayPid!)] : [])];
      assert.equal(pids.length, datastore === 'etcd' ? 8 : 5);
      assert.ok(pids.every(alive));
      const r = await lab('down');
      assert.equal(r.code, 0, r.stderr);
      const ns = await exec('ip', ['netns', 'list']);
      assert.ok(!ns.stdout.includes(`cl-${name}.`), ns.stdout);
      assert.ok(!existsSync(join(dir, name)));
      assert.deepEqual(pids.filter(alive), []);
      const st = await lab('status');
      assert.notEqual(st.code, 0);
      assert.match(st.stderr, /no lab named/);
    });
  });
}
