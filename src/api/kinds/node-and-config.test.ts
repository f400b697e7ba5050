import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check } from './kind-test-util.js';
import { netv4_1, netv6_1 } from '../testdata/validator-values.js';

// Node, IPAMConfiguration, KubeControllersConfiguration, ClusterInformation and CalicoNodeStatus;
// Node and KubeControllersConfiguration cases ported from validator_test.go.

const nodes: [string, Record<string, unknown>, boolean, Record<string, unknown>?][] = [
  ['IPv4 BGP', { bgp: { ipv4Address: netv4_1 } }, true],
  ['IPv6 BGP', { bgp: { ipv6Address: netv6_1 } }, true],
  ['tunnel IP', { bgp: { ipv4IPIPTunnelAddr: '10.0.0.1' } }, true],
  ['no BGP', {}, true],
  ['empty BGP', { bgp: {} }, false],
  ['IPv6 in IPv4 field', { bgp: { ipv4Address: netv6_1 } }, false],
  ['IPv4 in IPv6 field', { bgp: { ipv6Address: netv4_1 } }, false],
  ['bad RR cluster ID #1', { bgp: { ipv4Address: netv4_1, routeReflectorClusterID: 'abcdef' } }, false],
  ['bad RR cluster ID #2', { bgp: { ipv4Address: netv4_1, routeReflectorClusterID: '300.34.3.1' } }, false],
  ['good RR cluster ID', { bgp: { ipv4Address: netv4_1, routeReflectorClusterID: '245.0.0.1' } }, true],
  ['wireguard IP', { wireguard: { interfaceIPv4Address: '1.2.3.4' } }, true],
  ['bad wireguard IP', { wireguard: { interfaceIPv4Address: 'foo.bar' } }, false],
  ['VXLAN MAC', { ipv4VXLANTunnelAddr: '10.0.0.1', vxlanTunnelMACAddr: '66:8e:5c:4a:1b:2f' }, true],
  ['bad VXLAN MAC', { vxlanTunnelMACAddr: '66:8e:5c' }, false],
  ['orchRefs', { orchRefs: [{ nodeName: 'n1', orchestrator: 'k8s' }] }, true],
  ['orchRef without orchestrator', { orchRefs: [{ nodeName: 'n1' }] }, false],
  ['addresses', { addresses: [{ address: '10.0.0.1', type: 'InternalIP' }, { address: '10.0.0.0/24', type: 'CalicoNodeIP' }] }, true],
  ['bad address type', { addresses: [{ address: '10.0.0.1', type: 'Internal' }] }, false],
  ['dotted AS number', { bgp: { asNumber: '1.10', ipv4Address: '10.0.0.1/24' } }, true],
];
for (const [name, spec, ok] of nodes) {
  test(`Node: ${ok ? 'accept' : 'reject'} ${name}`, () => {
    const r = check('Node', spec, { name: 'node-hostname' });
    assert.equal(r.ok, ok, r.issues.join('; '));
  });
}

test('Node status: WireGuard public keys', () => {
  assert.ok(check('Node', {}, { name: 'n', status: { wireguardPublicKey: 'jlkVyQYooZYzI2wFfNhSZez5eWh44yfq1wKVjLvSXgY=' } }).ok);
  assert.ok(!check('Node', {}, { name: 'n', status: { wireguardPublicKey: 'foobar' } }).ok);
  assert.ok(check('Node', {}, { name: 'n', status: { podCIDRs: ['10.0.0.0/24'] } }).ok);
});

test('IPAMConfiguration: singleton, strictAffinity defaults to false', () => {
  const r = check('IPAMConfiguration', { maxBlocksPerHost: 4 }, { name: 'default' });
  assert.deepEqual(r.result!.spec, { maxBlocksPerHost: 4, strictAffinity: false });
  assert.deepEqual(check('IPAMConfiguration', { strictAffinity: true }, { name: 'other' }).issues, [
    'metadata.name: Cannot create a IPAMConfiguration resource with a name other than "default"',
  ]);
  assert.deepEqual(check('IPAMConfiguration', { maxBlocksPerHost: -1 }, { name: 'default' }).issues, ['spec.maxBlocksPerHost: must be greater than or equal to 0']);
  assert.ok(!check('IPAMConfiguration', { strictAffinity: 'yes' }, { name: 'default' }).ok);
});

