// Calico policy semantics, end to end: resources -> calc graph -> model -> simulator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CalcGraph } from '../../calc/calc-graph.js';
import * as f from '../../calc/fixtures.js';
import type { CalcUpdate } from '../../calc/updates.js';
import { applyMessages, danglingReferences, emptyDesiredState, type DesiredState } from '../model/index.js';
import { evaluateEndpoint, evaluatePending, evaluateStagedPolicies, findEndpointsByIp, simulateFlow, type SimEndpoint, type SimPacket } from './index.js';

function build(updates: CalcUpdate[]): DesiredState {
  const g = new CalcGraph({ allEndpoints: true });
  g.onUpdates(updates);
  const s = applyMessages(emptyDesiredState(), g.flush());
  assert.deepEqual(danglingReferences(s), []);
  return s;
}

function wepOf(s: DesiredState, key: string): SimEndpoint {
  const e = s.workloadEndpoints.get(key);
  assert.ok(e, `no endpoint ${key}`);
  return { kind: 'workload', endpoint: e };
}

const tcp = (src: string, dst: string, dstPort: number): SimPacket => ({ srcIp: src, dstIp: dst, protocol: 'TCP', srcPort: 40000, dstPort });

// Two pods in namespace "prod": a client (10.0.0.1) and a server (10.0.0.2) with named port http=8080.
const base = (): CalcUpdate[] => [
  f.namespaceProfile('prod', { env: 'prod' }),
  f.wep('prod', 'client', { ipNetworks: ['10.0.0.1/32'] }, { app: 'client' }),
  f.wep('prod', 'server', { ipNetworks: ['10.0.0.2/32'], ports: [{ name: 'http', protocol: 'TCP', port: 8080 }] }, { app: 'server' }),
];

test('no policy: the namespace profile decides (allow)', () => {
  const s = build(base());
  const v = evaluateEndpoint(s, wepOf(s, 'prod/server'), 'ingress', tcp('10.0.0.1', '10.0.0.2', 80));
  assert.equal(v.allowed, true);
  assert.deepEqual(v.decision, { by: 'profile-rule', profile: 'kns.prod', ruleIndex: 0, ruleId: v.decision.by === 'profile-rule' ? v.decision.ruleId : '', action: 'Allow' });
  assert.equal(v.trace[0]!.step, 'no-policy');
});

test('profile fallback: a profile with no matching rule denies (profile default)', () => {
  const s = build([...base(), f.profile('kns.prod', { ingress: [{ action: 'Allow', protocol: 'UDP' }] })]);
  const v = evaluateEndpoint(s, wepOf(s, 'prod/server'), 'ingress', tcp('10.0.0.1', '10.0.0.2', 80));
  assert.equal(v.allowed, false);
  assert.equal(v.decision.by, 'profile-default');
});

test('a missing profile is a deny-all stand-in (fail closed)', () => {
  const s = build([f.wep('prod', 'lonely', { ipNetworks: ['10.0.0.9/32'] })]);
  assert.equal(s.profiles.get('kns.prod')?.missing, true);
  assert.equal(evaluateEndpoint(s, wepOf(s, 'prod/lonely'), 'egress', tcp('10.0.0.9', '1.1.1.1', 80)).allowed, false);
});

test('tier default deny: a selecting policy with no matching rule drops', () => {
  const s = build([...base(), f.np('prod', 'allow-80', { selector: "app == 'server'", ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: [80] } }] })]);
  const ep = wepOf(s, 'prod/server');
  assert.equal(evaluateEndpoint(s, ep, 'ingress', tcp('10.0.0.1', '10.0.0.2', 80)).allowed, true);
  const v = evaluateEndpoint(s, ep, 'ingress', tcp('10.0.0.1', '10.0.0.2', 81));
  assert.equal(v.allowed, false);
  assert.deepEqual(v.decision, { by: 'tier-default', tier: 'default' });
  // Egress is not governed by an ingress-only policy: profiles allow.
  assert.equal(evaluateEndpoint(s, ep, 'egress', tcp('10.0.0.2', '10.0.0.1', 81)).allowed, true);
});

