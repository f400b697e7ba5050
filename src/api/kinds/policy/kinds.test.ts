/**
 * Policy-kind cases ported from libcalico-go lib/validator/v3/validator_test.go
 * (GlobalNetworkPolicy, StagedGlobalNetworkPolicy, Tier, NetworkPolicy,
 * StagedNetworkPolicy, NetworkSet, GlobalNetworkSet, HostEndpoint,
 * WorkloadEndpoint, Profile, EndpointPort entries), run through the full
 * resource validation. Where clientv3 adds a check on create (tiered policy
 * names, WorkloadEndpoint names) the entry says so.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateResource } from '../../validate-resource.js';
import { Issues } from '../../validate/issues.js';
import type { Spec } from '../../validate/schema.js';
import { endpointPortSpec, workloadEndpointPortSpec } from './endpoint-port.js';
import { hostEndpointSpecSchema } from './host-endpoint.js';
import { workloadEndpointSpecSchema } from './workload-endpoint.js';
import { profileSpecSchema } from './profile.js';
import { networkSetSpecSchema } from './network-set.js';
import './index.js';

const V3 = 'projectcalico.org/v3';
const x = (n: number) => 'x'.repeat(n);

function valid(kind: string, name: string, spec?: Record<string, unknown>, meta: Record<string, unknown> = {}): boolean {
  try {
    validateResource({ apiVersion: V3, kind, metadata: { name, ...meta }, ...(spec ? { spec } : {}) });
    return true;
  } catch (e) {
    if ((e as { code?: string }).code === 'CALICO_ERR_VALIDATION') return false;
    throw e;
  }
}

type ResCase = readonly [name: string, kind: string, objName: string, spec: Record<string, unknown> | undefined, ok: boolean];

const GNP = 'GlobalNetworkPolicy';
const SGNP = 'StagedGlobalNetworkPolicy';
const NP = 'NetworkPolicy';
const SNP = 'StagedNetworkPolicy';
const allow = [{ action: 'Allow' }];
const svc = { name: 'service1', namespace: 'default' };

const resourceCases: readonly ResCase[] = [
  // GlobalNetworkPolicy validation.
  ['GNP: disallow name with invalid character', GNP, 't~!s.h.i.ng', undefined, false],
  ['GNP: disallow name with mixed case characters', GNP, 'tHiNg', undefined, false],
  ['GNP: allow valid name', GNP, 'thing', undefined, true],
  ['GNP: disallow k8s policy name', GNP, 'knp.default.thing', undefined, false],
  ['GNP: disallow name with dot', GNP, 't.h.i.ng', undefined, false],
  ['GNP: reject both PreDNAT and DoNotTrack', GNP, 'thing', { preDNAT: true, doNotTrack: true, applyOnForward: true }, false],
  ['GNP: accept PreDNAT but not DoNotTrack', GNP, 'thing', { preDNAT: true, applyOnForward: true }, true],
  ['GNP: accept DoNotTrack but not PreDNAT', GNP, 'thing', { preDNAT: false, doNotTrack: true, applyOnForward: true }, true],
  ['GNP: reject pre-DNAT egress rules', GNP, 'thing', { preDNAT: true, applyOnForward: true, egress: allow }, false],
  ['GNP: accept pre-DNAT ingress rules', GNP, 'thing', { preDNAT: true, applyOnForward: true, ingress: allow }, true],
  ['GNP: accept ApplyOnForward but not PreDNAT', GNP, 'thing', { preDNAT: false, applyOnForward: true }, true],
  ['GNP: accept ApplyOnForward but not DoNotTrack', GNP, 'thing', { doNotTrack: false, applyOnForward: true }, true],
  ['GNP: accept ApplyOnForward and PreDNAT', GNP, 'thing', { preDNAT: true, applyOnForward: true }, true],
  ['GNP: accept ApplyOnForward and DoNotTrack', GNP, 'thing', { doNotTrack: true, applyOnForward: true }, true],
  ['GNP: accept no ApplyOnForward DoNotTrack PreDNAT', GNP, 'thing', { preDNAT: false, doNotTrack: false, applyOnForward: false }, true],
  ['GNP: reject PreDNAT but not ApplyOnForward', GNP, 'thing', { preDNAT: true, applyOnForward: false }, false],
  ['GNP: reject DoNotTrack but not ApplyOnForward', GNP, 'thing', { doNotTrack: true, applyOnForward: false }, false],
  ['GNP: allow missing Types', GNP, 'thing', {}, true],
  ['GNP: allow empty Types', GNP, 'thing', { types: [] }, true],
  ['GNP: allow ingress Types', GNP, 'thing', { types: ['Ingress'] }, true],
  ['GNP: allow egress Types', GNP, 'thing', { types: ['Egress'] }, true],
  ['GNP: allow ingress+egress Types', GNP, 'thing', { types: ['Ingress', 'Egress'] }, true],
  ['GNP: disallow repeated egress Types', GNP, 'thing', { types: ['Egress', 'Egress'] }, false],
  ['GNP: disallow unexpected Types value', GNP, 'thing', { types: ['unexpected'] }, false],
  ['GNP: allow Types without ingress when Ingress present', GNP, 'thing', { ingress: allow, types: ['Egress'] }, true],
  ['GNP: allow Types without egress when Egress present', GNP, 'thing', { egress: allow, types: ['Ingress'] }, true],
  ['GNP: allow Types with ingress when Ingress present', GNP, 'thing', { ingress: allow, types: ['Ingress'] }, true],
  ['GNP: allow Types with ingress+egress when Ingress present', GNP, 'thing', { ingress: allow, types: ['Ingress', 'Egress'] }, true],
  ['GNP: allow Types with egress when Egress present', GNP, 'thing', { egress: allow, types: ['Egress'] }, true],
  ['GNP: allow Types with ingress+egress when Egress present', GNP, 'thing', { egress: allow, types: ['Ingress', 'Egress'] }, true],
  ['GNP: allow ingress Types with pre-DNAT', GNP, 'thing', { preDNAT: true, applyOnForward: true, types: ['Ingress'] }, true],
  ['GNP: disallow egress Types with pre-DNAT', GNP, 'thing', { preDNAT: true, applyOnForward: true, types: ['Egress'] }, false],
  ['GNP: disallow ingress+egress Types with pre-DNAT', GNP, 'thing', { preDNAT: true, applyOnForward: true, types: ['Ingress', 'Egress'] }, false],
  ['GNP: disallow HTTP in egress rule', GNP, 'thing', { egress: [{ action: 'Allow', http: { methods: ['GET'] } }], types: ['Ingress', 'Egress'] }, false],
  ['GNP: disallow global() in namespaceSelector', GNP, 'thing', { namespaceSelector: 'global()' }, false],
  ['GNP: disallow global() in selector', GNP, 'thing', { selector: 'global()' }, false],
  ['GNP: disallow global() in serviceAccountSelector', GNP, 'thing', { serviceAccountSelector: 'global()' }, false],
  ['GNP: disallow global() in EntityRule selector', GNP, 'thing', { ingress: [{ action: 'Allow', source: { selector: 'global()' } }] }, false],
  [
    'GNP: allow global() and projectcalico.org/name in EntityRule namespaceSelector',
    GNP,
    'thing',
    { ingress: [{ action: 'Allow', source: { namespaceSelector: 'global()' }, destination: { namespaceSelector: "projectcalico.org/name == 'test'" } }] },
    true,
  ],
  ['GNP: disallow junk in performanceHints', GNP, 'thing', { performanceHints: ['junk'] }, false],
  ['GNP: allow AssumeNeededOnEveryNode', GNP, 'thing', { performanceHints: ['AssumeNeededOnEveryNode'] }, true],
  ['GNP: disallow duplicate performanceHints', GNP, 'thing', { performanceHints: ['AssumeNeededOnEveryNode', 'AssumeNeededOnEveryNode'] }, false],
  ['GNP: disallow a service match in an ingress destination', GNP, 'thing', { ingress: [{ action: 'Allow', destination: { services: svc } }] }, false],
  ['GNP: disallow a service match without a namespace', GNP, 'thing', { egress: [{ action: 'Allow', destination: { services: { name: 'service1' } } }] }, false],
  ['GNP: allow an egress service match with a namespace', GNP, 'thing', { egress: [{ action: 'Allow', destination: { services: svc } }] }, true],
  [
    'GNP: disallow a service match and a namespaceSelector',
    GNP,
    'thing',
    { ingress: [{ action: 'Allow', destination: { namespaceSelector: "x == 'y'", services: svc } }] },
    false,
  ],
  ['GNP: tiered name in its tier', GNP, 'sec.thing', { tier: 'sec' }, true],
  ['GNP: tiered name without its tier is refused by the resource client, not the validator', GNP, 'sec.thing', {}, true],
  ['GNP: non-default tier needs the tier prefix', GNP, 'thing', { tier: 'sec' }, false],
  ['GNP: default tier with default. prefix', GNP, 'default.thing', {}, true],
  // StagedGlobalNetworkPolicy.
  ['SGNP: disallow name with invalid character', SGNP, 't~!s.h.i.ng', undefined, false],
  ['SGNP: disallow name with mixed case characters', SGNP, 'tHiNg', undefined, false],
  ['SGNP: allow valid name', SGNP, 'thing', undefined, true],
  ['SGNP: disallow k8s policy name', SGNP, 'knp.default.thing', undefined, false],
  ['SGNP: disallow name with dot', SGNP, 't.h.i.ng', undefined, false],
  ['SGNP: accept StagedAction Set', SGNP, 'thing', { stagedAction: 'Set', selector: 'foo == "bar"' }, true],
  ['SGNP: accept an unset StagedAction', SGNP, 'thing', { selector: 'foo == "bar"' }, true],
  ['SGNP: accept StagedAction Delete', SGNP, 'eng.thing', { stagedAction: 'Delete', tier: 'eng' }, true],
  ['SGNP: reject Delete with other spec fields', SGNP, 'thing', { stagedAction: 'Delete', selector: 'foo == "bar"' }, false],
  ['SGNP: reject StagedAction Warning', SGNP, 'thing', { stagedAction: 'Warning', selector: 'foo == "bar"' }, false],
  ['SGNP: accept an empty StagedAction', SGNP, 'thing', { stagedAction: '', selector: 'foo == "bar"' }, true],
  ['SGNP: accept an empty selector with Delete', SGNP, 'thing', { stagedAction: 'Delete' }, true],
  ['SGNP: PreDNAT rules still apply when staged', SGNP, 'thing', { preDNAT: true }, false],
  // Tiers.
  ['Tier: valid name', 'Tier', 'foo', { order: 100 }, true],
  ['Tier: valid name with dash', 'Tier', 'fo-o', { order: 100 }, true],
  ['Tier: disallow dot in name', 'Tier', 'fo.o', { order: 100 }, false],
  ['Tier: allow valid name of 63 chars', 'Tier', x(63), { order: 100 }, true],
  ['Tier: disallow a name of 64 chars', 'Tier', x(64), { order: 100 }, false],
  ['Tier: disallow other chars', 'Tier', 't~!s.h.i.ng', { order: 100 }, false],
  ['Tier: disallow default tier with an invalid order', 'Tier', 'default', { order: 10 }, false],
  ['Tier: allow default tier with the predefined order', 'Tier', 'default', { order: 1_000_000 }, true],
  ['Tier: allow default tier without an order (defaulted)', 'Tier', 'default', {}, true],
  ['Tier: disallow adminnetworkpolicy tier with an invalid order', 'Tier', 'adminnetworkpolicy', { order: 10 }, false],
  ['Tier: allow adminnetworkpolicy tier with the predefined order', 'Tier', 'adminnetworkpolicy', { order: 1000 }, true],
  ['Tier: disallow baselineadminnetworkpolicy tier with an invalid order', 'Tier', 'baselineadminnetworkpolicy', { order: 10 }, false],
  ['Tier: allow baselineadminnetworkpolicy tier with the predefined order', 'Tier', 'baselineadminnetworkpolicy', { order: 10_000_000 }, true],
  ['Tier: allow a tier with a valid order', 'Tier', 'platform', { order: 100 }, true],
  ['Tier: allow defaultAction Pass', 'Tier', 'platform', { defaultAction: 'Pass' }, true],
  ['Tier: allow defaultAction Deny', 'Tier', 'platform', { defaultAction: 'Deny' }, true],
  ['Tier: disallow defaultAction Allow', 'Tier', 'platform', { defaultAction: 'Allow' }, false],
  // NetworkPolicy.
  ['NP: allow valid name', NP, 'thing', undefined, true],
  ['NP: disallow name with dot', NP, 't.h.i.ng', undefined, false],
  ['NP: disallow name with mixed case', NP, 'tHiNg', undefined, false],
  ['NP: allow valid name of 253 chars', NP, x(253), undefined, true],
  ['NP: disallow a name of 254 chars', NP, x(254), undefined, false],
  ['NP: allow k8s policy name', NP, 'knp.default.thing', undefined, true],
  ['NP: allow name with single dot in its tier', NP, 'th.ing', { tier: 'th' }, true],
  ['NP: allow name with single dot - tier (validator; the resource client checks the tier)', NP, 'th.ing', undefined, true],
  ['NP: allow missing Types', NP, 'thing', {}, true],
  ['NP: allow empty Types', NP, 'thing', { types: [] }, true],
  ['NP: allow ingress Types', NP, 'thing', { types: ['Ingress'] }, true],
  ['NP: allow egress Types', NP, 'thing', { types: ['Egress'] }, true],
  ['NP: allow ingress+egress Types', NP, 'thing', { types: ['Ingress', 'Egress'] }, true],
  ['NP: disallow repeated egress Types', NP, 'thing', { types: ['Egress', 'Egress'] }, false],
  ['NP: disallow unexpected Types value', NP, 'thing', { types: ['unexpected'] }, false],
  ['NP: allow Types without ingress when Ingress present', NP, 'thing', { ingress: allow, types: ['Egress'] }, true],
  ['NP: allow Types without egress when Egress present', NP, 'thing', { egress: allow, types: ['Ingress'] }, true],
  ['NP: allow Types with ingress+egress when Egress present', NP, 'thing', { egress: allow, types: ['Ingress', 'Egress'] }, true],
  ['NP: disallow HTTP in egress rule', NP, 'thing', { egress: [{ action: 'Allow', http: { methods: ['GET'] } }] }, false],
  ['NP: disallow global() in selector', NP, 'thing', { selector: 'global()' }, false],
  ['NP: disallow global() in serviceAccountSelector', NP, 'thing', { serviceAccountSelector: 'global()' }, false],
  ['NP: disallow junk in performanceHints', NP, 'thing', { performanceHints: ['junk'] }, false],
  ['NP: allow AssumeNeededOnEveryNode', NP, 'thing', { performanceHints: ['AssumeNeededOnEveryNode'] }, true],
  ['NP: disallow duplicate performanceHints', NP, 'thing', { performanceHints: ['AssumeNeededOnEveryNode', 'AssumeNeededOnEveryNode'] }, false],
  [
    'NP: allow global() and projectcalico.org/name in EntityRule namespaceSelector',
    NP,
    'thing',
    { ingress: [{ action: 'Allow', source: { namespaceSelector: 'global()' }, destination: { namespaceSelector: "projectcalico.org/name == 'test'" } }] },
    true,
  ],
  ['NP: allow a service match in an egress destination', NP, 'thing', { egress: [{ action: 'Allow', destination: { services: svc } }] }, true],
  ['NP: disallow a service match in an egress source', NP, 'thing', { egress: [{ action: 'Allow', source: { services: svc } }] }, false],
  ['NP: allow a service match in an ingress source', NP, 'thing', { ingress: [{ action: 'Allow', source: { services: svc } }] }, true],
  ['NP: disallow a service match in an ingress destination', NP, 'thing', { ingress: [{ action: 'Allow', destination: { services: svc } }] }, false],
  [
    'NP: disallow a service match and a serviceAccounts match',
    NP,
    'thing',
    { ingress: [{ action: 'Allow', destination: { serviceAccounts: { names: ['serviceaccount'] }, services: svc } }] },
    false,
  ],
  ['NP: disallow service and ports on an egress destination', NP, 'thing', { egress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: [80], services: svc } }] }, false],
  ['NP: disallow service and notPorts on an egress destination', NP, 'thing', { egress: [{ action: 'Allow', protocol: 'TCP', destination: { notPorts: [80], services: svc } }] }, false],
  ['NP: allow service and ports on an ingress source', NP, 'thing', { ingress: [{ action: 'Allow', protocol: 'TCP', source: { ports: [80], services: svc } }] }, true],
  ['NP: allow service and notPorts on an ingress source', NP, 'thing', { ingress: [{ action: 'Allow', protocol: 'TCP', source: { notPorts: [80], services: svc } }] }, true],
  ['NP: disallow service and nets', NP, 'thing', { ingress: [{ action: 'Allow', source: { nets: ['10.0.0.0/8'], services: svc } }] }, false],
  ['NP: disallow service and notNets', NP, 'thing', { ingress: [{ action: 'Allow', source: { notNets: ['10.0.0.0/8'], services: svc } }] }, false],
  ['NP: disallow service and selector', NP, 'thing', { ingress: [{ action: 'Allow', source: { selector: "x == 'y'", services: svc } }] }, false],
  ['NP: disallow service and notSelector', NP, 'thing', { ingress: [{ action: 'Allow', source: { notSelector: "x == 'y'", services: svc } }] }, false],
  ['NP: disallow service and namespaceSelector', NP, 'thing', { ingress: [{ action: 'Allow', source: { namespaceSelector: "x == 'y'", services: svc } }] }, false],
  ['NP: disallow a catch-all IPv4 notNets', NP, 'thing', { ingress: [{ action: 'Allow', destination: { notNets: ['0.0.0.0/0'] } }] }, false],
  ['NP: disallow a catch-all IPv6 notNets', NP, 'thing', { ingress: [{ action: 'Allow', source: { notNets: ['::0/0'] } }] }, false],
  ['NP: disallow an invalid policy selector', NP, 'thing', { selector: 'role ==' }, false],
  ['NP: disallow an unknown spec field', NP, 'thing', { selectr: 'all()' }, false],
  ['NP: disallow doNotTrack (a GlobalNetworkPolicy field)', NP, 'thing', { doNotTrack: true }, false],
  // StagedNetworkPolicy.
  ['SNP: allow valid name', SNP, 'thing', undefined, true],
  ['SNP: disallow name with dot', SNP, 't.h.i.ng', undefined, false],
  ['SNP: disallow name with mixed case', SNP, 'tHiNg', undefined, false],
  ['SNP: allow valid name of 253 chars', SNP, x(253), undefined, true],
  ['SNP: disallow a name of 254 chars', SNP, x(254), undefined, false],
  ['SNP: allow k8s policy name', SNP, 'knp.default.thing', undefined, true],
  ['SNP: allow missing Types with Delete', SNP, 'eng.thing', { stagedAction: 'Delete', tier: 'eng' }, true],
  ['SNP: accept StagedAction Set', SNP, 'thing', { stagedAction: 'Set', selector: 'foo == "bar"' }, true],
  ['SNP: accept StagedAction not set', SNP, 'thing', { selector: 'foo == "bar"' }, true],
  ['SNP: reject Delete with other spec fields', SNP, 'thing', { stagedAction: 'Delete', selector: 'foo == "bar"' }, false],
  ['SNP: reject StagedAction Warning', SNP, 'thing', { stagedAction: 'Warning', selector: 'foo == "bar"' }, false],
  ['SNP: accept an empty StagedAction', SNP, 'thing', { stagedAction: '', selector: 'foo == "bar"' }, true],
  ['SNP: accept Learn and Ignore', SNP, 'thing', { stagedAction: 'Learn' }, true],
  // NetworkSet / GlobalNetworkSet.
  ['GlobalNetworkSet: accept with labels', 'GlobalNetworkSet', 'testset', { nets: ['10.0.0.1'] }, true],
  ['GlobalNetworkSet: reject bad name', 'GlobalNetworkSet', 'test$set', { nets: ['10.0.0.1'] }, false],
  ['NetworkSet: accept with labels', 'NetworkSet', 'testset', { nets: ['10.0.0.1'] }, true],
  ['NetworkSet: reject bad name', 'NetworkSet', 'test$set', { nets: ['10.0.0.1'] }, false],
  // HostEndpoint objects.
  ['HostEndpoint: reject no spec', 'HostEndpoint', 'hep', undefined, false],
  ['HostEndpoint: accept interface and node', 'HostEndpoint', 'hep', { interfaceName: 'eth0', node: 'node01' }, true],
  // Profile.
  ['Profile: accept rules', 'Profile', 'prof', { ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: [80] } }], egress: allow }, true],
  ['Profile: reject an invalid rule', 'Profile', 'prof', { ingress: [{ action: 'Allow', destination: { ports: [80] } }] }, false],
];

describe('policy kinds (validator_test.go)', () => {
  for (const [name, kind, objName, spec, ok] of resourceCases) {
    it(`${name} -> ${ok ? 'valid' : 'invalid'}`, () => assert.equal(valid(kind, objName, spec), ok));
  }

  it('GlobalNetworkSet/NetworkSet: reject the reserved namespace label', () => {
    const labels = { 'projectcalico.org/namespace': 'foo' };
    assert.equal(valid('GlobalNetworkSet', 'testset', { nets: ['10.0.0.1'] }, { labels }), false);
    assert.equal(valid('NetworkSet', 'testset', { nets: ['10.0.0.1'] }, { labels }), false);
    assert.equal(valid('NetworkSet', 'testset', { nets: ['10.0.0.1'] }, { labels: { a: 'b' } }), true);
  });
});

type SpecCase = readonly [name: string, spec: Spec, value: unknown, ok: boolean];

const tcpPort = { name: 'a-valid-port', protocol: 'TCP', port: 1234 };
const value63 = x(63);
const value64 = x(64);

const specCases: readonly SpecCase[] = [
  // (API model) EndpointPorts.
  ['accept WorkloadEndpointPort with tcp', workloadEndpointPortSpec, tcpPort, true],
  ['accept WorkloadEndpointPort with udp', workloadEndpointPortSpec, { ...tcpPort, protocol: 'UDP' }, true],
  ['accept WorkloadEndpointPort with sctp', workloadEndpointPortSpec, { ...tcpPort, protocol: 'SCTP' }, true],
  ['reject WorkloadEndpointPort with empty name', workloadEndpointPortSpec, { name: '', protocol: 'UDP', port: 1234 }, false],
  ['accept WorkloadEndpointPort with empty name and a hostPort', workloadEndpointPortSpec, { name: '', protocol: 'UDP', port: 1234, hostPort: 2345 }, true],
  ['reject WorkloadEndpointPort with no protocol', workloadEndpointPortSpec, { name: 'a-valid-port', port: 1234 }, false],
  ['reject WorkloadEndpointPort with numeric protocol 123', workloadEndpointPortSpec, { ...tcpPort, protocol: 123 }, false],
  ['reject WorkloadEndpointPort with no port', workloadEndpointPortSpec, { name: 'a-valid-port', protocol: 'TCP' }, false],
  ['reject WorkloadEndpointPort with an invalid host IP', workloadEndpointPortSpec, { protocol: 'TCP', port: 1234, hostPort: 2345, hostIP: '999.999.999.999' }, false],
  ['accept EndpointPort', endpointPortSpec, tcpPort, true],
  ['reject EndpointPort without a name', endpointPortSpec, { protocol: 'TCP', port: 1234 }, false],
  ['reject EndpointPort with ICMP', endpointPortSpec, { ...tcpPort, protocol: 'ICMP' }, false],
  ['reject EndpointPort with port 0', endpointPortSpec, { ...tcpPort, port: 0 }, false],
  // (API) WorkloadEndpointSpec.
  ['accept WEP spec with a port', workloadEndpointSpecSchema, { interfaceName: 'eth0', ports: [tcpPort] }, true],
  ['reject WEP spec with an unnamed port and no host port', workloadEndpointSpecSchema, { interfaceName: 'eth0', ports: [{ protocol: 'TCP', port: 1234 }] }, false],
  ['accept WEP spec with name-clashing ports', workloadEndpointSpecSchema, { interfaceName: 'eth0', ports: [tcpPort, { ...tcpPort, protocol: 'UDP', port: 5456 }] }, true],
  ['accept WEP spec with an unnamed port and a host port', workloadEndpointSpecSchema, { interfaceName: 'eth0', ports: [{ protocol: 'TCP', port: 1234, hostPort: 2345 }] }, true],
  ['reject WEP spec with an invalid spoofing prefix', workloadEndpointSpecSchema, { interfaceName: 'eth0', allowSpoofedSourcePrefixes: ['10.abcd'] }, false],
  ['accept WEP spec with spoofing IP and prefix', workloadEndpointSpecSchema, { interfaceName: 'eth0', allowSpoofedSourcePrefixes: ['10.0.0.1', '192.168.0.0/16'] }, true],
  ['accept a valid interface', workloadEndpointSpecSchema, { interfaceName: 'Valid_Iface.0-9' }, true],
  ['reject an interface that is too long', workloadEndpointSpecSchema, { interfaceName: 'interfaceTooLong' }, false],
  ['reject & in an interface', workloadEndpointSpecSchema, { interfaceName: 'Invalid&Intface' }, false],
  ['reject # in an interface', workloadEndpointSpecSchema, { interfaceName: 'Invalid#Intface' }, false],
  ['reject : in an interface', workloadEndpointSpecSchema, { interfaceName: 'Invalid:Intface' }, false],
  ['accept WEP with interface only', workloadEndpointSpecSchema, { interfaceName: 'cali012371237' }, true],
  ['accept WEP with networks and no nats', workloadEndpointSpecSchema, { interfaceName: 'cali012371237', ipNetworks: ['1.2.3.4/32', '1.2.0.0/32', 'aabb:aabb::ffff/128', 'aabb:aabb::/128'] }, true],
  ['accept WEP with IPv4 NAT covered by network', workloadEndpointSpecSchema, { interfaceName: 'cali012371237', ipNetworks: ['1.2.3.4/32'], ipNATs: [{ internalIP: '1.2.3.4', externalIP: '100.200.0.0' }] }, true],
  ['accept WEP with IPv6 NAT covered by network', workloadEndpointSpecSchema, { interfaceName: 'cali012371237', ipNetworks: ['aabb:aabb::ffff/128'], ipNATs: [{ internalIP: 'aabb:aabb::ffff', externalIP: 'aabb::abcd' }] }, true],
  [
    'accept WEP with IPv4 and IPv6 NAT covered by network',
    workloadEndpointSpecSchema,
    {
      interfaceName: 'cali012371237',
      ipNetworks: ['1.2.3.4/32', 'aabb:aabb::ffff/128'],
      ipNATs: [
        { internalIP: '1.2.3.4', externalIP: '100.200.0.0' },
        { internalIP: 'aabb:aabb::ffff', externalIP: 'aabb::abcd' },
      ],
    },
    true,
  ],
  ['accept WEP with mixed-case containerID', workloadEndpointSpecSchema, { interfaceName: 'cali012371237', containerID: 'Cath01234-G' }, true],
  ['reject WEP with no config', workloadEndpointSpecSchema, {}, false],
  ['reject WEP with IPv4 network of >1 address', workloadEndpointSpecSchema, { interfaceName: 'cali012371237', ipNetworks: ['1.2.3.0/26'] }, false],
  ['reject WEP with IPv6 network of >1 address', workloadEndpointSpecSchema, { interfaceName: 'cali012371237', ipNetworks: ['aabb:aabb::0000/122'] }, false],
  ['reject WEP with nats and no networks', workloadEndpointSpecSchema, { interfaceName: 'cali012371237', ipNATs: [{ internalIP: '100.200.0.0', externalIP: '1.2.3.4' }] }, false],
  ['reject WEP with IPv4 NAT not covered', workloadEndpointSpecSchema, { interfaceName: 'cali012371237', ipNetworks: ['1.2.3.4/32'], ipNATs: [{ internalIP: '100.200.0.0', externalIP: '1.2.3.4' }] }, false],
  ['reject WEP with IPv6 NAT not covered', workloadEndpointSpecSchema, { interfaceName: 'cali012371237', ipNetworks: ['aabb:aabb::ffff/128'], ipNATs: [{ internalIP: 'aabb::abcd', externalIP: 'aabb:aabb::ffff' }] }, false],
  ['reject WEP containerID starting with a dash', workloadEndpointSpecSchema, { interfaceName: 'cali0134', containerID: '-abcdefg' }, false],
  ['reject WEP containerID ending with a dash', workloadEndpointSpecSchema, { interfaceName: 'cali0134', containerID: 'abcdeSg-' }, false],
  ['reject WEP containerID with a period', workloadEndpointSpecSchema, { interfaceName: 'cali0134', containerID: 'abcde-j.g' }, false],
  ['reject IPNAT mixing IPv4 and IPv6', workloadEndpointSpecSchema, { interfaceName: 'cali0', ipNetworks: ['1.2.3.4/32'], ipNATs: [{ internalIP: '1.2.3.4', externalIP: 'aabb:aabb::ffff' }] }, false],
  ['accept WEP MAC', workloadEndpointSpecSchema, { interfaceName: 'cali0', mac: 'ca:fe:1d:52:bb:e9' }, true],
  ['reject bad WEP MAC', workloadEndpointSpecSchema, { interfaceName: 'cali0', mac: 'ca:fe:1d:52:bb' }, false],
  ['accept IPv4 and IPv6 gateways', workloadEndpointSpecSchema, { interfaceName: 'cali0', ipv4Gateway: '10.0.0.1', ipv6Gateway: 'fd00::1' }, true],
  ['reject IPv6 address as IPv4 gateway', workloadEndpointSpecSchema, { interfaceName: 'cali0', ipv4Gateway: 'fd00::1' }, false],
  // (API) HostEndpointSpec.
  ['accept HEP spec with a port', hostEndpointSpecSchema, { interfaceName: 'eth0', ports: [tcpPort], node: 'node01' }, true],
  ['reject HEP spec with an unnamed port', hostEndpointSpecSchema, { interfaceName: 'eth0', ports: [{ protocol: 'TCP', port: 1234 }], node: 'node01' }, false],
  ['reject HEP spec with a missing node', hostEndpointSpecSchema, { interfaceName: 'eth0', ports: [tcpPort] }, false],
  ['accept HEP spec with name-clashing ports', hostEndpointSpecSchema, { interfaceName: 'eth0', ports: [tcpPort, { ...tcpPort, protocol: 'UDP', port: 5456 }], node: 'node01' }, true],
  ['accept HEP spec with interfaceName *', hostEndpointSpecSchema, { interfaceName: '*', node: 'node01' }, true],
  ['accept HEP with interface and node', hostEndpointSpecSchema, { interfaceName: 'eth0', node: 'node01' }, true],
  ['accept HEP with expected IPs', hostEndpointSpecSchema, { expectedIPs: ['1.2.3.4', 'aabb:aabb::ffff'], node: 'node01' }, true],
  ['accept HEP with interface and expected IPs', hostEndpointSpecSchema, { interfaceName: 'eth0', expectedIPs: ['1.2.3.4', 'aabb:aabb::ffff'], node: 'node01' }, true],
  ['reject HEP with no config', hostEndpointSpecSchema, {}, false],
  ['reject HEP with blank interface and no IPs', hostEndpointSpecSchema, { interfaceName: '', expectedIPs: [], node: 'node01' }, false],
  ['accept HEP with prefixed profile names', hostEndpointSpecSchema, { interfaceName: 'eth0', profiles: ['knp.default.fun', 'knp.default.funner.11234-a'], node: 'node01' }, true],
  ['accept HEP without prefixed profile name', hostEndpointSpecSchema, { interfaceName: 'eth0', profiles: ['fun-funner1234'], node: 'node01' }, true],
  ['reject HEP profile name starting with a dot', hostEndpointSpecSchema, { interfaceName: 'eth0', profiles: ['.fun'], node: 'node01' }, false],
  ['reject HEP with a bad expected IP', hostEndpointSpecSchema, { expectedIPs: ['1.2.3.4/32'], node: 'node01' }, false],
  // Network sets.
  ['accept NetworkSetSpec with CIDRs and IPs', networkSetSpecSchema, { nets: ['10.0.0.1', '11.0.0.0/8', 'dead:beef::', 'dead:beef::/96'] }, true],
  ['reject NetworkSetSpec with bad CIDR', networkSetSpecSchema, { nets: ['garbage'] }, false],
  ['accept NetworkSetSpec with host bits set', networkSetSpecSchema, { nets: ['10.0.0.1/8'] }, true],
  // Labels to apply.
  ['accept a valid labelsToApply', profileSpecSchema, { labelsToApply: { 'project.calico.org/my-valid-label': value63 } }, true],
  ['reject a long value in labelsToApply', profileSpecSchema, { labelsToApply: { 'project.calico.org/my-valid-label': value64 } }, false],
  ['reject . at start of key in labelsToApply', profileSpecSchema, { labelsToApply: { '.mylabel': 'value' } }, false],
  ['reject ! in labelsToApply', profileSpecSchema, { labelsToApply: { 'my!nvalid-label': 'value' } }, false],
  ['reject $ in labelsToApply', profileSpecSchema, { labelsToApply: { 'my-invalid-label$': 'value' } }, false],
];

describe('endpoint, set and profile specs (validator_test.go)', () => {
  for (const [name, spec, value, ok] of specCases) {
    it(`should ${name}`, () => {
      const issues = new Issues();
      spec.check(value, 'spec', issues);
      assert.equal(issues.empty, ok, JSON.stringify(issues.list));
    });
  }
});

describe('StagedKubernetesNetworkPolicy', () => {
  const sknp = (spec: Record<string, unknown>) => valid('StagedKubernetesNetworkPolicy', 'test-network-policy', spec);
  it('accepts a policy that converts', () => {
    assert.equal(sknp({ podSelector: { matchLabels: { role: 'db' } }, ingress: [{ ports: [{ protocol: 'TCP', port: 'http' }] }] }), true);
  });
  it('rejects a bad ipBlock, port range or selector requirement', () => {
    assert.equal(sknp({ ingress: [{ from: [{ ipBlock: { cidr: 'garbage' } }] }] }), false);
    assert.equal(sknp({ ingress: [{ ports: [{ port: 90, endPort: 80 }] }] }), false);
    assert.equal(sknp({ podSelector: { matchExpressions: [{ key: 'a', operator: 'In' }] } }), false);
  });
  it('requires an empty spec with stagedAction Delete', () => {
    assert.equal(sknp({ stagedAction: 'Delete' }), true);
    assert.equal(sknp({ stagedAction: 'Delete', podSelector: {} }), true);
    assert.equal(sknp({ stagedAction: 'Delete', policyTypes: ['Ingress'] }), false);
  });
});

describe('reserved tier order messages (clientv3 tier_e2e_test.go wording)', () => {
  for (const [name, want] of [['default', '1e+06'], ['adminnetworkpolicy', '1000'], ['baselineadminnetworkpolicy', '1e+07']] as const) {
    it(`${name} tier order must be ${want}`, () => {
      assert.throws(
        () => validateResource({ apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name }, spec: { order: 5 } }),
        (e: Error) => e.message.includes(`${name} tier order must be ${want}`),
      );
    });
  }
});