const kcc: [string, Record<string, unknown>, boolean][] = [
  ['invalid healthChecks', { healthChecks: 'invalid' }, false],
  ['healthChecks Enabled', { healthChecks: 'Enabled' }, true],
  ['invalid log severity', { logSeverityScreen: 'invalid' }, false],
  ['log severity Error', { logSeverityScreen: 'Error' }, true],
  ['compaction period', { etcdV3CompactionPeriod: '12m' }, true],
  ['no controllers values', { controllers: {} }, true],
  ['empty controller values', { controllers: { node: {}, policy: {}, workloadEndpoint: {}, serviceAccount: {}, namespace: {}, loadBalancer: {} } }, true],
  ['node reconcilerPeriod', { controllers: { node: { reconcilerPeriod: '5m' } } }, true],
  ['invalid syncLabels', { controllers: { node: { syncLabels: 'yes' } } }, false],
  ['syncLabels Disabled', { controllers: { node: { syncLabels: 'Disabled' } } }, true],
  ['invalid autoCreate', { controllers: { node: { hostEndpoint: { autoCreate: 'Totally' } } } }, false],
  ['autoCreate Enabled', { controllers: { node: { hostEndpoint: { autoCreate: 'Enabled' } } } }, true],
  ['invalid createDefaultHostEndpoint', { controllers: { node: { hostEndpoint: { createDefaultHostEndpoint: 'Totally' } } } }, false],
  ['createDefaultHostEndpoint Enabled', { controllers: { node: { hostEndpoint: { createDefaultHostEndpoint: 'Enabled' } } } }, true],
  ['assignIPs AllServices', { controllers: { loadBalancer: { assignIPs: 'AllServices' } } }, true],
  ['assignIPs RequestedServicesOnly', { controllers: { loadBalancer: { assignIPs: 'RequestedServicesOnly' } } }, true],
  ['assignIPs incorrect', { controllers: { loadBalancer: { assignIPs: 'incorrect-value' } } }, false],
  ['template with bad name', { controllers: { node: { hostEndpoint: { templates: [{ generateName: 'test$set', interfacePattern: 'eth.*' }] } } } }, false],
  ['template', { controllers: { node: { hostEndpoint: { templates: [{ generateName: 'validname', interfaceCIDRs: ['10.0.1.0/24', '10.0.10.0/32'], nodeSelector: 'foo == "bar"' }] } } } }, true],
  ['template bad selector', { controllers: { node: { hostEndpoint: { templates: [{ generateName: 'a', interfacePattern: 'x', nodeSelector: 'this is not valid selector syntax' }] } } } }, false],
  ['template bad CIDR', { controllers: { node: { hostEndpoint: { templates: [{ generateName: 'a', interfaceCIDRs: ['not a real cidr'] }] } } } }, false],
  ['template without CIDRs or pattern', { controllers: { node: { hostEndpoint: { templates: [{ generateName: 'a' }] } } } }, false],
  ['template name too long', { controllers: { node: { hostEndpoint: { templates: [{ generateName: 'a'.repeat(254), interfacePattern: 'x' }] } } } }, false],
  ['duplicate template names', { controllers: { node: { hostEndpoint: { templates: [{ generateName: 'a', interfacePattern: 'x' }, { generateName: 'a', interfacePattern: 'y' }] } } } }, false],
];
for (const [name, spec, ok] of kcc) {
  test(`KubeControllersConfiguration: ${ok ? 'accept' : 'reject'} ${name}`, () => {
    const r = check('KubeControllersConfiguration', spec, { name: 'default' });
    assert.equal(r.ok, ok, r.issues.join('; '));
  });
}

test('KubeControllersConfiguration defaults and singleton name', () => {
  const r = check('KubeControllersConfiguration', { controllers: { node: {}, loadBalancer: {} } }, { name: 'default' });
  assert.deepEqual(r.result!.spec, {
    controllers: { node: { leakGracePeriod: '15m0s' }, loadBalancer: { assignIPs: 'AllServices' } },
    prometheusMetricsPort: 9094,
  });
  assert.deepEqual(check('KubeControllersConfiguration', {}, { name: 'default' }).result!.spec, { prometheusMetricsPort: 9094, controllers: {} });
  assert.ok(!check('KubeControllersConfiguration', {}, { name: 'other' }).ok);
});

test('ClusterInformation', () => {
  const spec = { clusterGUID: 'abc', clusterType: 'k8s,bgp', calicoVersion: 'v3.31.7', datastoreReady: true, variant: 'Calico' };
  assert.deepEqual(check('ClusterInformation', spec, { name: 'default' }).result!.spec, spec);
  assert.ok(!check('ClusterInformation', { datastoreReady: 'yes' }, { name: 'default' }).ok);
  assert.deepEqual(check('ClusterInformation', {}, { name: 'other' }).issues, [
    'metadata.name: Cannot create a Cluster Information resource with a name other than "default"',
  ]);
});

test('CalicoNodeStatus requires node, classes and updatePeriodSeconds', () => {
  assert.ok(check('CalicoNodeStatus', { node: 'n1', classes: ['Agent', 'BGP'], updatePeriodSeconds: 10 }, { name: 's' }).ok);
  assert.ok(!check('CalicoNodeStatus', { node: 'n1', classes: ['Agent'], updatePeriodSeconds: 86401 }, { name: 's' }).ok);
  assert.ok(!check('CalicoNodeStatus', { node: 'n1', classes: ['Agent', 'Agent'], updatePeriodSeconds: 1 }, { name: 's' }).ok);
  assert.ok(!check('CalicoNodeStatus', { node: 'n1', classes: ['Other'], updatePeriodSeconds: 1 }, { name: 's' }).ok);
  assert.ok(!check('CalicoNodeStatus', { classes: ['BGP'], updatePeriodSeconds: 1 }, { name: 's' }).ok);
});
