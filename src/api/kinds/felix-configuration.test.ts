import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check } from './kind-test-util.js';
import { FELIX_FIELDS } from './felix/felix-fields.js';

// Cases ported from libcalico-go validator_test.go FelixConfigurationSpec entries.
const range = (a: number, b: number): string => `${a}:${b}`;
const cases: [string, Record<string, unknown>, boolean][] = [
  ['iptablesBackend Legacy', { iptablesBackend: 'Legacy' }, true],
  ['iptablesBackend NFT', { iptablesBackend: 'NFT' }, true],
  ['iptablesBackend Auto', { iptablesBackend: 'Auto' }, true],
  ['iptablesBackend badVal', { iptablesBackend: 'badVal' }, false],
  ['defaultEndpointToHostAction Drop', { defaultEndpointToHostAction: 'Drop' }, true],
  ['defaultEndpointToHostAction drop', { defaultEndpointToHostAction: 'drop' }, false],
  ['iptablesFilterAllowAction Accept', { iptablesFilterAllowAction: 'Accept' }, true],
  ['iptablesMangleAllowAction Return', { iptablesMangleAllowAction: 'Return' }, true],
  ['iptablesMangleAllowAction Drop', { iptablesMangleAllowAction: 'Drop' }, false],
  ['iptablesFilterDenyAction Drop', { iptablesFilterDenyAction: 'Drop' }, true],
  ['iptablesFilterDenyAction Reject', { iptablesFilterDenyAction: 'Reject' }, true],
  ['kubeNodePortRanges', { kubeNodePortRanges: [range(3000, 4000), range(5000, 6000), range(7000, 8000), range(8000, 9000), range(10000, 11000), range(12000, 13000), 15000] }, true],
  ['too many kubeNodePortRanges', { kubeNodePortRanges: [range(3000, 4000), range(5000, 6000), range(7000, 8000), range(8000, 9000), range(10000, 11000), range(12000, 13000), range(14000, 15000), range(16000, 17000)] }, false],
  ['named kubeNodePortRanges', { kubeNodePortRanges: ['testport'] }, false],
  ['externalNodesList', { externalNodesList: ['1.1.1.1', '1.1.1.2/32', '1.1.3.0/23'] }, true],
  ['bad externalNodesList', { externalNodesList: ['foobar', '1.1.1.1'] }, false],
  ['IPv6 externalNodesList', { externalNodesList: ['abcd::1', 'abef::2/128'] }, false],
  ['empty openstackRegion', { openstackRegion: '' }, true],
  ['openstackRegion foo', { openstackRegion: 'foo' }, true],
  ['openstackRegion FOO', { openstackRegion: 'FOO' }, false],
  ['overlong openstackRegion', { openstackRegion: 'my-region-has-a-very-long-and-extremely-interesting-name' }, false],
  ['logSeverityScreen badVal', { logSeverityScreen: 'badVal' }, false],
  ['logSeverityFile badVal', { logSeverityFile: 'badVal' }, false],
  ['logSeveritySys badVal', { logSeveritySys: 'badVal' }, false],
  ['logSeveritySys Critical', { logSeveritySys: 'Critical' }, false],
  ['logSeverityScreen Fatal', { logSeverityScreen: 'Fatal' }, true],
  ['logSeverityScreen Warning', { logSeverityScreen: 'Warning' }, true],
  ['logSeverityScreen Trace', { logSeverityScreen: 'Trace' }, true],
  ['logSeverityFile Debug', { logSeverityFile: 'Debug' }, true],
  ['logSeveritySys Info', { logSeveritySys: 'Info' }, true],
  ['iptablesNATOutgoingInterfaceFilter cali-123', { iptablesNATOutgoingInterfaceFilter: 'cali-123' }, true],
  ['iptablesNATOutgoingInterfaceFilter cali@123', { iptablesNATOutgoingInterfaceFilter: 'cali@123' }, false],
  ['bpfLogLevel badVal', { bpfLogLevel: 'badVal' }, false],
  ['bpfLogLevel Info', { bpfLogLevel: 'Info' }, true],
  ['bpfLogLevel Debug', { bpfLogLevel: 'Debug' }, true],
  ['bpfLogLevel Off', { bpfLogLevel: 'Off' }, true],
  ['bpfExternalServiceMode Foo', { bpfExternalServiceMode: 'Foo' }, false],
  ['bpfExternalServiceMode Tunnel', { bpfExternalServiceMode: 'Tunnel' }, true],
  ['bpfExternalServiceMode DSR', { bpfExternalServiceMode: 'DSR' }, true],
  ['negative bpfExtToServiceConnmark', { bpfExtToServiceConnmark: -1 }, false],
  ['bpfExtToServiceConnmark > 32 bit', { bpfExtToServiceConnmark: 0x100000000 }, false],
  ['bpfExtToServiceConnmark 0', { bpfExtToServiceConnmark: 0 }, true],
  ['bpfExtToServiceConnmark 0xffffffff', { bpfExtToServiceConnmark: 0xffffffff }, true],
  ['bpfDataIfacePattern *', { bpfDataIfacePattern: '*' }, false],
  ['bpfDataIfacePattern eth.*', { bpfDataIfacePattern: 'eth.*' }, true],
  ['routeTableRange 1-250', { routeTableRange: { min: 1, max: 250 } }, true],
  ['routeTableRange min 0', { routeTableRange: { min: 0, max: 250 } }, false],
  ['routeTableRange min -5', { routeTableRange: { min: -5, max: 250 } }, false],
  ['routeTableRange max < min', { routeTableRange: { min: 50, max: 45 } }, false],
  ['routeTableRange max 253', { routeTableRange: { min: 1, max: 253 } }, false],
  ['routeTableRange min == max', { routeTableRange: { min: 8, max: 8 } }, true],
  ['routeTableRanges', { routeTableRanges: [{ min: 1, max: 10000 }] }, true],
  ['routeTableRanges min == max', { routeTableRanges: [{ min: 8, max: 8 }] }, true],
  ['multiple routeTableRanges', { routeTableRanges: [{ min: 8, max: 8 }, { min: 7, max: 7 }] }, true],
  ['routeTableRanges min 0', { routeTableRanges: [{ min: 0, max: 250 }] }, false],
  ['routeTableRanges min -5', { routeTableRanges: [{ min: -5, max: 250 }] }, false],
  ['routeTableRanges max < min', { routeTableRanges: [{ min: 50, max: 45 }] }, false],
  ['routeTableRanges max too large', { routeTableRanges: [{ min: 1, max: 0xf00000000 }] }, false],
  ['routeTableRanges too many tables', { routeTableRanges: [{ min: 1, max: 0x10000 }] }, false],
  ['routeTableRanges too many tables (sum)', { routeTableRanges: [{ min: 1, max: 2 }, { min: 3, max: 4 }, { min: 5, max: 0x10000 }] }, false],
  ['routeTableRange and routeTableRanges', { routeTableRanges: [{ min: 1, max: 250 }], routeTableRange: { min: 1, max: 250 } }, false],
  ['mtuIfacePattern *', { mtuIfacePattern: '*' }, false],
  ['mtuIfacePattern eth.*', { mtuIfacePattern: 'eth.*' }, true],
  ['healthTimeoutOverride 0', { healthTimeoutOverrides: [{ name: 'Valid', timeout: '0s' }] }, true],
  ['healthTimeoutOverride -1', { healthTimeoutOverrides: [{ name: 'Valid', timeout: '-1ns' }] }, false],
  ['healthTimeoutOverride bad name', { healthTimeoutOverrides: [{ name: '%', timeout: '10ns' }] }, false],
  ['healthTimeoutOverride no name', { healthTimeoutOverrides: [{ name: '', timeout: '10ns' }] }, false],
  ['awsSrcDstCheck DoNothing', { awsSrcDstCheck: 'DoNothing' }, true],
  ['awsSrcDstCheck Enable', { awsSrcDstCheck: 'Enable' }, true],
  ['awsSrcDstCheck Disable', { awsSrcDstCheck: 'Disable' }, true],
  ['awsSrcDstCheck enable', { awsSrcDstCheck: 'enable' }, false],
  ['awsSrcDstCheck badVal', { awsSrcDstCheck: 'badVal' }, false],
  ['bpfHostNetworkedNATWithoutCTLB Disabled', { bpfHostNetworkedNATWithoutCTLB: 'Disabled' }, true],
  ['bpfHostNetworkedNATWithoutCTLB Enabled', { bpfHostNetworkedNATWithoutCTLB: 'Enabled' }, true],
  ['bpfConnectTimeLoadBalancing Enabled', { bpfConnectTimeLoadBalancing: 'Enabled' }, true],
  ['bpfConnectTimeLoadBalancing Disabled', { bpfConnectTimeLoadBalancing: 'Disabled' }, true],
  ['bpfConnectTimeLoadBalancing TCP', { bpfConnectTimeLoadBalancing: 'TCP' }, true],
  ['bpfHostNetworkedNATWithoutCTLB enabled', { bpfHostNetworkedNATWithoutCTLB: 'enabled' }, false],
  ['bpfHostNetworkedNATWithoutCTLB BadVal', { bpfHostNetworkedNATWithoutCTLB: 'BadVal' }, false],
  ['bpfConnectTimeLoadBalancing BadVal', { bpfConnectTimeLoadBalancing: 'BadVal' }, false],
  ['prometheusMetricsHost localhost', { prometheusMetricsHost: 'localhost' }, true],
  ['prometheusMetricsHost 10.0.0.1', { prometheusMetricsHost: '10.0.0.1' }, true],
  ['prometheusMetricsHost IPv6', { prometheusMetricsHost: 'fe80::ea7a:70fa:cf74:25d5' }, true],
  ['prometheusMetricsHost localhost#', { prometheusMetricsHost: 'localhost#' }, false],
  ['prometheusMetricsHost "0: 1::1"', { prometheusMetricsHost: '0: 1::1' }, false],
  ['wireguardInterfaceName wg0', { wireguardInterfaceName: 'wg0' }, true],
  ['wireguardInterfaceName wg&0', { wireguardInterfaceName: 'wg&0' }, false],
  ['wireguardListeningPort 12345', { wireguardListeningPort: 12345 }, true],
  ['wireguardListeningPort 99999', { wireguardListeningPort: 99999 }, false],
  ['wireguardRoutingRulePriority 99999', { wireguardRoutingRulePriority: 99999 }, false],
  ['serviceLoopPrevention Drop', { serviceLoopPrevention: 'Drop' }, true],
  ['serviceLoopPrevention Reject', { serviceLoopPrevention: 'Reject' }, true],
  ['serviceLoopPrevention Disabled', { serviceLoopPrevention: 'Disabled' }, true],
  ['serviceLoopPrevention Wibbly', { serviceLoopPrevention: 'Wibbly' }, false],
  ['windowsManageFirewallRules Disabled', { windowsManageFirewallRules: 'Disabled' }, true],
  ['windowsManageFirewallRules Enabled', { windowsManageFirewallRules: 'Enabled' }, true],
  ['windowsManageFirewallRules blah', { windowsManageFirewallRules: 'blah' }, false],
  ['bpfForceTrackPacketsFromIfaces docker+', { bpfForceTrackPacketsFromIfaces: ['docker+'] }, true],
  ['bpfForceTrackPacketsFromIfaces docker0,docker1', { bpfForceTrackPacketsFromIfaces: ['docker0', 'docker1'] }, true],
  ['bpfForceTrackPacketsFromIfaces cali@456', { bpfForceTrackPacketsFromIfaces: ['cali-123', 'cali@456'] }, false],
  ['failsafe ports', { failsafeInboundHostPorts: [{ protocol: 'TCP', port: 22 }, { protocol: 'UDP', port: 68, net: '0.0.0.0/0' }] }, true],
  ['failsafe port UDP 0', { failsafeInboundHostPorts: [{ protocol: 'UDP', port: 0 }] }, true],
  ['failsafe port bad protocol', { failsafeInboundHostPorts: [{ protocol: 'jolly-UDP', port: 0 }] }, false],
  ['failsafe port lower-case protocol (as the docs write it)', { failsafeOutboundHostPorts: [{ protocol: 'tcp', port: 53, net: '' }] }, true],
  ['failsafe port bad net', { failsafeOutboundHostPorts: [{ protocol: 'UDP', port: 53, net: '10.0.0.0/33' }] }, false],
  ['durations', { iptablesRefreshInterval: '90s', routeRefreshInterval: '1m30s', reportingInterval: '0' }, true],
  ['bad duration', { iptablesRefreshInterval: '90 seconds' }, false],
  ['featureDetectOverride', { featureDetectOverride: 'SNATFullyRandom=true,MASQFullyRandom=false,RestoreSupportsLock=' }, true],
  ['bad featureDetectOverride', { featureDetectOverride: 'SNATFullyRandom' }, false],
  ['natOutgoingAddress IPv4', { natOutgoingAddress: '10.0.0.1' }, true],
  ['natOutgoingAddress IPv6', { natOutgoingAddress: 'fd00::1' }, false],
  ['deviceRouteSourceAddressIPv6', { deviceRouteSourceAddressIPv6: 'fd00::1' }, true],
  ['natPortRange', { natPortRange: '32768:65000' }, true],
  ['bpfLogFilters', { bpfLogFilters: { all: 'tcp', eth0: 'udp' } }, true],
  ['goGCThreshold -1', { goGCThreshold: -1 }, true],
  ['goGCThreshold -2', { goGCThreshold: -2 }, false],
  ['unknown field', { notAFelixField: true }, false],
  ['newer nodeSelector (docs)', { nodeSelector: "role == 'gpu'", logSeverityScreen: 'Debug', bpfEnabled: true }, true],
  ['bad nodeSelector', { nodeSelector: 'role ==' }, false],
  ['istioDSCPMark 23', { istioDSCPMark: 23 }, true],
  ['istioDSCPMark EF', { istioDSCPMark: 'EF' }, true],
  ['istioDSCPMark 64', { istioDSCPMark: 64 }, false],
  ['wrong type', { ipv6Support: 'false' }, false],
];
for (const [name, spec, ok] of cases) {
  test(`FelixConfiguration: ${ok ? 'accept' : 'reject'} ${name}`, () => {
    const r = check('FelixConfiguration', spec, { name: 'default' });
    assert.equal(r.ok, ok, r.issues.join('; '));
  });
}