test('Pass jumps to the next tier; tiers ordered by order', () => {
  const s = build([
    ...base(),
    f.tier('security', { order: 100 }),
    f.gnp('security.pass-web', { tier: 'security', order: 1, selector: "app == 'server'", ingress: [{ action: 'Pass', protocol: 'TCP', destination: { ports: [80] } }, { action: 'Deny' }] }),
    f.np('prod', 'allow-web', { selector: "app == 'server'", ingress: [{ action: 'Allow', protocol: 'TCP' }] }),
  ]);
  const ep = wepOf(s, 'prod/server');
  assert.deepEqual(ep.endpoint.tiers.map((t) => t.name), ['security', 'default']);
  const ok = evaluateEndpoint(s, ep, 'ingress', tcp('10.0.0.1', '10.0.0.2', 80));
  assert.equal(ok.allowed, true);
  assert.equal(ok.trace[0]!.step === 'rule' && ok.trace[0]!.action, 'Pass');
  assert.ok(ok.decision.by === 'rule' && ok.decision.tier === 'default' && ok.decision.policy.name === 'allow-web');
  const no = evaluateEndpoint(s, ep, 'ingress', tcp('10.0.0.1', '10.0.0.2', 22));
  assert.ok(no.decision.by === 'rule' && no.decision.tier === 'security' && no.decision.action === 'Deny' && no.decision.ruleIndex === 1);
});

test('tier defaultAction Pass goes on to the next tier, and Pass from the last tier to profiles', () => {
  const s = build([
    ...base(),
    f.tier('platform', { order: 10, defaultAction: 'Pass' }),
    f.gnp('platform.only-udp', { tier: 'platform', selector: 'all()', ingress: [{ action: 'Allow', protocol: 'UDP' }] }),
  ]);
  const v = evaluateEndpoint(s, wepOf(s, 'prod/server'), 'ingress', tcp('10.0.0.1', '10.0.0.2', 80));
  assert.equal(v.allowed, true);
  assert.equal(v.decision.by, 'profile-rule');
  assert.deepEqual(v.trace.map((t) => t.step), ['policy-no-match', 'tier-default', 'profile-rule']);
});

test('Log then Allow: Log is traced and evaluation continues', () => {
  const s = build([...base(), f.np('prod', 'log-allow', { selector: 'all()', ingress: [{ action: 'Log' }, { action: 'Allow', source: { selector: "app == 'client'" } }] })]);
  const v = evaluateEndpoint(s, wepOf(s, 'prod/server'), 'ingress', tcp('10.0.0.1', '10.0.0.2', 80));
  assert.equal(v.allowed, true);
  assert.deepEqual(v.trace.map((t) => (t.step === 'rule' ? `${t.action}#${t.ruleIndex}` : t.step)), ['Log#0', 'Allow#1']);
  const other = evaluateEndpoint(s, wepOf(s, 'prod/server'), 'ingress', tcp('10.9.9.9', '10.0.0.2', 80));
  assert.equal(other.allowed, false);
});

test('named ports resolve per endpoint', () => {
  const s = build([
    ...base(),
    f.wep('prod', 'server2', { ipNetworks: ['10.0.0.3/32'], ports: [{ name: 'http', protocol: 'TCP', port: 9090 }] }, { app: 'server' }),
    f.np('prod', 'http-only', { selector: "app == 'server'", ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: ['http'] } }] }),
  ]);
  const a = wepOf(s, 'prod/server');
  const b = wepOf(s, 'prod/server2');
  assert.equal(evaluateEndpoint(s, a, 'ingress', tcp('10.0.0.1', '10.0.0.2', 8080)).allowed, true);
  assert.equal(evaluateEndpoint(s, a, 'ingress', tcp('10.0.0.1', '10.0.0.2', 9090)).allowed, false);
  assert.equal(evaluateEndpoint(s, b, 'ingress', tcp('10.0.0.1', '10.0.0.3', 9090)).allowed, true);
  assert.equal(evaluateEndpoint(s, b, 'ingress', tcp('10.0.0.1', '10.0.0.3', 8080)).allowed, false);
  // UDP to the same number is not the TCP named port.
  assert.equal(evaluateEndpoint(s, a, 'ingress', { srcIp: '10.0.0.1', dstIp: '10.0.0.2', protocol: 'UDP', dstPort: 8080 }).allowed, false);
});

test('notNets and notPorts', () => {
  const s = build([
    ...base(),
    f.np('prod', 'not', { selector: "app == 'server'", ingress: [{ action: 'Allow', protocol: 'TCP', source: { notNets: ['10.0.0.0/30'] }, destination: { notPorts: [22, '1000:2000'] } }] }),
  ]);
  const ep = wepOf(s, 'prod/server');
  assert.equal(evaluateEndpoint(s, ep, 'ingress', tcp('10.0.0.1', '10.0.0.2', 80)).allowed, false, 'source in notNets');
  assert.equal(evaluateEndpoint(s, ep, 'ingress', tcp('10.0.0.5', '10.0.0.2', 80)).allowed, true);
  assert.equal(evaluateEndpoint(s, ep, 'ingress', tcp('10.0.0.5', '10.0.0.2', 22)).allowed, false, 'port in notPorts');
  assert.equal(evaluateEndpoint(s, ep, 'ingress', tcp('10.0.0.5', '10.0.0.2', 1500)).allowed, false, 'port in notPorts range');
});

