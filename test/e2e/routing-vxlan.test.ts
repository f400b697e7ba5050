/**
 * VXLAN between three node namespaces (n1, n2 on 10.0.0.0/24, n3 on
 * 10.0.1.0/24, routed by the underlay): pod-to-pod TCP in vxlanMode Always
 * (every cross-node packet encapsulated on the underlay), then the same pool
 * switched to CrossSubnet (in-subnet traffic plain, cross-subnet
 * encapsulated), checked with tcpdump on the underlay bridges; VTEPs on the
 * Node resources, the MTU file and the ipip refusal. (Block withdrawal is
 * shown with BGP: in VXLAN mode the node's VTEP address keeps its block.)
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
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
const cluster = new NetnsCluster('vx');
const routing: RoutingHandle[] = [];
let pods: TestPod[] = [];

const waitFor = (what: string, fn: () => Promise<boolean>, ms = 15_000): Promise<void> => waitForCondition(what, fn, ms, 200);

async function setPoolMode(vxlanMode: string): Promise<void> {
  const cur = await client.get('IPPool', 'pool1');
  await client.update({ ...cur, spec: { ...cur.spec, vxlanMode } } as Resource);
  for (const r of routing) await r.resync();
}

before(async () => {
  if (!root) return;
  await cluster.setupUnderlay(2);
  const n1 = await cluster.addNode('n1', 0, 1);
  const n2 = await cluster.addNode('n2', 0, 2);
  const n3 = await cluster.addNode('n3', 1, 3);
  await client.create({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'pool1' },
    spec: { cidr: '10.244.0.0/16', blockSize: 26, vxlanMode: 'Always', natOutgoing: false } } as Resource);
  for (const n of [n1, n2, n3]) await client.create(cluster.nodeResource(n) as unknown as Resource);
  pods = [await cluster.addPod(ds, n1, 'p1'), await cluster.addPod(ds, n2, 'p2'), await cluster.addPod(ds, n3, 'p3')];
  for (const p of pods) await cluster.tcpServer(p, 7000);
  for (const n of [n1, n2, n3]) {
    routing.push(await startRouting({ ds, hostname: n.name, netns: n.netns, backend: 'vxlan', runDir: join(cluster.dir, n.name),
      mtuFile: join(cluster.dir, n.name, 'mtu'), resyncMs: 1000 }));
  }
});

after(async () => {
  for (const r of routing) await r.stop().catch(() => {});
  await cluster.cleanup();
});

test('VXLAN Always: VTEPs recorded on the Nodes, vxlan.calico as configured, MTU file = underlay - 50', { skip: !root }, async () => {
  for (const r of routing) await r.resync();
  for (const n of cluster.nodes) {
    const node = await client.get('Node', n.name);
    const spec = node.spec as Record<string, string>;
    assert.match(spec['ipv4VXLANTunnelAddr'] ?? '', /^10\.244\.\d+\.\d+$/, `${n.name} VTEP address`);
    assert.match(spec['vxlanTunnelMACAddr'] ?? '', /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    const ips = await new IpamClient(ds).ipsByHandle(`vxlan-tunnel-addr-${n.name}`);
    assert.deepEqual(ips, [spec['ipv4VXLANTunnelAddr']]);
    const link = JSON.parse((await exec('ip', ['-n', n.netns, '-d', '-j', 'link', 'show', 'vxlan.calico'])).stdout)[0];
    assert.equal(link.linkinfo.info_data.id, 4096);
    assert.equal(link.linkinfo.info_data.port, 4789);
    assert.equal(link.mtu, 1450);
    assert.equal(link.address, spec['vxlanTunnelMACAddr']);
    assert.equal(readFileSync(join(cluster.dir, n.name, 'mtu'), 'utf8'), '1450\n');
  }
  // n1 has a route per remote block via the remote VTEP, onlink, with our protocol.
  const routes = JSON.parse((await exec('ip', ['-n', cluster.nodes[0]!.netns, '-j', 'route', 'show', 'proto', '81'])).stdout) as { dst: string; dev: string; flags: string[] }[];
  assert.equal(routes.length, 2);
  for (const r of routes) { assert.equal(r.dev, 'vxlan.calico'); assert.ok(r.flags.includes('onlink')); }
});

test('VXLAN Always: pod-to-pod TCP across nodes, encapsulated on the underlay', { skip: !root }, async () => {
  const [p1, p2, p3] = pods as [TestPod, TestPod, TestPod];
  for (const [a, b] of [[p1, p2], [p2, p3], [p3, p1]] as const) {
    assert.equal(await cluster.tcpEventually(a, b.ip, 7000), 'echo:hi');
  }
  const enc = cluster.capture('br0', 'udp port 4789 and host 10.0.0.1 and host 10.0.0.2', 4000);
  const plain = cluster.capture('br0', `tcp port 7000 and host ${p1.ip} and host ${p2.ip}`, 4000);
  await Promise.all([enc.ready, plain.ready]);
  await cluster.tcpProbe(p1, p2.ip, 7000);
  assert.equal(await enc.matched, true, 'n1 -> n2 is VXLAN on the underlay');
  assert.equal(await plain.matched, false, 'no unencapsulated pod traffic on the underlay');
});

test('VXLAN CrossSubnet: in-subnet traffic unencapsulated, cross-subnet encapsulated', { skip: !root }, async () => {
  await setPoolMode('CrossSubnet');
  const [p1, p2, p3] = pods as [TestPod, TestPod, TestPod];
  const r = JSON.parse((await exec('ip', ['-n', p1.node.netns, '-j', 'route', 'show', 'proto', '81'])).stdout) as { dst: string; dev: string; gateway: string }[];
  assert.deepEqual(r.map((x) => x.dev).sort(), ['eth0', 'vxlan.calico']);
  assert.equal(await cluster.tcpEventually(p1, p2.ip, 7000), 'echo:hi');
  assert.equal(await cluster.tcpEventually(p1, p3.ip, 7000), 'echo:hi');

  const plain = cluster.capture('br0', `tcp port 7000 and host ${p1.ip} and host ${p2.ip}`, 4000);
  const enc12 = cluster.capture('br0', 'udp port 4789 and host 10.0.0.1 and host 10.0.0.2', 4000);
  await Promise.all([plain.ready, enc12.ready]);
  await cluster.tcpProbe(p1, p2.ip, 7000);
  assert.equal(await plain.matched, true, 'same subnet: plain TCP on the underlay');
  assert.equal(await enc12.matched, false, 'same subnet: no VXLAN');

  const enc13 = cluster.capture('br1', 'udp port 4789 and host 10.0.0.1 and host 10.0.1.3', 4000);
  const plain13 = cluster.capture('br1', `tcp port 7000 and host ${p1.ip} and host ${p3.ip}`, 4000);
  await Promise.all([enc13.ready, plain13.ready]);
  await cluster.tcpProbe(p1, p3.ip, 7000);
  assert.equal(await enc13.matched, true, 'cross subnet: VXLAN');
  assert.equal(await plain13.matched, false, 'cross subnet: never plain');
});

test('an IPIP pool is refused with a clear message; everything else keeps working', { skip: !root }, async () => {
  await client.create({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'ipip' },
    spec: { cidr: '10.250.0.0/16', ipipMode: 'Always' } } as Resource);
  for (const r of routing) await r.resync();
  const st = routing[0]!.status();
  assert.ok(st.problems.some((p) => /ipip/i.test(p) && p.includes('IPPool ipip')), JSON.stringify(st.problems));
  assert.equal(st.lastError, undefined);
  assert.equal(await cluster.tcpProbe(pods[0]!, pods[2]!.ip, 7000), 'echo:hi');
  await client.delete('IPPool', 'ipip');
});

test('VXLAN: a borrowed address (in n3\'s block, living on n1) gets host routes via n1\'s VTEP', { skip: !root }, async () => {
  await setPoolMode('Always');
  const p3 = pods[2]!;
  const base = p3.ip.split('.').map(Number);
  const borrowed = `${base[0]}.${base[1]}.${base[2]}.${(base[3]! & ~63) + 50}`;
  const pb = await cluster.addPod(ds, cluster.nodes[0]!, 'pb', borrowed);
  await cluster.tcpServer(pb, 7000);
  const n1Vtep = ((await client.get('Node', 'n1')).spec as Record<string, string>)['ipv4VXLANTunnelAddr'];
  // The IPAM write reaches routing through its watch (debounced), so poll.
  const hostRoute = async (ns: string) => (JSON.parse((await exec('ip', ['-n', ns, '-j', 'route', 'show', `${borrowed}/32`])).stdout) as { gateway?: string; dev?: string }[])[0];
  for (const n of [cluster.nodes[1]!, cluster.nodes[2]!]) {
    await waitFor(`${n.name}: ${borrowed}/32 via n1's VTEP`, async () => {
      const r = await hostRoute(n.netns);
      return r?.gateway === n1Vtep && r?.dev === 'vxlan.calico';
    });
  }
  assert.equal(await cluster.tcpEventually(pods[1]!, borrowed, 7000), 'echo:hi');
  assert.equal(await cluster.tcpEventually(p3, borrowed, 7000), 'echo:hi', 'even from the block\'s own node');
  await cluster.deletePod(ds, pb);
  await waitFor('host route withdrawn', async () => (await hostRoute(cluster.nodes[1]!.netns)) === undefined);
});

test('FelixConfiguration vxlanVNI/vxlanPort/vxlanMTU: the device is rebuilt and traffic flows on the new port', { skip: !root }, async () => {
  await client.create({ apiVersion: 'projectcalico.org/v3', kind: 'FelixConfiguration', metadata: { name: 'default' },
    spec: { vxlanVNI: 4097, vxlanPort: 8472, vxlanMTU: 1400 } } as Resource);
  await setPoolMode('Always');
  for (const n of cluster.nodes) {
    const link = JSON.parse((await exec('ip', ['-n', n.netns, '-d', '-j', 'link', 'show', 'vxlan.calico'])).stdout)[0];
    assert.deepEqual([link.linkinfo.info_data.id, link.linkinfo.info_data.port, link.mtu], [4097, 8472, 1400]);
    assert.equal(readFileSync(join(cluster.dir, n.name, 'mtu'), 'utf8'), '1400\n');
  }
  const enc = cluster.capture('br0', 'udp port 8472 and host 10.0.0.1 and host 10.0.0.2', 4000);
  await enc.ready;
  assert.equal(await cluster.tcpEventually(pods[0]!, pods[1]!.ip, 7000), 'echo:hi');
  assert.equal(await enc.matched, true);
  await client.delete('FelixConfiguration', 'default');
});

test('vxlanMode Never everywhere: routes and device removed, VTEP addresses released and cleared from the Nodes', { skip: !root }, async () => {
  await setPoolMode('Never');
  for (const n of cluster.nodes) {
    assert.equal((await exec('ip', ['-n', n.netns, 'link', 'show', 'vxlan.calico'])).code !== 0, true, `${n.name}: device gone`);
    assert.equal((await exec('ip', ['-n', n.netns, 'route', 'show', 'proto', '81'])).stdout.trim(), '');
    const spec = (await client.get('Node', n.name)).spec as Record<string, unknown>;
    assert.equal(spec['ipv4VXLANTunnelAddr'], undefined);
    assert.equal(spec['vxlanTunnelMACAddr'], undefined);
    await assert.rejects(new IpamClient(ds).ipsByHandle(`vxlan-tunnel-addr-${n.name}`), /does not exist/);
    assert.equal(readFileSync(join(cluster.dir, n.name, 'mtu'), 'utf8'), '1500\n');
  }
  // The kernel routes of others (the pods' /32s, the underlay) are untouched.
  assert.match((await exec('ip', ['-n', pods[0]!.node.netns, 'route', 'show', `${pods[0]!.ip}`])).stdout, /dev cali/);
});
