/**
 * BGPPeer / BGPConfiguration options seen from the outside: two calico-ts
 * nodes (n1, n2, BIRD in a node-to-node mesh) and GoBGP routers nobody
 * here wrote, all in network namespaces. The BIRD configs are rendered by
 * src/bgp (birdInput + renderBirdConfig) and run by BirdDaemon directly,
 * so each test states the resources and checks what a peer or the kernel
 * sees:
 * - keepOriginalNextHop towards an eBGP GoBGP: a route n1 learned from n2
 *   keeps n2 as next hop (without it, n1 is the next hop);
 * - ttlSecurity: the session with a GoBGP that sends TTL 255 comes up;
 * - reachableBy: BIRD installs the /32 to the peer through the gateway;
 * - bindMode NodeIP: BIRD's listening socket is bound to the node's address,
 *   and back to the wildcard (BirdDaemon restarts BIRD on that switch);
 * - localWorkloadSelector: a GoBGP inside a pod on n1 peers with n1 (the
 *   peering address on the pod's host veth is what Felix adds for
 *   localWorkloadPeeringIPV4) and exchanges routes.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import '../../dist/api/index.js';
import { MemoryDatastore } from '../../dist/datastore/memory/memory-datastore.js';
import { ResourceClient } from '../../dist/datastore/resource-client.js';
import type { Resource } from '../../dist/api/types.js';
import { exec, execChecked } from '../../dist/lib/exec.js';
import { BirdDaemon, birdc, birdInput, renderBirdConfig } from '../../dist/bgp/index.js';
import { parseNodes, parsePools, type BlockView } from '../../dist/routing/routing-model.js';
import { NetnsCluster, type TestNode, type TestPod } from '../../dist/routing/testing/netns-cluster.js';
import { waitFor as waitForCondition } from '../support/wait-for.js';

const root = process.getuid?.() === 0;
const haveTools = (await exec('sh', ['-c', 'command -v gobgpd && command -v gobgp'])).code === 0 && existsSync('/usr/sbin/bird');
const skip = !root || !haveTools;
const cluster = new NetnsCluster('bo');
const ds = new MemoryDatastore();
let n1: TestNode;
let n2: TestNode;
let gb: TestNode;
let pod: TestPod;
const daemons = new Map<string, BirdDaemon>();
const PEERING_IP = '169.254.0.179';
const BLOCKS: BlockView[] = [{ cidr: '10.244.0.0/26', node: 'n1' }, { cidr: '10.244.1.0/26', node: 'n2' }];

type R = Record<string, unknown>;
interface Resources { conf?: R; peers?: Record<string, R>; weps?: Record<string, R> }

const waitFor = (what: string, fn: () => Promise<boolean>, ms = 40_000): Promise<void> => waitForCondition(what, fn, ms, 300);

/** Renders and applies both nodes' BIRD configs for these resources; returns n1's config. */
async function applyBgp(res: Resources): Promise<string> {
  const nodes = parseNodes(new Map([n1, n2].map((n) => [n.name, cluster.nodeResource(n)])));
  let n1Config = '';
  for (const n of [n1, n2]) {
    const r = birdInput({
      hostname: n.name, nodes, blocks: BLOCKS, secretsDir: join(cluster.dir, 'secrets'),
      pools: parsePools(new Map([['pool1', { metadata: { name: 'pool1' }, spec: { cidr: '10.244.0.0/16', vxlanMode: 'Never', ipipMode: 'Never' } }]])),
      bgpConfigurations: new Map(res.conf ? [['default', { spec: res.conf }]] : []),
      bgpPeers: new Map(Object.entries(res.peers ?? {}).map(([k, spec]) => [k, { metadata: { name: k }, spec }])),
      bgpFilters: new Map(),
      workloadEndpoints: new Map(Object.entries(res.weps ?? {})),
    });
    assert.deepEqual(r.problems, []);
    const text = renderBirdConfig(r.input!);
    if (n === n1) n1Config = text;
    let d = daemons.get(n.name);
    if (!d) daemons.set(n.name, d = new BirdDaemon(join(cluster.dir, `bird-${n.name}`), n.netns, n.name));
    await d.apply(text);
  }
  return n1Config;
}

