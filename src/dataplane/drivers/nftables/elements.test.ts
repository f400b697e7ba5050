import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalElement, canonicalValue, elementFromJson, renderElement, valueFromJson } from './elements.js';
import { disjointNetPortMembers } from './net-port-members.js';

describe('nft element canonical form', () => {
  it('normalises addresses, prefixes and protocols the way nft prints them', () => {
    assert.equal(canonicalElement('10.0.0.1/32'), '10.0.0.1');
    assert.equal(canonicalElement('FD00:0:0::1/128'), 'fd00::1');
    assert.equal(canonicalElement('FD00:0:0::/64'), 'fd00::/64');
    assert.equal(canonicalElement('10.0.0.1 . tcp . 80'), '10.0.0.1 . 6 . 80');
    assert.equal(canonicalElement('10.0.0.1 . UDP . 53'), '10.0.0.1 . 17 . 53');
    assert.equal(canonicalElement('"cali1"'), 'cali1');
    assert.equal(canonicalElement('10.0.0.0-10.0.0.9'), '10.0.0.0-10.0.0.9');
    assert.equal(canonicalElement('10.0.0.5/24'), '10.0.0.0/24');
    assert.equal(canonicalElement('10.1.0.0-10.1.0.255'), '10.1.0.0/24');
    assert.equal(canonicalElement('10.0.0.1 . tcp . 1000-2000'), '10.0.0.1 . 6 . 1000-2000');
  });

  it('reads JSON elements into the same form', () => {
    assert.equal(elementFromJson({ prefix: { addr: '10.0.0.0', len: 24 } }), '10.0.0.0/24');
    assert.equal(elementFromJson({ concat: ['10.0.0.2', 'udp', 53] }), '10.0.0.2 . 17 . 53');
    assert.equal(elementFromJson({ concat: [{ prefix: { addr: '10.0.0.0', len: 24 } }, 'tcp', 80] }), '10.0.0.0/24 . 6 . 80');
    assert.equal(elementFromJson({ range: ['10.3.0.0', '10.3.0.9'] }), '10.3.0.0-10.3.0.9');
    assert.equal(elementFromJson({ elem: { val: 'fd01::1', comment: 'x' } }), 'fd01::1');
    assert.equal(valueFromJson({ jump: { target: 'cali-tw-x' } }), 'jump cali-tw-x');
    assert.equal(valueFromJson({ drop: null }), 'drop');
    assert.equal(valueFromJson(16), '16');
    assert.equal(canonicalValue('0x10'), '16');
    assert.equal(canonicalValue('goto  "c1"'), 'goto c1');
  });

  it('quotes interface names when rendering', () => {
    assert.equal(renderElement('cali1', 'ifname'), '"cali1"');
    assert.equal(renderElement('10.0.0.1 . 6 . 80', 'ipv4_addr . inet_proto . inet_service'), '10.0.0.1 . 6 . 80');
  });
});

describe('disjointNetPortMembers', () => {
  it('keeps the packets matched while removing overlaps the kernel would reject', () => {
    assert.deepEqual(disjointNetPortMembers(['127.0.0.5 . 6 . 9', '127.0.0.0/29 . 6 . 1-100']), ['127.0.0.0/29 . 6 . 1-100']);
    assert.deepEqual(disjointNetPortMembers(['10.0.0.5 . 6 . 50-200', '10.0.0.0/24 . 6 . 1-100', '10.0.0.5 . 17 . 53']),
      ['10.0.0.0/24 . 6 . 1-100', '10.0.0.5 . 17 . 53', '10.0.0.5 . 6 . 101-200']);
    assert.deepEqual(disjointNetPortMembers(['10.0.0.1 . 6 . 80-90', '10.0.0.1 . 6 . 85-95', '10.0.0.1 . 6 . 96', '10.0.1.0/24 . 6 . 80']),
      ['10.0.0.1 . 6 . 80-96', '10.0.1.0/24 . 6 . 80']);
    assert.deepEqual(disjointNetPortMembers(['10.0.0.0/8 . 6 . 10-20', '10.1.0.0/16 . 6 . 1-30', '10.1.1.1 . 6 . 5-25']),
      ['10.0.0.0/8 . 6 . 10-20', '10.1.0.0/16 . 6 . 1-9', '10.1.0.0/16 . 6 . 21-30']);
    assert.deepEqual(disjointNetPortMembers(['fd00::/64 . 6 . 80', 'fd00::1 . 6 . 80', 'fd00::1 . 6 . 81']), ['fd00::/64 . 6 . 80', 'fd00::1 . 6 . 81']);
  });
});
