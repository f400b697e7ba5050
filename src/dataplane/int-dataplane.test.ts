/**
 * IntDataplane over fake kernels (no root): what is sent at start, that a
 * change sends only its delta, removal order, staged policies never
 * programmed, the natOutgoing pools, and the switch-over clean-up.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createIntDataplane } from './int-dataplane.js';
import { FakeExec, FakeNftTransport, ok } from './kernel/index.js';
import type { DataplaneMsg, ModelConfig, ModelPolicy, ModelWorkloadEndpoint, PolicyId } from './model/index.js';
import { policyChainName } from './rules/names.js';

const config: ModelConfig = {
  failsafeInboundHostPorts: [{ protocol: 'tcp', port: 22 }], failsafeOutboundHostPorts: [],
  defaultEndpointToHostAction: 'Accept', ipv6Support: false, felixConfiguration: {},
};
const polId: PolicyId = { kind: 'NetworkPolicy', namespace: 'ns1', name: 'allow-a' };
const policy = (port: number): ModelPolicy => ({
  id: polId, tier: 'default', selector: "app == 'b'", untracked: false, preDnat: false, applyOnForward: false,
  inboundRules: [{ action: 'Allow', protocol: 6, srcIpSetIds: ['s:aaa'], dstPorts: [{ first: port, last: port }], ruleId: 'r0' }],
  outboundRules: [],
});
const wep = (name: string, ip: string, policies: PolicyId[]): ModelWorkloadEndpoint => ({
  id: { namespace: 'ns1', name }, node: 'node1', orchestrator: 'k8s', workload: name, endpoint: 'eth0',
  interfaceName: `cali${name}`, ipv4Nets: [`${ip}/32`], ipv6Nets: [], labels: {},
  tiers: policies.length ? [{ name: 'default', defaultAction: 'Deny', ingressPolicies: policies, egressPolicies: [] }] : [],
  stagedTiers: [], profileIds: ['kns.ns1'],
});
const start: DataplaneMsg[] = [
  { kind: 'ConfigUpdate', config },
  { kind: 'IpSetUpdate', id: 's:aaa', type: 'net', members: ['10.65.0.1/32'] },
  { kind: 'ActivePolicyUpdate', id: polId, policy: policy(80) },
  { kind: 'ActiveProfileUpdate', id: { name: 'kns.ns1' }, profile: { id: { name: 'kns.ns1' }, inboundRules: [{ action: 'Allow', ruleId: 'p' }], outboundRules: [{ action: 'Allow', ruleId: 'q' }] } },
  { kind: 'WorkloadEndpointUpdate', id: { namespace: 'ns1', name: 'a' }, endpoint: wep('a', '10.65.0.1', []) },
  { kind: 'WorkloadEndpointUpdate', id: { namespace: 'ns1', name: 'b' }, endpoint: wep('b', '10.65.0.2', [polId]) },
  { kind: 'InSync' },
];
const pi = `filter-${policyChainName(polId, 'default', 'inbound')}`;

function nftDataplane() {
  const transport = new FakeNftTransport();
  const exec = new FakeExec();
  const dp = createIntDataplane({ driver: 'nftables', hostname: 'node1', exec, nftTransport: transport, sysctls: false });
  return { dp, transport, exec };
}

describe('IntDataplane (nftables, fake kernel)', () => {
  it('first apply creates the table, base chains, dispatch verdict maps and sets in one transaction', async () => {
    const { dp, transport } = nftDataplane();
    dp.onMessages(start);
    const st = await dp.apply();
    assert.equal(transport.batches.length, 1, 'IPv4 only (ipv6Support false): one transaction');
    const b = transport.batches[0]!;
    assert.equal(b[0], 'add table ip calico');
    assert.ok(b.includes('add chain ip calico filter-FORWARD { type filter hook forward priority 0; policy accept; }'));
    assert.ok(b.includes('add map ip calico filter-cali-from-wl-dispatch { type ifname : verdict; }'));
    assert.ok(b.some((c) => c.startsWith('add element ip calico filter-cali-to-wl-dispatch {') && c.includes('"calib" : goto filter-cali-tw-calib')));
    assert.ok(b.includes('add set ip calico cali40s_aaa { type ipv4_addr; }'));
    const setAt = b.indexOf('add set ip calico cali40s_aaa { type ipv4_addr; }');
    const useAt = b.findIndex((c) => c.includes('@cali40s_aaa'));
    assert.ok(setAt < useAt, 'set created before the rule that uses it');
    assert.equal(st.readKernel, true);
    assert.equal(st.activeWorkloadEndpoints, 2);
    const again = await dp.apply();
    assert.equal(again.commands, 0);
    assert.equal(transport.batches.length, 1, 'nothing to send');
  });

  it('a policy change sends only that policy chain; a set delta only the element change; no re-read', async () => {
    const { dp, transport } = nftDataplane();
    dp.onMessages(start);
    await dp.apply();
    const reads = transport.listCalls;
    dp.onMessages([{ kind: 'ActivePolicyUpdate', id: polId, policy: policy(8080) }]);
    const st = await dp.apply();
    assert.equal(st.readKernel, false);
    assert.equal(transport.listCalls, reads, 'no kernel read between resyncs');
    assert.deepEqual(transport.lastBatch!.map((c) => c.split(' ').slice(0, 5).join(' ')), [`flush chain ip calico ${pi}`, `add rule ip calico ${pi}`]);
    dp.onMessages([{ kind: 'IpSetDeltaUpdate', id: 's:aaa', added: ['10.65.0.9/32'], removed: ['10.65.0.1/32'] }]);
    await dp.apply();
    assert.deepEqual(transport.lastBatch, ['delete element ip calico cali40s_aaa { 10.65.0.1 }', 'add element ip calico cali40s_aaa { 10.65.0.9 }']);
  });

  it('removals: map entries and jumps go before the chains they target, sets after the rules using them', async () => {
    const { dp, transport } = nftDataplane();
    dp.onMessages(start);
    await dp.apply();
    dp.onMessages([
      { kind: 'WorkloadEndpointRemove', id: { namespace: 'ns1', name: 'b' } },
      { kind: 'ActivePolicyRemove', id: polId },
      { kind: 'IpSetRemove', id: 's:aaa' },
    ]);
    await dp.apply();
    const b = transport.lastBatch!;
    const mapDel = b.findIndex((c) => c.startsWith('delete element ip calico filter-cali-to-wl-dispatch'));
    const chainDel = b.indexOf('delete chain ip calico filter-cali-tw-calib');
    const polDel = b.indexOf(`delete chain ip calico ${pi}`);
    const setDel = b.indexOf('delete set ip calico cali40s_aaa');
    assert.ok(mapDel >= 0 && chainDel > mapDel && polDel > mapDel && setDel > polDel, b.join('\n'));
  });

  it('a policy chain exists only while an endpoint chain jumps to it (no chain for an unused direction or an unselected policy)', async () => {
    const { dp, transport } = nftDataplane();
    dp.onMessages(start);
    await dp.apply();
    const po = `filter-${policyChainName(polId, 'default', 'outbound')}`;
    const first = transport.batches[0]!;
    assert.ok(first.includes(`add chain ip calico ${pi}`), 'walked inbound chain programmed');
    assert.ok(!first.some((c) => c.includes(po)), 'no endpoint walks the outbound direction: no chain');
    // The only endpoint using the policy stops using it: its chain goes, in the same batch as the jump.
    dp.onMessages([{ kind: 'WorkloadEndpointUpdate', id: { namespace: 'ns1', name: 'b' }, endpoint: wep('b', '10.65.0.2', []) }]);
    await dp.apply();
    const b = transport.lastBatch!;
    assert.ok(b.includes(`delete chain ip calico ${pi}`), b.join('\n'));
    assert.ok(b.findIndex((c) => c.startsWith('flush chain ip calico filter-cali-tw-calib')) < b.indexOf(`delete chain ip calico ${pi}`));
    // A policy update while unused sends nothing; using it again programs the current rules.
    dp.onMessages([{ kind: 'ActivePolicyUpdate', id: polId, policy: policy(8080) }]);
    assert.equal((await dp.apply()).commands, 0);
    dp.onMessages([{ kind: 'WorkloadEndpointUpdate', id: { namespace: 'ns1', name: 'b' }, endpoint: wep('b', '10.65.0.2', [polId]) }]);
    await dp.apply();
    const again = transport.lastBatch!;
    const add = again.indexOf(`add chain ip calico ${pi}`);
    const jump = again.findIndex((c) => c.startsWith('add rule ip calico filter-cali-tw-calib') && c.includes(`jump ${pi}`));
    assert.ok(add >= 0 && jump > add, again.join('\n'));
    assert.ok(again.some((c) => c.startsWith(`add rule ip calico ${pi}`) && c.includes('8080')));
  });

  it('staged policies are never programmed', async () => {
    const { dp, transport } = nftDataplane();
    dp.onMessages([...start, { kind: 'ActivePolicyUpdate', id: { kind: 'StagedNetworkPolicy', namespace: 'ns1', name: 's' }, policy: { ...policy(1), id: { kind: 'StagedNetworkPolicy', namespace: 'ns1', name: 's' }, stagedAction: 'Set' } }]);
    await dp.apply();
    const staged = policyChainName({ kind: 'StagedNetworkPolicy', namespace: 'ns1', name: 's' }, 'default', 'inbound');
    assert.ok(!transport.batches.flat().some((c) => c.includes(staged)));
  });

  it('natOutgoing pools fill the masquerade sets', async () => {
    const { dp, transport } = nftDataplane();
    dp.onMessages([...start, { kind: 'IpPoolUpdate', id: '10.65.0.0/16', pool: { cidr: '10.65.0.0/16', natOutgoing: true } }, { kind: 'IpPoolUpdate', id: '10.66.0.0/16', pool: { cidr: '10.66.0.0/16', natOutgoing: false } }]);
    await dp.apply();
    const b = transport.batches.flat();
    assert.ok(b.includes('add element ip calico cali40masq-ipam-pools { 10.65.0.0/16 }'));
    assert.ok(b.includes('add element ip calico cali40all-ipam-pools { 10.65.0.0/16, 10.66.0.0/16 }'));
    assert.ok(b.some((c) => c.startsWith('add rule ip calico nat-cali-nat-outgoing ip saddr @cali40masq-ipam-pools ip daddr != @cali40all-ipam-pools masquerade')));
  });

  it('on start removes the iptables dataplane\'s chains and ipsets, nothing else', async () => {
    const { dp, exec } = nftDataplane();
    exec.on('iptables-legacy-save', () => ok('*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:cali-FORWARD - [0:0]\n:KUBE-X - [0:0]\n-A FORWARD -m comment --comment "cali:abc" -j cali-FORWARD\n-A FORWARD -j KUBE-X\n-A cali-FORWARD -j ACCEPT\nCOMMIT\n'));
    exec.on('ipset', (c) => (c.args[0] === 'list' ? ok('cali40s:old\nkube-set\ncali60s:x\n') : undefined));
    dp.onMessages(start);
    await dp.apply();
    const restore = exec.callsOf('iptables-legacy-restore');
    assert.equal(restore.length, 1);
    assert.equal(restore[0]!.input, '*filter\n-D FORWARD -m comment --comment "cali:abc" -j cali-FORWARD\n-F cali-FORWARD\n-X cali-FORWARD\nCOMMIT\n');
    assert.deepEqual(exec.callsOf('ipset').filter((c) => c.args[0] === 'destroy').map((c) => c.args[1]), ['cali40s:old', 'cali60s:x']);
  });
});

describe('IntDataplane (iptables, fake kernel)', () => {
  it('ipsets before iptables-restore, Felix chains, jumps inserted in the built-in chains, nft table removed', async () => {
    const exec = new FakeExec();
    const builtins: Record<string, string> = {
      filter: ':INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]',
      raw: ':PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]',
      mangle: ':PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]',
      nat: ':PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]',
    };
    // One save of every table (or `-t <table>` for one).
    const saved = (t: string): string => `*${t}\n${builtins[t] ?? ''}\nCOMMIT\n`;
    exec.on('iptables-legacy-save', (c) => {
      const t = c.args[1];
      return ok(t ? saved(t) : Object.keys(builtins).map(saved).join(''));
    });
    exec.on('nft', (c) => (c.args[0] === 'list' && c.args[1] === 'tables' ? ok('table ip calico\ntable ip foreign\n') : c.args[0] === 'delete' ? ok('') : { code: 1, stdout: '', stderr: 'No such file or directory' }));
    const dp = createIntDataplane({ driver: 'iptables', hostname: 'node1', exec, sysctls: false, iptablesBackend: 'legacy' });
    dp.onMessages(start);
    await dp.apply();
    assert.deepEqual(exec.callsOf('nft').filter((c) => c.args[0] === 'delete').map((c) => c.args.join(' ')), ['delete table ip calico']);
    const order = exec.calls.map((c) => (c.cmd === 'ipset' && c.args[0] === 'restore' ? 'ipset' : c.cmd)).filter((c) => c === 'ipset' || c === 'iptables-legacy-restore');
    assert.equal(order[0], 'ipset', 'sets are created before the rules using them');
    const ipset = exec.callsOf('ipset').filter((c) => c.args[0] === 'restore').map((c) => c.input!).join('');
    assert.match(ipset, /^create cali40s:aaa hash:net family inet/m);
    assert.match(ipset, /^add cali40s:aaa 10\.65\.0\.1$/m);
    const filter = exec.callsOf('iptables-legacy-restore').map((c) => c.input!).find((i) => i.includes('*filter'))!;
    assert.match(filter, /^-I FORWARD 1 -m comment --comment "cali:[^"]+" -j cali-FORWARD$/m);
    assert.match(filter, /^-A cali-to-wl-dispatch -m comment --comment "cali:[^"]+" -o calib -g cali-tw-calib$/m);
    assert.match(filter, new RegExp(`^-A ${policyChainName(polId, 'default', 'inbound')} -m comment --comment "cali:[^"]+; rule r0" -p 6 -m set --match-set cali40s:aaa src -m multiport --dports 80 -j MARK --set-xmark 0x10000/0x10000$`, 'm'));
    assert.match(filter, /^-A cali-tw-calib .*-j cali-pri-kns\.ns1$/m);
  });

  it('chainInsertMode Append puts the jump at the end of the built-in chain', async () => {
    const exec = new FakeExec();
    exec.on('iptables-legacy-save', (c) => (c.args[1] === 'filter' || c.args[1] === undefined ? ok('*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -j KUBE-FORWARD\nCOMMIT\n') : ok('')));
    const dp = createIntDataplane({ driver: 'iptables', hostname: 'node1', exec, sysctls: false, iptablesBackend: 'legacy' });
    dp.onMessages([{ kind: 'ConfigUpdate', config: { ...config, felixConfiguration: { chainInsertMode: 'Append' } } }]);
    await dp.apply();
    const filter = exec.callsOf('iptables-legacy-restore').map((c) => c.input!).find((i) => i.includes('*filter'))!;
    assert.match(filter, /^-A FORWARD -m comment --comment "cali:[^"]+" -j cali-FORWARD$/m);
  });
});

describe('IntDataplane sysctls', () => {
  it('forwarding and per-workload-interface settings in one sysctl call; a missing interface is retried later', async () => {
    const exec = new FakeExec();
    let calls = 0;
    exec.on('sysctl', (c) => {
      calls++;
      const missing = c.args.some((a) => a.includes('.calib.') || a.includes('neigh.calib'));
      return missing ? { code: 255, stdout: '', stderr: 'sysctl: cannot stat /proc/sys/net/ipv4/conf/calib/forwarding: No such file or directory' } : ok();
    });
    const dp = createIntDataplane({ driver: 'nftables', hostname: 'node1', exec, nftTransport: new FakeNftTransport() });
    dp.onMessages(start);
    await dp.apply();
    const first = exec.callsOf('sysctl')[0]!.args;
    assert.deepEqual(first.slice(0, 3), ['-q', '-w', 'net.ipv4.ip_forward=1']);
    for (const s of ['net.ipv4.conf.calia.forwarding=1', 'net.ipv4.conf.calia.proxy_arp=1', 'net.ipv4.neigh.calia.proxy_delay=0', 'net.ipv4.conf.calia.rp_filter=1']) assert.ok(first.includes(s), s);
    const n = calls;
    exec.on('sysctl', () => ok());
    await dp.apply();
    const retried = exec.callsOf('sysctl').slice(n);
    assert.equal(retried.length, 1, 'one call for what is left');
    assert.ok(retried[0]!.args.every((a) => a === '-q' || a === '-w' || a.includes('calib')), retried[0]!.args.join(' '));
    await dp.apply();
    assert.equal(exec.callsOf('sysctl').length, n + 1, 'nothing left: no more calls');
  });
});

describe('IntDataplane host endpoints', () => {
  const hep = (name: string, iface: string | undefined, ips: string[]): DataplaneMsg => ({
    kind: 'HostEndpointUpdate', id: { name },
    endpoint: {
      id: { name }, node: 'node1', ...(iface === undefined ? {} : { interfaceName: iface }),
      expectedIpv4Addrs: ips, expectedIpv6Addrs: [], labels: {},
      tiers: [], untrackedTiers: [], preDnatTiers: [], forwardTiers: [], stagedTiers: [], profileIds: [],
    },
  });

  it('an endpoint known by expected IPs applies to the interfaces holding them (not workloads)', async () => {
    const { dp, transport, exec } = nftDataplane();
    exec.on('ip', () => ok(JSON.stringify([
      { ifname: 'lo', addr_info: [{ local: '127.0.0.1' }] },
      { ifname: 'eth0', addr_info: [{ local: '192.0.2.10' }, { local: 'fe80::1' }] },
      { ifname: 'eth1', addr_info: [{ local: '198.51.100.1' }] },
      { ifname: 'cali9', addr_info: [{ local: '192.0.2.10' }] },
    ])));
    dp.onMessages([...start, hep('by-ip', undefined, ['192.0.2.10/32'])]);
    await dp.apply();
    const b = transport.batches.flat();
    assert.ok(b.some((c) => c.startsWith('add element ip calico filter-cali-from-host-endpoint') && c.includes('"eth0" : goto filter-cali-fh-eth0')));
    assert.ok(!b.some((c) => c.includes('cali-fh-eth1') || c.includes('cali-fh-cali9')));
    // The address moves to eth1: found again at the next resync.
    exec.on('ip', () => ok(JSON.stringify([{ ifname: 'eth1', addr_info: [{ local: '192.0.2.10' }] }])));
    await dp.resync();
    // The fake kernel has no table, so the resync re-sends the whole desired table.
    const after = transport.lastBatch!;
    assert.ok(!after.some((c) => c.includes('cali-fh-eth0')));
    assert.ok(after.some((c) => c.includes('"eth1" : goto filter-cali-fh-eth1')));
  });

  it('an all-interfaces endpoint is the dispatch fallback, never for lo or workloads, forwarded traffic included', async () => {
    const { dp, transport } = nftDataplane();
    dp.onMessages([...start, hep('all', '*', [])]);
    await dp.apply();
    const b = transport.batches.flat();
    for (const [chain, key, target] of [
      ['filter-cali-from-host-endpoint', 'iifname', 'filter-cali-fh-any-interface'],
      ['filter-cali-to-host-endpoint', 'oifname', 'filter-cali-th-any-interface'],
      ['filter-cali-from-hep-forward', 'iifname', 'filter-cali-fhfw-any-interface'],
    ]) {
      const rules = b.filter((c) => c.startsWith(`add rule ip calico ${chain} `)).map((c) => c.slice(`add rule ip calico ${chain} `.length).replace(/ comment .*$/, ''));
      assert.deepEqual(rules, [`${key} vmap @${chain}`, `${key} "lo" return`, `${key} "cali*" return`, `goto ${target}`], chain);
    }
  });
});

describe('IntDataplane FelixConfiguration', () => {
  it('logPrefix from FelixConfiguration is used by Log rules; a change re-renders them', async () => {
    const { dp, transport } = nftDataplane();
    const logPolicy: ModelPolicy = { ...policy(80), inboundRules: [{ action: 'Log', ruleId: 'l' }, ...policy(80).inboundRules] };
    dp.onMessages([...start, { kind: 'ActivePolicyUpdate', id: polId, policy: logPolicy }]);
    await dp.apply();
    assert.ok(transport.batches.flat().some((c) => c.includes('log prefix "calico-packet: " level info')));
    dp.onMessages([{ kind: 'ConfigUpdate', config: { ...config, felixConfiguration: { logPrefix: 'my"pfx' } } }]);
    await dp.apply();
    assert.ok(transport.lastBatch!.some((c) => c.startsWith(`add rule ip calico ${pi} log prefix "mypfx: " level info`)), transport.lastBatch!.join('\n'));
  });
});

describe('IntDataplane families', () => {
  it('IPv6 on by default (one transaction per family); ipv6Support false deletes our ip6 table only', async () => {
    const { dp, transport } = nftDataplane();
    dp.onMessages([...start, { kind: 'ConfigUpdate', config: { ...config, ipv6Support: true } }]);
    await dp.apply();
    assert.deepEqual(transport.batches.map((b) => b[0]), ['add table ip calico', 'add table ip6 calico']);
    assert.ok(transport.batches[1]!.includes('add set ip6 calico cali60s_aaa { type ipv6_addr; }'));
    assert.ok(!transport.batches[1]!.some((c) => c.startsWith('add rule ip6 calico raw-cali-rpf-skip')), 'no spoofing exceptions');
    dp.onMessages([{ kind: 'WorkloadEndpointUpdate', id: { namespace: 'ns1', name: 'a' }, endpoint: { ...wep('a', '10.65.0.1', []), ipv6Nets: ['fd65::1/128'], allowSpoofedSourcePrefixes: ['fd00:9::/64', '10.9.0.0/16'] } }]);
    await dp.apply();
    assert.ok(transport.batches.flat().some((c) => c.startsWith('add rule ip6 calico raw-cali-rpf-skip iifname "calia" ip6 saddr fd00:9::/64 accept')));
    transport.tables.set('ip6 calico', { nftables: [{ table: { family: 'ip6', name: 'calico' } }] });
    dp.onMessages([{ kind: 'ConfigUpdate', config }]);
    await dp.apply();
    assert.ok(transport.batches.some((b) => b.length === 1 && b[0] === 'delete table ip6 calico'));
    assert.ok(!transport.batches.flat().includes('delete table ip calico'));
  });
});
