// State-based tests of the calc graph: named input states and the dataplane
// state/messages they must produce, plus ordering and minimality of updates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMessages, danglingReferences, emptyDesiredState, type DataplaneMsg, type DesiredState } from '../dataplane/model/index.js';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { CALC_FLUSH_CHANNEL, CalcGraph, type CalcGraphOptions } from './calc-graph.js';
import * as f from './fixtures.js';
import type { CalcUpdate } from './updates.js';

function run(updates: CalcUpdate[], opts: CalcGraphOptions = { allEndpoints: true }): { g: CalcGraph; s: DesiredState; msgs: DataplaneMsg[] } {
  const g = new CalcGraph(opts);
  g.onUpdates(updates);
  const msgs = g.flush();
  return { g, s: applyMessages(emptyDesiredState(), msgs), msgs };
}

const pods = [
  f.namespaceProfile('ns1', { team: 'blue' }),
  f.wep('ns1', 'web', { ipNetworks: ['10.0.0.1/32'], ports: [{ name: 'http', protocol: 'TCP', port: 80 }] }, { app: 'web' }),
  f.wep('ns1', 'db', { ipNetworks: ['10.0.0.2/32'], node: 'node2' }, { app: 'db' }),
];
const dbPolicy = f.np('ns1', 'db-from-web', { selector: "app == 'db'", ingress: [{ action: 'Allow', protocol: 'TCP', source: { selector: "app == 'web'" }, destination: { ports: [5432] } }] });

test('messages come in dependency order and leave no dangling reference', () => {
  const { msgs, s } = run([...pods, dbPolicy, { kind: 'InSync' }]);
  const kinds = msgs.map((m) => m.kind);
  const first = (k: DataplaneMsg['kind']): number => kinds.indexOf(k);
  assert.equal(kinds[0], 'ConfigUpdate');
  assert.ok(first('IpSetUpdate') < first('ActivePolicyUpdate'));
  assert.ok(first('ActivePolicyUpdate') < first('ActiveProfileUpdate'));
  assert.ok(first('ActiveProfileUpdate') < first('WorkloadEndpointUpdate'));
  assert.equal(kinds.at(-1), 'InSync');
  assert.deepEqual(danglingReferences(s), []);
});

test('the rule selector becomes a namespaced net IP set with the matching pod addresses', () => {
  const { s } = run([...pods, dbPolicy]);
  const pol = s.policies.get('NetworkPolicy/ns1/db-from-web')!;
  const rule = pol.inboundRules[0]!;
  assert.equal(rule.protocol, 6);
  assert.deepEqual(rule.dstPorts, [{ first: 5432, last: 5432 }]);
  const setId = rule.srcIpSetIds![0]!;
  assert.match(setId, /^s:/);
  assert.deepEqual([...s.ipSets.get(setId)!.members], ['10.0.0.1/32']);
  assert.equal(s.ipSets.get(setId)!.type, 'net');
  assert.deepEqual(s.workloadEndpoints.get('ns1/db')!.tiers, [
    { name: 'default', order: 1_000_000, defaultAction: 'Deny', ingressPolicies: [{ kind: 'NetworkPolicy', namespace: 'ns1', name: 'db-from-web' }], egressPolicies: [] },
  ]);
  assert.deepEqual(s.workloadEndpoints.get('ns1/web')!.tiers, []);
  assert.equal(s.workloadEndpoints.get('ns1/web')!.labels['pcns.team'], 'blue', 'labels inherited from the namespace profile');
});

test('a label change emits an IP set delta and the endpoint update only', () => {
  const { g } = run([...pods, dbPolicy]);
  g.onUpdate(f.wep('ns1', 'web2', { ipNetworks: ['10.0.0.3/32'] }, { app: 'web' }));
  const msgs = g.flush();
  assert.deepEqual(msgs.map((m) => m.kind), ['IpSetDeltaUpdate', 'WorkloadEndpointUpdate']);
  assert.deepEqual((msgs[0] as Extract<DataplaneMsg, { kind: 'IpSetDeltaUpdate' }>).added, ['10.0.0.3/32']);
  // Re-sending identical input changes nothing.
  g.onUpdate(f.wep('ns1', 'web2', { ipNetworks: ['10.0.0.3/32'] }, { app: 'web' }));
  assert.deepEqual(g.flush(), []);
});

test('local-host filter: only node1 endpoints are sent, but remote pods still fill IP sets', () => {
  const { s } = run([...pods, dbPolicy, f.np('ns1', 'web-to-db', { selector: "app == 'web'", egress: [{ action: 'Allow', destination: { selector: "app == 'db'" } }] })], { hostname: 'node1' });
  assert.deepEqual([...s.workloadEndpoints.keys()], ['ns1/web']);
  assert.deepEqual([...s.policies.keys()], ['NetworkPolicy/ns1/web-to-db'], 'db-from-web selects only a remote pod: inactive');
  const setId = s.policies.get('NetworkPolicy/ns1/web-to-db')!.outboundRules[0]!.dstIpSetIds![0]!;
  assert.deepEqual([...s.ipSets.get(setId)!.members], ['10.0.0.2/32']);
});

