import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMessage, applyMessages, canonicalCidr, canonicalIp, danglingReferences, emptyDesiredState, messagesForState, protocolNumber, statesEqual } from './index.js';

test('canonical CIDRs and addresses, IPv4 and IPv6', () => {
  assert.equal(canonicalCidr('10.1.2.3/8'), '10.0.0.0/8');
  assert.equal(canonicalCidr('10.1.2.3'), '10.1.2.3/32');
  assert.equal(canonicalCidr('FD00:0:0::1/64'), 'fd00::/64');
  assert.equal(canonicalCidr('fd00::1'), 'fd00::1/128');
  assert.equal(canonicalCidr('::ffff:10.0.0.1/128'), '::ffff:a00:1/128');
  assert.equal(canonicalCidr('10.0.0.0/33'), null);
  assert.equal(canonicalIp('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
  assert.equal(protocolNumber('TCP'), 6);
  assert.equal(protocolNumber('icmpv6'), 58);
  assert.equal(protocolNumber('132'), 132);
  assert.equal(protocolNumber('bogus'), null);
});

test('applyMessage: deltas, removes of unknown objects are stream errors', () => {
  const s = emptyDesiredState();
  applyMessage(s, { kind: 'IpSetUpdate', id: 's:x', type: 'net', members: ['10.0.0.1/32'] });
  applyMessage(s, { kind: 'IpSetDeltaUpdate', id: 's:x', added: ['10.0.0.2/32'], removed: ['10.0.0.1/32'] });
  assert.deepEqual([...s.ipSets.get('s:x')!.members], ['10.0.0.2/32']);
  assert.throws(() => applyMessage(s, { kind: 'IpSetDeltaUpdate', id: 's:y', added: [], removed: [] }));
  assert.throws(() => applyMessage(s, { kind: 'ActivePolicyRemove', id: { kind: 'GlobalNetworkPolicy', name: 'p' } }));
});

test('danglingReferences and messagesForState round trip', () => {
  const s = emptyDesiredState();
  applyMessage(s, {
    kind: 'ActivePolicyUpdate', id: { kind: 'GlobalNetworkPolicy', name: 'p' },
    policy: { id: { kind: 'GlobalNetworkPolicy', name: 'p' }, tier: 'default', selector: 'all()', inboundRules: [{ action: 'Allow', srcIpSetIds: ['s:gone'], ruleId: 'r' }], outboundRules: [], untracked: false, preDnat: false, applyOnForward: false },
  });
  assert.deepEqual(danglingReferences(s), ['policy GlobalNetworkPolicy//p uses missing IP set s:gone']);
  applyMessage(s, { kind: 'IpSetUpdate', id: 's:gone', type: 'net', members: [] });
  assert.deepEqual(danglingReferences(s), []);
  const copy = applyMessages(emptyDesiredState(), messagesForState(s));
  assert.ok(statesEqual(s, copy));
});
