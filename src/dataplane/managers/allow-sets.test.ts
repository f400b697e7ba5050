/**
 * Compiled allow-only runs through the managers, over a recording writer:
 * run detection and sharing, incremental membership and policy changes,
 * run boundaries moving when a policy stops being allow-only, clean-up.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DataplaneMsg, ModelPolicy, ModelRule, ModelWorkloadEndpoint, PolicyId } from '../model/index.js';
import type { Family, IrChain } from '../rules/ir.js';
import { ipSetName } from '../rules/names.js';
import { nftChainRules } from '../rules/nft-render.js';
import { AllowSetsManager } from './allow-sets.js';
import { EndpointManager } from './endpoint-manager.js';
import { IpSetsManager } from './ipsets-manager.js';
import { PolicyManager } from './policy-manager.js';
import type { RulesetWriter, WriterSetKind } from './ruleset-writer.js';

class RecordingWriter implements RulesetWriter {
  readonly backend = 'nftables' as const;
  readonly chainName = (_t: string, n: string): string => n;
  readonly chains = new Map<string, IrChain>();
  readonly sets = new Map<string, { kind: WriterSetKind; members: string[] }>();
  setCalls = 0;
  setName(id: string, f: Family): string { return ipSetName(id, f, 'nft'); }
  setFamilies(): void {}
  setHookChain(): void {}
  updateChain(f: Family, _t: readonly string[], c: IrChain): void { this.chains.set(`${f}/${c.name}`, c); }
  removeChain(f: Family, _t: readonly string[], name: string): void { this.chains.delete(`${f}/${name}`); }
  setDispatch(): void {}
  setDispatchEntry(): void {}
  setIpSet(f: Family, name: string, kind: WriterSetKind, members: Iterable<string>): void { this.setCalls++; this.sets.set(`${f}/${name}`, { kind, members: [...members] }); }
  removeIpSet(f: Family, name: string): void { this.sets.delete(`${f}/${name}`); }
  async apply() { return { commands: 0, readKernel: false }; }
  async resync() { return { commands: 0, readKernel: false }; }
  async removeOtherDataplane(): Promise<void> {}
  async close(): Promise<void> {}
}

const pid = (name: string): PolicyId => ({ kind: 'NetworkPolicy', namespace: 'ns', name });
const allowFrom = (set: string, port: number): ModelRule => ({ action: 'Allow', protocol: 6, srcIpSetIds: [set], dstPorts: [{ first: port, last: port }], ruleId: 'r' });
const pol = (name: string, rules: ModelRule[]): DataplaneMsg => ({
  kind: 'ActivePolicyUpdate', id: pid(name),
  policy: { id: pid(name), tier: 'default', selector: 'all()', untracked: false, preDnat: false, applyOnForward: false, inboundRules: rules, outboundRules: [] } satisfies ModelPolicy,
});
const wep = (name: string, policies: string[]): DataplaneMsg => {
  const endpoint: ModelWorkloadEndpoint = {
    id: { namespace: 'ns', name }, node: 'n', orchestrator: 'k8s', workload: name, endpoint: 'eth0', interfaceName: `cali${name}`,
    ipv4Nets: [], ipv6Nets: [], labels: {}, stagedTiers: [], profileIds: [],
    tiers: [{ name: 'default', defaultAction: 'Deny', ingressPolicies: policies.map(pid), egressPolicies: [] }],
  };
  return { kind: 'WorkloadEndpointUpdate', id: { namespace: 'ns', name }, endpoint };
};

function node() {
  const ipsets = new IpSetsManager();
  const policies = new PolicyManager();
  const endpoints = new EndpointManager();
  const allow = new AllowSetsManager({ policy: (k) => policies.policy(k), ipSetMembers: (id) => ipsets.members(id) });
  const w = new RecordingWriter();
  const fams: Family[] = [4];
  const feed = (...msgs: DataplaneMsg[]): void => {
    for (const m of msgs) { ipsets.onMessage(m); policies.onMessage(m); allow.onMessage(m); endpoints.onMessage(m); }
    ipsets.completeDeferredWork(w, fams);
    policies.completeDeferredWork(w, fams);
    const ch = allow.update(w);
    endpoints.markDirty(ch.endpoints);
    endpoints.markDirtyForPolicies(ch.policies);
    endpoints.completeDeferredWork(w, fams, allow);
    allow.flush(w);
  };
  const body = (iface: string): string[] => nftChainRules(w.chains.get(`4/cali-tw-cali${iface}`)!, 4).map((r) => r.body);
  const runSets = (): [string, string[]][] => [...w.sets].filter(([k]) => k.includes('cali40a_')).map(([k, v]) => [k, v.members]);
  return { w, feed, body, runSets, allow };
}

const base: DataplaneMsg[] = [
  { kind: 'IpSetUpdate', id: 's:a', type: 'net', members: ['10.0.0.1/32'] },
  { kind: 'IpSetUpdate', id: 's:b', type: 'net', members: ['10.0.0.2/32'] },
  pol('p1', [allowFrom('s:a', 80)]), pol('p2', [allowFrom('s:b', 80), allowFrom('s:b', 443)]), pol('p3', [allowFrom('s:a', 22)]),
];

describe('AllowSetsManager with the endpoint manager', () => {
  it('a run of allow-only policies becomes one lookup, shared by endpoints with the same run', () => {
    const n = node();
    n.feed(...base, wep('x', ['p1', 'p2', 'p3']), wep('y', ['p1', 'p2', 'p3']));
    const x = n.body('x');
    assert.equal(x.filter((b) => b.includes('jump')).length, 0, 'no policy chain is walked');
    assert.equal(x.filter((b) => b.includes('. meta l4proto . th dport @cali40a_')).length, 1);
    assert.ok(x.some((b) => b.includes('drop')), 'end-of-tier drop kept');
    assert.deepEqual(n.body('y').slice(1), x.slice(1), 'same rules');
    assert.deepEqual(n.runSets().map(([, m]) => m), [['10.0.0.1/32,tcp:22', '10.0.0.1/32,tcp:80', '10.0.0.2/32,tcp:443', '10.0.0.2/32,tcp:80']]);
    assert.equal(n.allow.activeRuns, 1);
  });

  it('follows IP set membership and policy rule changes without re-rendering endpoints', () => {
    const n = node();
    n.feed(...base, wep('x', ['p1', 'p2', 'p3']));
    const before = n.body('x');
    n.feed({ kind: 'IpSetDeltaUpdate', id: 's:a', added: ['10.0.0.9/32'], removed: ['10.0.0.1/32'] });
    assert.deepEqual(n.runSets()[0]![1], ['10.0.0.2/32,tcp:443', '10.0.0.2/32,tcp:80', '10.0.0.9/32,tcp:22', '10.0.0.9/32,tcp:80']);
    n.feed(pol('p2', [allowFrom('s:b', 8080)]));
    assert.deepEqual(n.runSets()[0]![1], ['10.0.0.2/32,tcp:8080', '10.0.0.9/32,tcp:22', '10.0.0.9/32,tcp:80']);
    assert.deepEqual(n.body('x'), before);
    const calls = n.w.setCalls;
    n.feed({ kind: 'IpSetDeltaUpdate', id: 's:unused', added: ['1.1.1.1/32'], removed: [] });
    assert.equal(n.w.setCalls, calls, 'an unrelated set change sends nothing');
  });

  it('a policy that stops being allow-only splits the run; the walk keeps order exact', () => {
    const n = node();
    n.feed(...base, wep('x', ['p1', 'p2', 'p3']));
    n.feed(pol('p2', [{ action: 'Deny', protocol: 6, srcIpSetIds: ['s:a'], ruleId: 'd' }]));
    const x = n.body('x');
    assert.equal(x.filter((b) => b.includes('jump')).length, 3, 'runs of one are walked: p1, p2, p3');
    assert.deepEqual(n.runSets(), [], 'the old run\'s set is removed');
    n.feed(pol('p4', [allowFrom('s:b', 1)]), wep('x', ['p1', 'p2', 'p3', 'p4']));
    const y = n.body('x');
    assert.equal(y.filter((b) => b.includes('jump')).length, 2, 'p1, p2 walked');
    const deny = y.findIndex((b) => b.includes('jump') && y.indexOf(b) > 0 && b.includes('p2'));
    const lookup = y.findIndex((b) => b.includes('@cali40a_'));
    assert.ok(lookup > deny, 'the compiled p3+p4 run comes after p2');
    n.feed(pol('p2', [allowFrom('s:a', 7)]));
    assert.equal(n.body('x').filter((b) => b.includes('jump')).length, 0, 'allow-only again: one run of four');
  });

  it('removing the endpoints removes the run and its sets', () => {
    const n = node();
    n.feed(...base, wep('x', ['p1', 'p2']));
    assert.equal(n.runSets().length, 1);
    n.feed({ kind: 'WorkloadEndpointRemove', id: { namespace: 'ns', name: 'x' } });
    assert.deepEqual(n.runSets(), []);
    assert.equal(n.allow.activeRuns, 0);
  });
});