test('named port sets hold ip,proto:port of matching endpoints', () => {
  const { s } = run([...pods, f.gnp('to-http', { selector: 'all()', egress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: ['http'] } }] })]);
  const rule = s.policies.get('GlobalNetworkPolicy//to-http')!.outboundRules[0]!;
  const id = rule.dstNamedPortIpSetIds![0]!;
  assert.match(id, /^n:/);
  assert.equal(s.ipSets.get(id)!.type, 'ip-and-port');
  assert.deepEqual([...s.ipSets.get(id)!.members], ['10.0.0.1,tcp:80']);
});

test('tiers order by order then name; policies by order then name', () => {
  const { s } = run([
    ...pods,
    f.tier('b', { order: 10 }), f.tier('a', { order: 10 }), f.tier('z', { order: 1 }),
    f.gnp('b.p', { tier: 'b', selector: 'all()', ingress: [] }),
    f.gnp('a.p2', { tier: 'a', order: 5, selector: 'all()', ingress: [] }),
    f.gnp('a.p1', { tier: 'a', order: 5, selector: 'all()', ingress: [] }),
    f.gnp('a.p0', { tier: 'a', selector: 'all()', ingress: [] }),
    f.gnp('z.p', { tier: 'z', order: 1, selector: 'all()', ingress: [] }),
  ]);
  const tiers = s.workloadEndpoints.get('ns1/web')!.tiers;
  assert.deepEqual(tiers.map((t) => [t.name, t.ingressPolicies.map((p) => p.name)]), [
    ['z', ['z.p']], ['a', ['a.p1', 'a.p2', 'a.p0']], ['b', ['b.p']],
  ]);
});

test('deleting everything removes everything, in reverse dependency order', () => {
  const { g, s } = run([...pods, dbPolicy]);
  for (const u of [...pods, dbPolicy]) if (u.kind !== 'InSync') g.onUpdate({ ...u, value: null } as CalcUpdate);
  const msgs = g.flush();
  applyMessages(s, msgs);
  const kinds = msgs.map((m) => m.kind);
  assert.ok(kinds.indexOf('WorkloadEndpointRemove') < kinds.indexOf('ActivePolicyRemove'));
  assert.ok(kinds.indexOf('ActivePolicyRemove') < kinds.indexOf('IpSetRemove'));
  assert.equal(s.ipSets.size + s.policies.size + s.profiles.size + s.workloadEndpoints.size, 0);
});

test('FelixConfiguration failsafe ports and node override', () => {
  const { s } = run([f.felixConfig('default', { failsafeInboundHostPorts: [{ protocol: 'TCP', port: 2222 }], defaultEndpointToHostAction: 'Accept' }), f.felixConfig('node.node1', { defaultEndpointToHostAction: 'Return' })], { hostname: 'node1' });
  assert.deepEqual(s.config!.failsafeInboundHostPorts, [{ protocol: 'tcp', port: 2222 }]);
  assert.equal(s.config!.failsafeOutboundHostPorts.length, 9, 'Calico default outbound failsafe ports');
  assert.equal(s.config!.defaultEndpointToHostAction, 'Return');
});

test('policies with equal order sort by Felix v1 name: namespace/name for namespaced ones', () => {
  const { s } = run([...pods, f.gnp('b-global', { order: 1, selector: 'all()', ingress: [] }), f.np('ns1', 'a-local', { order: 1, selector: 'all()', ingress: [] }), f.gnp('z', { order: 1, selector: 'all()', ingress: [] })]);
  assert.deepEqual(s.workloadEndpoints.get('ns1/web')!.tiers[0]!.ingressPolicies.map((p) => p.name), ['b-global', 'a-local', 'z']);
});

test('policy types: an ingress-only policy is not in egress lists; types inferred from rules', () => {
  const { s } = run([...pods, f.np('ns1', 'eg', { selector: 'all()', egress: [{ action: 'Allow' }] }), f.np('ns1', 'both', { selector: 'all()', types: ['Ingress', 'Egress'] })]);
  const t = s.workloadEndpoints.get('ns1/web')!.tiers[0]!;
  assert.deepEqual(t.ingressPolicies.map((p) => p.name), ['both']);
  assert.deepEqual(t.egressPolicies.map((p) => p.name), ['both', 'eg']);
});

test('each flush is published on the calico:calc:flush diagnostics channel', () => {
  const seen: unknown[] = [];
  const onMsg = (m: unknown): void => void seen.push(m);
  subscribe(CALC_FLUSH_CHANNEL, onMsg);
  try {
    run([...pods, dbPolicy]);
  } finally {
    unsubscribe(CALC_FLUSH_CHANNEL, onMsg);
  }
  const m = seen[0] as { messages: number; stats: { localEndpoints: number; activePolicies: number } };
  assert.ok(m.messages > 0);
  assert.deepEqual({ eps: m.stats.localEndpoints, pols: m.stats.activePolicies }, { eps: 2, pols: 1 });
});

test('a policy or profile with a selector that does not parse is treated as absent, never thrown', () => {
  const { s } = run([...pods, f.np('ns1', 'bad', { selector: "app == 'db'", ingress: [{ action: 'Allow', source: { selector: 'app ==' } }] }), f.profile('kns.ns1', { ingress: [{ action: 'Allow', source: { notSelector: '((' } }] })]);
  assert.equal(s.policies.size, 0);
  assert.equal(s.profiles.get('kns.ns1')!.missing, true);
});