// clientv3 felixconfig.go setDefaults: only these three are filled; everything else stays sparse.
const CLIENT_DEFAULTS = { floatingIPs: 'Disabled', bpfConnectTimeLoadBalancing: 'TCP', bpfHostNetworkedNATWithoutCTLB: 'Enabled' };

test('FelixConfiguration is sparse apart from the client defaults', () => {
  const r = check('FelixConfiguration', { ipv6Support: false, ipipMTU: 1400, chainInsertMode: 'Append' }, { name: 'default' });
  assert.deepEqual(r.result!.spec, { ipv6Support: false, ipipMTU: 1400, chainInsertMode: 'Append', ...CLIENT_DEFAULTS });
  assert.deepEqual(check('FelixConfiguration', undefined, { name: 'node.host-1' }).result!.spec, CLIENT_DEFAULTS);
});

test('FelixConfiguration client defaults keep what the user set', () => {
  const set = { floatingIPs: 'Enabled', bpfConnectTimeLoadBalancing: 'Disabled', bpfHostNetworkedNATWithoutCTLB: 'Disabled' };
  assert.deepEqual(check('FelixConfiguration', set, { name: 'default' }).result!.spec, set);
});

test('FelixConfiguration: the deprecated bpfConnectTimeLoadBalancingEnabled overrides both BPF fields', () => {
  const on = check('FelixConfiguration', { bpfConnectTimeLoadBalancingEnabled: true, bpfConnectTimeLoadBalancing: 'TCP' }, { name: 'default' });
  assert.deepEqual(on.result!.spec, {
    bpfConnectTimeLoadBalancingEnabled: true, bpfConnectTimeLoadBalancing: 'Enabled', bpfHostNetworkedNATWithoutCTLB: 'Disabled', floatingIPs: 'Disabled',
  });
  const off = check('FelixConfiguration', { bpfConnectTimeLoadBalancingEnabled: false, bpfHostNetworkedNATWithoutCTLB: 'Enabled' }, { name: 'default' });
  assert.deepEqual(off.result!.spec, {
    bpfConnectTimeLoadBalancingEnabled: false, bpfConnectTimeLoadBalancing: 'Disabled', bpfHostNetworkedNATWithoutCTLB: 'Disabled', floatingIPs: 'Disabled',
  });
});

test('FelixConfiguration field table covers the v3.31 spec', () => {
  assert.ok(FELIX_FIELDS.filter((f) => !f.since).length >= 170);
  const names = new Set(FELIX_FIELDS.map((f) => f.name));
  for (const n of ['bpfEnabled', 'nftablesMode', 'wireguardEnabled', 'vxlanVNI', 'routeSource', 'healthTimeoutOverrides', 'externalNodesList']) {
    assert.ok(names.has(n), n);
  }
  assert.equal(names.size, FELIX_FIELDS.length, 'duplicate field');
});