test('notSelector, notProtocol and ICMP type/code', () => {
  const s = build([
    ...base(),
    f.np('prod', 'icmp', {
      selector: "app == 'server'",
      ingress: [
        { action: 'Allow', protocol: 'ICMP', icmp: { type: 8, code: 0 } },
        { action: 'Deny', protocol: 'ICMP' },
        { action: 'Allow', notProtocol: 'UDP', source: { notSelector: "app == 'client'" } },
      ],
    }),
  ]);
  const ep = wepOf(s, 'prod/server');
  const icmp = (type: number, code: number): SimPacket => ({ srcIp: '10.0.0.1', dstIp: '10.0.0.2', protocol: 'ICMP', icmpType: type, icmpCode: code });
  assert.equal(evaluateEndpoint(s, ep, 'ingress', icmp(8, 0)).allowed, true);
  assert.equal(evaluateEndpoint(s, ep, 'ingress', icmp(8, 1)).allowed, false);
  assert.equal(evaluateEndpoint(s, ep, 'ingress', tcp('10.0.0.1', '10.0.0.2', 80)).allowed, false, 'client excluded by notSelector');
  // In a namespaced policy any selector field (notSelector too) scopes the rule to the namespace
  // (libcalico-go getEndpointSelector), so an outside address does not match.
  assert.equal(evaluateEndpoint(s, ep, 'ingress', tcp('192.168.1.1', '10.0.0.2', 80)).allowed, false);
  const g = build([...base(), f.gnp('g', { selector: "app == 'server'", ingress: [{ action: 'Allow', notProtocol: 'UDP', source: { notSelector: "app == 'client'" } }] })]);
  const gep = wepOf(g, 'prod/server');
  assert.equal(evaluateEndpoint(g, gep, 'ingress', tcp('192.168.1.1', '10.0.0.2', 80)).allowed, true, 'non-Calico source matches notSelector');
  assert.equal(evaluateEndpoint(g, gep, 'ingress', tcp('10.0.0.1', '10.0.0.2', 80)).allowed, false);
  assert.equal(evaluateEndpoint(g, gep, 'ingress', { srcIp: '192.168.1.1', dstIp: '10.0.0.2', protocol: 'UDP', dstPort: 53 }).allowed, false, 'notProtocol');
});

test('namespaced rule selectors see only their namespace; namespaceSelector and serviceAccounts widen/narrow', () => {
  const s = build([
    ...base(),
    f.namespaceProfile('dev', { env: 'dev' }),
    f.profile('ksa.dev.robot', { labelsToApply: { 'pcsa.role': 'bot', 'pcsa.projectcalico.org/name': 'robot' } }),
    f.wep('dev', 'client', { ipNetworks: ['10.1.0.1/32'], profiles: ['kns.dev'] }, { app: 'client' }),
    f.wep('dev', 'bot', { ipNetworks: ['10.1.0.2/32'], profiles: ['kns.dev', 'ksa.dev.robot'], serviceAccountName: 'robot' }, { app: 'other' }),
    f.np('prod', 'same-ns', { selector: "app == 'server'", ingress: [
      { action: 'Allow', source: { selector: "app == 'client'" } },
      { action: 'Allow', source: { namespaceSelector: "env == 'dev'", serviceAccounts: { names: ['robot'] } } },
    ] }),
  ]);
  const ep = wepOf(s, 'prod/server');
  assert.equal(evaluateEndpoint(s, ep, 'ingress', tcp('10.0.0.1', '10.0.0.2', 80)).allowed, true, 'prod client');
  assert.equal(evaluateEndpoint(s, ep, 'ingress', tcp('10.1.0.1', '10.0.0.2', 80)).allowed, false, 'dev client: other namespace');
  assert.equal(evaluateEndpoint(s, ep, 'ingress', tcp('10.1.0.2', '10.0.0.2', 80)).allowed, true, 'dev robot service account');
});

