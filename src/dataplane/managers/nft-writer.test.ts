import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeExec } from '../kernel/fake-exec.js';
import { FakeNftTransport } from '../kernel/fake-nft-transport.js';
import { rule } from '../rules/ir.js';
import { needsInterval, nftNamedPortMember, nftSetFor, NftWriter } from './nft-writer.js';

function writer(): { w: NftWriter; fake: FakeNftTransport } {
  const fake = new FakeNftTransport();
  const w = new NftWriter({ transport: fake, exec: new FakeExec() });
  w.setFamilies([4]);
  return { w, fake };
}

describe('nft-writer set kinds', () => {
  it('declares a net set as a plain hash set while every member is a host', () => {
    assert.deepEqual(nftSetFor(4, 's', 'net', ['10.0.0.2/32', '10.0.0.1']), { spec: { name: 's', type: 'ipv4_addr' }, list: ['10.0.0.1', '10.0.0.2'] });
    assert.deepEqual(nftSetFor(6, 's', 'net', ['fd00::1/128']), { spec: { name: 's', type: 'ipv6_addr' }, list: ['fd00::1'] });
    assert.deepEqual(nftSetFor(4, 's', 'net', ['10.0.0.1', '10.1.0.0/16']).spec, { name: 's', type: 'ipv4_addr', flags: ['interval'] });
  });

  it('renders net-and-port members as address . proto . port, interval only for a CIDR or a port range', () => {
    assert.equal(nftNamedPortMember('10.0.0.0/24,tcp:80-90'), '10.0.0.0/24 . tcp . 80-90');
    assert.equal(nftNamedPortMember('fd00::1,udp:53'), 'fd00::1 . udp . 53');
    assert.equal(nftNamedPortMember('10.0.0.1,tcp:80-80'), '10.0.0.1 . tcp . 80', 'a one-port range is the port');
    assert.throws(() => nftNamedPortMember('10.0.0.1'), { code: 'CALICO_ERR_VALIDATION' });
    const hosts = nftSetFor(4, 'a', 'net-and-port', ['10.0.0.2,udp:53', '10.0.0.1,tcp:80', '10.0.0.1,132:9']);
    assert.deepEqual(hosts, {
      spec: { name: 'a', type: 'ipv4_addr . inet_proto . inet_service' },
      list: ['10.0.0.1 . 132 . 9', '10.0.0.1 . 6 . 80', '10.0.0.2 . 17 . 53'],
    });
    assert.deepEqual(nftSetFor(4, 'a', 'net-and-port', ['10.0.0.1,tcp:80-90']).spec.flags, ['interval']);
    assert.deepEqual(nftSetFor(6, 'a', 'net-and-port', ['fd00::/64,tcp:80']).spec,
      { name: 'a', type: 'ipv6_addr . inet_proto . inet_service', flags: ['interval'] });
    assert.equal(nftSetFor(4, 'a', 'ip-and-port', ['10.0.0.1,tcp:80']).spec.flags, undefined);
    assert.equal(needsInterval(['10.0.0.1 . 6 . 80']), false);
  });

  it('retypes a set when a CIDR arrives, rewriting only the chains that use it', async () => {
    const { w, fake } = writer();
    w.updateChain(4, ['filter'], { name: 'cali-pi-x', rules: [rule([{ k: 'set', dir: 'src', set: 'cali40s_a' }], { k: 'accept' })] });
    w.updateChain(4, ['filter'], { name: 'cali-pi-y', rules: [rule([], { k: 'accept' })] });
    w.setIpSet(4, 'cali40s_a', 'net', ['10.0.0.1']);
    await w.apply();
    assert.ok(fake.lastBatch?.includes('add set ip calico cali40s_a { type ipv4_addr; }'));
    w.setIpSet(4, 'cali40s_a', 'net', ['10.0.0.1']);
    assert.equal((await w.apply()).commands, 0, 'same members: nothing sent');
    w.setIpSet(4, 'cali40s_a', 'net', ['10.0.0.1', '10.9.0.0/16']);
    await w.apply();
    const b = fake.lastBatch ?? [];
    assert.deepEqual(b.slice(0, 2), ['flush chain ip calico cali-pi-x', 'delete set ip calico cali40s_a']);
    assert.ok(b.includes('add set ip calico cali40s_a { type ipv4_addr; flags interval; }'));
    assert.ok(b.includes('add element ip calico cali40s_a { 10.0.0.1, 10.9.0.0/16 }'));
    assert.ok(b.some((c) => c.startsWith('add rule ip calico cali-pi-x ')));
    assert.ok(!b.some((c) => c.includes('cali-pi-y')));
  });
});
