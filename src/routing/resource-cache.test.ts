import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryDatastore } from '../datastore/memory/memory-datastore.js';
import { ResourceCache } from './resource-cache.js';

const until = async (fn: () => boolean): Promise<void> => {
  for (let i = 0; i < 100 && !fn(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(fn());
};

test('lists the kinds, follows puts and deletes of those kinds only, stops', async () => {
  const ds = new MemoryDatastore();
  await ds.create({ kind: 'IPPool', name: 'p1' }, { spec: { cidr: '10.0.0.0/16' } });
  await ds.create({ kind: 'Profile', name: 'x' }, {});
  let changes = 0;
  const cache = new ResourceCache({ ds, kinds: ['IPPool', 'Node'], onChange: () => { changes++; } });
  await cache.start();
  assert.deepEqual([...cache.get('IPPool').keys()], ['p1']);
  assert.equal(cache.get('Profile').size, 0, 'kinds not asked for are not kept');
  const before = changes;
  await ds.create({ kind: 'Node', name: 'n1' }, { spec: {} });
  await until(() => cache.get('Node').has('n1'));
  assert.ok(changes > before);
  await ds.delete({ kind: 'IPPool', name: 'p1' });
  await until(() => !cache.get('IPPool').has('p1'));
  const afterDelete = changes;
  await ds.create({ kind: 'Profile', name: 'y' }, {});
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(changes, afterDelete, 'other kinds do not wake routing');
  await ds.create({ kind: 'Node', name: 'n3' }, { spec: {} });
  await cache.catchUp();
  assert.ok(cache.get('Node').has('n3'), 'catchUp: every earlier write is in');
  await cache.stop();
  await ds.create({ kind: 'Node', name: 'n2' }, { spec: {} });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(cache.get('Node').has('n2'), false, 'no updates after stop');
});