async function established(node: string, protocol: string): Promise<boolean> {
  return (await daemons.get(node)!.sessions()).some((s) => s.protocol === protocol && s.info === 'Established');
}

function startGobgp(netns: string, name: string, lines: readonly string[]): Promise<void> {
  const file = join(cluster.dir, `${name}.toml`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  cluster.spawnIn(netns, ['gobgpd', '-f', file, '-t', 'toml', '--api-hosts', '127.0.0.1:50051', '--pprof-disable', '-l', 'warn']);
  return waitFor(`${name} API`, async () => (await exec('ip', ['netns', 'exec', netns, 'gobgp', '-u', '127.0.0.1', 'global'])).code === 0, 15_000);
}

async function gobgp(netns: string, args: readonly string[]): Promise<string> {
  return execChecked('ip', ['netns', 'exec', netns, 'gobgp', '-u', '127.0.0.1', ...args]);
}

/** prefix -> next hops in a GoBGP's global RIB. */
async function gobgpRib(netns: string): Promise<Map<string, string[]>> {
  const j = JSON.parse((await gobgp(netns, ['-j', 'global', 'rib', '-a', 'ipv4'])) || '{}') as Record<string, { attrs?: { type: number; nexthop?: string }[] }[]>;
  return new Map(Object.entries(j).map(([prefix, paths]) => [prefix, paths.map((p) => (p.attrs ?? []).find((a) => a.type === 3)?.nexthop ?? '?')]));
}

async function gobgpEstablished(netns: string): Promise<string[]> {
  const j = JSON.parse((await gobgp(netns, ['-j', 'neighbor'])) || '[]') as { conf?: { neighbor_address?: string }; state?: { session_state?: number | string } }[];
  return j.filter((n) => n.state?.session_state === 6 || String(n.state?.session_state).toLowerCase() === 'established')
    .map((n) => n.conf?.neighbor_address ?? '').sort();
}

async function kernelRoute(ns: string, dst: string): Promise<{ gateway?: string; protocol?: string; dev?: string } | undefined> {
  return (JSON.parse((await exec('ip', ['-n', ns, '-j', 'route', 'show', dst])).stdout || '[]') as { gateway?: string; protocol?: string; dev?: string }[])[0];
}

before(async () => {
  if (skip) return;
  await cluster.setupUnderlay(1);
  n1 = await cluster.addNode('n1', 0, 1);
  n2 = await cluster.addNode('n2', 0, 2);
  gb = await cluster.addNode('gobgp', 0, 100);
  mkdirSync(join(cluster.dir, 'secrets'));
  // GoBGP (AS 65000): n1 plain eBGP, n2 with TTL security (sends TTL 255, accepts only 255).
  await startGobgp(gb.netns, 'tor', [
    '[global.config]', '  as = 65000', '  router-id = "10.0.0.100"', '  local-address-list = ["10.0.0.100"]', '',
    '[[neighbors]]', '  [neighbors.config]', `    neighbor-address = "${n1.ip}"`, '    peer-as = 64512', '',
    '[[neighbors]]', '  [neighbors.config]', `    neighbor-address = "${n2.ip}"`, '    peer-as = 64512',
    '  [neighbors.ttl-security.config]', '    enabled = true', '    ttl-min = 255', '',
  ]);
  // A pod on n1 (address from IPAM, veth, /32 route) that will run a BGP speaker.
  await new ResourceClient(ds).create({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'pool1' },
    spec: { cidr: '10.244.0.0/16', blockSize: 26 } } as Resource);
  pod = await cluster.addPod(ds, n1, 'speaker', '10.244.0.10');
});

after(async () => {
  for (const d of daemons.values()) await d.stop().catch(() => {});
  await cluster.cleanup();
});

test('mesh between the two BIRDs comes up (one side passive)', { skip }, async () => {
  const cfg = await applyBgp({});
  assert.match(cfg, /protocol bgp Mesh_10_0_0_2 [\s\S]*?passive on;/);
  await waitFor('mesh Established', async () => await established('n1', 'Mesh_10_0_0_2') && await established('n2', 'Mesh_10_0_0_1'));
  await waitFor('n1 learns n2\'s block', async () => (await kernelRoute(n1.netns, '10.244.1.0/26'))?.gateway === n2.ip);
});

