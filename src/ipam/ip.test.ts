import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cidrContainsCidr, cidrContainsIp, formatCidr, formatIp, parseCidr, parseIp, sizeOf, tryParseCidr, tryParseIp } from './ip.js';

test('IPv4 parse/format round trip and rejects', () => {
  for (const s of ['0.0.0.0', '10.1.2.3', '255.255.255.255']) assert.equal(formatIp(parseIp(s)), s);
  for (const s of ['10.1.2', '10.1.2.256', '1.2.3.4.5', 'a.b.c.d', '', '01234.1.1.1']) assert.equal(tryParseIp(s), null, s);
});

test('IPv6 parse/format is RFC 5952 canonical', () => {
  const cases: [string, string][] = [
    ['fd00::', 'fd00::'], ['FD00:0:0:0:0:0:0:1', 'fd00::1'], ['::', '::'], ['::1', '::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['::ffff:10.0.0.1', '::ffff:a00:1'],
  ];
  for (const [i, o] of cases) assert.equal(formatIp(parseIp(i)), o, i);
  for (const s of ['1::2::3', '12345::', 'g::', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7']) assert.equal(tryParseIp(s), null, s);
});

test('CIDRs mask host bits and compare', () => {
  assert.equal(formatCidr(parseCidr('10.0.0.77/26')), '10.0.0.64/26');
  assert.equal(formatCidr(parseCidr('10.0.0.7')), '10.0.0.7/32');
  assert.equal(formatCidr(parseCidr('fd00::1:5/122')), 'fd00::1:0/122');
  assert.equal(sizeOf(parseCidr('10.0.0.0/26')), 64n);
  assert.equal(sizeOf(parseCidr('fd00::/122')), 64n);
  assert.ok(cidrContainsIp(parseCidr('10.0.0.0/16'), parseIp('10.0.255.255')));
  assert.ok(!cidrContainsIp(parseCidr('10.0.0.0/16'), parseIp('10.1.0.0')));
  assert.ok(!cidrContainsIp(parseCidr('10.0.0.0/16'), parseIp('::a00:1')));
  assert.ok(cidrContainsCidr(parseCidr('10.0.0.0/16'), parseCidr('10.0.4.0/26')));
  assert.ok(!cidrContainsCidr(parseCidr('10.0.4.0/26'), parseCidr('10.0.0.0/16')));
  assert.equal(tryParseCidr('10.0.0.0/33'), null);
  assert.equal(tryParseCidr('10.0.0.0/x'), null);
});
