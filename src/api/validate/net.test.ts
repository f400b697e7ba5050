import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkDns1123Label, checkDns1123Subdomain, checkLabelKey, checkLabelValue, checkPortName,
  cidrContains, formatPort, parseCidr, parseIp, parsePort,
} from './net.js';

function okv<T>(p: { ok: true; value: T } | { ok: false; reason: string }): T {
  assert.ok(p.ok, p.ok ? '' : p.reason);
  return p.value;
}

test('parseIp: v4 and v6 canonical forms', () => {
  assert.equal(okv(parseIp('10.0.0.1')).address, '10.0.0.1');
  assert.equal(okv(parseIp('10.0.0.1')).family, 4);
  assert.equal(okv(parseIp('FE80:0:0:0:0:0:0:1')).address, 'fe80::1');
  assert.equal(okv(parseIp('2001:db8:0:0:1:0:0:1')).address, '2001:db8::1:0:0:1');
  assert.equal(okv(parseIp('2001:0db8:0000:0000:0000:0000:0000:0000')).address, '2001:db8::');
  assert.equal(okv(parseIp('::')).address, '::');
  assert.equal(okv(parseIp('1:0:2:3:4:5:6:7')).address, '1:0:2:3:4:5:6:7');
  assert.equal(okv(parseIp('::ffff:1.2.3.4')).address, '1.2.3.4');
  assert.equal(okv(parseIp('::ffff:1.2.3.4')).family, 4);
  assert.equal(okv(parseIp('::1.2.3.4')).address, '::102:304');
  assert.equal(parseIp('010.0.0.1').ok, false);
  for (const bad of ['', '10.0.0', '10.0.0.256', '1.2.3.4/32', 'fe80::1%eth0', 'abc', '::g']) {
    assert.equal(parseIp(bad).ok, false, bad);
  }
});

test('parseCidr: masks host bits, v4 and v6, bare IPs on request', () => {
  const c = okv(parseCidr('10.0.0.1/24'));
  assert.equal(c.cidr, '10.0.0.0/24');
  assert.equal(c.ip, '10.0.0.1');
  assert.equal(c.prefixLength, 24);
  assert.equal(okv(parseCidr('fd00:10:244::1/64')).cidr, 'fd00:10:244::/64');
  assert.equal(okv(parseCidr('0.0.0.0/0')).cidr, '0.0.0.0/0');
  assert.equal(okv(parseCidr('::/0')).cidr, '::/0');
  assert.equal(parseCidr('10.0.0.1').ok, false);
  assert.equal(okv(parseCidr('10.0.0.1', { allowBareIp: true })).cidr, '10.0.0.1/32');
  assert.equal(okv(parseCidr('fe80::1', { allowBareIp: true })).cidr, 'fe80::1/128');
  for (const bad of ['10.0.0.0/33', '10.0.0.0/', '10.0.0.0/-1', 'fe80::/129', 'x/24', '10.0.0.0/2a']) {
    assert.equal(parseCidr(bad).ok, false, bad);
  }
  assert.ok(cidrContains(okv(parseCidr('10.0.0.0/8')), okv(parseCidr('10.1.0.0/16'))));
  assert.ok(!cidrContains(okv(parseCidr('10.1.0.0/16')), okv(parseCidr('10.0.0.0/8'))));
  assert.ok(!cidrContains(okv(parseCidr('10.0.0.0/8')), okv(parseCidr('11.0.0.0/16'))));
});

test('parsePort: numbers, strings, ranges, names', () => {
  assert.deepEqual(okv(parsePort(80)), { kind: 'range', min: 80, max: 80 });
  assert.deepEqual(okv(parsePort('80')), { kind: 'range', min: 80, max: 80 });
  assert.deepEqual(okv(parsePort('6040:6050')), { kind: 'range', min: 6040, max: 6050 });
  assert.deepEqual(okv(parsePort('http-port')), { kind: 'named', name: 'http-port' });
  const r = parsePort('90:80');
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.reason, /^invalid port range "90:80"/);
  assert.equal(parsePort(65536).ok, false);
  assert.equal(parsePort(0).ok, false);
  assert.equal(parsePort('0').ok, false);
  assert.equal(parsePort('0:10').ok, false);
  assert.equal(parsePort('65536').ok, false);
  assert.equal(parsePort('1:65536').ok, false);
  assert.equal(parsePort('foo bar').ok, false);
  assert.equal(parsePort(1.5).ok, false);
  assert.equal(parsePort(true).ok, false);
  assert.equal(formatPort(okv(parsePort('80'))), 80);
  assert.equal(formatPort(okv(parsePort('1:2'))), '1:2');
});

test('Kubernetes name validators', () => {
  assert.equal(checkDns1123Subdomain('my-pool.example'), undefined);
  assert.ok(checkDns1123Subdomain('My-Pool'));
  assert.ok(checkDns1123Subdomain('-a'));
  assert.ok(checkDns1123Subdomain('a'.repeat(254)));
  assert.equal(checkDns1123Label('tier1'), undefined);
  assert.ok(checkDns1123Label('tier.1'));
  assert.equal(checkLabelKey('projectcalico.org/namespace'), undefined);
  assert.equal(checkLabelKey('app'), undefined);
  assert.ok(checkLabelKey('/app'));
  assert.ok(checkLabelKey('a/b/c'));
  assert.ok(checkLabelKey('Bad_Prefix/app'));
  assert.ok(checkLabelKey('-app'));
  assert.ok(checkLabelKey('a'.repeat(64)));
  assert.equal(checkLabelValue(''), undefined);
  assert.equal(checkLabelValue('v1.2_3-x'), undefined);
  assert.ok(checkLabelValue('a b'));
  assert.ok(checkLabelValue('-a'));
  assert.equal(checkPortName('http'), undefined);
  assert.ok(checkPortName('80'));
  assert.ok(checkPortName('a--b'));
  assert.ok(checkPortName('way-too-long-port-name'));
});