test('keepOriginalNextHop: GoBGP sees n2 as next hop of n2\'s block learned through n1 (n1 without it)', { skip }, async () => {
  const peer = { node: 'n1', peerIP: gb.ip, asNumber: 65000 };
  await applyBgp({ peers: { tor: peer } });
  await waitFor('n1 Established with GoBGP', async () => (await gobgpEstablished(gb.netns)).includes(n1.ip));
  await waitFor('n2\'s block via n1', async () => (await gobgpRib(gb.netns)).get('10.244.1.0/26')?.join() === n1.ip);
  assert.equal((await gobgpRib(gb.netns)).get('10.244.0.0/26')?.join(), n1.ip);
  await applyBgp({ peers: { tor: { ...peer, keepOriginalNextHop: true } } });
  await waitFor('n2\'s block with its original next hop', async () => (await gobgpRib(gb.netns)).get('10.244.1.0/26')?.join() === n2.ip);
  assert.equal((await gobgpRib(gb.netns)).get('10.244.0.0/26')?.join(), n1.ip, 'n1\'s own block: n1 is the next hop');
  // nextHopMode Self wins over the deprecated field's default behaviour: back to n1.
  await applyBgp({ peers: { tor: { ...peer, nextHopMode: 'Self' } } });
  await waitFor('next hop self again', async () => (await gobgpRib(gb.netns)).get('10.244.1.0/26')?.join() === n1.ip);
});

test('ttlSecurity: n2\'s session with a GoBGP using TTL security is Established', { skip }, async () => {
  const cfg = await applyBgp({ peers: { tor: { node: 'n1', peerIP: gb.ip, asNumber: 65000 }, 'tor-gtsm': { node: 'n2', peerIP: gb.ip, asNumber: 65000, ttlSecurity: 1 } } });
  assert.match(cfg, /Node_10_0_0_100/);
  await waitFor('n2 Established with GoBGP', async () => (await gobgpEstablished(gb.netns)).includes(n2.ip) && await established('n2', 'Node_10_0_0_100'));
  await waitFor('GoBGP learns n2\'s block from n2', async () => (await gobgpRib(gb.netns)).get('10.244.1.0/26')?.includes(n2.ip) ?? false);
});

test('reachableBy: BIRD installs the route to the peer through the given gateway', { skip }, async () => {
  await applyBgp({ peers: { far: { node: 'n1', peerIP: '192.0.2.50', asNumber: 65050, reachableBy: '10.0.0.254' } } });
  await waitFor('192.0.2.50 via 10.0.0.254 on n1', async () => {
    const r = await kernelRoute(n1.netns, '192.0.2.50');
    return r?.gateway === '10.0.0.254' && r.protocol === 'bird';
  });
  assert.equal(await kernelRoute(n2.netns, '192.0.2.50'), undefined, 'only on the node the BGPPeer applies to');
});

test('bindMode NodeIP: BIRD listens on the node address only; None: on every address', { skip }, async () => {
  const listeners = async (ns: string): Promise<string[]> => (await execChecked('ip', ['netns', 'exec', ns, 'ss', '-Htln', 'sport', '= :179']))
    .split('\n').filter(Boolean).map((l) => l.trim().split(/\s+/)[3]!).sort();
  await applyBgp({});
  await waitFor('wildcard listener', async () => (await listeners(n1.netns)).some((a) => a === '0.0.0.0:179' || a === '*:179'));
  await applyBgp({ conf: { bindMode: 'NodeIP' } });
  await waitFor('listener on 10.0.0.1 only', async () => (await listeners(n1.netns)).join() === `${n1.ip}:179`);
  await waitFor('mesh back up', async () => await established('n1', 'Mesh_10_0_0_2') && await established('n2', 'Mesh_10_0_0_1'));
  // And back: the wildcard listener returns (BIRD restarted: the two binds would collide on a reload).
  await applyBgp({});
  await waitFor('wildcard listener again', async () => (await listeners(n1.netns)).every((a) => a === '0.0.0.0:179' || a === '*:179'));
  await waitFor('mesh up after the switch back', async () => await established('n1', 'Mesh_10_0_0_2') && await established('n2', 'Mesh_10_0_0_1'));
  assert.doesNotMatch(await birdc(daemons.get('n1')!.paths.socket, ['show', 'protocols']), /No listening socket/);
});

