import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blockAssign, blockAutoAssign, blockFreeCount, blockIsEmpty, blockRelease, blockReleaseByHandle, newBlock } from './block.js';
import { formatIp, parseCidr, parseIp } from './ip.js';
import { reservedFilter } from './pools.js';

const none = (): boolean => false;

test('a new block hands out every address in order, .0 and .63 included (Linux)', () => {
  const cidr = parseCidr('10.0.0.0/26');
  const b = newBlock(cidr, 'host:n1');
  const ips = blockAutoAssign(b.spec, cidr, 64, 'h1', { pod: 'p' }, none).map(formatIp);
  assert.equal(ips.length, 64);
  assert.equal(ips[0], '10.0.0.0');
  assert.equal(ips[63], '10.0.0.63');
  assert.deepEqual(b.spec.unallocated, []);
  assert.equal(b.spec.attributes.length, 1);
  assert.equal(blockAutoAssign(b.spec, cidr, 1, 'h2', null, none).length, 0);
});

test('reserved addresses are skipped but stay unallocated', () => {
  const cidr = parseCidr('10.0.0.0/28');
  const b = newBlock(cidr, null);
  const reserved = reservedFilter([parseCidr('10.0.0.0/30')]);
  assert.equal(blockFreeCount(b.spec, cidr, reserved), 12);
  const ips = blockAutoAssign(b.spec, cidr, 20, 'h', null, reserved).map(formatIp);
  assert.equal(ips.length, 12);
  assert.equal(ips[0], '10.0.0.4');
  assert.deepEqual(b.spec.unallocated, [0, 1, 2, 3]);
});

test('release returns ordinals to the back, compacts attributes and checks the handle', () => {
  const cidr = parseCidr('10.0.0.0/29');
  const b = newBlock(cidr, 'host:n1');
  blockAutoAssign(b.spec, cidr, 2, 'a', { pod: 'a' }, none);
  blockAutoAssign(b.spec, cidr, 1, 'b', { pod: 'b' }, none);
  assert.equal(b.spec.attributes.length, 2);
  assert.throws(() => blockRelease(b.spec, cidr, [{ ip: parseIp('10.0.0.2'), handleId: 'a' }]), { code: 'CALICO_ERR_CONFLICT' });
  const r = blockRelease(b.spec, cidr, [{ ip: parseIp('10.0.0.0') }, { ip: parseIp('10.0.0.1') }, { ip: parseIp('10.0.0.7') }]);
  assert.deepEqual(r.released.map(formatIp), ['10.0.0.0', '10.0.0.1']);
  assert.deepEqual(r.unallocated.map(formatIp), ['10.0.0.7']);
  assert.equal(r.countByHandle.get('a'), 2);
  assert.deepEqual(b.spec.attributes, [{ handle_id: 'b', secondary: { pod: 'b' } }]);
  assert.equal(b.spec.allocations[2], 0);
  assert.deepEqual(b.spec.unallocated, [3, 4, 5, 6, 7, 0, 1]);
  assert.ok(!blockIsEmpty(b.spec));
  assert.deepEqual(blockReleaseByHandle(b.spec, cidr, 'b').map(formatIp), ['10.0.0.2']);
  assert.ok(blockIsEmpty(b.spec));
  assert.deepEqual(b.spec.attributes, []);
});

test('assign of a specific address; taken -> ALREADY_EXISTS; outside -> IPAM error', () => {
  const cidr = parseCidr('10.0.0.0/29');
  const b = newBlock(cidr, null);
  blockAssign(b.spec, cidr, parseIp('10.0.0.5'), 'x', null);
  assert.ok(!b.spec.unallocated.includes(5));
  assert.throws(() => blockAssign(b.spec, cidr, parseIp('10.0.0.5'), 'y', null), { code: 'CALICO_ERR_ALREADY_EXISTS' });
  assert.throws(() => blockAssign(b.spec, cidr, parseIp('10.0.0.9'), 'y', null), { code: 'CALICO_ERR_IPAM' });
});
