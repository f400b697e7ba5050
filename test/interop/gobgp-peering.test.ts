/**
 * Interop with a BGP router nobody here wrote: GoBGP (gobgpd) in its own
 * namespace on the underlay, configured as an external BGPPeer (global,
 * AS 65000, TCP MD5 password read from a file) of three calico-ts nodes
 * running BIRD in a full mesh.
 * - GoBGP learns every node's pod block, with the node as next hop;
 * - a prefix GoBGP announces is installed in every node's kernel by BIRD;
 * - deleting a node's last pod (and releasing its empty block) withdraws the
 *   block from GoBGP;
 * - deleting the BGPPeer closes the sessions.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import '../../dist/api/index.js';
import { MemoryDatastore } from '../../dist/datastore/memory/memory-datastore.js';
import { ResourceClient } from '../../dist/datastore/resource-client.js';
import type { Resource } from '../../dist/api/types.js';
import { exec } from '../../dist/lib/exec.js';
import { IpamClient } from '../../dist/ipam/ipam-client.js';
import { startRouting, type RoutingHandle } from '../../dist/routing/index.js';
import { NetnsCluster, type TestNode, type TestPod } from '../../dist/routing/testing/netns-cluster.js';
import { waitFor as waitForCondition } from '../support/wait-for.js';

const root = process.getuid?.() === 0;
const haveGobgp = (await exec('sh', ['-c', 'command -v gobgpd && command -v gobgp'])).code === 0;
const skip = !root || !haveGobgp;
const ds = new MemoryDatastore();
const client = new ResourceClient(ds);
const cluster = new NetnsCluster('gb');
const routing: RoutingHandle[] = [];
let pods: TestPod[] = [];
let nodes: TestNode[] = [];
let gb: TestNode;
const ANNOUNCED = '198.51.100.0/24';
// TCP MD5: GoBGP has it in its config, the nodes read it from <secretsDir>/bgp-secrets/gobgp.
const PASSWORD = 'md5-s3cret';

const waitFor = (what: string, fn: () => Promise<boolean>, ms = 40_000): Promise<void> => waitForCondition(what, fn, ms, 300);

async function gobgp(args: readonly string[]): Promise<string> {
  const r = await exec('ip', ['netns', 'exec', gb.netns, 'gobgp', '-u', '127.0.0.1', ...args]);
  if (r.code !== 0) throw new Error(`gobgp ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** prefix -> next hops in GoBGP's global RIB. */
async function gobgpRib(): Promise<Map<string, string[]>> {
  const j = JSON.parse((await gobgp(['-j', 'global', 'rib', '-a', 'ipv4'])) || '{}') as Record<string, { attrs?: { type: number; nexthop?: string }[] }[]>;
  const out = new Map<string, string[]>();
  for (const [prefix, paths] of Object.entries(j)) {
    out.set(prefix, paths.map((p) => (p.attrs ?? []).find((a) => a.type === 3)?.nexthop ?? '?'));
  }
  return out;
}

async function gobgpEstablished(): Promise<string[]> {
  const j = JSON.parse((await gobgp(['-j', 'neighbor'])) || '[]') as { conf?: { neighbor_address?: string }; state?: { session_state?: number | string } }[];
  return j.filter((n) => n.state?.session_state === 6 || n.state?.session_state === 'established' || n.state?.session_state === 'ESTABLISHED')
    .map((n) => n.conf?.neighbor_address ?? '').sort();
}

const blockOf = (ip: string): string => `${ip.split('.').slice(0, 3).join('.')}.${Number(ip.split('.')[3]) & ~63}/26`;

