import { describe, it } from 'node:test';
import { performance } from 'node:perf_hooks';
import assert from 'node:assert/strict';
import type { ModelRule } from '../model/types.js';
import { compileRun, isAllowOnlyRule, type CompileEnv } from './allow-runs.js';
import { collapseCidrs } from './policy-rules.js';
import { ipSetName } from './names.js';
import { nftRule } from './nft-render.js';
import { iptRules } from './ipt-render.js';

const R = (r: Omit<ModelRule, 'ruleId' | 'action'> & { action?: ModelRule['action'] }): ModelRule => ({ action: 'Allow', ruleId: 'r', ...r });
const tcp80 = R({ protocol: 6, srcIpSetIds: ['s:a'], dstPorts: [{ first: 80, last: 80 }] });
const names = { netPort: 'NP', net: 'N' };
const sets: Record<string, string[]> = {
  's:a': ['10.0.0.1/32', '10.0.0.2/32', 'fd00::1/128'],
  's:b': ['10.0.0.2', '10.1.0.0/16'],
};
const env = (backend: 'nftables' | 'iptables', family: 4 | 6 = 4, maxMembers?: number): CompileEnv => ({
  family, backend, setName: (id, f) => ipSetName(id, f, backend === 'nftables' ? 'nft' : 'ipset'),
  members: (id) => sets[id], ...(maxMembers === undefined ? {} : { maxMembers }),
});

describe('allow-only rule detection', () => {
  it('accepts positive allows with one peer criterion, protocol and destination ports', () => {
    assert.equal(isAllowOnlyRule(tcp80, 'ingress'), true);
    assert.equal(isAllowOnlyRule(R({}), 'ingress'), true, 'allow all');
    assert.equal(isAllowOnlyRule(R({ srcNets: ['10.0.0.0/8'], protocol: 17 }), 'ingress'), true);
    assert.equal(isAllowOnlyRule(R({ dstNets: ['10.0.0.0/8'], protocol: 6, dstPorts: [{ first: 1, last: 9 }] }), 'egress'), true);
  });
  it('rejects anything whose order or negation matters', () => {
    for (const r of [
      R({ action: 'Deny' }), R({ action: 'Pass' }), R({ action: 'Log' }),
      R({ notProtocol: 6 }), R({ protocol: 1, icmp: { type: 8 } }), R({ notSrcNets: ['10.0.0.0/8'] }),
      R({ notSrcIpSetIds: ['s:a'] }), R({ protocol: 6, notDstPorts: [{ first: 1, last: 1 }] }),
      R({ protocol: 6, srcPorts: [{ first: 1, last: 1 }] }), R({ protocol: 6, dstNamedPortIpSetIds: ['n:x'] }),
      R({ srcIpSetIds: ['s:a', 's:b'] }), R({ srcIpSetIds: ['s:a'], srcNets: ['10.0.0.0/8'] }),
      R({ dstNets: ['10.0.0.0/8'] }), R({ dstIpSetIds: ['s:a'] }), R({ protocol: 1, dstPorts: [{ first: 1, last: 1 }] }),
    ]) assert.equal(isAllowOnlyRule(r, 'ingress'), false, JSON.stringify(r));
    assert.equal(isAllowOnlyRule(R({ srcNets: ['10.0.0.0/8'] }), 'egress'), false, 'egress: the source is the local side');
  });
});

