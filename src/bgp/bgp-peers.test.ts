import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNodes } from '../routing/routing-model.js';
import { computePeers, parseBgpPeers, protocolName, type PeerInputs } from './bgp-peers.js';
import { parseLocalWorkloads } from './local-workloads.js';

const nodes = parseNodes(new Map<string, unknown>([
  ['a', { metadata: { name: 'a', labels: { rr: 'true', zone: 'z1' } }, spec: { bgp: { ipv4Address: '10.0.0.1/24', routeReflectorClusterID: '1.1.1.1' } } }],
  ['b', { metadata: { name: 'b', labels: { zone: 'z1' } }, spec: { bgp: { ipv4Address: '10.0.0.2/24', asNumber: 65002 } } }],
  ['c', { metadata: { name: 'c', labels: { zone: 'z2' } }, spec: { bgp: { ipv4Address: '10.0.0.3/24' } } }],
  ['d', { metadata: { name: 'd', labels: { rr: 'true' } }, spec: { bgp: { ipv4Address: '10.0.0.4/24', routeReflectorClusterID: '1.1.1.1' } } }],
  ['e', { metadata: { name: 'e', labels: {} }, spec: { bgp: { ipv4Address: '10.0.0.5/24' } } }],
  ['nobgp', { metadata: { name: 'nobgp' }, spec: {} }],
]));
const peers = (m: Record<string, unknown>) => parseBgpPeers(new Map(Object.entries(m).map(([k, v]) => [k, { spec: v }])));
const compute = (host: string, p: ReturnType<typeof peers>, mesh: boolean, more: Partial<PeerInputs> = {}) =>
  computePeers({ hostname: host, nodes, peers: p, meshEnabled: mesh, globalAsNumber: '64512', ...more });
const names = (host: string, p: ReturnType<typeof peers>, mesh: boolean, more: Partial<PeerInputs> = {}) =>
  compute(host, p, mesh, more).map((x) => `${x.protocolName}${x.rrClient ? '(rr-client)' : ''}@${x.asNumber}`);

test('mesh: every other non-reflector node with an IPv4 address, its own AS or the global one; none from a reflector', () => {
  assert.deepEqual(names('c', [], true), ['Mesh_10_0_0_2@65002', 'Mesh_10_0_0_5@64512']);
  assert.deepEqual(names('c', [], false), []);
  assert.deepEqual(names('a', [], true), []);
  assert.deepEqual(names('nobgp', [], true), []);
});

test('mesh: one side connects (passive towards higher addresses), peer listenPort, restart time', () => {
  const m = compute('c', [], true, { nodeListenPorts: new Map([['e', 1790]]), globalListenPort: 1179, meshMaxRestartTime: '2m' });
  assert.deepEqual(m.map((p) => [p.protocolName, p.passive, p.port, p.maxRestartTime]), [
    ['Mesh_10_0_0_2', false, 1179, '2m'], ['Mesh_10_0_0_5', true, 1790, '2m'],
  ]);
});

test('route reflectors: peerSelector both ways, iBGP peers outside the cluster are clients, same-cluster RRs are not', () => {
  const p = peers({ rrs: { nodeSelector: 'all()', peerSelector: "rr == 'true'" } });
  assert.deepEqual(names('b', p, false), ['Node_10_0_0_1@64512', 'Node_10_0_0_4@64512']);
  // b is in another AS (eBGP): not a client.
  assert.deepEqual(names('a', p, false), ['Node_10_0_0_2@65002', 'Node_10_0_0_3(rr-client)@64512', 'Node_10_0_0_4@64512', 'Node_10_0_0_5(rr-client)@64512']);
});

test('peerIP peers: global, by node, by nodeSelector; explicit wins over mesh for the same address', () => {
  const p = peers({
    g: { peerIP: '192.0.2.1', asNumber: 65000 },
    onlyB: { node: 'b', peerIP: '192.0.2.2', asNumber: 65001 },
    z2: { nodeSelector: "zone == 'z2'", peerIP: '192.0.2.3:1179', asNumber: 65003 },
    overMesh: { node: 'c', peerIP: '10.0.0.2', asNumber: 65099 },
  });
  assert.deepEqual(names('b', p, false), ['Global_192_0_2_1@65000', 'Node_192_0_2_2@65001']);
  assert.deepEqual(names('c', p, true), ['Global_192_0_2_1@65000', 'Mesh_10_0_0_5@64512', 'Node_10_0_0_2@65099', 'Node_192_0_2_3_port_1179@65003']);
  assert.equal(protocolName('Node', 'fd00::1'), 'Node_fd00__1');
});

test('a global peer wins over a node-specific one to the same address', () => {
  const p = peers({ a1: { node: 'c', peerIP: '192.0.2.1', asNumber: 65001 }, z: { peerIP: '192.0.2.1', asNumber: 65000 } });
  assert.deepEqual(names('c', p, false), ['Global_192_0_2_1@65000']);
});

test('reverse peering by peerIP + AS of a Calico node, unless reversePeering is Manual', () => {
  const p = peers({ toE: { node: 'c', peerIP: '10.0.0.5', asNumber: 64512 } });
  assert.deepEqual(names('e', p, false), ['Node_10_0_0_3@64512']);
  assert.deepEqual(names('e', peers({ toE: { node: 'c', peerIP: '10.0.0.5', asNumber: 64512, reversePeering: 'Manual' } }), false), []);
  // Another AS at that address is not this node.
  assert.deepEqual(names('e', peers({ toE: { node: 'c', peerIP: '10.0.0.5', asNumber: 65000 } }), false), []);
  // The forward side connects to the node's listenPort.
  assert.deepEqual(names('c', p, false, { globalListenPort: 1790 }), ['Node_10_0_0_5_port_1790@64512']);
});

