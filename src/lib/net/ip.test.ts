import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIPv4, isIPv6 } from 'node:net';
import {
  bitsOf,
  bytesToIp,
  formatIpNetwork,
  formatIpValue,
  ipToBytes,
  isIpv4Mapped,
  maskOf,
  networkContainsIp,
  networkContainsNetwork,
  networkOf,
  networkSize,
  networksOverlap,
  parseIpNetwork,
  parseIpv4,
  parseIpv6,
  parseIpValue,
  parsePrefixLength,
  sameNetwork,
  unmapIpv4,
  type IpNetwork,
  type IpValue,
} from './ip.js';

function ip(text: string): IpValue {
  const v = parseIpValue(text);
  assert.ok(v, `parses: ${text}`);
  return v;
}

function net(text: string): IpNetwork {
  const n = parseIpNetwork(text, { allowBareIp: true });
  assert.ok(n, `parses: ${text}`);
  return n;
}

test('IPv4: strict dotted quads as Go >= 1.17 reads them', () => {
  assert.equal(parseIpv4('0.0.0.0'), 0n);
  assert.equal(parseIpv4('10.1.2.3'), 0x0a010203n);
  assert.equal(parseIpv4('255.255.255.255'), 0xffffffffn);
  for (const bad of ['', '10.1.2', '10.1.2.256', '1.2.3.4.5', 'a.b.c.d', '010.0.0.1', '1..2.3', ' 1.2.3.4', '1.2.3.4/8', '+1.2.3.4']) {
    assert.equal(parseIpv4(bad), null, bad);
  }
});

test('IPv6: groups, one ::, dotted-quad tail, no zone', () => {
  assert.equal(parseIpv6('::'), 0n);
  assert.equal(parseIpv6('::1'), 1n);
  assert.equal(parseIpv6('1:2:3:4:5:6:7::'), 0x0001000200030004000500060007_0000n);
  assert.equal(parseIpv6('::2:3:4:5:6:7:8'), 0x0000000200030004000500060007_0008n);
  assert.equal(parseIpv6('::ffff:10.0.0.1'), 0xffff0a000001n);
  assert.equal(parseIpv6('1:2:3:4:5:6:1.2.3.4'), 0x000100020003000400050006_01020304n);
  for (const bad of [
    '1::2::3', '12345::', 'g::', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7::8', ':1::', '1::2:',
    ':::', 'fe80::1%eth0', '::ffff:1.2.3', '::ffff:01.2.3.4', '1:2:3:4:5:6:7:1.2.3.4', '::1.2.3.4:5', '',
  ]) {
    assert.equal(parseIpv6(bad), null, bad);
  }
});

test('the parsers agree with Node isIPv4/isIPv6 (zones excepted) on random near-addresses', () => {
  const alphabet = ['0', '1', '2', '5', '9', 'a', 'f', 'F', 'g', ':', ':', '::', '.', '.', '255', '256', '01', 'ffff', '12345'];
  let seed = 12345;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let i = 0; i < 20000; i++) {
    let s = '';
    const len = 1 + rnd(16);
    for (let j = 0; j < len; j++) s += alphabet[rnd(alphabet.length)];
    assert.equal(parseIpv4(s) !== null, isIPv4(s), `v4 ${s}`);
    assert.equal(parseIpv6(s) !== null, isIPv6(s), `v6 ${s}`);
  }
  // Dotted quads from octet-like tokens, alone or as an IPv6 tail.
  const octets = ['0', '00', '1', '01', '9', '10', '99', '100', '199', '255', '256', '300', '1000', '', 'a'];
  for (let i = 0; i < 5000; i++) {
    const count = 3 + rnd(3);
    const quad = Array.from({ length: count }, () => octets[rnd(octets.length)]).join('.');
    const s = rnd(3) === 0 ? `${['::', '::ffff:', '1:2:3:4:5:6:', '1::', ':'][rnd(5)]}${quad}` : quad;
    assert.equal(parseIpv4(s) !== null, isIPv4(s), `v4 ${s}`);
    assert.equal(parseIpv6(s) !== null, isIPv6(s), `v6 ${s}`);
  }
  // Valid addresses built from random values agree too.
  for (let i = 0; i < 2000; i++) {
    const groups = Array.from({ length: 8 }, () => rnd(4) === 0 ? 0 : rnd(0x10000));
    const value = groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
    const text = formatIpValue({ family: 6, value });
    assert.ok(isIPv6(text), text);
    assert.equal(parseIpv6(text), value, text);
  }
});

test('family follows the text; IPv4-mapped addresses unmap only on request', () => {
  assert.deepEqual(parseIpValue('10.0.0.1'), { family: 4, value: 0x0a000001n });
  const mapped = ip('::ffff:10.0.0.1');
  assert.equal(mapped.family, 6);
  assert.ok(isIpv4Mapped(mapped));
  assert.deepEqual(unmapIpv4(mapped), { family: 4, value: 0x0a000001n });
  assert.equal(unmapIpv4(ip('fd00::1')).family, 6);
  assert.ok(!isIpv4Mapped(ip('::a00:1')));
  assert.ok(!isIpv4Mapped(ip('10.0.0.1')));
});

