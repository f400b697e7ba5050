/**
 * Upstream felix/fv/named_ports_test.go (destination named ports, TCP) on
 * real packets against our agent, for both dataplanes:
 *
 *  - the DescribeTable "with a policy that matches on the shared named port":
 *    named port in ports or notPorts, applied as w0's ingress or as the
 *    others' egress, with 0, 1 or 16 extra numeric ports (16 crosses the
 *    iptables multiport limit of 15), optionally with a destination selector;
 *  - "with a policy that combines named ports and selectors": selector,
 *    notSelector, nets/notNets on either side, notPorts conflicting with ports;
 *  - "named port with a simulated kubernetes nginx and client".
 *
 * Four workloads w0..w3, each with named ports shared-port=1100 and
 * wN-port=100N, listening on 3000, 4000, 1100 and 100N.
 * Needs root (skips otherwise).
 */
import { after, before, describe, test } from 'node:test';
import { canUseNetns } from '../support/netns.js';
import { API, FelixNode, type Expectation } from '../support/felix-harness.js';

const root = await canUseNetns();
const NS = 'fv';
const SHARED = 1100;
const wPort = (i: number) => 1000 + i;
const w = (i: number) => `${NS}/w${i}`;
const nameSel = (i: number) => `name == 'w${i}'`;
const some = (a: number, b: number, port: number, why?: string): Expectation => ({ from: w(a), to: w(b), port, expect: true, ...(why ? { why } : {}) });
const none = (a: number, b: number, port: number, why?: string): Expectation => ({ from: w(a), to: w(b), port, expect: false, ...(why ? { why } : {}) });
const policy = (name: string, spec: Record<string, unknown>) => ({ apiVersion: API, kind: 'NetworkPolicy', metadata: { name, namespace: NS }, spec });

type ApplyAt = 'w0' | 'others';
interface Entry { negated: boolean; at: ApplyAt; numeric: number; destSel: boolean }

/** The table's entries, in upstream's order. */
const ENTRIES: Entry[] = [
  ...[false, true].flatMap((negated) => [0, 1, 16].flatMap((numeric) => (['w0', 'others'] as const).map((at) => ({ negated, at, numeric, destSel: false })))),
  { negated: false, at: 'others', numeric: 0, destSel: true },
  { negated: false, at: 'others', numeric: 16, destSel: true },
  { negated: true, at: 'others', numeric: 0, destSel: true },
  { negated: true, at: 'others', numeric: 16, destSel: true },
];

function tablePolicy(e: Entry) {
  const ports: (string | number)[] = ['shared-port', ...Array.from({ length: e.numeric }, (_, i) => 3000 + i)];
  const destination: Record<string, unknown> = e.negated ? { notPorts: ports } : { ports };
  if (e.destSel) destination['selector'] = nameSel(0);
  const rules = [{ action: 'Allow', protocol: 'TCP', destination }];
  return e.at === 'w0'
    ? policy('policy-1', { selector: nameSel(0), types: ['Ingress'], ingress: rules })
    : policy('policy-1', { selector: `!(${nameSel(0)})`, types: ['Egress'], egress: rules });
}

function tableExpectations(e: Entry): Expectation[] {
  const x: Expectation[] = [];
  if (e.negated) {
    x.push(none(1, 0, SHARED), none(2, 0, SHARED), some(1, 0, wPort(0)), some(2, 0, wPort(0)), some(1, 0, 4000), some(2, 0, 4000));
    x.push(e.numeric > 0 ? none(1, 0, 3000) : some(1, 0, 3000));
  } else {
    x.push(none(1, 0, wPort(0)), none(2, 0, wPort(0)), none(1, 0, 4000), none(2, 0, 4000), some(1, 0, SHARED), some(2, 0, SHARED));
    x.push(e.numeric > 0 ? some(1, 0, 3000) : none(1, 0, 3000));
  }
  if (e.at === 'others') {
    if (e.destSel) x.push(none(1, 2, SHARED), none(2, 1, wPort(1)));
    else if (e.negated) x.push(none(1, 2, SHARED), some(1, 2, wPort(2)));
    else x.push(some(1, 2, SHARED), none(2, 1, wPort(1)));
  } else {
    x.push(some(1, 2, wPort(2)), some(2, 1, SHARED));
  }
  x.push(some(0, 1, SHARED), some(0, 2, SHARED), some(0, 1, wPort(1)), some(0, 2, wPort(2)));
  return x;
}

