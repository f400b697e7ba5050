import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check } from './kind-test-util.js';
import { bad_ipv4_1, bad_ipv6_1, ipv4_1, ipv4_2, ipv6_1, ipv6_2, peerv4_1, peerv6_1 } from '../testdata/validator-values.js';

// Cases ported from libcalico-go validator_test.go: BGPConfigurationSpec, BGPPeerSpec, BGPFilterRuleV4/V6.
const pa = [{ cidr: '192.168.10.0/28', communities: ['100:100'] }];
const secret = { secretKeyRef: { name: 'test-secret', key: 'bgp-password' } };

const bgpConfig: [string, Record<string, unknown>, boolean][] = [
  ['log level Info', { logSeverityScreen: 'Info' }, true],
  ['log level info', { logSeverityScreen: 'info' }, false],
  ['log level INFO', { logSeverityScreen: 'INFO' }, false],
  ['log level invalidLvl', { logSeverityScreen: 'invalidLvl' }, false],
  ['clusterIPs 1.2.3.4', { serviceClusterIPs: [{ cidr: '1.2.3.4' }] }, true],
  ['externalIPs 8.8.8.8', { serviceExternalIPs: [{ cidr: '8.8.8.8' }] }, true],
  ['clusterIPs x.x.x.x', { serviceClusterIPs: [{ cidr: 'x.x.x.x' }] }, false],
  ['externalIPs y.y.y.y', { serviceExternalIPs: [{ cidr: 'y.y.y.y' }] }, false],
  ['IPv6 clusterIP', { serviceClusterIPs: [{ cidr: 'fdf5:1234::102:304' }] }, true],
  ['IPv6 externalIP', { serviceExternalIPs: [{ cidr: 'fdf5:1234::808:808' }] }, true],
  ['mesh password with mesh on', { nodeToNodeMeshEnabled: true, nodeMeshPassword: secret }, true],
  ['mesh password with mesh off', { nodeToNodeMeshEnabled: false, nodeMeshPassword: secret }, false],
  ['mesh restart time with mesh on', { nodeToNodeMeshEnabled: true, nodeMeshMaxRestartTime: '3m20s' }, true],
  ['mesh restart time with mesh off', { nodeToNodeMeshEnabled: false, nodeMeshMaxRestartTime: '3m20s' }, false],
  ['ignored interfaces', { ignoredInterfaces: ['valid_iface*', 'interface_name'] }, true],
  ['ignored interface *', { ignoredInterfaces: ['*'] }, false],
  ['community without prefixAdvertisements', { communities: [{ name: 'community-test', value: '101:5695' }] }, false],
  ['community without name', { communities: [{ value: '536:785' }], prefixAdvertisements: pa }, false],
  ['community without value', { communities: [{ name: 'community-test' }], prefixAdvertisements: pa }, false],
  ['standard community', { communities: [{ name: 'community-test', value: '100:520' }], prefixAdvertisements: pa }, true],
  ['large community', { communities: [{ name: 'community-test', value: '100:520:56' }], prefixAdvertisements: pa }, true],
  ['community "100"', { communities: [{ name: 'community-test', value: '100' }], prefixAdvertisements: pa }, false],
  ['community "ab-n"', { communities: [{ name: 'community-test', value: 'ab-n' }], prefixAdvertisements: pa }, false],
  ['standard community > 16 bit', { communities: [{ name: 'community-test', value: '65536:999999' }], prefixAdvertisements: pa }, false],
  ['large community > 32 bit', { communities: [{ name: 'community-test', value: '4147483647:999999' }], prefixAdvertisements: pa }, false],
  ['prefixAdvertisement without cidr', { prefixAdvertisements: [{ communities: ['100:5964'] }] }, false],
  ['prefixAdvertisement without communities', { prefixAdvertisements: [{ cidr: '192.168.10.0/28' }] }, false],
  ['IPv4 prefixAdvertisement', { prefixAdvertisements: [{ cidr: '192.168.10.0/28', communities: ['100:5964:50'] }] }, true],
  ['IPv6 prefixAdvertisement', { prefixAdvertisements: [{ cidr: '2001:4860::/128', communities: ['100:5964:50'] }] }, true],
  ['standard values', { prefixAdvertisements: [{ cidr: '2001:4860::/128', communities: ['100:5964', '200:594'] }] }, true],
  ['large value', { prefixAdvertisements: [{ cidr: '2001:4860::/128', communities: ['100:5964:1147483647'] }] }, true],
  ['standard value > 16 bit', { prefixAdvertisements: [{ cidr: '2001:4860::/128', communities: ['100:1147483647'] }] }, false],
  ['large value > 32 bit', { prefixAdvertisements: [{ cidr: '2001:4860::/128', communities: ['100:100:5147483647'] }] }, false],
  ['undefined community name', { prefixAdvertisements: [{ cidr: '2001:4860::/128', communities: ['nonexistent-community'] }] }, false],
  ['defined community name', {
    communities: [{ name: 'community-test', value: '101:5695' }],
    prefixAdvertisements: [{ cidr: '2001:4860::/128', communities: ['community-test', '8988:202'] }],
  }, true],
  ['local workload peering IPs', { localWorkloadPeeringIPV4: ipv4_1, localWorkloadPeeringIPV6: ipv6_1 }, true],
  ['bad localWorkloadPeeringIPV4', { localWorkloadPeeringIPV4: bad_ipv4_1 }, false],
  ['bad localWorkloadPeeringIPV6', { localWorkloadPeeringIPV6: bad_ipv6_1 }, false],
  ['IPv6 in localWorkloadPeeringIPV4', { localWorkloadPeeringIPV4: ipv6_1 }, false],
  ['dotted AS number', { asNumber: '1.10' }, true],
  ['bad AS number', { asNumber: 'abc' }, false],
  ['listenPort 0', { listenPort: 0 }, false],
  ['bindMode NodeIP', { bindMode: 'NodeIP' }, true],
  ['bindMode bad', { bindMode: 'All' }, false],
];
for (const [name, spec, ok] of bgpConfig) {
  test(`BGPConfiguration: ${ok ? 'accept' : 'reject'} ${name}`, () => {
    const r = check('BGPConfiguration', spec, { name: 'default' });
    assert.equal(r.ok, ok, r.issues.join('; '));
  });
}

