/**
 * Golden tests for the rendered BIRD 2 configuration (src/bgp/testdata/*.cfg;
 * regenerate with UPDATE_GOLDEN=1 and review the diff). Each golden must
 * also parse with `bird -p` when BIRD is installed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseBlocks, parseNodes, parsePools } from '../routing/routing-model.js';
import { birdInput, hashToIPv4, type BirdInputSources } from './bird-input.js';
import { renderBirdConfig } from './bird-config.js';

const TESTDATA = resolve(import.meta.dirname, '../../src/bgp/testdata');
const BIRD = '/usr/sbin/bird';

type R = Record<string, unknown>;
const node = (name: string, ip: string, labels: R = {}, bgp: R = {}): [string, R] =>
  [name, { metadata: { name, labels }, spec: { bgp: { ipv4Address: ip, ...bgp } } }];
const pool = (name: string, spec: R): [string, R] => [name, { metadata: { name }, spec }];
const block = (cidr: string, host: string): [string, R] => [cidr.replace('/', '-'), { spec: { cidr, affinity: `host:${host}`, deleted: false } }];

const NODES = [node('node-1', '10.0.0.1/24', { rack: 'a' }), node('node-2', '10.0.0.2/24', { rack: 'a' }), node('node-3', '10.0.1.3/24', { rack: 'b' })];
const POOLS = [pool('default-ipv4-ippool', { cidr: '10.244.0.0/16', vxlanMode: 'Never', ipipMode: 'Never' })];
const BLOCKS = [block('10.244.0.0/26', 'node-1'), block('10.244.0.64/26', 'node-1'), block('10.244.1.0/26', 'node-2')];

function sources(hostname: string, over: Partial<Record<'nodes' | 'pools' | 'blocks' | 'conf' | 'peers' | 'filters', [string, R][]>> = {}, secretsDir = '/nonexistent'): BirdInputSources {
  return {
    hostname, secretsDir,
    nodes: parseNodes(new Map(over.nodes ?? NODES)),
    pools: parsePools(new Map(over.pools ?? POOLS)),
    blocks: parseBlocks(new Map(over.blocks ?? BLOCKS)),
    bgpConfigurations: new Map(over.conf ?? []),
    bgpPeers: new Map(over.peers ?? []),
    bgpFilters: new Map(over.filters ?? []),
  };
}

function golden(name: string, text: string): void {
  const file = join(TESTDATA, `${name}.cfg`);
  if (process.env['UPDATE_GOLDEN'] === '1' || !existsSync(file)) writeFileSync(file, text);
  assert.equal(text, readFileSync(file, 'utf8'), `${name}.cfg differs from the rendered config`);
  if (existsSync(BIRD)) {
    const dir = mkdtempSync(join(tmpdir(), 'bird-golden-'));
    try {
      writeFileSync(join(dir, 'bird.cfg'), text);
      const r = spawnSync(BIRD, ['-p', '-c', join(dir, 'bird.cfg')], { encoding: 'utf8' });
      assert.equal(r.status, 0, `bird -p ${name}: ${r.stderr}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

function render(src: BirdInputSources): string {
  const res = birdInput(src);
  assert.ok(res.input, res.problems.join('; '));
  return renderBirdConfig(res.input);
}

test('golden: default full mesh (AS 64512, two blocks blackholed and aggregated, every other node a Mesh_ peer)', () => {
  const text = render(sources('node-1'));
  golden('mesh', text);
  assert.match(text, /protocol bgp Mesh_10_0_0_2 from bgp_template \{\n {2}local 10\.0\.0\.1 as 64512;\n {2}neighbor 10\.0\.0\.2 as 64512;/);
  assert.match(text, /protocol bgp Mesh_10_0_1_3 /);
  assert.match(text, /route 10\.244\.0\.64\/26 blackhole;/);
});

test('golden: route reflector (mesh off, peerSelector) from the reflector and from a client', () => {
  const nodes = [node('node-1', '10.0.0.1/24', { 'route-reflector': 'true' }, { routeReflectorClusterID: '224.0.0.1' }), NODES[1]!, NODES[2]!];
  const over = {
    nodes,
    conf: [['default', { spec: { nodeToNodeMeshEnabled: false, asNumber: 64512 } }]] as [string, R][],
    peers: [['peer-with-route-reflectors', { spec: { nodeSelector: 'all()', peerSelector: "route-reflector == 'true'" } }]] as [string, R][],
  };
  const rr = render(sources('node-1', over));
  golden('route-reflector', rr);
  assert.equal((rr.match(/rr client;/g) ?? []).length, 2);
  assert.match(rr, /rr cluster id 224\.0\.0\.1;/);
  assert.doesNotMatch(rr, /Mesh_/);
  const client = render(sources('node-2', over));
  golden('route-reflector-client', client);
  assert.deepEqual([...client.matchAll(/protocol bgp (\S+)/g)].map((m) => m[1]), ['Node_10_0_0_1']);
  assert.doesNotMatch(client, /rr client/);
});

test('golden: external peers (global with port and password, per-node by name, keepOriginalNextHop, node AS override)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bgp-secrets-'));
  try {
    mkdirSync(join(dir, 'bgp-secrets'));
    writeFileSync(join(dir, 'bgp-secrets', 'tor-password'), 'very-secret\n');
    writeFileSync(join(dir, 'bgp-secrets', 'bad'), 'a"b\n');
    const nodes = [node('node-1', '10.0.0.1/24', {}, { asNumber: 65001 }), NODES[1]!, NODES[2]!];
    const text = render(sources('node-1', {
      nodes,
      conf: [['default', { spec: { asNumber: 64512, nodeToNodeMeshEnabled: true } }]],
      peers: [
        ['tor', { spec: { peerIP: '10.0.0.254:1179', asNumber: 65000, password: { secretKeyRef: { name: 'bgp-secrets', key: 'tor-password' } } } }],
        ['node-1-upstream', { spec: { node: 'node-1', peerIP: '192.0.2.1', asNumber: 65002, keepOriginalNextHop: true, maxRestartTime: '3m0s' } }],
        ['other-node-only', { spec: { node: 'node-2', peerIP: '192.0.2.2', asNumber: 65003 } }],
        ['rack-b', { spec: { nodeSelector: "rack == 'b'", peerIP: '192.0.2.3', asNumber: 65004 } }],
      ],
    }, dir));
    golden('external-peers', text);
    assert.match(text, /protocol bgp Global_10_0_0_254_port_1179 from bgp_template \{\n {2}local 10\.0\.0\.1 as 65001;\n {2}neighbor 10\.0\.0\.254 port 1179 as 65000;/);
    assert.match(text, /password "very-secret";/);
    const bad = birdInput(sources('node-1', { peers: [['x', { spec: { peerIP: '10.0.0.9', asNumber: 1, password: { secretKeyRef: { name: 'bgp-secrets', key: 'bad' } } } }]] }, dir));
    assert.match(bad.problems.join(), /contains a quote/);
    assert.doesNotMatch(renderBirdConfig(bad.input!), /password/);
    assert.match(text, /protocol bgp Node_192_0_2_1 [^}]*graceful restart time 180;[\s\S]*?next hop keep;/);
    assert.doesNotMatch(text, /192\.0\.2\.[23]/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('golden: BGPFilter, disableBGPExport, VXLAN/IPIP pools kept out of the kernel, services, Debug logging, listenPort', () => {
  const text = render(sources('node-2', {
    pools: [
      ...POOLS,
      pool('no-export', { cidr: '10.250.0.0/16', disableBGPExport: true }),
      pool('vxlan', { cidr: '10.251.0.0/16', vxlanMode: 'Always' }),
      pool('ipip', { cidr: '10.252.0.0/16', ipipMode: 'CrossSubnet' }),
    ],
    conf: [['default', { spec: { logSeverityScreen: 'Debug', listenPort: 1790, serviceClusterIPs: [{ cidr: '10.96.0.0/12' }],
      ignoredInterfaces: ['docker*', 'virbr0'],
      communities: [{ name: 'pods', value: '65000:100' }, { name: 'big', value: '65000:1:2' }],
      prefixAdvertisements: [{ cidr: '10.244.0.0/16', communities: ['pods', 'big', '65000:300'] }],
      serviceExternalIPs: [{ cidr: '198.51.100.0/24' }], serviceLoadBalancerIPs: [{ cidr: '203.0.113.0/24' }, { cidr: 'fd00::/64' }] } }]],
    peers: [['tor', { spec: { peerIP: '10.0.0.254', asNumber: 65000, filters: ['only-pods'] } }]],
    filters: [['only-pods', { spec: {
      exportV4: [{ cidr: '10.244.0.0/16', matchOperator: 'In', action: 'Accept' }, { cidr: '10.0.0.0/8', prefixLength: { min: 24, max: 32 }, action: 'Reject' }],
      importV4: [{ cidr: '192.0.2.0/24', matchOperator: 'Equal', action: 'Accept' }, { source: 'RemotePeers', action: 'Reject' }, { interface: 'eth*', matchOperator: 'NotIn', cidr: '172.16.0.0/12', action: 'Accept' },
        { communities: { values: ['65000:7', '65000:1:2'] }, action: 'Accept',
          operations: [{ addCommunity: { value: '65000:8' } }, { prependASPath: { prefix: [65000, 65000] } }, { setPriority: { value: 200 } }] }],
    } }]],
  }));
  golden('filters', text);
  assert.match(text, /function 'bgp_only-pods_exportFilterV4'\(\) \{\n {2}if \(\(net ~ 10\.244\.0\.0\/16\)\) then \{ accept; \}\n {2}if \(\(net ~ \[ 10\.0\.0\.0\/8\{24,32\} \]\)\) then \{ reject; \}/);
  assert.match(text, /export filter \{ 'bgp_only-pods_exportFilterV4'\(\); calico_export_to_bgp_peers\(\); reject; \};/);
  assert.match(text, /if \(\(\(65000, 7\) ~ bgp_community\) && \(\(65000, 1, 2\) ~ bgp_large_community\)\) then \{ bgp_community\.add\(\(65000, 8\)\); bgp_path\.prepend\(65000\); bgp_path\.prepend\(65000\); krt_metric = 200; accept; \}/);
  assert.match(text, /if \( net ~ 10\.250\.0\.0\/16 \) then \{ reject; \}/);
  assert.match(text, /log stderr all;/);
  assert.match(text, /local 10\.0\.0\.2 port 1790 as 64512;/);
  assert.doesNotMatch(text, /fd00::/);
  assert.match(text, /if \( net ~ 10\.244\.0\.0\/16 \) then \{ bgp_community\.add\(\(65000, 100\)\); bgp_large_community\.add\(\(65000, 1, 2\)\); bgp_community\.add\(\(65000, 300\)\); \}/);
  assert.match(text, /interface -"cali\*", -"vxlan\.calico", -"vxlan-v6\.calico", -"kube-ipvs\*", -"docker\*", -"virbr0", "\*";/);
});

test('golden: dual stack (IPv6 sessions between IPv6 addresses, v6 blocks, services and filters in their own family)', () => {
  const nodes = [
    node('node-1', '10.0.0.1/24', {}, { ipv6Address: 'fd00:0:0:1::1/64' }),
    node('node-2', '10.0.0.2/24', {}, { ipv6Address: 'fd00:0:0:1::2/64' }),
    NODES[2]!,
  ];
  const text = render(sources('node-1', {
    nodes,
    pools: [...POOLS, pool('default-ipv6-ippool', { cidr: 'fd00:10:244::/48', vxlanMode: 'Never', ipipMode: 'Never' })],
    blocks: [...BLOCKS, block('fd00:10:244:0:1::/122', 'node-1'), block('fd00:10:244:0:2::/122', 'node-2')],
    conf: [['default', { spec: { serviceClusterIPs: [{ cidr: '10.96.0.0/12' }, { cidr: 'fd00:96::/108' }] } }]],
    peers: [['tor6', { spec: { peerIP: '[fd00:0:0:1::fe]:179', asNumber: 65000, filters: ['f'] } }]],
    filters: [['f', { spec: { exportV6: [{ cidr: 'fd00:10:244::/48', prefixLength: { min: 64 }, action: 'Accept' }], importV4: [{ cidr: '192.0.2.0/24', action: 'Reject' }] } }]],
  }));
  golden('dual-stack', text);
  assert.match(text, /protocol bgp Mesh_fd00_0_0_1__2 from bgp_template \{\n {2}local fd00:0:0:1::1 as 64512;\n {2}neighbor fd00:0:0:1::2 as 64512;[\s\S]*?ipv6 \{[\s\S]*?calico_export_to_bgp_peers6\(\)/);
  assert.match(text, /protocol bgp Global_fd00_0_0_1__fe_port_179 /);
  assert.match(text, /'bgp_f_exportFilterV6'\(\) \{\n {2}if \(\(net ~ \[ fd00:10:244::\/48\{64,128\} \]\)\) then \{ accept; \}/);
  assert.match(text, /protocol static static_blocks6 \{\n {2}ipv6;\n {2}route fd00:10:244:0:1::\/122 blackhole;/);
  assert.match(text, /filter calico_kernel_programming6 \{\n {2}if \( source = RTS_DEVICE \) then \{ reject; \}\n {2}if \( net ~ fd00:96::\/108 \) then \{ reject; \}/);
  // node-3 has no IPv6 address: no IPv6 session to it.
  assert.doesNotMatch(text, /Mesh_10_0_1_3[\s\S]*ipv6 \{[\s\S]*Mesh_10/);
  assert.equal((text.match(/protocol bgp Mesh_/g) ?? []).length, 3);
});

test('rendering is deterministic and input order does not matter', () => {
  const a = render(sources('node-1'));
  const b = render(sources('node-1', { nodes: [...NODES].reverse(), blocks: [...BLOCKS].reverse() }));
  assert.equal(a, b);
});

test('no IPv4 address on the Node: no config, a clear problem', () => {
  const res = birdInput(sources('node-9', { nodes: [...NODES, ['node-9', { metadata: { name: 'node-9' }, spec: {} }]] }));
  assert.equal(res.input, undefined);
  assert.match(res.problems[0] ?? '', /node-9 has no IPv4 BGP address/);
});

test('an unreadable password file is reported and the session is rendered without it', () => {
  const res = birdInput(sources('node-1', { peers: [['p', { spec: { peerIP: '10.0.0.254', asNumber: 65000, password: { secretKeyRef: { name: 's', key: 'k' } } } }]] }));
  assert.match(res.problems.join(), /cannot read \/nonexistent\/s\/k/);
  assert.doesNotMatch(renderBirdConfig(res.input!), /password/);
});

test('golden: peer options (bindMode NodeIP, localASNumber, nextHopMode, keepalive, allow local as, ttlSecurity, reachableBy, local workloads, peerType filter, LB aggregation off)', () => {
  const nodes = [node('node-1', '10.0.0.1/24', {}, { routeReflectorClusterID: '224.0.0.1' }), NODES[1]!, NODES[2]!];
  const src = sources('node-1', {
    nodes,
    conf: [['default', { spec: { bindMode: 'NodeIP', nodeToNodeMeshEnabled: false, serviceLoadBalancerAggregation: 'Disabled',
      programClusterRoutes: 'Disabled', ipv4NormalRoutePriority: 1024,
      serviceClusterIPs: [{ cidr: '10.96.0.0/12' }], serviceExternalIPs: [{ cidr: '198.51.100.0/24' }, { cidr: '198.51.100.7/32' }],
      serviceLoadBalancerIPs: [{ cidr: '203.0.113.0/24' }] } }]],
    peers: [
      ['tor', { spec: { peerIP: '192.0.2.1', asNumber: 65000, localASNumber: 65010, nextHopMode: 'Self', keepaliveTime: '10s',
        numAllowedLocalASNumbers: 2, ttlSecurity: 1, reachableBy: '10.0.0.254', filters: ['typed'] } }],
      ['ibgp-ext', { spec: { peerIP: '192.0.2.2', asNumber: 64512, keepOriginalNextHop: true, sourceAddress: 'None' } }],
      ['workloads', { spec: { localWorkloadSelector: "app == 'bird'", asNumber: 65100, filters: ['typed'] } }],
      ['clients', { spec: { nodeSelector: 'all()', peerSelector: "rack == 'b'", nextHopMode: 'Keep' } }],
    ],
    filters: [['typed', { spec: {
      exportV4: [{ cidr: '10.244.0.0/16', matchOperator: 'NotIn', prefixLength: { min: 8, max: 40 }, peerType: 'eBGP', action: 'Reject' }],
      importV4: [{ priority: 512, action: 'Reject' }, { peerType: 'iBGP', interface: 'eth*', action: 'Accept' }],
    } }]],
  });
  const weps = new Map<string, unknown>([
    ['bird-0', { metadata: { name: 'bird-0', namespace: 'ns', labels: { app: 'bird' } }, spec: { node: 'node-1', ipNetworks: ['10.244.0.5/32'] } }],
    ['elsewhere', { metadata: { name: 'bird-1', namespace: 'ns', labels: { app: 'bird' } }, spec: { node: 'node-2', ipNetworks: ['10.244.1.5/32'] } }],
  ]);
  const text = render({ ...src, workloadEndpoints: weps });
  golden('peer-options', text);
  assert.equal((text.match(/strict bind on;/g) ?? []).length, 4);
  assert.match(text, /protocol bgp Global_192_0_2_1 from bgp_template \{\n {2}local 10\.0\.0\.1 as 65010;\n {2}neighbor 192\.0\.2\.1 as 65000;/);
  assert.match(text, /protocol bgp Global_192_0_2_1 [^}]*ttl security on;\n {2}multihop 1;\n {2}keepalive time 10;\n {2}allow local as 2;\n {2}ipv4 \{\n {4}import filter \{ 'bgp_typed_importFilterV4'\(false\); accept; \};\n {4}export filter \{ 'bgp_typed_exportFilterV4'\(false\); calico_export_to_bgp_peers\(\); reject; \};\n {4}next hop self;/);
  assert.match(text, /protocol static static_peers \{\n {2}ipv4;\n {2}route 192\.0\.2\.1\/32 via 10\.0\.0\.254;\n\}/);
  // iBGP: keepOriginalNextHop has no effect, the reflector makes it a client; sourceAddress None still binds with NodeIP.
  assert.match(text, /protocol bgp Global_192_0_2_2 [^}]*rr client;[^}]*ipv4 \{\n {4}import all;\n {4}export filter \{ calico_export_to_bgp_peers\(\); reject; \};\n {4}gateway recursive;/);
  assert.match(text, /protocol bgp Local_Workload_10_244_0_5 from bgp_template \{\n {2}local 10\.0\.0\.1 as 64512;\n {2}neighbor 10\.244\.0\.5 as 65100;\n {2}description "Local workload peer ns\/bird-0";\n {2}strict bind on;\n {2}passive on;/);
  assert.doesNotMatch(text, /10\.244\.1\.5/);
  const n3 = /protocol bgp Node_10_0_1_3 [\s\S]*?\n\}/.exec(text)?.[0] ?? '';
  assert.match(n3, /rr client;/);
  assert.match(n3, /next hop keep;/);
  assert.match(text, /function 'bgp_typed_exportFilterV4'\(bool is_same_as\) \{\n {2}if \(!is_same_as\) then \{ if \(\(net !~ \[ 10\.244\.0\.0\/16\{16,32\} \]\)\) then \{ reject; \} \}/);
  assert.match(text, /if \(\(\(defined\(krt_metric\)\) && \(krt_metric = 512\)\)\) then \{ reject; \}/);
  // LB aggregation off: the LB range is kept out of the kernel but not advertised; a single external IP is never advertised globally.
  assert.match(text, /protocol static static_services \{\n {2}ipv4;\n {2}route 10\.96\.0\.0\/12 blackhole;\n {2}route 198\.51\.100\.0\/24 blackhole;\n\}/);
  assert.match(/filter calico_kernel_programming \{[\s\S]*?\n\}/.exec(text)?.[0] ?? '', /203\.0\.113\.0\/24 \) then \{ reject; \}/);
  assert.match(text, /if \( net ~ 203\.0\.113\.0\/24 \) then \{ accept; \} # route reflector/);
  // programClusterRoutes Disabled: BIRD leaves the pool's routes to Felix; BGP routes get the normal priority as metric.
  const kp = /filter calico_kernel_programming \{[\s\S]*?\n\}/.exec(text)?.[0] ?? '';
  assert.match(kp, /if \( net ~ 10\.244\.0\.0\/16 \) then \{ reject; \} # Cluster routes are handled by Felix/);
  assert.match(kp, /if \( \(source = RTS_BGP\) && !defined\(krt_metric\) \) then \{ krt_metric = 1024; \}/);
});

test('listenPort per node: this node listens on its own, mesh peers are dialled on theirs', () => {
  const text = render(sources('node-1', { conf: [['default', { spec: { listenPort: 1790 } }], ['node.node-2', { spec: { listenPort: 1791 } }]] }));
  assert.match(text, /protocol bgp Mesh_10_0_0_2 from bgp_template \{\n {2}local 10\.0\.0\.1 port 1790 as 64512;\n {2}neighbor 10\.0\.0\.2 port 1791 as 64512;/);
  assert.match(text, /protocol bgp Mesh_10_0_1_3 from bgp_template \{\n {2}local 10\.0\.0\.1 port 1790 as 64512;\n {2}neighbor 10\.0\.1\.3 port 1790 as 64512;/);
  const n2 = render(sources('node-2', { conf: [['default', { spec: { listenPort: 1790 } }], ['node.node-2', { spec: { listenPort: 1791 } }]] }));
  assert.match(n2, /local 10\.0\.0\.2 port 1791 as 64512;/);
});

test('nodeMeshPassword and nodeMeshMaxRestartTime apply to the mesh sessions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bgp-secrets-'));
  try {
    mkdirSync(join(dir, 'mesh'));
    writeFileSync(join(dir, 'mesh', 'pw'), 'mesh-secret');
    const text = render(sources('node-1', { conf: [['default', { spec: { nodeMeshPassword: { secretKeyRef: { name: 'mesh', key: 'pw' } }, nodeMeshMaxRestartTime: '2m30s' } }]] }, dir));
    assert.equal((text.match(/password "mesh-secret";\n {2}graceful restart time 150;/g) ?? []).length, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a keepaliveTime above BIRD\'s default hold time raises the hold time (BIRD refuses keepalive > hold)', () => {
  const text = render(sources('node-1', { peers: [['slow', { spec: { peerIP: '192.0.2.1', asNumber: 65000, keepaliveTime: '5m' } }]] }));
  assert.match(text, /hold time 900;\n {2}keepalive time 300;/);
  golden('keepalive', text);
});

test('CALICO_ROUTER_ID: hash (as calico-node), an explicit address, and an IPv6-only node with IPv6 sessions only', () => {
  assert.equal(hashToIPv4('kube-master'), '25.79.212.8');
  const hashed = render({ ...sources('node-1'), routerId: 'hash' });
  assert.match(hashed, new RegExp(`router id ${hashToIPv4('node-1').replace(/\./g, '\\.')};`));
  assert.match(hashed, /local 10\.0\.0\.1 as 64512;/, 'IPv4 sessions still from the node address');
  assert.match(render({ ...sources('node-1'), routerId: '192.0.2.77' }), /router id 192\.0\.2\.77;/);
  const v6nodes: [string, R][] = [
    ['node-1', { metadata: { name: 'node-1' }, spec: { bgp: { ipv6Address: 'fd00::1/64' } } }],
    ['node-2', { metadata: { name: 'node-2' }, spec: { bgp: { ipv6Address: 'fd00::2/64' } } }],
  ];
  const v6only = sources('node-1', { nodes: v6nodes, pools: [pool('v6', { cidr: 'fd00:10::/48' })], blocks: [block('fd00:10::/122', 'node-1')] });
  assert.match(birdInput({ ...v6only, routerId: '' }).problems.join(), /set CALICO_ROUTER_ID/);
  const text = render({ ...v6only, routerId: 'hash' });
  golden('ipv6-only', text);
  assert.doesNotMatch(text, /ipv4/);
  assert.match(text, /protocol bgp Mesh_fd00__2 from bgp_template \{\n {2}local fd00::1 as 64512;/);
});