before(async () => {
  if (skip) return;
  await cluster.setupUnderlay(1);
  nodes = [await cluster.addNode('n1', 0, 1), await cluster.addNode('n2', 0, 2), await cluster.addNode('n3', 0, 3)];
  gb = await cluster.addNode('gobgp', 0, 100);
  const conf = [
    '[global.config]', '  as = 65000', '  router-id = "10.0.0.100"', '  local-address-list = ["10.0.0.100"]', '',
    ...nodes.flatMap((n) => ['[[neighbors]]', '  [neighbors.config]', `    neighbor-address = "${n.ip}"`, '    peer-as = 64512', `    auth-password = "${PASSWORD}"`, '']),
  ].join('\n');
  writeFileSync(join(cluster.dir, 'gobgpd.toml'), conf);
  cluster.spawnIn(gb.netns, ['gobgpd', '-f', join(cluster.dir, 'gobgpd.toml'), '-t', 'toml', '--api-hosts', '127.0.0.1:50051', '--pprof-disable', '-l', 'warn']);
  await waitFor('gobgpd API', async () => { try { await gobgp(['global']); return true; } catch { return false; } }, 15_000);

  await client.create({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'pool1' }, spec: { cidr: '10.244.0.0/16', blockSize: 26 } } as Resource);
  for (const n of nodes) await client.create(cluster.nodeResource(n) as unknown as Resource);
  mkdirSync(join(cluster.dir, 'secrets', 'bgp-secrets'), { recursive: true });
  writeFileSync(join(cluster.dir, 'secrets', 'bgp-secrets', 'gobgp'), `${PASSWORD}\n`);
  await client.create({ apiVersion: 'projectcalico.org/v3', kind: 'BGPPeer', metadata: { name: 'gobgp' },
    spec: { peerIP: '10.0.0.100', asNumber: 65000, password: { secretKeyRef: { name: 'bgp-secrets', key: 'gobgp' } } } } as Resource);
  pods = [await cluster.addPod(ds, nodes[0]!, 'p1'), await cluster.addPod(ds, nodes[1]!, 'p2'), await cluster.addPod(ds, nodes[2]!, 'p3')];
  for (const n of nodes) {
    routing.push(await startRouting({ ds, hostname: n.name, netns: n.netns, backend: 'bird', runDir: join(cluster.dir, n.name), mtuFile: null, resyncMs: 1000,
      secretsDir: join(cluster.dir, 'secrets') }));
  }
});

after(async () => {
  for (const r of routing) await r.stop().catch(() => {});
  await cluster.cleanup();
});

test('GoBGP as a global BGPPeer with a password: sessions Established from every node', { skip }, async () => {
  assert.match(routing[0]!.status().birdConfig ?? '', new RegExp(`password "${PASSWORD}";`));
  await waitFor('GoBGP established with all three nodes', async () => (await gobgpEstablished()).join() === '10.0.0.1,10.0.0.2,10.0.0.3');
  for (const r of routing) {
    await waitFor('Global_10_0_0_100 Established in BIRD', async () => (await r.bgpSessions()).some((s) => s.protocol === 'Global_10_0_0_100' && s.info === 'Established' && s.peerType === 'global'));
  }
});

test('GoBGP learns every node\'s pod block with the node as next hop', { skip }, async () => {
  await waitFor('three blocks in the GoBGP RIB', async () => {
    const rib = await gobgpRib();
    return pods.every((p) => rib.get(blockOf(p.ip))?.includes(p.node.ip));
  });
  const rib = await gobgpRib();
  for (const prefix of rib.keys()) assert.ok(prefix.startsWith('10.244.'), `only pool routes exported, got ${prefix}`);
});

test('a prefix GoBGP announces is installed in every node\'s kernel', { skip }, async () => {
  await gobgp(['global', 'rib', '-a', 'ipv4', 'add', ANNOUNCED, 'nexthop', '10.0.0.100']);
  for (const n of nodes) {
    await waitFor(`${ANNOUNCED} in ${n.name}'s kernel`, async () => {
      const r = JSON.parse((await exec('ip', ['-n', n.netns, '-j', 'route', 'show', ANNOUNCED])).stdout || '[]') as { gateway?: string; protocol?: string }[];
      return r[0]?.gateway === '10.0.0.100' && r[0]?.protocol === 'bird';
    });
  }
});

