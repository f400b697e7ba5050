/**
 * Upstream felix/fv/netsets_test.go ("with namespaced network sets matching
 * some workloads") on real packets against our agent, for both dataplanes.
 *
 * Four workloads nw0..nw3 and one GlobalNetworkPolicy on all(): ingress is
 * allowed only from `has(allow-as-source)` to `has(allow-as-dest)`, which only
 * NetworkSets carry, so connectivity follows the sets' nets as they are
 * created, updated (members moved, 0.0.0.0/0, duplicates, bare IPs,
 * overlapping sets) and deleted. Upstream gives each workload its own /24;
 * here a workload's net is its /32 (and the bare IP where upstream uses one).
 * Needs root (skips otherwise).
 */
import { after, before, describe, test } from 'node:test';
import { canUseNetns } from '../support/netns.js';
import { API, FelixNode, type Expectation } from '../support/felix-harness.js';

const root = await canUseNetns();
const P = 3000;
const nw = (i: number) => `fv/nw${i}`;
const pairs = (allowed: readonly [number, number][]): Expectation[] => {
  const out: Expectation[] = [];
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      if (i !== j) out.push({ from: nw(i), to: nw(j), port: P, expect: allowed.some(([a, b]) => a === i && b === j) });
    }
  }
  return out;
};

/** assertBaselineNetsetsConnectivity: sources {0,1,2}, destinations {2,3}. */
const BASELINE: [number, number][] = [[0, 2], [0, 3], [1, 2], [1, 3], [2, 3]];

for (const dataplane of ['nftables', 'iptables'] as const) describe(`felix network sets on real packets (${dataplane})`, { skip: !root && 'needs root and ip netns' }, () => {
  let node: FelixNode;
  let cidr: (i: number) => string;
  const netset = (name: string, label: 'allow-as-source' | 'allow-as-dest', nets: string[]) =>
    ({ apiVersion: API, kind: 'NetworkSet', metadata: { name, namespace: 'default', labels: { [label]: '' } }, spec: { nets } });
  const src = (...nets: string[]) => netset('ns-1', 'allow-as-source', nets);
  const dst = (...nets: string[]) => netset('ns-2', 'allow-as-dest', nets);
  const reset = () => node.applyAndConverge(src(cidr(0), cidr(1), cidr(2)), dst(cidr(2), cidr(3)));

  before(async () => {
    if (!root) return;
    node = await FelixNode.start({
      tag: dataplane === 'nftables' ? 'fsn' : 'fsi', dataplane,
      namespaces: [{ name: 'fv' }, { name: 'default' }],
      pods: [0, 1, 2, 3].map((i) => ({ namespace: 'fv', name: `nw${i}`, labels: { name: `nw${i}` }, serve: [P] })),
    });
    cidr = (i) => `${node.endpoint(nw(i)).ip}/32`;
    await node.applyAndConverge({ apiVersion: API, kind: 'GlobalNetworkPolicy', metadata: { name: 'policy-1' }, spec: {
      selector: 'all()',
      ingress: [{ action: 'Allow', source: { selector: 'has(allow-as-source)' }, destination: { selector: 'has(allow-as-dest)' } }],
      egress: [{ action: 'Allow' }],
    } });
  });

  after(async () => { await node?.stop(); });

  test('with no matching network sets, should deny all', () => node.expectConnectivity(pairs([])));

  test('namespaced network sets: baseline, members moved, reverted', async () => {
    await reset();
    await node.expectConnectivity(pairs(BASELINE));
    // Source: 0 removed, 3 added. Destination: 2 removed, 1 added.
    await node.applyAndConverge(src(cidr(1), cidr(2), cidr(3)), dst(cidr(1), cidr(3)));
    await node.expectConnectivity(pairs([[1, 3], [2, 1], [2, 3], [3, 1]]));
    await reset();
    await node.expectConnectivity(pairs(BASELINE));
  });

  test('after switching the source set to the zero CIDR, every source is allowed', async () => {
    await node.applyAndConverge(src('0.0.0.0/0'));
    await node.expectConnectivity(pairs([...BASELINE, [3, 2]]));
    await reset();
    await node.expectConnectivity(pairs(BASELINE));
  });

  test('an overlapping second source set; removing the original; removing both', async () => {
    const src2 = netset('ns-3', 'allow-as-source', [cidr(1), node.endpoint(nw(2)).ip + '/32', cidr(3)]);
    await node.applyAndConverge(src2);
    await node.expectConnectivity(pairs([...BASELINE, [3, 2]]));
    await node.remove('NetworkSet', 'ns-1', 'default');
    await node.converge();
    await node.expectConnectivity(pairs([[1, 2], [1, 3], [2, 3], [3, 2]]));
    await node.remove('NetworkSet', 'ns-3', 'default');
    await node.converge();
    await node.expectConnectivity(pairs([]));
    await reset();
    await node.expectConnectivity(pairs(BASELINE));
  });

  test('duplicate and overlapping members, bare IPs, then deleting the sets', async () => {
    await node.applyAndConverge(
      src(cidr(1), cidr(2), cidr(3), cidr(3), cidr(3)),
      dst(cidr(1), cidr(1), cidr(3)),
    );
    await node.expectConnectivity(pairs([[1, 3], [2, 1], [2, 3], [3, 1]]));
    await node.applyAndConverge(
      src(cidr(1), cidr(2), cidr(3), node.endpoint(nw(3)).ip),
      dst(cidr(0), cidr(2), cidr(1), cidr(3)),
    );
    const all123: [number, number][] = [];
    for (const i of [1, 2, 3]) for (let j = 0; j < 4; j++) if (i !== j) all123.push([i, j]);
    await node.expectConnectivity(pairs(all123));
    await node.remove('NetworkSet', 'ns-1', 'default');
    await node.converge();
    await node.expectConnectivity(pairs([]));
    await reset();
    await node.remove('NetworkSet', 'ns-2', 'default');
    await node.converge();
    await node.expectConnectivity(pairs([]));
  });
});