test('BGPConfiguration: default-only fields on a node override', () => {
  const r = check('BGPConfiguration', { asNumber: 65000, nodeToNodeMeshEnabled: false, logSeverityScreen: 'Debug' }, { name: 'node.node-1' });
  assert.deepEqual(r.issues.sort(), [
    'spec.asNumber: Cannot set ASNumber on a non default BGP Configuration.',
    'spec.nodeToNodeMeshEnabled: Cannot set nodeToNodeMeshEnabled on a non default BGP Configuration.',
  ]);
  assert.ok(check('BGPConfiguration', { logSeverityScreen: 'Debug', listenPort: 1179 }, { name: 'node.node-1' }).ok);
});

const peers: [string, Record<string, unknown>, boolean][] = [
  ['valid peerIP', { peerIP: ipv4_1 }, true],
  ['invalid IPv4 peerIP', { peerIP: bad_ipv4_1 }, false],
  ['invalid IPv6 peerIP', { peerIP: bad_ipv6_1 }, false],
  ['node and nodeSelector', { node: 'my-node', nodeSelector: 'has(mylabel)' }, false],
  ['peerIP and peerSelector', { peerIP: ipv4_1, peerSelector: 'has(mylabel)' }, false],
  ['asNumber and peerSelector', { asNumber: 61234, peerSelector: 'has(mylabel)' }, false],
  ['nodeSelector and peerSelector', { nodeSelector: 'has(mylabel)', peerSelector: 'has(mylabel)' }, true],
  ['localWorkloadSelector without asNumber', { localWorkloadSelector: 'has(labelone)' }, false],
  ['localWorkloadSelector and peerSelector', { localWorkloadSelector: 'has(labelone)', peerSelector: 'has(labeltwo)', asNumber: 61234 }, false],
  ['localWorkloadSelector and peerIP', { localWorkloadSelector: 'has(labelone)', peerIP: ipv4_1, asNumber: 61234 }, false],
  ['localWorkloadSelector with asNumber', { localWorkloadSelector: 'has(labelone)', asNumber: 61234 }, true],
  ['keepOriginalNextHop and nextHopMode', { keepOriginalNextHop: true, nextHopMode: 'Auto' }, false],
  ['reachableBy without peerIP', { reachableBy: ipv4_2 }, false],
  ['reachableBy (v6) without peerIP', { reachableBy: ipv6_2 }, false],
  ['reachableBy and peerIP', { peerIP: peerv4_1, reachableBy: ipv4_1 }, true],
  ['reachableBy v6 and peerIP v6', { peerIP: peerv6_1, reachableBy: ipv6_1 }, true],
  ['invalid reachableBy', { peerIP: peerv4_1, reachableBy: bad_ipv4_1 }, false],
  ['invalid reachableBy v6', { peerIP: peerv6_1, reachableBy: bad_ipv6_1 }, false],
  ['family mismatch', { peerIP: ipv4_1, reachableBy: ipv6_1 }, false],
  ['family mismatch with port', { peerIP: peerv4_1, reachableBy: ipv6_1 }, false],
  ['family mismatch v6', { peerIP: ipv6_1, reachableBy: ipv4_1 }, false],
  ['family mismatch v6 with port', { peerIP: peerv6_1, reachableBy: ipv4_1 }, false],
  ['password', { peerIP: ipv4_1, password: { secretKeyRef: { name: 'tigera-bgp-passwords', key: 'my-peering' } } }, true],
  ['invalid selector', { nodeSelector: "kubernetes.io/hostname: == 'casey-crc-kadm-node-4'" }, false],
  ['port in IPv4 peerIP', { peerIP: '192.168.1.1:500' }, true],
  ['port in IPv6 peerIP', { peerIP: '[9000::]:500' }, true],
  ['bracketed IPv4 with big port', { peerIP: '[192.168.0.0]:98956' }, false],
  ['IPv4 port 65536', { peerIP: '192.168.0.0:65536' }, false],
  ['IPv4 port 0', { peerIP: '192.168.0.0:0' }, false],
  ['bad IPv4 with port', { peerIP: '192.168.0.330:170' }, false],
  ['IPv6 big port', { peerIP: '[9000::]:98956' }, false],
  ['IPv4 empty port', { peerIP: '192.168.0.0:' }, false],
  ['IPv6 empty port', { peerIP: '[9000::]:' }, false],
  ['IPv6 port 65536', { peerIP: '[9000::]:65536' }, false],
  ['IPv6 port 0', { peerIP: '[9000::]:0' }, false],
  ['bad IPv6 with port', { peerIP: '[9000::FFFFF]:170' }, false],
  ['empty IPv4 with port', { peerIP: ':8552' }, false],
  ['empty IPv6 with port', { peerIP: '[]:8552' }, false],
  ['sourceAddress UseNodeIP', { sourceAddress: 'UseNodeIP' }, true],
  ['sourceAddress None', { sourceAddress: 'None' }, true],
  ['sourceAddress rubbish', { sourceAddress: 'rubbish' }, false],
  ['maxRestartTime', { maxRestartTime: '10s' }, true],
  ['bad maxRestartTime', { maxRestartTime: 'ten seconds' }, false],
  ['ttlSecurity 256', { ttlSecurity: 256 }, false],
  ['filters', { filters: ['my-filter'] }, true],
  ['bad filter name', { filters: ['My_Filter'] }, false],
];
for (const [name, spec, ok] of peers) {
  test(`BGPPeer: ${ok ? 'accept' : 'reject'} ${name}`, () => {
    const r = check('BGPPeer', spec, { name: 'some.name' });
    assert.equal(r.ok, ok, r.issues.join('; '));
  });
}

