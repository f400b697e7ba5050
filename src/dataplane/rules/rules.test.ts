/**
 * Golden tests of the rule renderers: model rules, endpoint chains and the
 * fixed chains, printed as nftables statements and iptables-restore arguments.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelRule } from '../model/types.js';
import { endpointChain, failsafeChain } from './endpoint-chains.js';
import { dispatchTree } from './ipt-dispatch.js';
import { rule } from './ir.js';
import { iptChainRules, iptRules } from './ipt-render.js';
import { ipSetName, lengthLimitedId, policyChainName, profileChainName } from './names.js';
import { nftChainRules, nftRule } from './nft-render.js';
import { collapseCidrs, renderModelRule } from './policy-rules.js';
import { staticChains } from './static-chains.js';

const nftSets = (id: string, f: 4 | 6): string => ipSetName(id, f, 'nft');
const iptSets = (id: string, f: 4 | 6): string => ipSetName(id, f, 'ipset');
const nft = (r: ModelRule, f: 4 | 6): string[] => renderModelRule(r, f, nftSets).map((x) => nftRule(x, f).body);
const ipt = (r: ModelRule, f: 4 | 6): string[] => renderModelRule(r, f, iptSets).flatMap((x) => iptRules(x, f).map((l) => l.body));

const complex: ModelRule = {
  action: 'Allow', protocol: 6,
  srcNets: ['10.0.0.0/8', '10.1.0.0/16', '192.168.0.0/24'], notDstNets: ['10.2.0.0/16', '10.3.0.0/16'],
  srcIpSetIds: ['s:sel'], notSrcIpSetIds: ['s:not'],
  dstPorts: [{ first: 80, last: 80 }, { first: 8000, last: 8099 }], dstNamedPortIpSetIds: ['n:http'],
  ruleId: 'R1',
};

describe('policy rule rendering', () => {
  it('nftables: anonymous sets for CIDR lists, named sets by @name, ports OR named port as two rules', () => {
    assert.deepEqual(nft(complex, 4), [
      'meta l4proto 6 ip saddr { 10.0.0.0/8, 192.168.0.0/24 } ip daddr != { 10.2.0.0/16, 10.3.0.0/16 } ip saddr @cali40s_sel ip saddr != @cali40s_not th dport { 80, 8000-8099 } meta mark set meta mark or 0x10000 return',
      'meta l4proto 6 ip saddr { 10.0.0.0/8, 192.168.0.0/24 } ip daddr != { 10.2.0.0/16, 10.3.0.0/16 } ip saddr @cali40s_sel ip saddr != @cali40s_not ip daddr . meta l4proto . th dport @cali40n_http meta mark set meta mark or 0x10000 return',
    ]);
  });

  it('a rule whose nets are all of the other family does not apply (FilterRuleToIPVersion)', () => {
    assert.deepEqual(nft(complex, 6), []);
    assert.deepEqual(nft({ action: 'Deny', srcNets: ['fd00::/64', '10.0.0.0/8'], ruleId: 'R' }, 6), ['ip6 saddr fd00::/64 drop']);
    assert.deepEqual(nft({ action: 'Deny', ipVersion: 4, ruleId: 'R' }, 6), []);
    assert.deepEqual(nft({ action: 'Deny', protocol: 1, icmp: { type: 8 }, ruleId: 'R' }, 6), []);
  });

  it('iptables: one rule per positive CIDR, the scratch mark for a negated list, MARK then RETURN for Allow', () => {
    const lines = ipt(complex, 4);
    assert.deepEqual(lines.slice(0, 7), [
      '-j MARK --set-xmark 0x0/0x40000',
      '--destination 10.2.0.0/16 -j MARK --set-xmark 0x40000/0x40000',
      '--destination 10.3.0.0/16 -j MARK --set-xmark 0x40000/0x40000',
      '-p 6 -m set --match-set cali40s:sel src -m set ! --match-set cali40s:not src -m multiport --dports 80,8000:8099 -m mark --mark 0x0/0x40000 --source 10.0.0.0/8 -j MARK --set-xmark 0x10000/0x10000',
      '-m mark --mark 0x10000/0x10000 -j RETURN',
      '-p 6 -m set --match-set cali40s:sel src -m set ! --match-set cali40s:not src -m multiport --dports 80,8000:8099 -m mark --mark 0x0/0x40000 --source 192.168.0.0/24 -j MARK --set-xmark 0x10000/0x10000',
      '-m mark --mark 0x10000/0x10000 -j RETURN',
    ]);
    assert.equal(lines.filter((l) => l.includes('--match-set cali40n:http dst,dst')).length, 2);
  });

  it('ICMP, negated ICMP, Pass and Log', () => {
    assert.deepEqual(nft({ action: 'Deny', protocol: 1, icmp: { type: 8, code: 0 }, ruleId: 'R' }, 4), ['meta l4proto 1 icmp type 8 icmp code 0 drop']);
    assert.deepEqual(ipt({ action: 'Deny', protocol: 1, icmp: { type: 8, code: 0 }, ruleId: 'R' }, 4), ['-p 1 -m icmp --icmp-type 8/0 -j DROP']);
    const notEcho: ModelRule = { action: 'Log', protocol: 58, notIcmp: { type: 128, code: 0 }, ruleId: 'R' };
    assert.deepEqual(nft(notEcho, 6), ['meta l4proto 58 icmpv6 type . icmpv6 code != { 128 . 0 } log prefix "calico-packet: " level info']);
    assert.deepEqual(ipt(notEcho, 6), ['-p 58 -m icmp6 ! --icmpv6-type 128/0 -j LOG --log-prefix "calico-packet: " --log-level 5']);
    assert.deepEqual(nft({ action: 'Pass', notProtocol: 17, ruleId: 'R' }, 4), ['meta l4proto != 17 meta mark set meta mark or 0x20000 return']);
    assert.deepEqual(ipt({ action: 'Pass', notProtocol: 17, ruleId: 'R' }, 4),
      ['! -p 17 -j MARK --set-xmark 0x20000/0x20000', '-m mark --mark 0x20000/0x20000 -j RETURN']);
    assert.deepEqual(ipt({ action: 'Allow', notSrcPorts: [{ first: 1, last: 2 }], ruleId: 'R' }, 4), [], 'ports without a protocol never match');
  });

  it('iptables splits more than 15 ports into multiport chunks', () => {
    const ports = Array.from({ length: 20 }, (_, i) => ({ first: 1000 + i, last: 1000 + i }));
    const lines = ipt({ action: 'Deny', protocol: 17, dstPorts: ports, ruleId: 'R' }, 4);
    assert.deepEqual(lines, [
      `-p 17 -m multiport --dports ${ports.slice(0, 15).map((p) => p.first).join(',')} -j DROP`,
      `-p 17 -m multiport --dports ${ports.slice(15).map((p) => p.first).join(',')} -j DROP`,
    ]);
  });

  it('collapses nested CIDRs so interval sets never overlap', () => {
    assert.deepEqual(collapseCidrs(['10.1.2.3/32', '10.0.0.0/8', 'fd00::1/128', 'fd00::/64', '192.168.1.0/24']), ['10.0.0.0/8', '192.168.1.0/24', 'fd00::/64']);
  });
});

describe('names', () => {
  it('follows Felix: prefix + suffix when it fits in 28, else prefix _ hash', () => {
    assert.equal(profileChainName('kns.ns1', 'inbound'), 'cali-pri-kns.ns1');
    assert.equal(lengthLimitedId('cali-pi-', 'short', 28), 'cali-pi-short');
    const long = policyChainName({ kind: 'NetworkPolicy', namespace: 'ns1', name: 'a-rather-long-policy-name' }, 'default', 'inbound');
    assert.equal(long.length, 28);
    assert.match(long, /^cali-pi-_[A-Za-z0-9_-]+$/);
    assert.notEqual(long, policyChainName({ kind: 'NetworkPolicy', namespace: 'ns2', name: 'a-rather-long-policy-name' }, 'default', 'inbound'));
    assert.equal(ipSetName('s:0123456789012345678901234567890123456789', 4, 'ipset'), 'cali40s:01234567890123456789012');
    assert.equal(ipSetName('s:abc', 6, 'nft'), 'cali60s_abc');
  });
});

describe('endpoint chains', () => {
  const tiers = [
    { name: 'security', defaultAction: 'Pass' as const, ingressPolicies: [{ kind: 'GlobalNetworkPolicy' as const, name: 'sec' }], egressPolicies: [] },
    { name: 'default', defaultAction: 'Deny' as const, ingressPolicies: [{ kind: 'NetworkPolicy' as const, namespace: 'ns1', name: 'b' }], egressPolicies: [] },
    { name: 'egress-only', defaultAction: 'Deny' as const, ingressPolicies: [], egressPolicies: [{ kind: 'GlobalNetworkPolicy' as const, name: 'x' }] },
  ];
  const pi = (name: string, tier: string, ns?: string): string =>
    policyChainName(ns ? { kind: 'NetworkPolicy', namespace: ns, name } : { kind: 'GlobalNetworkPolicy', name }, tier, 'inbound');

  it('workload ingress: tiers (Pass default skips the end-of-tier drop), then profiles, then drop (nftables)', () => {
    const c = endpointChain({ name: 'cali-tw-cali1', dir: 'ingress', tiers, profileIds: ['kns.ns1'] });
    assert.deepEqual(nftChainRules(c, 4).map((r) => (r.comment ? `${r.body}  # ${r.comment}` : r.body)), [
      'meta mark set meta mark and 0xfffcffff',
      'meta mark set meta mark and 0xfffdffff  # Start of tier security',
      `meta mark and 0x20000 == 0x0 jump ${pi('sec', 'security')}  # Policy sec ingress`,
      'meta mark and 0x10000 == 0x10000 return  # Return if policy accepted',
      'meta mark set meta mark and 0xfffdffff  # Start of tier default',
      `meta mark and 0x20000 == 0x0 jump ${pi('b', 'default', 'ns1')}  # Policy ns1/b ingress`,
      'meta mark and 0x10000 == 0x10000 return  # Return if policy accepted',
      'meta mark and 0x20000 == 0x0 drop  # End of tier default. Drop if no policies passed packet',
      'jump cali-pri-kns.ns1  # Profile kns.ns1 ingress',
      'meta mark and 0x10000 == 0x10000 return  # Return if profile accepted',
      'drop  # Drop if no profiles matched',
    ]);
  });

  it('the same chain as iptables-restore arguments', () => {
    const c = endpointChain({ name: 'cali-tw-cali1', dir: 'ingress', tiers, profileIds: ['kns.ns1'] });
    assert.deepEqual(iptChainRules(c, 4).map((r) => r.body), [
      '-j MARK --set-xmark 0x0/0x30000',
      '-j MARK --set-xmark 0x0/0x20000',
      `-m mark --mark 0x0/0x20000 -j ${pi('sec', 'security')}`,
      '-m mark --mark 0x10000/0x10000 -j RETURN',
      '-j MARK --set-xmark 0x0/0x20000',
      `-m mark --mark 0x0/0x20000 -j ${pi('b', 'default', 'ns1')}`,
      '-m mark --mark 0x10000/0x10000 -j RETURN',
      '-m mark --mark 0x0/0x20000 -j DROP',
      '-j cali-pri-kns.ns1',
      '-m mark --mark 0x10000/0x10000 -j RETURN',
      '-j DROP',
    ]);
  });

  it('host endpoint chains: failsafe first; forward/untracked chains have no profiles and no final drop', () => {
    const c = endpointChain({ name: 'cali-fhfw-eth0', dir: 'egress', tiers, profileIds: null, failsafeChain: 'cali-failsafe-out' });
    assert.deepEqual(nftChainRules(c, 4).map((r) => r.body), [
      'jump cali-failsafe-out',
      'meta mark set meta mark and 0xfffcffff',
      'meta mark set meta mark and 0xfffdffff',
      `meta mark and 0x20000 == 0x0 jump ${policyChainName({ kind: 'GlobalNetworkPolicy', name: 'x' }, 'egress-only', 'outbound')}`,
      'meta mark and 0x10000 == 0x10000 return',
      'meta mark and 0x20000 == 0x0 drop',
    ]);
    const raw = endpointChain({ name: 'raw-cali-fh-eth0', dir: 'egress', tiers, profileIds: null, endOfTierDrop: false });
    assert.ok(!nftChainRules(raw, 4).some((r) => r.body.endsWith('drop')), 'doNotTrack/preDNAT chains leave undecided packets to the filter hook');
    const fs = failsafeChain('cali-failsafe-in', [{ protocol: 'tcp', port: 22 }, { protocol: 'udp', port: 68, net: '10.0.0.0/8' }, { protocol: 'tcp', port: 179, net: 'fd00::/8' }], 'in', 4);
    assert.deepEqual(nftChainRules(fs, 4).map((r) => r.body), ['meta l4proto 6 th dport 22 accept', 'meta l4proto 17 th dport 68 ip saddr 10.0.0.0/8 accept']);
    assert.deepEqual(iptChainRules(fs, 4).map((r) => r.body), ['-p 6 -m multiport --dports 22 -j ACCEPT', '-p 17 -m multiport --dports 68 --source 10.0.0.0/8 -j ACCEPT']);
  });
});

describe('fixed chains', () => {
  it('each filter hook starts with conntrack accept/drop, then dispatches by interface', () => {
    const sc = staticChains((t, n) => (t === 'filter' ? n : `${t}-${n}`), null, 4);
    const fwd = sc.hooks.find((h) => h.table === 'filter' && h.hook === 'FORWARD')!;
    assert.deepEqual(nftChainRules(fwd.chain, 4).map((r) => r.body), [
      'ct state { established, related } accept',
      'ct state invalid drop',
      'meta mark and 0x10000 == 0x10000 ct state untracked accept',
      'meta mark set meta mark and 0xfff8ffff',
      'jump cali-from-hep-forward',
      'iifname "cali*" jump cali-from-wl-dispatch',
      'oifname "cali*" jump cali-to-wl-dispatch',
      'jump cali-to-hep-forward',
      'meta mark and 0x10000 == 0x10000 accept',
    ]);
    for (const h of sc.hooks.filter((x) => x.table === 'filter')) assert.match(nftChainRules(h.chain, 4)[0]!.body, /^ct state \{ established, related \} accept$/);
    const wlToHost = sc.chains.find((c) => c.chain.name === 'cali-wl-to-host')!;
    assert.deepEqual(nftChainRules(wlToHost.chain, 4).map((r) => r.body), ['jump cali-from-wl-dispatch', 'drop'], 'defaultEndpointToHostAction defaults to Drop');
    const raw6 = staticChains((t, n) => `${t}-${n}`, null, 6).hooks.find((h) => h.table === 'raw' && h.hook === 'PREROUTING')!;
    assert.deepEqual(nftChainRules(raw6.chain, 6).slice(1, 3).map((r) => r.body), [
      'iifname "cali*" jump raw-cali-rpf-skip',
      'iifname "cali*" fib saddr . iif oif missing drop',
    ], 'IPv6 workload anti-spoofing after the allowSpoofedSourcePrefixes exceptions');
    assert.deepEqual(iptChainRules(raw6.chain, 6)[2]!.body, '-i cali+ -m rpfilter --invert -j DROP');
    assert.ok(!nftChainRules(sc.hooks.find((h) => h.table === 'raw' && h.hook === 'PREROUTING')!.chain, 4).some((r) => r.body.includes('fib')), 'IPv4 relies on rp_filter');
    const rawIn = sc.chains.find((c) => c.chain.name === 'raw-cali-failsafe-in')!;
    assert.deepEqual(rawIn.chain.rules.length, 0, 'no failsafe config, no rules');
    const withFs = staticChains((t, n) => `${t}-${n}`, {
      failsafeInboundHostPorts: [{ protocol: 'tcp', port: 22 }], failsafeOutboundHostPorts: [{ protocol: 'udp', port: 53, net: '10.0.0.0/8' }],
      defaultEndpointToHostAction: 'Drop', ipv6Support: true, felixConfiguration: {},
    }, 4);
    const body = (name: string): string[] => nftChainRules(withFs.chains.find((c) => c.chain.name === name)!.chain, 4).map((r) => r.body);
    assert.deepEqual(body('raw-cali-failsafe-in'), ['meta l4proto 6 th dport 22 accept', 'meta l4proto 17 th sport 53 ip saddr 10.0.0.0/8 accept'], 'raw: replies to outbound failsafe connections');
    assert.deepEqual(body('raw-cali-failsafe-out'), ['meta l4proto 17 th dport 53 ip daddr 10.0.0.0/8 accept', 'meta l4proto 6 th sport 22 accept'], 'raw: replies to inbound failsafe connections');
    assert.deepEqual(body('filter-cali-failsafe-in'), ['meta l4proto 6 th dport 22 accept'], 'filter: conntrack handles replies');
    const nat = sc.chains.find((c) => c.table === 'nat')!;
    assert.deepEqual(iptChainRules(nat.chain, 4).map((r) => r.body), ['-m set --match-set cali40masq-ipam-pools src -m set ! --match-set cali40all-ipam-pools dst -j MASQUERADE']);
  });
});

describe('iptables dispatch tree', () => {
  const drop = [rule([], { k: 'drop' }, 'Unknown interface')];
  it('stays flat up to 16 interfaces', () => {
    const entries = new Map(Array.from({ length: 3 }, (_, i) => [`cali${i}`, `cali-fw-cali${i}`] as [string, string]));
    const chains = dispatchTree('cali-from-wl-dispatch', 'iif', entries, drop);
    assert.deepEqual(chains.map((c) => [c.name, iptChainRules(c, 4).map((r) => r.body)]), [
      ['cali-from-wl-dispatch', ['-i cali0 -g cali-fw-cali0', '-i cali1 -g cali-fw-cali1', '-i cali2 -g cali-fw-cali2', '-j DROP']],
    ]);
  });

  it('splits by the next character past the common prefix; every chain ends with the fallback', () => {
    const ifaces = Array.from({ length: 40 }, (_, i) => `cali${String(i).padStart(11, '0')}`);
    const chains = dispatchTree('cali-to-wl-dispatch', 'oif', new Map(ifaces.map((i) => [i, `cali-tw-${i}`])), drop);
    const root = chains.find((c) => c.name === 'cali-to-wl-dispatch')!;
    assert.deepEqual(iptChainRules(root, 4).map((r) => r.body), [
      '-o cali0000000000+ -g cali-to-wl-dispatch-0',
      '-o cali0000000001+ -g cali-to-wl-dispatch-1',
      '-o cali0000000002+ -g cali-to-wl-dispatch-2',
      '-o cali0000000003+ -g cali-to-wl-dispatch-3',
      '-j DROP',
    ]);
    assert.equal(chains.length, 5);
    for (const c of chains) {
      assert.ok(c.rules.length <= 17);
      assert.equal(iptChainRules(c, 4).at(-1)!.body, '-j DROP');
    }
    const leafTargets = chains.flatMap((c) => c.rules.flatMap((r) => r.actions)).filter((a) => a.k === 'goto' && a.chain.startsWith('cali-tw-'));
    assert.equal(leafTargets.length, 40, 'every interface reachable exactly once');
  });
});