test('network sets: namespaced and global', () => {
  const s = build([
    ...base(),
    f.networkSet('prod', 'partners', ['192.0.2.0/24'], { role: 'partner' }),
    f.globalNetworkSet('internet', ['0.0.0.0/0'], { role: 'internet' }),
    f.np('prod', 'partners', { selector: "app == 'server'", ingress: [{ action: 'Allow', source: { selector: "role == 'partner'" } }] }),
    f.np('prod', 'deny-world', { order: 2000, selector: "app == 'server'", egress: [{ action: 'Deny', destination: { namespaceSelector: 'global()', selector: "role == 'internet'" } }] }),
  ]);
  const ep = wepOf(s, 'prod/server');
  assert.equal(evaluateEndpoint(s, ep, 'ingress', tcp('192.0.2.7', '10.0.0.2', 80)).allowed, true);
  assert.equal(evaluateEndpoint(s, ep, 'ingress', tcp('198.51.100.1', '10.0.0.2', 80)).allowed, false);
  const out = evaluateEndpoint(s, ep, 'egress', tcp('10.0.0.2', '8.8.8.8', 53));
  assert.ok(out.decision.by === 'rule' && out.decision.action === 'Deny' && out.decision.policy.name === 'deny-world');
});

test('IPv6: endpoints, selectors and nets of the right family', () => {
  const s = build([
    f.namespaceProfile('v6'),
    f.wep('v6', 'a', { ipNetworks: ['fd00::1/128'], profiles: ['kns.v6'] }, { app: 'a' }),
    f.wep('v6', 'b', { ipNetworks: ['fd00::2/128', '10.6.0.2/32'], profiles: ['kns.v6'] }, { app: 'b' }),
    f.np('v6', 'b-in', { selector: "app == 'b'", ingress: [
      { action: 'Allow', source: { selector: "app == 'a'" } },
      { action: 'Allow', source: { nets: ['10.0.0.0/8'] } },
    ] }),
  ]);
  const b = wepOf(s, 'v6/b');
  assert.deepEqual(findEndpointsByIp(s, 'fd00:0::2').map((e) => e.endpoint.id.name), ['b']);
  assert.equal(evaluateEndpoint(s, b, 'ingress', tcp('fd00::1', 'fd00::2', 80)).allowed, true);
  assert.equal(evaluateEndpoint(s, b, 'ingress', tcp('fd00::9', 'fd00::2', 80)).allowed, false, 'v4-only nets rule does not apply to v6');
  assert.equal(evaluateEndpoint(s, b, 'ingress', tcp('10.9.9.9', '10.6.0.2', 80)).allowed, true);
});

test('staged policies are never enforced but are evaluated', () => {
  const s = build([
    ...base(),
    f.np('prod', 'allow-web', { selector: "app == 'server'", ingress: [{ action: 'Allow', protocol: 'TCP' }] }),
    f.snp('prod', 'allow-web', { selector: "app == 'server'", ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: [443] } }] }),
    f.sgnp('deny-all', { selector: 'all()', ingress: [{ action: 'Deny' }] }),
  ]);
  const ep = wepOf(s, 'prod/server');
  assert.deepEqual(ep.endpoint.tiers.flatMap((t) => t.ingressPolicies.map((p) => p.kind)), ['NetworkPolicy']);
  const pkt = tcp('10.0.0.1', '10.0.0.2', 80);
  assert.equal(evaluateEndpoint(s, ep, 'ingress', pkt).allowed, true);
  const staged = evaluateStagedPolicies(s, ep, 'ingress', pkt);
  assert.deepEqual(staged.map((r) => [r.policy.kind, r.policy.name, r.outcome]), [
    ['StagedGlobalNetworkPolicy', 'deny-all', 'Deny'],
    ['StagedNetworkPolicy', 'allow-web', 'no-match'],
  ]);
  const pending = evaluatePending(s, ep, 'ingress', pkt);
  assert.equal(pending.allowed, false);
  // A staged policy in an earlier tier that enforced policies do not use is placed by tier order.
  const s2 = build([
    ...base(),
    f.tier('security', { order: 100 }),
    f.np('prod', 'allow-web', { selector: "app == 'server'", ingress: [{ action: 'Allow', protocol: 'TCP' }] }),
    f.sgnp('security.block', { tier: 'security', selector: 'all()', ingress: [{ action: 'Deny', protocol: 'TCP', destination: { ports: [80] } }] }),
  ]);
  const ep2 = wepOf(s2, 'prod/server');
  assert.equal(evaluateEndpoint(s2, ep2, 'ingress', pkt).allowed, true);
  const p2 = evaluatePending(s2, ep2, 'ingress', pkt);
  assert.ok(!p2.allowed && p2.decision.by === 'rule' && p2.decision.tier === 'security');
  // ...and, like any tier, it ends in its default action: Deny for what it does not match.
  assert.deepEqual(evaluatePending(s2, ep2, 'ingress', tcp('10.0.0.1', '10.0.0.2', 443)).decision, { by: 'tier-default', tier: 'security' });
});