const filterRules: [string, 'V4' | 'V6', Record<string, unknown>, boolean][] = [
  ['bad operator', 'V4', { cidr: '10.0.10.0/32', matchOperator: 'fancyOperator', action: 'Accept' }, false],
  ['bad operator', 'V6', { cidr: 'ffff::/128', matchOperator: 'fancyOperator', action: 'Accept' }, false],
  ...(['In', 'NotIn', 'Equal', 'NotEqual'] as const).flatMap((op) => [
    [`${op}`, 'V4', { cidr: '10.0.10.0/32', matchOperator: op, action: 'Accept' }, true] as [string, 'V4', Record<string, unknown>, boolean],
    [`${op}`, 'V6', { cidr: 'ffff::/128', matchOperator: op, action: 'Accept' }, true] as [string, 'V6', Record<string, unknown>, boolean],
  ]),
  ['operator without cidr', 'V4', { matchOperator: 'NotEqual', action: 'Reject' }, false],
  ['operator without cidr', 'V6', { matchOperator: 'NotEqual', action: 'Reject' }, false],
  ['cidr without operator', 'V4', { cidr: '10.0.10.0/32', action: 'Reject' }, false],
  ['cidr without operator', 'V6', { cidr: 'ffff::/128', action: 'Reject' }, false],
  ['bad action', 'V4', { cidr: '10.0.10.0/32', matchOperator: 'NotEqual', action: 'ActionX' }, false],
  ['bad action', 'V6', { cidr: 'ffff::/128', matchOperator: 'NotEqual', action: 'ActionX' }, false],
  ['Reject', 'V4', { cidr: '10.0.10.0/32', matchOperator: 'NotEqual', action: 'Reject' }, true],
  ['no action', 'V4', { cidr: '10.0.10.0/32', matchOperator: 'NotEqual' }, false],
  ['no action', 'V6', { cidr: 'ffff::/128', matchOperator: 'NotEqual' }, false],
  ['just an action', 'V4', { action: 'Reject' }, true],
  ['just an action', 'V6', { action: 'Reject' }, true],
  ['prefixLength min', 'V4', { cidr: '10.0.10.0/24', matchOperator: 'In', action: 'Reject', prefixLength: { min: 25 } }, true],
  ['prefixLength max', 'V4', { cidr: '10.0.10.0/24', matchOperator: 'In', action: 'Reject', prefixLength: { max: 28 } }, true],
  ['prefixLength max out of bounds', 'V4', { cidr: '10.0.10.0/24', matchOperator: 'In', action: 'Reject', prefixLength: { max: 35 } }, false],
  ['prefixLength without cidr', 'V4', { action: 'Reject', prefixLength: { min: 25 } }, false],
  ['prefixLength min', 'V6', { cidr: 'ffff::/64', matchOperator: 'In', action: 'Reject', prefixLength: { min: 65 } }, true],
  ['prefixLength max', 'V6', { cidr: 'ffff::/64', matchOperator: 'In', action: 'Reject', prefixLength: { max: 68 } }, true],
  ['prefixLength negative', 'V6', { cidr: 'ffff::/64', matchOperator: 'In', action: 'Reject', prefixLength: { min: -1 } }, false],
  ['prefixLength without cidr', 'V6', { action: 'Reject', prefixLength: { min: 65 } }, false],
  ['IPv6 cidr in a V4 rule', 'V4', { cidr: 'ffff::/128', matchOperator: 'In', action: 'Accept' }, false],
  ['interface wildcard', 'V4', { interface: '*.calico', action: 'Reject' }, true],
  ['asPathPrefix', 'V4', { asPathPrefix: [65000, 65001], action: 'Accept' }, true],
  ['asPathPrefix', 'V6', { asPathPrefix: [4200000000], action: 'Reject' }, true],
  ['asPathPrefix not a number', 'V4', { asPathPrefix: ['x'], action: 'Accept' }, false],
  ['asPathPrefix AS out of range', 'V4', { asPathPrefix: [4294967296], action: 'Accept' }, false],
];
for (const [name, fam, rule, ok] of filterRules) {
  test(`BGPFilter ${fam}: ${ok ? 'accept' : 'reject'} ${name}`, () => {
    const r = check('BGPFilter', { [`export${fam}`]: [rule], [`import${fam}`]: [rule] }, { name: 'my-filter' });
    assert.equal(r.ok, ok, r.issues.join('; '));
  });
}
