/**
 * BGP through BIRD 2 between three node namespaces on one underlay subnet
 * (no encapsulation): full mesh (sessions Established, routes installed by
 * BIRD, pod-to-pod TCP across nodes), a borrowed address announced by the
 * node that has it, then a route reflector (n1 with a
 * cluster ID, mesh off, one BGPPeer by peerSelector) with the same
 * reachability, then a node's last pod deleted and its block released:
 * the route is withdrawn everywhere; finally listenPort moves every
 * session to another port (mesh back on, the reflector stays out of it).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import '../../dist/api/index.js';
import { MemoryDatastore } from '../../dist/datastore/memory/memory-datastore.js';
import { ResourceClient } from '../../dist/datastore/resource-client.js';
import type { Resource } from '../../dist/api/types.js';
import { exec } from '../../dist/lib/exec.js';
import { IpamClient } from '../../dist/ipam/ipam-client.js';
import { startRouting, type RoutingHandle } from '../../dist/routing/index.js';
import { NetnsCluster, type TestPod } from '../../dist/routing/testing/netns-cluster.js';
import { waitFor as waitForCondition } from '../support/wait-for.js';

const root = process.getuid?.() === 0;
const ds = new MemoryDatastore();
const client = new ResourceClient(ds);
const cluster = new NetnsCluster('bg');
const routing: RoutingHandle[] = [];
let pods: TestPod[] = [];

const waitFor = (what: string, fn: () => Promise<boolean>, ms = 30_000): Promise<void> => waitForCondition(what, fn, ms, 250);

async function established(i: number): Promise<string[]> {
  return (await routing[i]!.bgpSessions()).filter((s) => s.info === 'Established').map((s) => s.protocol).sort();
}

async function resyncAll(): Promise<void> {
  for (const r of routing) await r.resync();
}

const blockOf = (ip: string): string => `${ip.split('.').slice(0, 3).join('.')}.${Number(ip.split('.')[3]) & ~63}/26`;

async function birdRoute(ns: string, dst: string): Promise<{ gateway?: string; protocol?: string } | undefined> {
  const r = JSON.parse((await exec('ip', ['-n', ns, '-j', 'route', 'show', dst])).stdout || '[]') as { gateway?: string; protocol?: string }[];
  return r[0];
}

before(async () => {
  if (!root) return;
  await cluster.setupUnderlay(1);
  const ns = [await cluster.addNode('n1', 0, 1), await cluster.addNode('n2', 0, 2), await cluster.addNode('n3', 0, 3)];
  await client.create({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'pool1' },
    spec: { cidr: '10.244.0.0/16', blockSize: 26 } } as Resource);
  for (const n of ns) await client.create(cluster.nodeResource(n) as unknown as Resource);
  pods = [await cluster.addPod(ds, ns[0]!, 'p1'), await cluster.addPod(ds, ns[1]!, 'p2'), await cluster.addPod(ds, ns[2]!, 'p3')];
  for (const p of pods) await cluster.tcpServer(p, 7000);
  for (const n of ns) {
    routing.push(await startRouting({ ds, hostname: n.name, netns: n.netns, backend: 'bird', runDir: join(cluster.dir, n.name),
      mtuFile: null, resyncMs: 1000 }));
  }
});

after(async () => {
  for (const r of routing) await r.stop().catch(() => {});
  await cluster.cleanup();
});

test('BGP full mesh: every node Established with the two others, blocks via BIRD, pod-to-pod TCP', { skip: !root }, async () => {
  await waitFor('mesh sessions', async () => (await established(0)).join() === 'Mesh_10_0_0_2,Mesh_10_0_0_3'
    && (await established(1)).join() === 'Mesh_10_0_0_1,Mesh_10_0_0_3' && (await established(2)).join() === 'Mesh_10_0_0_1,Mesh_10_0_0_2');
  await waitFor('n1 learns n2\'s block', async () => (await birdRoute(cluster.nodes[0]!.netns, blockOf(pods[1]!.ip)))?.gateway === '10.0.0.2');
  const r = await birdRoute(cluster.nodes[0]!.netns, blockOf(pods[1]!.ip));
  assert.equal(r?.protocol, 'bird');
  // The node's own block is a blackhole (more specific /32s to its pods win).
  const own = JSON.parse((await exec('ip', ['-n', cluster.nodes[0]!.netns, '-j', 'route', 'show', 'type', 'blackhole'])).stdout) as { dst: string }[];
  assert.deepEqual(own.map((x) => x.dst), [blockOf(pods[0]!.ip)]);
  const [p1, p2, p3] = pods as [TestPod, TestPod, TestPod];
  for (const [a, b] of [[p1, p2], [p2, p3], [p3, p1]] as const) assert.equal(await cluster.tcpEventually(a, b.ip, 7000), 'echo:hi');
});

test('a borrowed address (in n2\'s block, living on n1) is announced by n1 as a host route', { skip: !root }, async () => {
  const b2 = blockOf(pods[1]!.ip);
  const borrowed = `${b2.split('/')[0]!.split('.').slice(0, 3).join('.')}.${Number(b2.split('.')[3]!.split('/')[0]) + 40}`;
  const pb = await cluster.addPod(ds, cluster.nodes[0]!, 'pb', borrowed);
  await cluster.tcpServer(pb, 7000);
  await waitFor('n3 routes the borrowed /32 via n1', async () => (await birdRoute(cluster.nodes[2]!.netns, `${borrowed}/32`))?.gateway === '10.0.0.1');
  assert.equal(await cluster.tcpEventually(pods[2]!, borrowed, 7000), 'echo:hi');
  assert.equal(await cluster.tcpEventually(pods[1]!, borrowed, 7000), 'echo:hi', 'even from the node owning the block');
  await cluster.deletePod(ds, pb);
  await waitFor('host route withdrawn', async () => !(await birdRoute(cluster.nodes[2]!.netns, `${borrowed}/32`)));
});

test('BGP route reflector: n1 reflects, mesh off, same reachability', { skip: !root }, async () => {
  const n1 = await client.get('Node', 'n1');
  await client.update({ ...n1, metadata: { ...n1.metadata, labels: { ...n1.metadata.labels, 'route-reflector': 'true' } },
    spec: { ...n1.spec, bgp: { ...(n1.spec!['bgp'] as object), routeReflectorClusterID: '224.0.0.1' } } } as Resource);
  await client.create({ apiVersion: 'projectcalico.org/v3', kind: 'BGPConfiguration', metadata: { name: 'default' },
    spec: { nodeToNodeMeshEnabled: false, asNumber: 64512 } } as Resource);
  await client.create({ apiVersion: 'projectcalico.org/v3', kind: 'BGPPeer', metadata: { name: 'peer-with-route-reflectors' },
    spec: { nodeSelector: 'all()', peerSelector: "route-reflector == 'true'" } } as Resource);
  await resyncAll();
  await waitFor('RR sessions', async () => (await established(0)).join() === 'Node_10_0_0_2,Node_10_0_0_3'
    && (await established(1)).join() === 'Node_10_0_0_1' && (await established(2)).join() === 'Node_10_0_0_1');
  const cfg = routing[0]!.status().birdConfig ?? '';
  assert.match(cfg, /rr client;/);
  assert.doesNotMatch(cfg, /Mesh_/);
  // n2 learns n3's block through the reflector, with n3 as next hop.
  await waitFor('n2 learns n3\'s block via the RR', async () => (await birdRoute(cluster.nodes[1]!.netns, blockOf(pods[2]!.ip)))?.gateway === '10.0.0.3');
  const [p1, p2, p3] = pods as [TestPod, TestPod, TestPod];
  for (const [a, b] of [[p2, p3], [p3, p2], [p1, p3], [p2, p1]] as const) assert.equal(await cluster.tcpEventually(a, b.ip, 7000), 'echo:hi');
});

test('deleting a node\'s last pod releases its block and withdraws the route everywhere', { skip: !root }, async () => {
  const p3 = pods[2]!;
  const b3 = blockOf(p3.ip);
  assert.ok(await birdRoute(cluster.nodes[0]!.netns, b3));
  await cluster.deletePod(ds, p3);
  const released = await new IpamClient(ds).releaseEmptyBlocks('n3');
  assert.deepEqual(released, [b3]);
  await resyncAll();
  await waitFor('route withdrawn on n1 and n2, blackhole gone on n3', async () => !(await birdRoute(cluster.nodes[0]!.netns, b3))
    && !(await birdRoute(cluster.nodes[1]!.netns, b3)) && !(await birdRoute(cluster.nodes[2]!.netns, b3)));
  assert.equal(await cluster.tcpEventually(pods[0]!, pods[1]!.ip, 7000), 'echo:hi');
});

test('listenPort: every BIRD listens on the new port and dials its peers there; mesh on again skips the reflector', { skip: !root }, async () => {
  const conf = await client.get('BGPConfiguration', 'default');
  await client.update({ ...conf, spec: { ...conf.spec, nodeToNodeMeshEnabled: true, listenPort: 1790 } } as Resource);
  await resyncAll();
  // n1 is a route reflector: no mesh to or from it; n2 and n3 mesh with each other and keep their RR sessions.
  await waitFor('sessions on port 1790', async () => (await established(0)).join() === 'Node_10_0_0_2_port_1790,Node_10_0_0_3_port_1790'
    && (await established(1)).join() === 'Mesh_10_0_0_3,Node_10_0_0_1_port_1790' && (await established(2)).join() === 'Mesh_10_0_0_2,Node_10_0_0_1_port_1790');
  for (const n of cluster.nodes) {
    const ss = (await exec('ip', ['netns', 'exec', n.netns, 'ss', '-Htln'])).stdout;
    assert.match(ss, /:1790\s/, `${n.name} listens on 1790`);
    assert.doesNotMatch(ss, /:179\s/, `${n.name} no longer listens on 179`);
  }
  assert.equal(await cluster.tcpEventually(pods[0]!, pods[1]!.ip, 7000), 'echo:hi');
});
