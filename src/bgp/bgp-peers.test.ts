import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNodes } from '../routing/routing-model.js';
import { computePeers, parseBgpPeers, protocolName } from './bgp-peers.js';

const nodes = parseNodes(new Map<string, unknown>([
  ['a', { metadata: { name: 'a', labels: { rr: 'true', zone: 'z1' } }, spec: { bgp: { ipv4Address: '10.0.0.1/24', routeReflectorClusterID: '1.1.1.1' } } }],
  ['b', { metadata: { name: 'b', labels: { zone: 'z1' } }, spec: { bgp: { ipv4Address: '10.0.0.2/24', asNumber: 65002 } } }],
  ['c', { metadata: { name: 'c', labels: { zone: 'z2' } }, spec: { bgp: { ipv4Address: '10.0.0.3/24' } } }],
  ['d', { metadata: { name: 'd', labels: { rr: 'true' } }, spec: { bgp: { ipv4Address: '10.0.0.4/24', routeReflectorClusterID: '1.1.1.1' } } }],
  ['nobgp', { metadata: { name: 'nobgp' }, spec: {} }],
]));
const peers = (m: Record<string, unknown>) => parseBgpPeers(new Map(Object.entries(m).map(([k, v]) => [k, { spec: v }])));
const names = (host: string, p: ReturnType<typeof peers>, mesh: boolean) =>
  computePeers({ hostname: host, nodes, peers: p, meshEnabled: mesh, globalAsNumber: '64512' }).map((x) => `${x.protocolName}${x.rrClient ? '(rr-client)' : ''}@${x.asNumber}`);

test('mesh: every other node with an IPv4 address, its own AS or the global one', () => {
  assert.deepEqual(names('c', [], true), ['Mesh_10_0_0_1@64512', 'Mesh_10_0_0_2@65002', 'Mesh_10_0_0_4@64512']);
  assert.deepEqual(names('c', [], false), []);
  assert.deepEqual(names('nobgp', [], true), []);
});

test('route reflectors: peerSelector both ways, RR clients marked, same-cluster RRs are not clients', () => {
  const p = peers({ rrs: { nodeSelector: 'all()', peerSelector: "rr == 'true'" } });
  assert.deepEqual(names('b', p, false), ['Node_10_0_0_1@64512', 'Node_10_0_0_4@64512']);
  assert.deepEqual(names('a', p, false), ['Node_10_0_0_2(rr-client)@65002', 'Node_10_0_0_3(rr-client)@64512', 'Node_10_0_0_4@64512']);
});

test('peerIP peers: global, by node, by nodeSelector; explicit wins over mesh for the same address', () => {
  const p = peers({
    g: { peerIP: '192.0.2.1', asNumber: 65000 },
    onlyB: { node: 'b', peerIP: '192.0.2.2', asNumber: 65001 },
    z2: { nodeSelector: "zone == 'z2'", peerIP: '192.0.2.3:1179', asNumber: 65003 },
    overMesh: { node: 'c', peerIP: '10.0.0.2', asNumber: 65099 },
  });
  assert.deepEqual(names('b', p, false), ['Global_192_0_2_1@65000', 'Node_192_0_2_2@65001']);
  assert.deepEqual(names('c', p, true), ['Global_192_0_2_1@65000', 'Mesh_10_0_0_1@64512', 'Mesh_10_0_0_4@64512', 'Node_10_0_0_2@65099', 'Node_192_0_2_3_port_1179@65003']);
  assert.equal(protocolName('Node', 'fd00::1'), 'Node_fd00__1');
});