describe('run compilation', () => {
  it('cross product of set members x protocol x ports, one lookup, no overlapping members', () => {
    const c = compileRun([
      tcp80,
      R({ protocol: 6, srcIpSetIds: ['s:b'], dstPorts: [{ first: 80, last: 90 }] }),
      R({ protocol: 17, srcNets: ['10.9.0.0/16', 'fd00::/64'], dstPorts: [{ first: 53, last: 53 }] }),
    ], 'ingress', names, env('nftables'))!;
    assert.deepEqual(c.sets, [{ name: 'NP', kind: 'net-and-port', members: [
      '10.0.0.1/32,tcp:80', '10.0.0.2/32,tcp:80', '10.0.0.2/32,tcp:81-90',
      '10.1.0.0/16,tcp:80', '10.1.0.0/16,tcp:81-90',
      '10.9.0.0/16,udp:53',
    ] }]);
    assert.deepEqual(c.rules.map((r) => nftRule(r, 4).body), [
      'meta mark and 0x20000 == 0x0 ip saddr . meta l4proto . th dport @NP meta mark set meta mark or 0x10000 return',
    ]);
    assert.deepEqual(c.rules.flatMap((r) => iptRules(r, 4).map((l) => l.body)), [
      '-m mark --mark 0x0/0x20000 -m set --match-set NP src,dst -j MARK --set-xmark 0x10000/0x10000',
      '-m mark --mark 0x10000/0x10000 -j RETURN',
    ]);
  });

  it('per family: only that family\'s members; egress uses the destination address', () => {
    const c = compileRun([tcp80], 'ingress', names, env('nftables', 6))!;
    assert.deepEqual(c.sets[0]!.members, ['fd00::1/128,tcp:80']);
    const e = compileRun([R({ protocol: 6, dstIpSetIds: ['s:a'], dstPorts: [{ first: 80, last: 80 }] })], 'egress', names, env('nftables', 6))!;
    assert.deepEqual(e.sets[0]!.members, ['fd00::1/128,tcp:80']);
    assert.match(nftRule(e.rules[0]!, 6).body, /^meta mark and 0x20000 == 0x0 ip6 daddr \. meta l4proto \. th dport @NP /);
  });

  it('address-only rules go to a net set, rules without an address stay plain rules', () => {
    const c = compileRun([R({ srcIpSetIds: ['s:b'] }), R({ srcNets: ['10.1.2.0/24'] }), R({ protocol: 1 }), R({ protocol: 6, dstPorts: [{ first: 22, last: 22 }] })], 'ingress', names, env('nftables'))!;
    assert.deepEqual(c.sets, [{ name: 'N', kind: 'net', members: ['10.0.0.2/32', '10.1.0.0/16'] }]);
    assert.deepEqual(c.rules.map((r) => nftRule(r, 4).body), [
      'meta mark and 0x20000 == 0x0 ip saddr @N meta mark set meta mark or 0x10000 return',
      'meta mark and 0x20000 == 0x0 meta l4proto 1 meta mark set meta mark or 0x10000 return',
      'meta mark and 0x20000 == 0x0 meta l4proto 6 th dport 22 meta mark set meta mark or 0x10000 return',
    ]);
  });

  it('protocol without ports: the whole port range on nftables, a plain rule on iptables', () => {
    const r = R({ protocol: 6, srcIpSetIds: ['s:a'] });
    assert.deepEqual(compileRun([r], 'ingress', names, env('nftables'))!.sets[0]!.members, ['10.0.0.1/32,tcp:0-65535', '10.0.0.2/32,tcp:0-65535']);
    const i = compileRun([r], 'ingress', names, env('iptables'))!;
    assert.deepEqual(i.sets, []);
    assert.deepEqual(iptRules(i.rules[0]!, 4)[0]!.body, '-m mark --mark 0x0/0x20000 -p 6 -m set --match-set cali40s:a src -j MARK --set-xmark 0x10000/0x10000');
  });

  it('guards against blow-up (iptables counts the ports ipset expands)', () => {
    const wide = R({ protocol: 6, srcIpSetIds: ['s:a'], dstPorts: [{ first: 1000, last: 1999 }] });
    assert.ok(compileRun([wide], 'ingress', names, env('nftables', 4, 100)));
    assert.equal(compileRun([wide], 'ingress', names, env('iptables', 4, 100)), null);
    assert.equal(compileRun([tcp80], 'ingress', names, env('nftables', 4, 1)), null);
  });

  it('a run too big for a set is given up early, not after computing millions of members', () => {
    const big: string[] = [];
    for (let i = 0; i < 20000; i++) big.push(`10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32`);
    const rules = Array.from({ length: 300 }, (_, i) => R({ protocol: 6, srcIpSetIds: ['s:big'], dstPorts: [{ first: 10000 + i, last: 10000 + i }] }));
    const t0 = performance.now();
    for (const backend of ['nftables', 'iptables'] as const) {
      assert.equal(compileRun(rules, 'ingress', names, { ...env(backend), members: (id) => (id === 's:big' ? big : undefined) }), null);
      assert.equal(compileRun([R({ srcIpSetIds: ['s:big'] })], 'ingress', names, { ...env(backend, 4, 1000), members: () => big }), null);
    }
    assert.ok(performance.now() - t0 < 2000, `gave up in ${performance.now() - t0} ms`);
  });

  it('rules of the other IP version or with only other-family nets are left out', () => {
    const c = compileRun([R({ ipVersion: 6, srcNets: ['fd00::/8'] }), R({ srcNets: ['fd00::/8'] })], 'ingress', names, env('nftables'))!;
    assert.deepEqual(c, { rules: [], sets: [] });
  });

  it('collapseCidrs drops duplicates and nested CIDRs, per family', () => {
    assert.deepEqual(collapseCidrs(['10.0.0.1/32', '10.0.0.0/8', '10.0.0.1/32', '11.0.0.1/32', 'fd00::/64', 'fd00::1/128']), ['10.0.0.0/8', '11.0.0.1/32', 'fd00::/64']);
    // A v4 and a v6 network with the same prefix length and value do not contain each other.
    assert.deepEqual(collapseCidrs(['0.0.0.0/8', '::/8', '0.0.0.1/32', '::1/128']), ['0.0.0.0/8', '::/8']);
  });
});
