import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventSequencer } from './event-sequencer.js';

test('IP set: members of a set created in the batch fold into its create; deltas cancel', () => {
  const q = new EventSequencer();
  q.onIpSetAdded('s:1', 'net');
  q.onIpSetMemberAdded('s:1', '10.0.0.1/32');
  q.onIpSetMemberAdded('s:1', '10.0.0.2/32');
  q.onIpSetMemberRemoved('s:1', '10.0.0.2/32');
  assert.deepEqual(q.flush(), [{ kind: 'IpSetUpdate', id: 's:1', type: 'net', members: ['10.0.0.1/32'] }]);
  q.onIpSetMemberAdded('s:1', '10.0.0.3/32');
  q.onIpSetMemberRemoved('s:1', '10.0.0.3/32');
  q.onIpSetMemberRemoved('s:1', '10.0.0.1/32');
  assert.deepEqual(q.flush(), [{ kind: 'IpSetDeltaUpdate', id: 's:1', added: [], removed: ['10.0.0.1/32'] }]);
});

test('IP set removed then re-added in one batch is a full replace, never a remove', () => {
  const q = new EventSequencer();
  q.onIpSetAdded('s:1', 'net');
  q.onIpSetMemberAdded('s:1', '10.0.0.1/32');
  q.flush();
  q.onIpSetRemoved('s:1');
  q.onIpSetAdded('s:1', 'net');
  q.onIpSetMemberAdded('s:1', '10.0.0.9/32');
  assert.deepEqual(q.flush(), [{ kind: 'IpSetUpdate', id: 's:1', type: 'net', members: ['10.0.0.9/32'] }]);
  // Created and removed within one batch: nothing at all.
  q.onIpSetAdded('s:2', 'net');
  q.onIpSetRemoved('s:2');
  assert.deepEqual(q.flush(), []);
});

test('policies: identical updates are dropped, an add cancels a pending remove, unsent removes vanish', () => {
  const q = new EventSequencer();
  const id = { kind: 'GlobalNetworkPolicy' as const, name: 'p' };
  const pol = { id, tier: 'default', selector: '', inboundRules: [], outboundRules: [], untracked: false, preDnat: false, applyOnForward: false };
  q.onPolicyActive(pol);
  assert.deepEqual(q.flush().map((m) => m.kind), ['ActivePolicyUpdate']);
  q.onPolicyActive({ ...pol });
  assert.deepEqual(q.flush(), []);
  q.onPolicyInactive(id);
  q.onPolicyActive(pol);
  assert.deepEqual(q.flush(), []);
  q.onPolicyInactive(id);
  assert.deepEqual(q.flush().map((m) => m.kind), ['ActivePolicyRemove']);
  q.onPolicyActive(pol);
  q.onPolicyInactive(id);
  assert.deepEqual(q.flush(), []);
});

test('InSync is sent once, last', () => {
  const q = new EventSequencer();
  q.onInSync();
  q.onProfileActive({ id: { name: 'kns.a' }, inboundRules: [], outboundRules: [] });
  assert.deepEqual(q.flush().map((m) => m.kind), ['ActiveProfileUpdate', 'InSync']);
  q.onInSync();
  assert.deepEqual(q.flush(), []);
});
