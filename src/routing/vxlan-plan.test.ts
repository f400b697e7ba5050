import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeVxlanPlan, sameSubnet, vtepMacFor, VXLAN_DEVICE } from './vxlan-plan.js';
import { parseBlocks, parseFelixConfig, parseNodes, parsePools } from './routing-model.js';
import { computeMtu } from './mtu.js';

const pool = (name: string, cidr: string, vxlanMode: string, extra: Record<string, unknown> = {}) =>
  [name, { kind: 'IPPool', metadata: { name }, spec: { cidr, vxlanMode, ipipMode: 'Never', ...extra } }] as const;
const node = (name: string, ip: string, vtep?: string, mac?: string) =>
  [name, { kind: 'Node', metadata: { name }, spec: { bgp: { ipv4Address: ip }, ...(vtep ? { ipv4VXLANTunnelAddr: vtep } : {}), ...(mac ? { vxlanTunnelMACAddr: mac } : {}) } }] as const;
const block = (cidr: string, host: string | null) =>
  [cidr.replace('/', '-'), { kind: 'IPAMBlock', metadata: { name: cidr.replace('/', '-') }, spec: { cidr, affinity: host ? `host:${host}` : null, deleted: false } }] as const;

const nodes = parseNodes(new Map<string, unknown>([
  node('n1', '10.0.0.1/24', '10.244.0.0', 'ee:ee:00:00:00:01'),
  node('n2', '10.0.0.2/24', '10.244.0.64', 'ee:ee:00:00:00:02'),
  node('n3', '10.0.1.3/24', '10.244.0.128'),
  node('n4', '10.0.0.4/24'),
]));
const blocks = parseBlocks(new Map<string, unknown>([
  block('10.244.0.0/26', 'n1'), block('10.244.0.64/26', 'n2'), block('10.244.0.128/26', 'n3'),
  block('10.244.0.192/26', 'n4'), block('10.245.0.0/26', 'n2'), block('10.244.1.0/26', null),
]));

test('VXLAN Always: every remote block via its VTEP, onlink; ARP+FDB per remote VTEP; no route for a node without VTEP', () => {
  const pools = parsePools(new Map<string, unknown>([pool('p', '10.244.0.0/16', 'Always'), pool('plain', '10.245.0.0/16', 'Never')]));
  const plan = computeVxlanPlan({ hostname: 'n1', pools, nodes, blocks, underlayInterface: 'eth0' });
  assert.equal(plan.enabled, true);
  assert.deepEqual(plan.routes, [
    { dst: '10.244.0.64/26', gateway: '10.244.0.64', dev: VXLAN_DEVICE, onlink: true },
    { dst: '10.244.0.128/26', gateway: '10.244.0.128', dev: VXLAN_DEVICE, onlink: true },
  ]);
  assert.deepEqual(plan.neighbors, [
    { ip: '10.244.0.64', mac: 'ee:ee:00:00:00:02', underlayIp: '10.0.0.2', node: 'n2' },
    { ip: '10.244.0.128', mac: vtepMacFor('n3'), underlayIp: '10.0.1.3', node: 'n3' },
  ]);
});

test('VXLAN CrossSubnet: same subnet routes directly via the underlay, other subnets via the VTEP', () => {
  const pools = parsePools(new Map<string, unknown>([pool('p', '10.244.0.0/16', 'CrossSubnet')]));
  const plan = computeVxlanPlan({ hostname: 'n1', pools, nodes, blocks, underlayInterface: 'eth0' });
  assert.deepEqual(plan.routes, [
    { dst: '10.244.0.64/26', gateway: '10.0.0.2', dev: 'eth0', onlink: false },
    { dst: '10.244.0.128/26', gateway: '10.244.0.128', dev: VXLAN_DEVICE, onlink: true },
    { dst: '10.244.0.192/26', gateway: '10.0.0.4', dev: 'eth0', onlink: false },
  ]);
});

