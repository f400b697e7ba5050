/**
 * Felix's tiered-policy scenarios on real packets, ported from upstream
 * felix/fv/tiered_policy_test.go ("connectivity tests ... with policy tiers")
 * onto one node running our agent, for both dataplanes:
 *
 *   Egress policies (source ep2-x, destination ep1-1)
 *     tier1: np1-1 (Pass ep2-1, Deny ep2-2), gnp ep2-4 (no match -> end of tier1)
 *     tier2 (default action Deny): staged np2-1 (Allow ep2-1), gnp2-2 (Deny ep2-3)
 *     default: 9 staged k8s policies selecting ep2-1; then the kns.default profile (allow)
 *   Ingress policies (source ep1-1)
 *     tier1: np1-1 (Allow ep2-1, Pass ep2-2), gnp ep2-4 (only from ep2-1)
 *     tier2: staged gnp2-2, staged np2-3, np2-4 (Deny ep2-3)
 *     default: staged np3-2, np3-3 (Allow ep2-2), staged np3-4
 *
 * plus the cluster-IP leg (a DNAT in front of ep2-1, as kube-proxy would
 * program it), switching tier1's default action Deny -> Pass -> Deny,
 * `calicoctl explain` agreeing with the packets on the whole matrix, policy
 * order (order, then name) and the Log action. Needs root (skips otherwise).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { exec, execChecked } from '../../dist/lib/exec.js';
import { canUseNetns } from '../support/netns.js';
import { API, FelixNode, type Expectation } from '../support/felix-harness.js';

const root = await canUseNetns();
const WEP_PORT = 8055;
const SVC_PORT = 8066;
const CLUSTER_IP = '10.101.0.10';
const nameSel = (n: string) => `name == '${n}'`;
const ep = (n: string) => `default/${n}`;

const tier = (name: string, order: number, defaultAction?: 'Deny' | 'Pass') => ({
  apiVersion: API, kind: 'Tier', metadata: { name }, spec: { order, ...(defaultAction ? { defaultAction } : {}) },
});

/** The upstream test's resources, in its order of creation. */
function upstreamPolicies() {
  const both = ['Ingress', 'Egress'];
  const rs: Record<string, unknown>[] = [
    tier('tier1', 1),
    tier('tier2', 2, 'Deny'),
    { apiVersion: API, kind: 'GlobalNetworkPolicy', metadata: { name: 'default.ep1-1-allow-all' },
      spec: { order: 1, tier: 'default', selector: nameSel('ep1-1'), types: both, egress: [{ action: 'Allow' }], ingress: [{ action: 'Allow' }] } },
    { apiVersion: API, kind: 'GlobalNetworkPolicy', metadata: { name: 'tier1.ep2-4' },
      spec: { order: 1, tier: 'tier1', selector: nameSel('ep2-4'), types: both,
        ingress: [{ action: 'Allow', source: { selector: nameSel('ep2-1') } }],
        egress: [{ action: 'Allow', destination: { selector: nameSel('ep2-1') } }] } },
    { apiVersion: API, kind: 'NetworkPolicy', metadata: { name: 'tier1.np1-1', namespace: 'default' },
      spec: { order: 1, tier: 'tier1', selector: "name in {'ep2-1', 'ep2-2'}", types: both,
        egress: [{ action: 'Pass', source: { selector: nameSel('ep2-1') } }, { action: 'Deny', source: { selector: nameSel('ep2-2') } }],
        ingress: [{ action: 'Allow', destination: { selector: nameSel('ep2-1') } }, { action: 'Pass', destination: { selector: nameSel('ep2-2') } }] } },
    { apiVersion: API, kind: 'StagedNetworkPolicy', metadata: { name: 'tier2.np2-1', namespace: 'default' },
      spec: { order: 1, tier: 'tier2', selector: nameSel('ep2-1'), types: ['Egress'], egress: [{ action: 'Allow' }] } },
    { apiVersion: API, kind: 'GlobalNetworkPolicy', metadata: { name: 'tier2.gnp2-2' },
      spec: { order: 2, tier: 'tier2', selector: nameSel('ep2-3'), types: ['Egress'], egress: [{ action: 'Deny' }] } },
    { apiVersion: API, kind: 'StagedGlobalNetworkPolicy', metadata: { name: 'tier2.gnp2-2' },
      spec: { order: 2, tier: 'tier2', selector: nameSel('ep2-3'), types: ['Ingress'] } },
    { apiVersion: API, kind: 'StagedNetworkPolicy', metadata: { name: 'tier2.np2-3', namespace: 'default' },
      spec: { order: 3, tier: 'tier2', selector: "name in {'ep2-2', 'ep2-3'}", types: ['Ingress'],
        ingress: [{ action: 'Allow', destination: { selector: nameSel('ep2-2') } }, { action: 'Deny', destination: { selector: nameSel('ep2-3') } }] } },
    { apiVersion: API, kind: 'NetworkPolicy', metadata: { name: 'tier2.np2-4', namespace: 'default' },
      spec: { order: 3, tier: 'tier2', selector: nameSel('ep2-3'), types: ['Ingress'], ingress: [{ action: 'Deny' }] } },
  ];
  for (let i = 1; i <= 9; i++) {
    rs.push({ apiVersion: API, kind: 'StagedKubernetesNetworkPolicy', metadata: { name: `knp3-${i}`, namespace: 'default' },
      spec: { podSelector: { matchLabels: { name: 'ep2-1' } }, policyTypes: ['Egress'] } });
  }
  for (const [name, order, kind] of [['default.np3-2', 1, 'StagedNetworkPolicy'], ['default.np3-3', 2, 'NetworkPolicy'], ['default.np3-4', 3, 'StagedNetworkPolicy']] as const) {
    rs.push({ apiVersion: API, kind, metadata: { name, namespace: 'default' },
      spec: { order, tier: 'default', selector: nameSel('ep2-2'), types: ['Ingress'], ingress: [{ action: 'Allow' }] } });
  }
  return rs;
}