test('localWorkloadSelector: a BGP speaker in a pod on n1 peers with n1 and exchanges routes', { skip }, async () => {
  // What Felix does for localWorkloadPeeringIPV4: the peering address on the workload's host-side veth.
  await execChecked('ip', ['-n', n1.netns, 'addr', 'add', `${PEERING_IP}/32`, 'dev', pod.hostVeth]);
  await startGobgp(pod.netns, 'speaker', [
    '[global.config]', '  as = 65100', `  router-id = "${pod.ip}"`, `  local-address-list = ["${pod.ip}"]`, '',
    '[[neighbors]]', '  [neighbors.config]', `    neighbor-address = "${PEERING_IP}"`, '    peer-as = 64512',
    '  [neighbors.ebgp-multihop.config]', '    enabled = true', '    multihop-ttl = 2', '',
  ]);
  const cfg = await applyBgp({
    conf: { localWorkloadPeeringIPV4: PEERING_IP },
    peers: { speakers: { localWorkloadSelector: "app == 'speaker'", asNumber: 65100 } },
    weps: {
      speaker: { metadata: { name: 'speaker', namespace: 'default', labels: { app: 'speaker' } }, spec: { node: 'n1', ipNetworks: [`${pod.ip}/32`] } },
      other: { metadata: { name: 'other', namespace: 'default', labels: { app: 'web' } }, spec: { node: 'n1', ipNetworks: ['10.244.0.11/32'] } },
    },
  });
  assert.match(cfg, /protocol bgp Local_Workload_10_244_0_10 from bgp_template \{\n {2}local as 64512;\n {2}neighbor 10\.244\.0\.10 as 65100;[\s\S]*?passive on;/);
  assert.doesNotMatch(cfg, /10_244_0_11/);
  // calicoctl node status lists only Mesh/Node/Global sessions (as upstream): ask BIRD directly.
  await waitFor('pod speaker Established with n1', async () =>
    /^Local_Workload_10_244_0_10\s+BGP\s.*Established/m.test(await birdc(daemons.get('n1')!.paths.socket, ['show', 'protocols']))
    && (await gobgpEstablished(pod.netns)).join() === PEERING_IP).catch(async (e: unknown) => {
    console.log(await birdc(daemons.get('n1')!.paths.socket, ['show', 'protocols']), await gobgp(pod.netns, ['-j', 'neighbor']));
    throw e;
  });
  await waitFor('the pod learns both blocks', async () => {
    const rib = await gobgpRib(pod.netns);
    return rib.has('10.244.0.0/26') && rib.has('10.244.1.0/26');
  });
  await gobgp(pod.netns, ['global', 'rib', '-a', 'ipv4', 'add', '203.0.113.0/24', 'nexthop', pod.ip]);
  await waitFor('n1 routes the pod\'s prefix to the pod', async () => {
    const r = await kernelRoute(n1.netns, '203.0.113.0/24');
    return r?.protocol === 'bird' && r.gateway === pod.ip;
  });
});

test('ipv4NormalRoutePriority: BGP routes reach the kernel with that metric', { skip }, async () => {
  await applyBgp({ conf: { ipv4NormalRoutePriority: 1500 } });
  await waitFor('mesh up', async () => await established('n1', 'Mesh_10_0_0_2'));
  await waitFor('n2\'s block with metric 1500 on n1', async () => {
    const r = JSON.parse((await exec('ip', ['-n', n1.netns, '-j', 'route', 'show', '10.244.1.0/26'])).stdout || '[]') as { metric?: number; protocol?: string }[];
    // BIRD 2.0.12 adds the route with the new metric next to the one installed before (see src/bgp/DESIGN.md).
    return r.some((x) => x.metric === 1500 && x.protocol === 'bird');
  });
});
