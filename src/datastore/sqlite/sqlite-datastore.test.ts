import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isCalicoError } from '../../lib/errors.js';
import { collect, runDatastoreConformance } from '../conformance.js';
import { SqliteDatastore } from './sqlite-datastore.js';

const root = mkdtempSync(join(tmpdir(), 'calico-sqlite-test-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshPath = (): string => join(root, `db-${++n}`, 'calico.db');

runDatastoreConformance('sqlite', async () => {
  const ds = SqliteDatastore.open(freshPath());
  return { ds, cleanup: () => ds.close() };
});

describe('SqliteDatastore', () => {
  it('creates parent directories and persists across reopen', async () => {
    const path = join(root, 'deep', 'er', 'x.db');
    const ds = SqliteDatastore.open(path);
    const e = await ds.create({ kind: 'IPPool', name: 'p' }, { cidr: '10.0.0.0/8' });
    await ds.close();
    assert.ok(existsSync(path));
    const again = SqliteDatastore.open(path);
    try {
      assert.deepEqual(await again.get({ kind: 'IPPool', name: 'p' }), e);
      assert.equal(await again.currentRevision(), e.revision);
    } finally {
      await again.close();
    }
  });

  it('a watch on one connection sees writes made through another (another process)', async () => {
    const path = freshPath();
    const reader = SqliteDatastore.open(path);
    const writer = SqliteDatastore.open(path);
    const w = collect(reader, { afterRevision: await reader.currentRevision() });
    try {
      const t0 = Date.now();
      await writer.create({ kind: 'NetworkPolicy', namespace: 'ns', name: 'np' }, { order: 1 });
      const [ev] = await w.waitFor(1);
      assert.equal(ev!.type, 'put');
      assert.ok(Date.now() - t0 < 150, `cross-connection watch latency ${Date.now() - t0} ms (10 ms poll)`);
      await writer.delete({ kind: 'NetworkPolicy', namespace: 'ns', name: 'np' });
      const evs = await w.waitFor(2);
      assert.equal(evs[1]!.type, 'delete');
    } finally {
      await w.close();
      await reader.close();
      await writer.close();
    }
  });

  it('compacts change-log rows behind historyRevisions automatically', async () => {
    const ds = SqliteDatastore.open(freshPath(), { historyRevisions: 20, compactEvery: 10 });
    try {
      for (let i = 0; i < 60; i++) await ds.create({ kind: 'IPPool', name: `p${i}` }, { i });
      const w = collect(ds, { afterRevision: 5 });
      assert.ok(isCalicoError(await w.waitForError(), 'CALICO_ERR_COMPACTED'));
      await w.close();
      const recent = collect(ds, { afterRevision: 45 });
      const evs = await recent.waitFor(15);
      assert.equal(evs[0]!.revision, 46);
      await recent.close();
      assert.equal((await ds.list({ kind: 'IPPool' })).items.length, 60);
    } finally {
      await ds.close();
    }
  });

  it('a watcher that falls behind compaction gets CALICO_ERR_COMPACTED, not a silent gap', async () => {
    const path = freshPath();
    const ds = SqliteDatastore.open(path);
    const other = SqliteDatastore.open(path);
    try {
      const start = await ds.currentRevision();
      // Writes and compaction happen in one synchronous run on `other`, before ds's watcher polls.
      const w = collect(ds, { afterRevision: start });
      await other.create({ kind: 'IPPool', name: 'a' }, {});
      await other.create({ kind: 'IPPool', name: 'b' }, {});
      other.compact(await other.currentRevision());
      const err = await w.waitForError();
      assert.ok(isCalicoError(err, 'CALICO_ERR_COMPACTED'));
      await w.close();
    } finally {
      await ds.close();
      await other.close();
    }
  });

  it('operations after close fail with CALICO_ERR_DATASTORE', async () => {
    const ds = SqliteDatastore.open(freshPath());
    await ds.close();
    await assert.rejects(ds.get({ kind: 'IPPool', name: 'x' }), (e: unknown) => isCalicoError(e, 'CALICO_ERR_DATASTORE'));
  });

  it('refuses values JSON cannot carry and duplicate keys in one transaction', async () => {
    const ds = SqliteDatastore.open(freshPath());
    try {
      await assert.rejects(ds.create({ kind: 'IPPool', name: 'x' }, { n: 1n }), (e: unknown) => isCalicoError(e, 'CALICO_ERR_VALIDATION'));
      await assert.rejects(ds.transact([
        { op: 'create', key: { kind: 'IPPool', name: 'x' }, value: {} },
        { op: 'delete', key: { kind: 'IPPool', name: 'x' } },
      ]), (e: unknown) => isCalicoError(e, 'CALICO_ERR_VALIDATION'));
      assert.equal(await ds.currentRevision(), 0);
    } finally {
      await ds.close();
    }
  });
});
