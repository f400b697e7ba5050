import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeExec, ok } from '../../kernel/fake-exec.js';
import { IptWriter } from '../../managers/ipt-writer.js';
import { netPortMembers } from './net-port-members.js';

describe('netPortMembers (hash:net,port members)', () => {
  it('writes members in the canonical form ipset save prints', () => {
    assert.deepEqual([...netPortMembers(['10.0.0.5/24,TCP:80', '10.0.0.1/32,6:443', '2001:db8:0:0::1/64,udp:53', '2001:db8::1/128,sctp:9'])],
      ['10.0.0.0/24,tcp:80', '10.0.0.1,tcp:443', '2001:db8::/64,udp:53', '2001:db8::1,sctp:9']);
  });
  it('expands port ranges and splits /0 into two /1', () => {
    assert.deepEqual([...netPortMembers(['10.1.0.0/16,udp:53-55'])], ['10.1.0.0/16,udp:53', '10.1.0.0/16,udp:54', '10.1.0.0/16,udp:55']);
    assert.deepEqual([...netPortMembers(['0.0.0.0/0,tcp:22', '::/0,17:1-2'])],
      ['0.0.0.0/1,tcp:22', '128.0.0.0/1,tcp:22', '::/1,udp:1', '::/1,udp:2', '8000::/1,udp:1', '8000::/1,udp:2']);
  });
  it('rejects members without a port, a portless protocol, bad or reversed ports', () => {
    for (const bad of ['10.0.0.1', '10.0.0.1,tcp', '10.0.0.1,icmp:8', '10.0.0.1,tcp:http', '10.0.0.1,tcp:70000', '10.0.0.1,tcp:90-80']) {
      assert.throws(() => [...netPortMembers([bad])], /CALICO_ERR_VALIDATION|ipset member/, bad);
    }
  });
});

describe('IptWriter net-and-port sets', () => {
  it('creates a hash:net,port set per family and sends only the member delta', async () => {
    const fx = new FakeExec().on('ipset', () => ok());
    const w = new IptWriter(fx, 'nft');
    w.setFamilies([4, 6]);
    w.setIpSet(4, w.setName('a:web', 4), 'net-and-port', ['10.0.0.0/8,tcp:80-81', '0.0.0.0/0,udp:53']);
    w.setIpSet(6, w.setName('a:web', 6), 'net-and-port', ['fd00::/8,tcp:80']);
    await w.apply();
    const inputs = fx.callsOf('ipset').filter((c) => c.args[0] === 'restore').map((c) => c.input ?? '');
    const all = inputs.join('');
    assert.match(all, /^create cali40a:web hash:net,port family inet /m);
    assert.match(all, /^create cali60a:web hash:net,port family inet6 /m);
    for (const m of ['10.0.0.0/8,tcp:80', '10.0.0.0/8,tcp:81', '0.0.0.0/1,udp:53', '128.0.0.0/1,udp:53']) assert.match(all, new RegExp(`^add cali40a:web ${m}$`, 'm'));
    assert.match(all, /^add cali60a:web fd00::\/8,tcp:80$/m);
    fx.calls.length = 0;
    w.setIpSet(4, w.setName('a:web', 4), 'net-and-port', ['10.0.0.0/8,tcp:80-81', '0.0.0.0/0,udp:53', '10.2.0.0/16,tcp:8080']);
    await w.apply();
    const delta = fx.callsOf('ipset').filter((c) => c.args[0] === 'restore').map((c) => c.input ?? '').join('');
    assert.equal(delta, 'add cali40a:web 10.2.0.0/16,tcp:8080\n');
  });
});
