/**
 * Upstream felix/fv/ingress_egress_test.go on real packets against our agent,
 * for both dataplanes: three workloads w0..w2 with an allow-all namespace
 * profile, and one policy on w0 whose `types` are given or inferred (Calico
 * infers Ingress, plus Egress when there are egress rules, or Egress alone
 * when there are only egress rules). Needs root (skips otherwise).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { canUseNetns } from '../support/netns.js';
import { API, FelixNode, type Expectation } from '../support/felix-harness.js';

const root = await canUseNetns();
const P = 8055;
const w = (i: number) => `fv/w${i}`;
const sel = (i: number) => `name == 'w${i}'`;
const some = (a: number, b: number): Expectation => ({ from: w(a), to: w(b), port: P, expect: true });
const none = (a: number, b: number): Expectation => ({ from: w(a), to: w(b), port: P, expect: false });
const policy1 = (spec: Record<string, unknown>) => ({ apiVersion: API, kind: 'NetworkPolicy', metadata: { name: 'policy-1', namespace: 'fv' }, spec: { selector: sel(0), ...spec } });
const allowFromW1 = { action: 'Allow', source: { selector: sel(1) } };

for (const dataplane of ['nftables', 'iptables'] as const) describe(`felix ingress/egress policy types on real packets (${dataplane})`, { skip: !root && 'needs root and ip netns' }, () => {
  let node: FelixNode;

  before(async () => {
    if (!root) return;
    node = await FelixNode.start({
      tag: dataplane === 'nftables' ? 'fen' : 'fei', dataplane,
      namespaces: [{ name: 'fv' }],
      pods: [0, 1, 2].map((i) => ({ namespace: 'fv', name: `w${i}`, labels: { name: `w${i}` }, serve: [P] })),
    });
  });

  after(async () => { await node?.stop(); });

  test('full connectivity to and from workload 0', () => node.expectConnectivity([some(1, 0), some(2, 0), some(0, 1), some(0, 2)]));

  test('ingress-only restriction (types inferred): only w1 can connect into w0, egress from w0 unrestricted', () =>
    node.withResources([policy1({ ingress: [allowFromW1] })], () => node.expectConnectivity([none(2, 0), some(1, 0), some(0, 1), some(0, 2)])));

  test('egress-only restriction (types inferred): ingress to w0 unrestricted, w0 can only connect out to w1', () =>
    node.withResources([policy1({ egress: [{ action: 'Allow', destination: { selector: sel(1) } }] })], () =>
      node.expectConnectivity([none(0, 2), some(1, 0), some(2, 0), some(0, 1)])));

  test('ingress rules and types [Ingress, Egress]: only w1 can connect into w0, all egress from w0 denied', () =>
    node.withResources([policy1({ ingress: [allowFromW1], types: ['Ingress', 'Egress'] })], () =>
      node.expectConnectivity([none(2, 0), some(1, 0), none(0, 1), none(0, 2)])));

  test('an egress Deny rule with types [Ingress] is disabled: egress from w0 allowed', () =>
    node.withResources([policy1({ ingress: [allowFromW1], egress: [{ action: 'Deny' }], types: ['Ingress'] })], () =>
      node.expectConnectivity([none(2, 0), some(1, 0), some(0, 1), some(0, 2)])));

  test('an egress Deny rule with types [Ingress, Egress]: all egress from w0 blocked', () =>
    node.withResources([policy1({ ingress: [allowFromW1], egress: [{ action: 'Deny' }], types: ['Ingress', 'Egress'] })], () =>
      node.expectConnectivity([none(2, 0), some(1, 0), none(0, 1), none(0, 2)])));

  test('an ingress policy with no rules: no-one can connect to w0, egress from w0 unrestricted', () =>
    node.withResources([policy1({ ingress: [] })], async () => {
      await node.expectConnectivity([none(2, 0), none(1, 0), some(0, 1), some(0, 2)]);
      const ex = await node.explain(w(1), w(0), P);
      assert.equal(ex.allowed, false);
      assert.equal(ex.ingress?.decision.by, 'tier-default');
    }));

  // Upstream also checks the rendered ruleset names the policy ("Policy fv/default.policy-1 ingress"),
  // so an operator reading `nft list table calico` / `iptables-save` can find it.
  test('the dataplane names the policy in a comment', () =>
    node.withResources([policy1({ ingress: [] }), { ...policy1({ egress: [{ action: 'Allow', destination: { selector: sel(1) } }] }), metadata: { name: 'policy-2', namespace: 'fv' } }], async () => {
      const ruleset = dataplane === 'nftables'
        ? await node.inNode('nft', ['list', 'ruleset'])
        : (await node.inNode('iptables-legacy-save', [])) + (await node.inNode('iptables-nft-save', []));
      assert.match(ruleset, /Policy fv\/(default\.)?policy-1 ingress/);
      assert.match(ruleset, /Policy fv\/(default\.)?policy-2 egress/);
    }));
});

// Felix's defaults have health and Prometheus off: with those defaults and the SQLite datastore
// calico-node must still keep running (it once exited 0 after its first apply: nothing held the loop).
describe('felix with its default configuration keeps running', { skip: !root && 'needs root and ip netns' }, () => {
  test('the agent is still running after its first apply', async () => {
    const node = await FelixNode.start({
      tag: 'fed', dataplane: 'nftables', namespaces: [{ name: 'fv' }],
      pods: [{ namespace: 'fv', name: 'w0', labels: { name: 'w0' }, serve: [P] }],
      env: { FELIX_HEALTHENABLED: 'false', FELIX_PROMETHEUSMETRICSENABLED: 'false' },
    });
    try {
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(node.agentRunning(), true, `agent log tail:\n${node.agentLog(5)}`);
    } finally {
      await node.stop();
    }
  });
});
