/**
 * Rule, EntityRule, ICMPFields, Protocol, Port and HTTPMatch cases ported
 * from libcalico-go lib/validator/v3/validator_test.go ("Validator" table),
 * as JSON the way calicoctl decodes them. Go struct literals that have no
 * JSON spelling (a Port with both a name and numbers) are left out.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Issues } from './issues.js';
import { entityRuleSpec } from './entity-rule.js';
import { httpMatchSpec, ruleSpec, validateRule, PROTOCOL_PORTS_MSG, canonicalizeRule } from './rule.js';
import { icmpSpec, portSpec, protocolSpec } from './rule-fields.js';
import type { Spec } from './schema.js';
import { netv4_1 as v4_1, netv4_2 as v4_2, netv4_3 as v4_3, netv4_4 as v4_4, netv6_1 as v6_1, netv6_2 as v6_2, netv6_3 as v6_3 } from '../testdata/validator-values.js';

type Case = readonly [name: string, spec: Spec, value: unknown, valid: boolean];


const R = ruleSpec;
const E = entityRuleSpec;

const cases: readonly Case[] = [
  // (API) Actions.
  ['accept allow action', R, { action: 'Allow' }, true],
  ['accept deny action', R, { action: 'Deny' }, true],
  ['accept log action', R, { action: 'Log' }, true],
  ['accept pass action', R, { action: 'Pass' }, true],
  ['reject unknown action', R, { action: 'unknown' }, false],
  ['reject unknown action allowfoo', R, { action: 'allowfoo' }, false],
  ['reject rule with no action', R, {}, false],
  // (API) IP version.
  ['accept IP version 4', R, { action: 'Allow', ipVersion: 4 }, true],
  ['accept IP version 6', R, { action: 'Allow', ipVersion: 6 }, true],
  ['reject IP version 0', R, { action: 'Allow', ipVersion: 0 }, false],
  // (API) Selectors.
  ['accept valid selector', E, { selector: 'foo == "bar"' }, true],
  ["accept 'has' with a '/'", E, { selector: 'has(calico/k8s_ns)' }, true],
  ["accept 'has' with two '/'", E, { selector: 'has(calico/k8s_ns/role)' }, true],
  ["accept 'has' with two '/' and '-.'", E, { selector: 'has(calico/k8s_NS-.1/role)' }, true],
  ['reject invalid selector', E, { selector: 'thing=hello &' }, false],
  // (API) Protocol.
  ['accept protocol TCP', protocolSpec, 'TCP', true],
  ['accept protocol UDP', protocolSpec, 'UDP', true],
  ['accept protocol ICMP', protocolSpec, 'ICMP', true],
  ['accept protocol ICMPv6', protocolSpec, 'ICMPv6', true],
  ['accept protocol SCTP', protocolSpec, 'SCTP', true],
  ['accept protocol UDPLite', protocolSpec, 'UDPLite', true],
  ['accept protocol 1 as int', protocolSpec, 1, true],
  ['accept protocol 255 as int', protocolSpec, 255, true],
  ['accept protocol 255 as string', protocolSpec, '255', true],
  ['accept protocol 1 as string', protocolSpec, '1', true],
  ['reject protocol 0 as int', protocolSpec, 0, false],
  ['reject protocol 256 as int', protocolSpec, 256, false],
  ['reject protocol 256 as string', protocolSpec, '256', false],
  ['reject protocol 0 as string', protocolSpec, '0', false],
  ['reject protocol tcpfoo', protocolSpec, 'tcpfoo', false],
  ['reject protocol footcp', protocolSpec, 'footcp', false],
  ['reject protocol tcp (lower case)', protocolSpec, 'tcp', false],
  // Ports.
  ['accept port 1', portSpec, 1, true],
  ['accept port 65535', portSpec, 65535, true],
  ['accept port range', portSpec, '100:200', true],
  ['accept named port', portSpec, 'http-port', true],
  ['reject port 0', portSpec, 0, false],
  ['reject port 65536', portSpec, 65536, false],
  ['reject reversed range', portSpec, '200:100', false],
  ['reject range from 0', portSpec, '0:100', false],
  ['reject bad named port', portSpec, 'no spaces', false],
  // (API) ICMPFields.
  ['accept ICMP with no config', icmpSpec, {}, true],
  ['accept ICMP type min', icmpSpec, { type: 0 }, true],
  ['accept ICMP type max', icmpSpec, { type: 254 }, true],
  ['accept ICMP type and code min', icmpSpec, { type: 128, code: 0 }, true],
  ['accept ICMP type and code max', icmpSpec, { type: 128, code: 255 }, true],
  ['reject ICMP code and no type', icmpSpec, { code: 0 }, false],
  ['reject ICMP type too high', icmpSpec, { type: 255 }, false],
  ['reject ICMP code too high', icmpSpec, { type: 128, code: 256 }, false],
  // (API) Rule.
  ['accept SCTP and no other config', R, { action: 'Allow', protocol: 'SCTP' }, true],
  ['accept source ports and protocol 6', R, { action: 'Allow', protocol: 6, source: { ports: [1] } }, true],
  ['accept source named ports and protocol 6', R, { action: 'Allow', protocol: 6, source: { ports: ['foo'] } }, true],
  ['accept source named ports and TCP', R, { action: 'Allow', protocol: 'TCP', source: { ports: ['foo'] } }, true],
  ['accept source named ports and UDP', R, { action: 'Allow', protocol: 'UDP', source: { ports: ['foo'] } }, true],
  ['accept empty source ports and protocol 7', R, { action: 'Allow', protocol: 7, source: { ports: [] } }, true],
  ['accept source !ports and protocol 17', R, { action: 'Allow', protocol: 17, source: { notPorts: [1] } }, true],
  ['accept empty source !ports and protocol 100', R, { action: 'Allow', protocol: 100, source: { notPorts: [] } }, true],
  ['accept dest ports and TCP', R, { action: 'Allow', protocol: 'TCP', destination: { ports: [1] } }, true],
  ['reject dest ports and no protocol', R, { action: 'Allow', destination: { ports: [1] } }, false],
  ['reject port 0 in notPorts', R, { action: 'Allow', protocol: 'TCP', destination: { notPorts: [0] } }, false],
  ['reject named port with invalid protocol', R, { action: 'Allow', protocol: 'unknown', destination: { notPorts: ['foo'] } }, false],
  ['accept empty dest ports and SCTP', R, { action: 'Allow', protocol: 'SCTP', destination: { ports: [] } }, true],
  ['accept empty dest !ports and ICMPv6', R, { action: 'Allow', ipVersion: 6, protocol: 'ICMPv6', destination: { notPorts: [] } }, true],
  ['reject icmp fields and no protocol', R, { action: 'Allow', ipVersion: 4, icmp: { type: 0 } }, false],
  ['accept icmp fields and no ipversion', R, { action: 'Allow', protocol: 'ICMP', icmp: { type: 0 } }, true],
  ['accept icmpv6 fields and no ipversion', R, { action: 'Allow', protocol: 'ICMPv6', icmp: { type: 0 } }, true],
  ['reject mismatched ipversion for icmp', R, { action: 'Allow', protocol: 'ICMP', ipVersion: 6 }, false],
  ['reject mismatched ipversion for icmpv6', R, { action: 'Allow', protocol: 'ICMPv6', ipVersion: 4 }, false],
  ['accept correct ipversion for icmp', R, { action: 'Allow', ipVersion: 4, protocol: 'ICMP', icmp: { type: 0 } }, true],
  ['accept correct ipversion for icmpv6', R, { action: 'Allow', ipVersion: 6, protocol: 'ICMPv6', icmp: { type: 0 } }, true],
  ['reject source ports and protocol 7', R, { action: 'Allow', protocol: 7, source: { ports: [1] } }, false],
  ['reject source !ports and protocol 100', R, { action: 'Allow', protocol: 100, source: { notPorts: [1] } }, false],
  ['accept dest ports and SCTP', R, { action: 'Allow', protocol: 'SCTP', destination: { ports: [1] } }, true],
  ['reject dest !ports and ICMP', R, { action: 'Allow', ipVersion: 4, protocol: 'ICMP', destination: { notPorts: [1] } }, false],
  ['reject invalid source ports (200:100)', R, { action: 'Allow', protocol: 'TCP', source: { ports: ['200:100'] } }, false],
  ['reject invalid source !ports (200:100)', R, { action: 'Allow', protocol: 'TCP', source: { notPorts: ['200:100'] } }, false],
  ['reject invalid dest ports (200:100)', R, { action: 'Allow', protocol: 'TCP', destination: { ports: ['200:100'] } }, false],
  ['reject invalid dest !ports (200:100)', R, { action: 'Allow', protocol: 'TCP', destination: { notPorts: ['200:100'] } }, false],
  ['reject port range with MinPort 0', R, { action: 'Allow', protocol: 'TCP', destination: { notPorts: ['0:100'] } }, false],
  ['reject mixed IPv4 (src) and IPv6 (dest)', R, { action: 'Allow', protocol: 'TCP', source: { nets: [v4_3] }, destination: { nets: [v6_3] } }, false],
  ['reject mixed IPv6 (src) and IPv4 (dest)', R, { action: 'Allow', protocol: 'TCP', source: { nets: [v6_2] }, destination: { nets: [v4_2] } }, false],
  ['reject IPv6 version and IPv4 nets', R, { action: 'Allow', protocol: 'TCP', ipVersion: 6, source: { nets: [v4_4] }, destination: { nets: [v4_2] } }, false],
  ['reject IPv6 version and IPv4 notNets', R, { action: 'Allow', protocol: 'TCP', ipVersion: 6, source: { nets: [v4_4] }, destination: { notNets: [v4_2] } }, false],
  ['reject IPVersion 6 and IPv4 source net', R, { action: 'Allow', protocol: 'TCP', ipVersion: 6, source: { nets: [v4_1] } }, false],
  ['reject IPVersion 4 and IPv6 dest net', R, { action: 'Allow', protocol: 'TCP', ipVersion: 4, destination: { nets: [v6_1] } }, false],
  ['accept IPv4 nets with ipVersion 4', R, { action: 'Allow', ipVersion: 4, source: { nets: [v4_3] }, destination: { notNets: [v4_1] } }, true],
  ['reject IPv4 and IPv6 in one nets list', R, { action: 'Allow', source: { nets: [v4_3, v6_3] } }, false],
  ['reject host bits set in nets', R, { action: 'Allow', source: { nets: ['1.2.3.4/24'] } }, false],
  ['reject a bare IP in rule nets (Calico parses rule nets as CIDRs)', R, { action: 'Allow', source: { nets: ['1.2.3.4'] } }, false],
  ['reject ICMPv6 and IPVersion 4', R, { action: 'Allow', protocol: 'ICMPv6', ipVersion: 4 }, false],
  ['reject ICMP and IPVersion 6', R, { action: 'Allow', protocol: 'ICMP', ipVersion: 6 }, false],
  ['reject notProtocol ICMP and IPVersion 6', R, { action: 'Allow', notProtocol: 'ICMP', ipVersion: 6 }, false],
  ['accept Allow rule with HTTP', R, { action: 'Allow', http: { methods: ['GET'] } }, true],
  ['reject Deny rule with HTTP', R, { action: 'Deny', http: { methods: ['GET'] } }, false],
  ['reject non-TCP protocol with HTTP', R, { action: 'Allow', protocol: 'UDP', http: { methods: ['GET'] } }, false],
  ['accept TCP protocol with HTTP', R, { action: 'Allow', protocol: 'TCP', http: { methods: ['GET'] } }, true],
  ['accept missing protocol with HTTP', R, { action: 'Allow', http: { methods: ['GET'] } }, true],
  ['accept valid rule annotations', R, { action: 'Allow', metadata: { annotations: { foo: 'bar' } } }, true],
  ['reject invalid rule annotations', R, { action: 'Allow', metadata: { annotations: { '...': 'bar' } } }, false],
  ['reject catch-all IPv4 notNets', R, { action: 'Allow', destination: { notNets: ['0.0.0.0/0'] } }, false],
  ['reject catch-all IPv6 notNets', R, { action: 'Allow', source: { notNets: ['::0/0'] } }, false],
  ['reject catch-all IPv6 notNets (non-standard form)', R, { action: 'Allow', source: { notNets: ['0:0:0::/0'] } }, false],
  ['accept catch-all in nets', R, { action: 'Allow', source: { nets: ['0.0.0.0/0'] } }, true],
  ['reject unknown rule field', R, { action: 'Allow', bogus: 1 }, false],
  // EntityRule and global().
  ['reject global() in EntityRule selector', E, { selector: ' global() ' }, false],
  ['accept global() in EntityRule namespaceSelector', E, { namespaceSelector: ' global() ' }, true],
  ["reject global() AND'd in namespaceSelector", E, { namespaceSelector: ' global() && all()' }, false],
  ["reject global() OR'd in namespaceSelector", E, { namespaceSelector: 'global()||all()' }, false],
  ['reject bad selector with global()', E, { selector: 'global() && bad' }, false],
  ['accept service with name and namespace', E, { services: { name: 'service1', namespace: 'default' } }, true],
  ['reject service without a name', E, { services: { namespace: 'default' } }, false],
  ['reject service and serviceAccounts', E, { services: { name: 's' }, serviceAccounts: { names: ['sa'] } }, false],
  ['reject service and nets', E, { services: { name: 's' }, nets: ['10.0.0.0/8'] }, false],
  ['reject service and notNets', E, { services: { name: 's' }, notNets: ['10.0.0.0/8'] }, false],
  ['reject service and selector', E, { services: { name: 's' }, selector: "x == 'y'" }, false],
  ['reject service and notSelector', E, { services: { name: 's' }, notSelector: "x == 'y'" }, false],
  ['reject service and namespaceSelector', E, { services: { name: 's' }, namespaceSelector: "x == 'y'" }, false],
  ['accept serviceAccounts names and selector', E, { serviceAccounts: { names: ['a', 'b'], selector: "role == 'x'" } }, true],
  ['reject bad serviceAccounts selector', E, { serviceAccounts: { selector: 'role ==' } }, false],
  // HTTPMatch.
  ['accept HTTP paths', httpMatchSpec, { paths: [{ exact: '/foo' }, { prefix: '/bar' }] }, true],
  ['reject HTTP path with exact and prefix', httpMatchSpec, { paths: [{ exact: '/foo', prefix: '/bar' }, { prefix: '/bar' }] }, false],
  ['reject HTTP path with ?', httpMatchSpec, { paths: [{ exact: '/fo?o' }] }, false],
  ['reject HTTP path with space', httpMatchSpec, { paths: [{ exact: '/fo o' }] }, false],
  ['reject HTTP path with #', httpMatchSpec, { paths: [{ exact: '/f#oo' }] }, false],
  ['reject HTTP path with #!?', httpMatchSpec, { paths: [{ exact: '/fo#!?o' }] }, false],
  ['reject empty HTTP path match', httpMatchSpec, { paths: [{}] }, false],
  ['reject duplicate HTTP methods', httpMatchSpec, { methods: ['GET', 'GET', 'Foo'] }, false],
];

describe('rule validation (validator_test.go)', () => {
  for (const [name, spec, value, valid] of cases) {
    it(`should ${name}`, () => {
      const issues = new Issues();
      spec.check(value, 'x', issues);
      assert.equal(issues.empty, valid, JSON.stringify(issues.list));
    });
  }
});

describe('rule issue paths and messages', () => {
  it('names the port of a reversed range', () => {
    const issues = new Issues();
    validateRule({ action: 'Allow', protocol: 'TCP', destination: { ports: [80, '90:80'] } }, 'spec.ingress[0]', issues);
    assert.equal(issues.list.length, 1);
    assert.equal(issues.list[0]!.path, 'spec.ingress[0].destination.ports[1]');
    assert.match(issues.list[0]!.reason, /^invalid port range "90:80"/);
  });

  it('reports ports without a port protocol with Calico wording', () => {
    const issues = new Issues();
    validateRule({ action: 'Allow', protocol: 'ICMP', source: { notPorts: [1] } }, 'r', issues);
    assert.deepEqual(issues.list.map((i) => [i.path, i.reason]), [['r.source.notPorts', PROTOCOL_PORTS_MSG]]);
  });

  it('reports the nets field that mixes families', () => {
    const issues = new Issues();
    validateRule({ action: 'Allow', source: { nets: [v4_3] }, destination: { notNets: [v6_3] } }, 'r', issues);
    assert.deepEqual(issues.list.map((i) => [i.path, i.reason]), [['r.destination.notNets', 'rule contains both IPv4 and IPv6 CIDRs']]);
  });

  it('reports an ICMP code without a type at the code', () => {
    const issues = new Issues();
    validateRule({ action: 'Allow', protocol: 'ICMP', icmp: { code: 3 } }, 'r', issues);
    assert.deepEqual(issues.list.map((i) => [i.path, i.reason]), [['r.icmp.code', 'ICMP code specified without an ICMP type']]);
  });

  it('reports an invalid selector with its position', () => {
    const issues = new Issues();
    validateRule({ action: 'Allow', source: { selector: 'a == ' } }, 'r', issues);
    assert.equal(issues.list[0]!.path, 'r.source.selector');
    assert.match(issues.list[0]!.reason, /position/);
  });
});

describe('canonicalizeRule', () => {
  it('stores numeric strings as Go marshals them', () => {
    const rule: Record<string, unknown> = {
      action: 'Allow',
      protocol: '6',
      notProtocol: 'UDP',
      destination: { ports: ['80', '90:100', 'http', 22] },
    };
    canonicalizeRule(rule);
    assert.deepEqual(rule, { action: 'Allow', protocol: 6, notProtocol: 'UDP', destination: { ports: [80, '90:100', 'http', 22] } });
  });
});