test('BGPFilter on the BGPPeer: an export Reject hides a block from GoBGP, an import operation sets the kernel priority', { skip }, async () => {
  const b2 = blockOf(pods[1]!.ip);
  await client.create({ apiVersion: 'projectcalico.org/v3', kind: 'BGPFilter', metadata: { name: 'edge' }, spec: {
    exportV4: [{ cidr: b2, matchOperator: 'Equal', action: 'Reject' }],
    importV4: [{ cidr: ANNOUNCED, matchOperator: 'Equal', action: 'Accept', operations: [{ setPriority: { value: 200 } }] }],
  } } as Resource);
  const peer = await client.get('BGPPeer', 'gobgp');
  await client.update({ ...peer, spec: { ...peer.spec, filters: ['edge'] } } as Resource);
  await waitFor('n2\'s block gone from GoBGP', async () => !(await gobgpRib()).has(b2));
  assert.ok((await gobgpRib()).has(blockOf(pods[0]!.ip)), 'other blocks still exported');
  for (const n of nodes) {
    await waitFor(`${ANNOUNCED} with metric 200 on ${n.name}`, async () => {
      const r = JSON.parse((await exec('ip', ['-n', n.netns, '-j', 'route', 'show', ANNOUNCED])).stdout || '[]') as { metric?: number; gateway?: string; protocol?: string }[];
      // BIRD 2.0.12 adds the route with the new metric; the one installed before the filter (metric 0) stays until BIRD restarts.
      return r.some((x) => x.metric === 200 && x.gateway === '10.0.0.100' && x.protocol === 'bird');
    });
  }
  const again = await client.get('BGPPeer', 'gobgp');
  await client.update({ ...again, spec: { ...again.spec, filters: [] } } as Resource);
  await waitFor('n2\'s block back in GoBGP', async () => (await gobgpRib()).has(b2));
});

test('BGPConfiguration prefixAdvertisements: GoBGP sees the community on every pod block', { skip }, async () => {
  await client.create({ apiVersion: 'projectcalico.org/v3', kind: 'BGPConfiguration', metadata: { name: 'default' },
    spec: { communities: [{ name: 'pods', value: '65000:100' }], prefixAdvertisements: [{ cidr: '10.244.0.0/16', communities: ['pods'] }] } } as Resource);
  const want = 65000 * 65536 + 100;
  await waitFor('community 65000:100 on every block', async () => {
    const j = JSON.parse((await gobgp(['-j', 'global', 'rib', '-a', 'ipv4'])) || '{}') as Record<string, { attrs?: { type: number; communities?: number[] }[] }[]>;
    return pods.every((p) => (j[blockOf(p.ip)] ?? []).some((path) => (path.attrs ?? []).some((a) => a.type === 8 && (a.communities ?? []).includes(want))));
  });
});

test('deleting a node\'s last pod releases its block and GoBGP loses the route', { skip }, async () => {
  const p3 = pods[2]!;
  const b3 = blockOf(p3.ip);
  await cluster.deletePod(ds, p3);
  assert.deepEqual(await new IpamClient(ds).releaseEmptyBlocks('n3'), [b3]);
  await waitFor('block withdrawn from GoBGP', async () => !(await gobgpRib()).has(b3));
  assert.ok((await gobgpRib()).has(blockOf(pods[0]!.ip)), 'other blocks stay');
});

test('deleting the BGPPeer closes the sessions', { skip }, async () => {
  await client.delete('BGPPeer', 'gobgp');
  await waitFor('GoBGP sessions down', async () => (await gobgpEstablished()).length === 0);
  for (const r of routing) assert.ok(!(await r.bgpSessions()).some((s) => s.protocol.startsWith('Global_')));
  // The announced prefix is gone from the nodes' kernels with the session.
  await waitFor('announced prefix withdrawn', async () => (await exec('ip', ['-n', nodes[0]!.netns, 'route', 'show', ANNOUNCED])).stdout.trim() === '');
});