test('no VXLAN pool or vxlanEnabled=false: nothing planned; a disabled pool is still routed', () => {
  const never = parsePools(new Map<string, unknown>([pool('p', '10.244.0.0/16', 'Never')]));
  assert.deepEqual(computeVxlanPlan({ hostname: 'n1', pools: never, nodes, blocks, underlayInterface: 'eth0' }), { enabled: false, routes: [], neighbors: [] });
  // A disabled pool stops allocations, not routing: its existing blocks stay reachable.
  const disabled = parsePools(new Map<string, unknown>([pool('p', '10.244.0.0/16', 'Always', { disabled: true })]));
  assert.equal(computeVxlanPlan({ hostname: 'n1', pools: disabled, nodes, blocks, underlayInterface: 'eth0' }).routes.length, 2);
  const always = parsePools(new Map<string, unknown>([pool('p', '10.244.0.0/16', 'Always')]));
  assert.equal(computeVxlanPlan({ hostname: 'n1', pools: always, nodes, blocks, underlayInterface: 'eth0', vxlanEnabled: false }).enabled, false);
});

test('the most specific pool decides a block\'s mode', () => {
  const pools = parsePools(new Map<string, unknown>([pool('wide', '10.244.0.0/16', 'Always'), pool('narrow', '10.244.0.64/26', 'Never')]));
  const plan = computeVxlanPlan({ hostname: 'n1', pools, nodes, blocks, underlayInterface: 'eth0' });
  assert.deepEqual(plan.routes.map((r) => r.dst), ['10.244.0.128/26']);
});