/** createBaseConnectivityChecker() of the upstream test, plus the direct legs it implies. */
function baseExpectations(): Expectation[] {
  const x = (from: string, to: string, expect: boolean, why: string): Expectation => ({ from: ep(from), to: ep(to), port: WEP_PORT, expect, why });
  return [
    { from: ep('ep1-1'), to: CLUSTER_IP, port: SVC_PORT, expect: true, why: 'cluster IP -> ep2-1, allowed by np1-1' },
    x('ep1-1', 'ep2-1', true, 'np1-1 ingress rule 0 Allow'),
    x('ep1-1', 'ep2-2', true, 'np1-1 Pass, tier2 selects nothing enforced, np3-3 Allow'),
    x('ep1-1', 'ep2-3', false, 'np2-4 Deny'),
    x('ep2-1', 'ep1-1', true, 'np1-1 Pass, staged only in tier2 and default, profile allows'),
    x('ep2-2', 'ep1-1', false, 'np1-1 egress rule 1 Deny'),
    x('ep2-3', 'ep1-1', false, 'gnp2-2 Deny'),
    x('ep2-1', 'ep2-4', true, 'tier1.ep2-4 allows from ep2-1'),
    x('ep2-4', 'ep2-1', true, 'tier1.ep2-4 allows to ep2-1; np1-1 allows into ep2-1'),
  ];
}

/** The same expectations over the pods' IPv6 addresses (the cluster-IP leg is IPv4 only). */
const overV6 = (exps: readonly Expectation[]): Expectation[] =>
  exps.filter((e) => e.to !== CLUSTER_IP).map((e) => ({ ...e, ipv6: true, why: `IPv6: ${e.why ?? ''}` }));