for (const dataplane of ['nftables', 'iptables'] as const) describe(`felix named ports on real packets (${dataplane})`, { skip: !root && 'needs root and ip netns' }, () => {
  let node: FelixNode;
  let ipOf: (i: number) => string;

  before(async () => {
    if (!root) return;
    node = await FelixNode.start({
      tag: dataplane === 'nftables' ? 'fpn' : 'fpi', dataplane,
      namespaces: [{ name: NS }],
      pods: [0, 1, 2, 3].map((i) => ({
        namespace: NS, name: `w${i}`, labels: { name: `w${i}` },
        ports: [{ name: 'shared-port', containerPort: SHARED }, { name: `w${i}-port`, containerPort: wPort(i) }, { name: 'shared-udp', containerPort: 2200, protocol: 'UDP' as const }],
        serve: [3000, 4000, SHARED, wPort(i)],
      })),
    });
    ipOf = (i) => `${node.endpoint(w(i)).ip}/32`;
  });

  after(async () => { await node?.stop(); });

  test('with no named port policy: full connectivity to and from w0', async () => {
    await node.expectConnectivity([
      some(0, 1, SHARED), some(0, 2, SHARED), some(0, 1, wPort(1)), some(0, 2, wPort(2)), none(0, 2, 9999, 'not a port we open'),
      some(1, 0, SHARED), some(2, 0, SHARED), some(1, 0, wPort(0)), some(2, 0, wPort(0)), some(1, 0, 4000), some(2, 0, 4000),
    ]);
  });

  for (const e of ENTRIES) {
    const label = `${e.negated ? '(negated)' : '(positive)'} ${e.at === 'w0' ? 'ingress' : 'egress'}, ${e.numeric === 0 ? 'no-numeric' : `${e.numeric} numeric`}${e.destSel ? ' with a dest selector' : ''}`;
    test(`a policy on the shared named port: ${label}`, async () => {
      await node.withResources([tablePolicy(e)], () => node.expectConnectivity(tableExpectations(e)));
    });
  }

  describe('a policy that combines named ports and selectors', () => {
    const base = () => ({ ports: ['shared-port', 'w0-port', 'w1-port', 4000], selector: `(${nameSel(0)}) || (${nameSel(1)}) || (${nameSel(2)})` });
    const combined = (destination: Record<string, unknown>, source?: Record<string, unknown>) =>
      policy('policy-1', { selector: 'all()', types: ['Ingress'], ingress: [{ action: 'Allow', protocol: 'TCP', destination, ...(source ? { source } : {}) }] });
    const baseline = (): Expectation[] => [
      some(0, 1, SHARED), some(1, 0, SHARED), some(3, 1, SHARED), some(3, 0, SHARED), some(3, 2, SHARED),
      none(1, 3, SHARED, 'w3 not in the positive selector'), none(2, 3, SHARED, 'w3 not in the positive selector'),
      some(3, 0, wPort(0)), some(3, 1, wPort(1)), none(3, 2, wPort(2), 'w2-port not in the list'),
      some(2, 0, 4000), some(3, 0, 4000), none(2, 0, 3000, 'numeric port not in the list'),
    ];
    const w2AndW3Blocked = (): Expectation[] => [
      some(0, 1, SHARED), some(1, 0, SHARED),
      none(3, 1, SHARED), none(3, 2, SHARED), none(2, 3, SHARED), none(3, 0, wPort(0)), none(3, 2, wPort(2)), none(2, 0, 4000), none(2, 0, 3000),
    ];

    test('baseline', () => node.withResources([combined(base())], () => node.expectConnectivity(baseline())));

    test('with a negative destination selector, removing w2', () => node.withResources([combined({ ...base(), notSelector: nameSel(2) })], () => node.expectConnectivity([
      some(3, 1, SHARED), some(3, 0, SHARED), none(3, 2, SHARED, 'negative selector'), none(2, 3, SHARED),
      some(3, 0, wPort(0)), some(3, 1, wPort(1)), none(3, 2, wPort(2)), some(2, 0, 4000), some(3, 0, 4000), none(2, 0, 3000),
    ])));

    test('with only a negative destination selector, removing w2', () => node.withResources([combined({ ports: base().ports, notSelector: nameSel(2) })], () => node.expectConnectivity([
      some(3, 1, SHARED), some(3, 0, SHARED), none(3, 2, SHARED, 'negative selector'), some(2, 3, SHARED, 'now allowed'), some(1, 3, SHARED, 'now allowed'),
      some(3, 0, wPort(0)), some(3, 1, wPort(1)), none(3, 2, wPort(2)), some(2, 0, 4000), some(3, 0, 4000), none(2, 0, 3000),
    ])));

    test('with source selectors, removing w2 and w3', () => node.withResources([
      combined(base(), { selector: `(${nameSel(0)}) || (${nameSel(1)}) || (${nameSel(2)})`, notSelector: nameSel(2) }),
    ], () => node.expectConnectivity(w2AndW3Blocked())));

    test('with source CIDRs, allowing only w0 and w1', () => node.withResources([combined(base(), { nets: [ipOf(0), ipOf(1)] })], () => node.expectConnectivity(w2AndW3Blocked())));

    test('with negated source CIDRs, allowing only w0 and w1', () => node.withResources([combined(base(), { notNets: [ipOf(2), ipOf(3)] })], () => node.expectConnectivity(w2AndW3Blocked())));

    test('with positive and negative source CIDRs, allowing only w0 and w1', () => node.withResources([
      combined(base(), { nets: [ipOf(0), ipOf(1), ipOf(2)], notNets: [ipOf(2)] }),
    ], () => node.expectConnectivity(w2AndW3Blocked())));

    test('with all positive CIDRs replacing the selector', () => node.withResources([
      combined({ ports: base().ports, nets: [ipOf(0), ipOf(1), ipOf(2)] }),
    ], () => node.expectConnectivity(baseline())));

    test('with all positive CIDRs and negative destination nets blocking w2 and w3', () => node.withResources([
      combined({ ports: base().ports, nets: [ipOf(0), ipOf(1), ipOf(2)], notNets: [ipOf(2), ipOf(3)] }),
    ], () => node.expectConnectivity([
      some(0, 1, SHARED), some(1, 0, SHARED), some(3, 1, SHARED), some(3, 0, SHARED), none(3, 2, SHARED, 'notNets'),
      none(1, 3, SHARED, 'w3 not in nets'), none(2, 3, SHARED, 'w3 not in nets'), some(3, 0, wPort(0)), some(3, 1, wPort(1)),
      none(3, 2, wPort(2), 'notNets'), some(2, 0, 4000), some(3, 0, 4000), none(2, 0, 3000),
    ])));

    test('with negated ports conflicting with positive ports', () => node.withResources([
      combined({ ...base(), notPorts: ['w0-port', wPort(1), 4000] }),
    ], () => node.expectConnectivity([
      some(3, 1, SHARED), some(3, 0, SHARED), none(2, 3, SHARED), some(3, 2, SHARED),
      none(3, 0, wPort(0), 'named port in notPorts'), none(3, 1, wPort(1), 'numeric port in notPorts'), none(3, 2, wPort(2)),
      none(2, 0, 4000, 'numeric port in notPorts'), none(3, 0, 4000, 'numeric port in notPorts'), none(2, 0, 3000),
    ])));
  });

  test('a simulated Kubernetes nginx: default deny, then a named-port allow opens only that port', async () => {
    const deny = policy('knp.default.default-deny', { order: 1000, selector: nameSel(0), types: ['Ingress'] });
    const allow = policy('knp.default.access-w0', { order: 1000, selector: nameSel(0), types: ['Ingress'], ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: ['w0-port'] } }] });
    await node.expectConnectivity([some(1, 0, wPort(0)), some(1, 0, 4000)]);
    await node.withResources([deny], async () => {
      await node.expectConnectivity([none(1, 0, wPort(0)), none(1, 0, 4000)]);
      await node.withResources([allow], () => node.expectConnectivity([some(1, 0, wPort(0), 'named port opened'), none(1, 0, 4000)]));
    });
  });
});