test('formatting is canonical (RFC 5952 for IPv6)', () => {
  const cases: [string, string][] = [
    ['fd00::', 'fd00::'], ['FD00:0:0:0:0:0:0:1', 'fd00::1'], ['::', '::'], ['::1', '::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'], ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
    ['::ffff:10.0.0.1', '::ffff:a00:1'], ['1:0:2:3:4:5:6:7', '1:0:2:3:4:5:6:7'], ['10.0.0.1', '10.0.0.1'],
  ];
  for (const [input, want] of cases) assert.equal(formatIpValue(ip(input)), want, input);
});

test('bytes round trip in network order', () => {
  assert.deepEqual(Array.from(ipToBytes(ip('10.1.2.3'))), [10, 1, 2, 3]);
  const v6 = ip('2001:db8::ff');
  const bytes = ipToBytes(v6);
  assert.equal(bytes.length, 16);
  assert.deepEqual([bytes[0], bytes[1], bytes[15]], [0x20, 0x01, 0xff]);
  assert.deepEqual(bytesToIp(bytes), v6);
  assert.deepEqual(bytesToIp(Uint8Array.from([192, 168, 0, 1])), ip('192.168.0.1'));
  assert.equal(bytesToIp(new Uint8Array(5)), null);
});

test('masks and prefix lengths', () => {
  assert.equal(bitsOf(4), 32);
  assert.equal(bitsOf(6), 128);
  assert.equal(maskOf(4, 24), 0xffffff00n);
  assert.equal(maskOf(4, 0), 0n);
  assert.equal(maskOf(4, 32), 0xffffffffn);
  assert.equal(maskOf(6, 64), 0xffffffffffffffffn << 64n);
  assert.equal(parsePrefixLength('24', 4), 24);
  assert.equal(parsePrefixLength('0', 6), 0);
  assert.equal(parsePrefixLength('128', 6), 128);
  for (const [text, fam] of [['33', 4], ['129', 6], ['', 4], ['x', 4], ['-1', 4], ['1e1', 4], [' 8', 4], ['0024', 4]] as const) {
    assert.equal(parsePrefixLength(text, fam), null, text);
  }
});

test('CIDRs: host bits cleared, the address as written kept, bare IPs only when allowed', () => {
  const n = parseIpNetwork('10.0.0.77/26');
  assert.ok(n);
  assert.equal(formatIpNetwork(n), '10.0.0.64/26');
  assert.equal(formatIpValue(n.ip), '10.0.0.77');
  assert.equal(formatIpNetwork(net('fd00::1:5/122')), 'fd00::1:0/122');
  assert.equal(formatIpNetwork(net('0.0.0.0/0')), '0.0.0.0/0');
  assert.equal(formatIpNetwork(net('::/0')), '::/0');
  assert.equal(parseIpNetwork('10.0.0.7'), null);
  assert.equal(formatIpNetwork(net('10.0.0.7')), '10.0.0.7/32');
  assert.equal(formatIpNetwork(net('fd00::7')), 'fd00::7/128');
  for (const bad of ['10.0.0.0/33', 'fd00::/129', '10.0.0.0/x', '10.0.0.0/', '10.0.0.0/24/1', 'x/8', '/8', '']) {
    assert.equal(parseIpNetwork(bad, { allowBareIp: true }), null, bad);
  }
  assert.deepEqual(networkOf(ip('10.1.2.3'), 16), { family: 4, base: 0x0a010000n, prefix: 16 });
});

test('containment, overlap, size and equality', () => {
  assert.ok(networkContainsIp(net('10.0.0.0/16'), ip('10.0.255.255')));
  assert.ok(!networkContainsIp(net('10.0.0.0/16'), ip('10.1.0.0')));
  assert.ok(!networkContainsIp(net('10.0.0.0/16'), ip('::a00:1')), 'families never mix');
  assert.ok(networkContainsIp(net('0.0.0.0/0'), ip('1.2.3.4')));
  assert.ok(networkContainsIp(net('fd00::/64'), ip('fd00::ffff')));
  assert.ok(networkContainsNetwork(net('10.0.0.0/16'), net('10.0.4.0/26')));
  assert.ok(networkContainsNetwork(net('10.0.0.0/16'), net('10.0.0.0/16')));
  assert.ok(!networkContainsNetwork(net('10.0.4.0/26'), net('10.0.0.0/16')));
  assert.ok(!networkContainsNetwork(net('::/0'), net('10.0.0.0/8')));
  assert.ok(networksOverlap(net('10.0.4.0/26'), net('10.0.0.0/16')));
  assert.ok(networksOverlap(net('10.0.0.0/16'), net('10.0.4.0/26')));
  assert.ok(!networksOverlap(net('10.0.0.0/24'), net('10.0.1.0/24')));
  assert.equal(networkSize(net('10.0.0.0/26')), 64n);
  assert.equal(networkSize(net('fd00::/122')), 64n);
  assert.equal(networkSize(net('::/0')), 1n << 128n);
  assert.ok(sameNetwork(net('10.0.0.5/24'), net('10.0.0.0/24')));
  assert.ok(!sameNetwork(net('10.0.0.0/24'), net('10.0.0.0/25')));
});