test('sameSubnet, deterministic locally administered VTEP MAC', () => {
  assert.equal(sameSubnet('10.0.0.1/24', '10.0.0.200'), true);
  assert.equal(sameSubnet('10.0.0.1/24', '10.0.1.2'), false);
  assert.equal(sameSubnet(undefined, '10.0.0.2'), false);
  const mac = vtepMacFor('node-a');
  assert.match(mac, /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
  assert.equal(mac, vtepMacFor('node-a'));
  assert.notEqual(mac, vtepMacFor('node-b'));
  assert.equal(Number.parseInt(mac.slice(0, 2), 16) & 0x03, 0x02);
});

test('FelixConfiguration: node.<host> over default; defaults VNI 4096, port 4789', () => {
  const m = new Map<string, unknown>([
    ['default', { spec: { vxlanVNI: 5000, vxlanMTU: 1400 } }],
    ['node.n1', { spec: { vxlanPort: 8472 } }],
  ]);
  assert.deepEqual(parseFelixConfig(m, 'n1'), { vxlanVNI: 5000, vxlanPort: 8472, vxlanMTU: 1400, vxlanMTUV6: 0 });
  assert.deepEqual(parseFelixConfig(new Map(), 'n1'), { vxlanVNI: 4096, vxlanPort: 4789, vxlanMTU: 0, vxlanMTUV6: 0 });
});

test('MTU: underlay minus 50 (v4) / 70 (v6), FelixConfiguration wins, no encapsulation = underlay', () => {
  const f = parseFelixConfig(new Map(), 'n1');
  assert.deepEqual(computeMtu(1500, f, true), { vxlanMtu: 1450, vxlanMtuV6: 1430, podMtu: 1450 });
  assert.equal(computeMtu(1500, f, false).podMtu, 1500);
  const set = parseFelixConfig(new Map([['default', { spec: { vxlanMTU: 1300 } }]]), 'n1');
  assert.equal(computeMtu(9000, set, true).podMtu, 1300);
});

test('IPv6 VXLAN: vxlan-v6.calico, the Nodes\' IPv6 VTEPs and underlay addresses, IPv6 pools only', () => {
  const n6 = parseNodes(new Map<string, unknown>([
    ['a', { metadata: { name: 'a' }, spec: { bgp: { ipv4Address: '10.0.0.1/24', ipv6Address: 'fd00::1/64' }, ipv6VXLANTunnelAddr: 'fd10::1' } }],
    ['b', { metadata: { name: 'b' }, spec: { bgp: { ipv4Address: '10.0.0.2/24', ipv6Address: 'fd00::2/64' }, ipv6VXLANTunnelAddr: 'fd10::40', vxlanTunnelMACAddrV6: 'EE:00:00:00:00:0B' } }],
    ['c', { metadata: { name: 'c' }, spec: { bgp: { ipv4Address: '10.0.1.3/24', ipv6Address: 'fd01::3/64' }, ipv6VXLANTunnelAddr: 'fd10::80' } }],
  ]));
  const b6 = parseBlocks(new Map<string, unknown>([block('fd10::/122', 'a'), block('fd10::40/122', 'b'), block('fd10::80/122', 'c'), block('10.244.0.64/26', 'b')]));
  const pools = parsePools(new Map<string, unknown>([pool('v6', 'fd10::/48', 'CrossSubnet'), pool('v4', '10.244.0.0/16', 'Always')]));
  const plan = computeVxlanPlan({ hostname: 'a', pools, nodes: n6, blocks: b6, underlayInterface: 'eth0', family: 6 });
  assert.deepEqual(plan.routes, [
    { dst: 'fd10::40/122', gateway: 'fd00::2', dev: 'eth0', onlink: false },
    { dst: 'fd10::80/122', gateway: 'fd10::80', dev: 'vxlan-v6.calico', onlink: true },
  ]);
  assert.deepEqual(plan.neighbors, [
    { ip: 'fd10::40', mac: 'ee:00:00:00:00:0b', underlayIp: 'fd00::2', node: 'b' },
    { ip: 'fd10::80', mac: vtepMacFor('c', 6), underlayIp: 'fd01::3', node: 'c' },
  ]);
  assert.notEqual(vtepMacFor('c', 6), vtepMacFor('c', 4));
  // Without IPv4 VTEPs on the Nodes, the IPv4 plan routes nothing through vxlan.calico.
  assert.deepEqual(computeVxlanPlan({ hostname: 'a', pools, nodes: n6, blocks: b6, underlayInterface: 'eth0' }).routes, []);
  assert.equal(computeMtu(1500, parseFelixConfig(new Map(), 'a'), true, true).podMtu, 1430);
});

test('borrowed addresses: a host route to the node that has the address, none for our own', () => {
  const withBorrowed = parseBlocks(new Map<string, unknown>([
    ['10.244.0.64-26', { spec: { cidr: '10.244.0.64/26', affinity: 'host:n2', deleted: false,
      allocations: [0, null, 1, 2, 3], attributes: [
        { handle_id: 'vxlan-tunnel-addr-n2', secondary: { node: 'n2', type: 'vxlanTunnelAddress' } },
        { handle_id: 'pod.a', secondary: { node: 'n3', pod: 'a' } },
        { handle_id: 'pod.b', secondary: { node: 'n1', pod: 'b' } },
        { handle_id: 'pod.c', secondary: { node: 'n2', pod: 'c' } },
      ] } }],
    block('10.244.0.128/26', 'n3'),
  ]));
  assert.deepEqual(withBorrowed[0]!.borrowed, [{ ip: '10.244.0.66', node: 'n3' }, { ip: '10.244.0.67', node: 'n1' }]);
  const pools = parsePools(new Map<string, unknown>([pool('p', '10.244.0.0/16', 'Always')]));
  const plan = computeVxlanPlan({ hostname: 'n1', pools, nodes, blocks: withBorrowed, underlayInterface: 'eth0' });
  assert.deepEqual(plan.routes, [
    { dst: '10.244.0.64/26', gateway: '10.244.0.64', dev: VXLAN_DEVICE, onlink: true },
    { dst: '10.244.0.128/26', gateway: '10.244.0.128', dev: VXLAN_DEVICE, onlink: true },
    { dst: '10.244.0.66/32', gateway: '10.244.0.128', dev: VXLAN_DEVICE, onlink: true },
  ]);
});