for (const dataplane of ['nftables', 'iptables'] as const) describe(`felix tiered policy on real packets (${dataplane})`, { skip: !root && 'needs root and ip netns' }, () => {
  let node: FelixNode;
  let svcTable = '';

  before(async () => {
    if (!root) return;
    const pod = (name: string) => ({ namespace: 'default', name, labels: { name }, ports: [{ containerPort: WEP_PORT }] });
    node = await FelixNode.start({
      tag: dataplane === 'nftables' ? 'ftn' : 'fti', dataplane, ipv6: true,
      namespaces: [{ name: 'default' }, { name: 'order' }],
      pods: [
        pod('ep1-1'), pod('ep2-1'), pod('ep2-2'), pod('ep2-3'), pod('ep2-4'),
        { namespace: 'order', name: 'client', labels: { app: 'client' } },
        { namespace: 'order', name: 'server', labels: { app: 'server' }, ports: [{ containerPort: 8080 }, { containerPort: 9090 }] },
      ],
    });
    // The kube-proxy leg: DNAT cluster IP:8066 -> ep2-1:8055 in a table of our own (not Felix's).
    svcTable = `${node.scope.prefix}svc`;
    const ep21 = node.endpoint(ep('ep2-1')).ip;
    await execChecked('ip', ['netns', 'exec', node.hostNetns, 'nft', '-f', '-'], {
      input: `table ip ${svcTable} {\n chain pre {\n  type nat hook prerouting priority -100;\n  ip daddr ${CLUSTER_IP} tcp dport ${SVC_PORT} dnat to ${ep21}:${WEP_PORT}\n }\n}\n`,
    });
    await node.apply(...upstreamPolicies());
    await node.converge();
  });

  after(async () => { await node?.stop(); });

  test('initial connectivity: Pass, Deny, staged policies not enforced, end of tier1 drops (IPv4 and IPv6)', async () => {
    const exps: Expectation[] = [
      ...baseExpectations(),
      { from: ep('ep1-1'), to: ep('ep2-4'), port: WEP_PORT, expect: false, why: 'end of tier1 (default action Deny)' },
      { from: ep('ep2-4'), to: ep('ep1-1'), port: WEP_PORT, expect: false, why: 'end of tier1 (default action Deny)' },
    ];
    await node.expectConnectivity([...exps, ...overV6(exps)]);
  });

  test('calicoctl explain agrees with the packets and names the deciding rule', async () => {
    const pairs: [string, string, boolean][] = [
      ['ep1-1', 'ep2-1', true], ['ep1-1', 'ep2-2', true], ['ep1-1', 'ep2-3', false], ['ep1-1', 'ep2-4', false],
      ['ep2-1', 'ep1-1', true], ['ep2-2', 'ep1-1', false], ['ep2-3', 'ep1-1', false], ['ep2-4', 'ep1-1', false],
    ];
    const results = await Promise.all(pairs.map(([f, t]) => node.explain(ep(f), ep(t), WEP_PORT)));
    pairs.forEach(([f, t, allowed], i) => assert.equal(results[i]!.allowed, allowed, `explain ${f} -> ${t}`));
    const [, toEp22, toEp23, toEp24, fromEp21, fromEp22, fromEp23] = results;
    assert.equal(fromEp22!.egress?.policy, 'default/tier1.np1-1');
    assert.equal(fromEp22!.egress?.ruleIndex, 1);
    assert.equal(fromEp22!.egress?.action, 'Deny');
    assert.equal(toEp22!.ingress?.policy, 'default/default.np3-3', 'Pass from tier1 lands in the default tier');
    assert.equal(toEp22!.ingress?.tier, 'default');
    assert.equal(toEp23!.ingress?.policy, 'default/tier2.np2-4');
    assert.equal(fromEp23!.egress?.policy, 'tier2.gnp2-2');
    assert.equal(toEp24!.ingress?.decision.by, 'tier-default');
    assert.equal(toEp24!.ingress?.tier, 'tier1');
    assert.equal(fromEp21!.egress?.profile, 'kns.default', 'staged policies do not decide; the profile does');
    assert.equal(fromEp21!.pendingAllowed, true, 'staged np2-1 would allow');
  });

  test("tier1's default action Pass lets unmatched traffic reach the profile; back to Deny drops it again", async () => {
    await node.applyAndConverge(tier('tier1', 1, 'Pass'));
    const passed: Expectation[] = [
      ...baseExpectations(),
      { from: ep('ep1-1'), to: ep('ep2-4'), port: WEP_PORT, expect: true, why: 'tier1 default action Pass, then the profile' },
      { from: ep('ep2-4'), to: ep('ep1-1'), port: WEP_PORT, expect: true, why: 'tier1 default action Pass, then the profile' },
    ];
    await node.expectConnectivity([...passed, ...overV6(passed)]);
    assert.equal((await node.explain(ep('ep1-1'), ep('ep2-4'), WEP_PORT)).allowed, true);

    await node.applyAndConverge(tier('tier1', 1, 'Deny'));
    await node.expectConnectivity([
      ...baseExpectations(),
      { from: ep('ep1-1'), to: ep('ep2-4'), port: WEP_PORT, expect: false, why: 'end of tier1 Deny again' },
      { from: ep('ep2-4'), to: ep('ep1-1'), port: WEP_PORT, expect: false, why: 'end of tier1 Deny again' },
    ]);
  });

  test('a staged policy never drops; the same rules as an enforced policy do', async () => {
    // A Deny in tier1 at order 0, ahead of np1-1's Allow: staged, it must not block ep1-1 -> ep2-1.
    const spec = { order: 0, tier: 'tier1', selector: nameSel('ep2-1'), types: ['Ingress'], ingress: [{ action: 'Deny' }] };
    await node.applyAndConverge({ apiVersion: API, kind: 'StagedNetworkPolicy', metadata: { name: 'tier1.staged-deny', namespace: 'default' }, spec });
    await node.expectConnectivity([{ from: ep('ep1-1'), to: ep('ep2-1'), port: WEP_PORT, expect: true, why: 'staged Deny is not enforced' }]);
    const staged = await node.explain(ep('ep1-1'), ep('ep2-1'), WEP_PORT);
    assert.equal(staged.allowed, true);
    assert.equal(staged.pendingAllowed, false, 'explain reports what the staged policy would do');

    await node.applyAndConverge({ apiVersion: API, kind: 'NetworkPolicy', metadata: { name: 'tier1.enforced-deny', namespace: 'default' }, spec });
    await node.expectConnectivity([{ from: ep('ep1-1'), to: ep('ep2-1'), port: WEP_PORT, expect: false, why: 'the same Deny, enforced' }]);
    await node.remove('NetworkPolicy', 'tier1.enforced-deny', 'default');
    await node.remove('StagedNetworkPolicy', 'tier1.staged-deny', 'default');
    await node.converge();
    await node.expectConnectivity([{ from: ep('ep1-1'), to: ep('ep2-1'), port: WEP_PORT, expect: true, why: 'deny removed' }]);
  });

  test('policy order: lower order first; equal order goes by name; changing order takes effect', async () => {
    const pol = (name: string, order: number | undefined, action: 'Allow' | 'Deny') => ({
      apiVersion: API, kind: 'NetworkPolicy', metadata: { name, namespace: 'order' },
      spec: { ...(order === undefined ? {} : { order }), selector: "app == 'server'", types: ['Ingress'], ingress: [{ action, protocol: 'TCP', source: { selector: "app == 'client'" } }] },
    });
    const probe = (expect: boolean, why: string): Expectation[] => [{ from: 'order/client', to: 'order/server', port: 8080, expect, why }];
    await node.applyAndConverge(pol('deny-first', 10, 'Deny'), pol('allow-later', 20, 'Allow'));
    await node.expectConnectivity(probe(false, 'Deny at order 10 before Allow at order 20'));
    await node.applyAndConverge(pol('deny-first', 30, 'Deny'));
    await node.expectConnectivity(probe(true, 'Allow at order 20 now comes first'));
    // Same order: by name, so "allow-later" < "deny-first".
    await node.applyAndConverge(pol('deny-first', 20, 'Deny'));
    await node.expectConnectivity(probe(true, 'equal order: allow-later sorts before deny-first'));
    await node.applyAndConverge(pol('allow-later', 20, 'Deny'), pol('deny-first', 20, 'Allow'));
    await node.expectConnectivity(probe(false, 'equal order: allow-later (now Deny) sorts first'));
    // An unset order sorts after every ordered policy.
    await node.remove('NetworkPolicy', 'allow-later', 'order');
    await node.applyAndConverge(pol('deny-first', 20, 'Deny'), pol('z-unordered', undefined, 'Allow'));
    await node.expectConnectivity(probe(false, 'ordered Deny before an unordered Allow'));
    await node.remove('NetworkPolicy', 'deny-first', 'order');
    await node.remove('NetworkPolicy', 'z-unordered', 'order');
    await node.converge();
  });

  test('tier order decides which tier speaks first; changing a tier\'s order takes effect', async () => {
    const inTier = (t: string, action: 'Allow' | 'Deny') => ({
      apiVersion: API, kind: 'NetworkPolicy', metadata: { name: `${t}.server-${action.toLowerCase()}`, namespace: 'order' },
      spec: { tier: t, selector: "app == 'server'", types: ['Ingress'], ingress: [{ action, protocol: 'TCP', destination: { ports: [8080] } }] },
    });
    const probe = (expect: boolean, why: string): Expectation[] => [{ from: 'order/client', to: 'order/server', port: 8080, expect, why }];
    await node.withResources([tier('tier-a', 10), tier('tier-b', 20), inTier('tier-a', 'Deny'), inTier('tier-b', 'Allow')], async () => {
      await node.expectConnectivity(probe(false, 'tier-a (order 10) denies first'));
      await node.applyAndConverge(tier('tier-a', 30));
      await node.expectConnectivity(probe(true, 'tier-b (order 20) now first and allows'));
      const ex = await node.explain('order/client', 'order/server', 8080);
      assert.equal(ex.ingress?.tier, 'tier-b');
      assert.equal(ex.ingress?.policy, 'order/tier-b.server-allow');
    });
  });

  test('a policy change blocks new flows while an established flow keeps going (conntrack)', async () => {
    await node.withResources([
      { apiVersion: API, kind: 'NetworkPolicy', metadata: { name: 'udp-allow', namespace: 'order' },
        spec: { order: 20, selector: "app == 'server'", types: ['Ingress'], ingress: [{ action: 'Allow', protocol: 'UDP' }] } },
    ], async () => {
      const flow = node.startUdpFlow('order/client', 'order/server', 9090);
      try {
        const waitFor = async (n: number) => {
          for (let i = 0; i < 50 && flow.replies() < n; i++) await new Promise((r) => setTimeout(r, 100));
          return flow.replies();
        };
        assert.ok(await waitFor(3) >= 3, 'the flow is established');
        await node.applyAndConverge({ apiVersion: API, kind: 'NetworkPolicy', metadata: { name: 'udp-deny', namespace: 'order' },
          spec: { order: 10, selector: "app == 'server'", types: ['Ingress'], ingress: [{ action: 'Deny', protocol: 'UDP' }] } });
        try {
          await node.expectConnectivity([{ from: 'order/client', to: 'order/server', port: 9090, protocol: 'UDP', expect: false, why: 'new flow denied' }]);
          const before = flow.replies();
          assert.ok(await waitFor(before + 5) >= before + 5, `the established flow still gets replies (${before} -> ${flow.replies()})`);
        } finally {
          await node.remove('NetworkPolicy', 'udp-deny', 'order');
        }
      } finally {
        flow.stop();
      }
    });
  });

  test('Log logs and continues: the next rule decides, and the ruleset carries a log rule', async () => {
    await node.applyAndConverge({
      apiVersion: API, kind: 'NetworkPolicy', metadata: { name: 'log-then-decide', namespace: 'order' },
      spec: { selector: "app == 'server'", types: ['Ingress'], ingress: [
        { action: 'Log', protocol: 'TCP' },
        { action: 'Deny', protocol: 'TCP', destination: { ports: [9090] } },
        { action: 'Allow' },
      ] },
    });
    await node.expectConnectivity([
      { from: 'order/client', to: 'order/server', port: 8080, expect: true, why: 'Log, then Allow' },
      { from: 'order/client', to: 'order/server', port: 9090, expect: false, why: 'Log, then Deny' },
    ]);
    if (dataplane === 'nftables') {
      assert.match(await node.inNode('nft', ['list', 'table', 'ip', 'calico']).catch(async () => node.inNode('nft', ['list', 'ruleset'])), /\blog\b/);
    } else {
      const save = (await node.inNode('iptables-legacy-save', [])) + (await node.inNode('iptables-nft-save', []));
      assert.match(save, /-j LOG\b/);
    }
    await node.remove('NetworkPolicy', 'log-then-decide', 'order');
    await node.converge();
  });

  test('our DNAT table is left alone by the agent', async () => {
    const r = await exec('ip', ['netns', 'exec', node.hostNetns, 'nft', 'list', 'table', 'ip', svcTable]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /dnat to/);
  });
});