test('next hop: nextHopMode wins, keepOriginalNextHop only towards eBGP; localASNumber is the session AS', () => {
  const p = peers({
    keepIbgp: { peerIP: '192.0.2.1', asNumber: 64512, keepOriginalNextHop: true },
    keepEbgp: { peerIP: '192.0.2.2', asNumber: 65000, keepOriginalNextHop: true },
    self: { peerIP: '192.0.2.3', asNumber: 64512, nextHopMode: 'Self' },
    keep: { peerIP: '192.0.2.4', asNumber: 64512, nextHopMode: 'Keep' },
    auto: { peerIP: '192.0.2.5', asNumber: 65000, nextHopMode: 'Auto' },
    localAs: { peerIP: '192.0.2.6', asNumber: 65000, localASNumber: 65000, keepOriginalNextHop: true, numAllowedLocalASNumbers: 2, keepaliveTime: '10s', reachableBy: '10.0.0.254', ttlSecurity: 3 },
  });
  const got = compute('c', p, false);
  assert.deepEqual(got.map((x) => [x.ip, x.nextHop ?? '-']), [
    ['192.0.2.1', '-'], ['192.0.2.2', 'Keep'], ['192.0.2.3', 'Self'], ['192.0.2.4', 'Keep'], ['192.0.2.5', '-'], ['192.0.2.6', '-'],
  ]);
  const la = got.find((x) => x.ip === '192.0.2.6')!;
  assert.deepEqual([la.localAsNumber, la.numAllowedLocalASNumbers, la.keepaliveTime, la.reachableBy, la.ttlSecurity], ['65000', 2, '10s', '10.0.0.254', 3]);
});

test('localWorkloadSelector: this node\'s selected workloads, passive, no source address, first BGPPeer by name wins', () => {
  const weps = new Map<string, unknown>([
    ['w1', { metadata: { name: 'bird-0', namespace: 'ns', labels: { app: 'bird' } }, spec: { node: 'c', ipNetworks: ['10.244.0.5/32', 'fd00::5/128'] } }],
    ['w2', { metadata: { name: 'other', namespace: 'ns', labels: { app: 'web' } }, spec: { node: 'c', ipNetworks: ['10.244.0.6/32'] } }],
    ['w3', { metadata: { name: 'bird-1', namespace: 'ns', labels: { app: 'bird' } }, spec: { node: 'e', ipNetworks: ['10.244.1.5/32'] } }],
  ]);
  const p = peers({
    a: { localWorkloadSelector: "app == 'bird'", asNumber: 65100, localASNumber: 65001, filters: ['f'] },
    b: { localWorkloadSelector: "app == 'bird'", node: 'c', asNumber: 65200 },
  });
  const got = compute('c', p, false, { localWorkloads: parseLocalWorkloads(weps, 'c') });
  assert.deepEqual(got.map((x) => [x.protocolName, x.asNumber, x.localAsNumber, x.passive, x.sourceAddress, x.peerWorkload, x.filters]), [
    ['Local_Workload_10_244_0_5', '65100', '65001', true, 'None', 'ns/bird-0', ['f']],
  ]);
  const got6 = compute('c', p, false, { localWorkloads: parseLocalWorkloads(weps, 'c'), family: 6,
    nodes: parseNodes(new Map([['c', { metadata: { name: 'c' }, spec: { bgp: { ipv4Address: '10.0.0.3/24', ipv6Address: 'fd00:1::3/64' } } }]])) });
  assert.deepEqual(got6.map((x) => x.protocolName), ['Local_Workload_fd00__5']);
});

test('localASNumber applies to peerIP peers, not between Calico nodes selected by peerSelector (both sides keep their AS)', () => {
  const p = peers({ sel: { nodeSelector: "zone == 'z2'", peerSelector: "zone == 'z1'", localASNumber: 65009 }, ip: { node: 'c', peerIP: '192.0.2.9', asNumber: 65000, localASNumber: 65009 } });
  const got = compute('c', p, false);
  assert.deepEqual(got.map((x) => [x.protocolName, x.localAsNumber ?? '-']), [['Node_10_0_0_1', '-'], ['Node_10_0_0_2', '-'], ['Node_192_0_2_9', '65009']]);
});

test('sessions are keyed by address and port (two ports to one address are two sessions); a global peerSelector makes Global_ sessions', () => {
  const p = peers({ a: { peerIP: '192.0.2.1', asNumber: 65000 }, b: { peerIP: '192.0.2.1:1179', asNumber: 65000 }, c: { peerIP: '192.0.2.1', asNumber: 65001 } });
  assert.deepEqual(names('c', p, false), ['Global_192_0_2_1@65000', 'Global_192_0_2_1_port_1179@65000']);
  const g = compute('c', peers({ all: { peerSelector: "zone == 'z1'" } }), false);
  assert.deepEqual(g.map((x) => [x.protocolName, x.passive]), [['Global_10_0_0_1', false], ['Global_10_0_0_2', false]]);
});
