/**
 * The whole stack through the lab (bin/calico-lab: node netns, calico-node
 * agents with routing inside, CNI-made pods): three nodes, pods on each,
 * dual stack, for `--network vxlan` and `--network bgp`. In each mode every pod reaches
 * every other over TCP (IPv4 and IPv6), and a policy (only app=a may reach app=c) is
 * enforced identically. In BGP mode `calicoctl node status` run inside a
 * node's namespace shows both mesh sessions Established.
 * Skipped when the lab is not built (dist/lab).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { exec } from '../../dist/lib/exec.js';

const REPO = resolve(import.meta.dirname, '../../..');
const LAB = join(REPO, 'bin', 'calico-lab');
const CALICOCTL = join(REPO, 'bin', 'calicoctl');
const skip = process.getuid?.() !== 0 || !existsSync(join(REPO, 'dist', 'lab', 'cli.js'));
const dir = mkdtempSync(join(tmpdir(), 'routing-lab-'));
const env = { CALICO_LAB_STATE_DIR: join(dir, 'state') };
const labs: string[] = [];
// The agents write the pod MTU where the CNI plugin reads it; leave the host as found.
const MTU_FILE = '/var/lib/calico/mtu';
const mtuFileExisted = existsSync(MTU_FILE);

writeFileSync(join(dir, 'topology.yaml'), `nodes: [node-1, node-2, node-3]
namespaces: [{name: web}]
pods:
  - {name: a, namespace: web, node: node-1, labels: {app: a}, ports: [{containerPort: 80, protocol: TCP}]}
  - {name: b, namespace: web, node: node-2, labels: {app: b}, ports: [{containerPort: 80, protocol: TCP}]}
  - {name: c, namespace: web, node: node-3, labels: {app: c}, ports: [{containerPort: 80, protocol: TCP}]}
`);
writeFileSync(join(dir, 'policy.yaml'), `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: only-a-to-c, namespace: web}
spec:
  selector: app == 'c'
  types: [Ingress]
  ingress: [{action: Allow, protocol: TCP, source: {selector: app == 'a'}}]
`);

async function lab(args: readonly string[], timeoutMs = 180_000): Promise<string> {
  const r = await exec(LAB, args, { env, timeoutMs });
  assert.equal(r.code, 0, `calico-lab ${args.join(' ')}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

async function probe(name: string, ipv6 = false): Promise<Record<string, boolean>> {
  const out: Record<string, boolean> = {};
  const j = JSON.parse(await lab(['probe', '--name', name, '--port', '80', '-o', 'json', ...(ipv6 ? ['--ipv6'] : [])], 60_000)) as { results: { from: string; to: string; connected: boolean }[] };
  for (const r of j.results) out[`${r.from}->${r.to}`] = r.connected;
  return out;
}

const pairs = ['a->b', 'a->c', 'b->a', 'b->c', 'c->a', 'c->b'];
const matrix = (blocked: readonly string[]): Record<string, boolean> =>
  Object.fromEntries(pairs.map((p) => [p.replace(/(\w)->(\w)/, 'web/$1->web/$2'), !blocked.includes(p)]));

after(async () => {
  for (const name of labs) await exec(LAB, ['down', '--name', name], { env, timeoutMs: 120_000 });
  rmSync(dir, { recursive: true, force: true });
  if (!skip && !mtuFileExisted) rmSync(MTU_FILE, { force: true });
});

for (const network of ['vxlan', 'bgp'] as const) {
  // Dual stack: IPv6 pods ride vxlan-v6.calico or IPv6 BGP sessions.
  const ipv6 = true;
  test(`lab --network ${network}${ipv6 ? ' --ipv6' : ''}: pod-to-pod TCP across nodes, policy enforced the same way`, { skip, timeout: 400_000 }, async () => {
    const name = `rt${network.slice(0, 2)}${randomBytes(2).toString('hex')}`;
    labs.push(name);
    await lab(['up', '--name', name, '--topology', join(dir, 'topology.yaml'), '--network', network, ...(ipv6 ? ['--ipv6'] : [])]);
    for (const v6 of ipv6 ? [false, true] : [false]) {
      const deadline = Date.now() + 30_000;
      let got = await probe(name, v6);
      while (Object.values(got).some((c) => !c) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 1000));
        got = await probe(name, v6);
      }
      assert.deepEqual(got, matrix([]), `every pod reaches every other (IPv${v6 ? 6 : 4})`);
    }
    await lab(['apply', '--name', name, '-f', join(dir, 'policy.yaml')], 60_000);
    assert.deepEqual(await probe(name), matrix(['b->c']), 'only a may reach c');
    if (ipv6) assert.deepEqual(await probe(name, true), matrix(['b->c']), 'only a may reach c (IPv6)');
    if (network === 'bgp') {
      const r = await exec('ip', ['netns', 'exec', `cl-${name}.n.node-1`, CALICOCTL, 'node', 'status']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Calico process is running\.\n\nIPv4 BGP status\n/);
      assert.equal((r.stdout.match(/\| node-to-node mesh \| up +\| [0-9:]+ \| Established \|/g) ?? []).length, 4, r.stdout);
    }
    await lab(['down', '--name', name], 120_000);
    labs.splice(labs.indexOf(name), 1);
  });
}