test('a StagedKubernetesNetworkPolicy in Kubernetes shape is converted and evaluated as staged', () => {
  const sknp: CalcUpdate = {
    kind: 'StagedKubernetesNetworkPolicy',
    key: { kind: 'StagedKubernetesNetworkPolicy', namespace: 'prod', name: 'web' },
    value: {
      metadata: { name: 'web', namespace: 'prod' },
      spec: { stagedAction: 'Set', podSelector: { matchLabels: { app: 'server' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }] }] },
    },
  };
  const s = build([...base(), sknp]);
  const ep = wepOf(s, 'prod/server');
  const [r] = evaluateStagedPolicies(s, ep, 'ingress', tcp('10.0.0.1', '10.0.0.2', 80));
  assert.equal(r!.policy.kind, 'StagedKubernetesNetworkPolicy');
  assert.equal(r!.outcome, 'Allow');
  assert.equal(evaluatePending(s, ep, 'ingress', tcp('10.9.9.9', '10.0.0.2', 80)).allowed, false);
  assert.equal(evaluateEndpoint(s, ep, 'ingress', tcp('10.9.9.9', '10.0.0.2', 80)).allowed, true, 'never enforced');
});

test('host endpoints: failsafe ports, default deny, preDNAT and doNotTrack tiers', () => {
  const s = build([
    f.hep('node1-eth0', { interfaceName: 'eth0', expectedIPs: ['192.168.0.10'] }, { role: 'node' }),
    f.gnp('pre', { selector: "role == 'node'", preDNAT: true, applyOnForward: true, ingress: [{ action: 'Deny', source: { nets: ['203.0.113.0/24'] } }] }),
    f.gnp('raw', { selector: "role == 'node'", doNotTrack: true, applyOnForward: true, ingress: [{ action: 'Allow', protocol: 'UDP', destination: { ports: [4789] } }], egress: [{ action: 'Allow', protocol: 'UDP', destination: { ports: [4789] } }] }),
  ]);
  const h = s.hostEndpoints.get('node1-eth0')!;
  assert.deepEqual(h.preDnatTiers.map((t) => t.ingressPolicies.map((p) => p.name)), [['pre']]);
  assert.deepEqual(h.untrackedTiers.map((t) => t.ingressPolicies.map((p) => p.name)), [['raw']]);
  assert.deepEqual(h.tiers, []);
  const ep: SimEndpoint = { kind: 'host', endpoint: h };
  const ssh = evaluateEndpoint(s, ep, 'ingress', tcp('198.51.100.1', '192.168.0.10', 22));
  assert.deepEqual(ssh.decision, { by: 'failsafe', protocol: 'tcp', port: 22 });
  assert.equal(evaluateEndpoint(s, ep, 'ingress', tcp('198.51.100.1', '192.168.0.10', 80)).allowed, false);
  const pre = evaluateEndpoint(s, ep, 'ingress', tcp('203.0.113.5', '192.168.0.10', 80), 'preDnat');
  assert.ok(pre.decision.by === 'rule' && pre.decision.action === 'Deny' && pre.decision.policy.name === 'pre');
  assert.deepEqual(evaluateEndpoint(s, ep, 'ingress', tcp('198.51.100.1', '192.168.0.10', 80), 'preDnat').decision, { by: 'fall-through', chain: 'preDnat' });
  const raw = evaluateEndpoint(s, ep, 'egress', { srcIp: '192.168.0.10', dstIp: '192.168.0.11', protocol: 'UDP', dstPort: 4789 }, 'untracked');
  assert.ok(raw.allowed && raw.decision.by === 'rule' && raw.decision.policy.name === 'raw');
  // Whole flows: a preDNAT Deny decides before the normal chain; failsafe still admits SSH.
  const blocked = simulateFlow(s, null, ep, tcp('203.0.113.5', '192.168.0.10', 80));
  assert.equal(blocked.ingress!.verdict.chain, 'preDnat');
  assert.equal(blocked.allowed, false);
  assert.equal(simulateFlow(s, null, ep, tcp('203.0.113.5', '192.168.0.10', 22)).allowed, true, 'failsafe wins in every stage');
});
