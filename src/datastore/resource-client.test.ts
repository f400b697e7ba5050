import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, beforeEach, describe, it } from 'node:test';
import type { Resource } from '../api/types.js';
import { CalicoError, isCalicoError } from '../lib/errors.js';
import { MemoryDatastore } from './memory/memory-datastore.js';
import { ResourceClient, retryOnConflict } from './resource-client.js';
import { SqliteDatastore } from './sqlite/sqlite-datastore.js';

const V3 = 'projectcalico.org/v3';
const gns = (name: string, nets = ['10.0.0.0/8'], labels?: Record<string, string>): Resource => ({
  apiVersion: V3, kind: 'GlobalNetworkSet', metadata: { name, ...(labels ? { labels } : {}) }, spec: { nets },
});

let ds: MemoryDatastore;
let client: ResourceClient;
beforeEach(() => {
  ds = new MemoryDatastore();
  client = new ResourceClient(ds, { now: () => new Date('2026-01-02T03:04:05.678Z') });
});

describe('ResourceClient', () => {
  it('create validates, sets uid and creationTimestamp, and reads back with resourceVersion = revision', async () => {
    const created = await client.create(gns('a'));
    assert.match(created.metadata.uid!, /^[0-9a-f-]{36}$/);
    assert.equal(created.metadata.creationTimestamp, '2026-01-02T03:04:05Z');
    const entry = await ds.get({ kind: 'GlobalNetworkSet', name: 'a' });
    assert.equal(created.metadata.resourceVersion, String(entry!.revision));
    assert.equal((entry!.value as Resource).metadata.resourceVersion, undefined, 'the stored value carries no resourceVersion');
    await assert.rejects(client.create(gns('a')), (e) => isCalicoError(e, 'CALICO_ERR_ALREADY_EXISTS') && e.message === 'resource already exists: GlobalNetworkSet(a)');
  });

  it('writes nothing when validation fails', async () => {
    await assert.rejects(client.create(gns('bad', ['10.0.0.0/33'])), (e) => isCalicoError(e, 'CALICO_ERR_VALIDATION'));
    await assert.rejects(client.apply({ ...gns('bad2'), spec: { nets: ['x'] } }), (e) => isCalicoError(e, 'CALICO_ERR_VALIDATION'));
    assert.equal(await ds.currentRevision(), 0);
  });

  it('update keeps uid and creationTimestamp, replaces labels and spec, and checks resourceVersion', async () => {
    const a = await client.create(gns('a', ['10.0.0.0/8'], { x: '1' }));
    const later = new ResourceClient(ds, { now: () => new Date('2030-01-01T00:00:00Z') });
    const b = await later.update({ ...gns('a', ['11.0.0.0/8'], { y: '2' }), metadata: { name: 'a', labels: { y: '2' }, uid: 'forged', creationTimestamp: '1999-01-01T00:00:00Z' } });
    assert.equal(b.metadata.uid, a.metadata.uid);
    assert.equal(b.metadata.creationTimestamp, a.metadata.creationTimestamp);
    assert.deepEqual(b.metadata.labels, { y: '2' });
    assert.deepEqual(b.spec, { nets: ['11.0.0.0/8'] });
    // A stale resourceVersion is a conflict and changes nothing.
    await assert.rejects(client.update({ ...a, spec: { nets: ['12.0.0.0/8'] } }),
      (e) => isCalicoError(e, 'CALICO_ERR_CONFLICT') && e.message === 'update conflict: GlobalNetworkSet(a)');
    assert.deepEqual((await client.get('globalnetworkset', 'a')).spec, { nets: ['11.0.0.0/8'] });
    await assert.rejects(client.update(gns('missing')), (e) => isCalicoError(e, 'CALICO_ERR_NOT_FOUND'));
  });

  it('apply creates then updates; delete honours resourceVersion', async () => {
    const a = await client.apply(gns('a'));
    const b = await client.apply(gns('a', ['11.0.0.0/8']));
    assert.notEqual(a.metadata.resourceVersion, b.metadata.resourceVersion);
    await assert.rejects(client.delete('globalnetworkset', 'a', { resourceVersion: a.metadata.resourceVersion }), (e) => isCalicoError(e, 'CALICO_ERR_CONFLICT'));
    const gone = await client.delete('globalnetworkset', 'a', { resourceVersion: b.metadata.resourceVersion });
    assert.deepEqual(gone.spec, { nets: ['11.0.0.0/8'] });
    await assert.rejects(client.get('globalnetworkset', 'a'),
      (e) => isCalicoError(e, 'CALICO_ERR_NOT_FOUND') && e.message === 'resource does not exist: GlobalNetworkSet(a) with error: <nil>');
  });

  it('lists namespaced kinds per namespace or across all, defaulting the namespace to default', async () => {
    const ns = (name: string, namespace?: string): Resource => ({
      apiVersion: V3, kind: 'NetworkSet', metadata: { name, ...(namespace ? { namespace } : {}) }, spec: { nets: ['10.0.0.0/8'] },
    });
    await client.create(ns('a'));
    await client.create(ns('b', 'team'));
    await client.create(ns('c', 'team'));
    assert.equal((await client.get('networkset', 'a')).metadata.namespace, 'default');
    assert.deepEqual((await client.list('networksets', { namespace: 'team' })).items.map((r) => r.metadata.name), ['b', 'c']);
    assert.equal((await client.list('networksets')).items.length, 3);
    assert.deepEqual((await client.list('networksets', { namespace: 'team', name: 'c' })).items.map((r) => r.metadata.name), ['c']);
    assert.equal((await client.list('networksets', { namespace: 'team', name: 'zz' })).items.length, 0);
    await assert.rejects(client.get('nosuchkind', 'x'), (e) => isCalicoError(e, 'CALICO_ERR_UNKNOWN_KIND'));
  });

  it('applies Calico tiered policy naming', async () => {
    const gnp = (name: string, tier?: string): Resource => ({
      apiVersion: V3, kind: 'GlobalNetworkPolicy', metadata: { name }, spec: { ...(tier ? { tier } : {}), selector: 'all()' },
    });
    await assert.rejects(client.create(gnp('sec.p', 'sec')), (e) => isCalicoError(e, 'CALICO_ERR_NOT_FOUND') && /Tier\(sec\)/.test(e.message));
    await client.create({ apiVersion: V3, kind: 'Tier', metadata: { name: 'sec' }, spec: { order: 10 } });
    await assert.rejects(client.create(gnp('p', 'sec')), (e) => isCalicoError(e, 'CALICO_ERR_VALIDATION'));
    await assert.rejects(client.create(gnp('other.p', 'sec')), (e) => isCalicoError(e, 'CALICO_ERR_VALIDATION'));
    const p = await client.create(gnp('sec.p', 'sec'));
    assert.equal(p.metadata.labels?.['projectcalico.org/tier'], 'sec');
    await client.create(gnp('default.q'));
    assert.equal((await client.get('gnp', 'q')).metadata.name, 'default.q');
    await client.create(gnp('r'));
    assert.equal((await client.get('gnp', 'default.r')).metadata.name, 'r');
    await assert.rejects(client.get('gnp', 'p'), (e) => isCalicoError(e, 'CALICO_ERR_NOT_FOUND'), 'a non-default-tier policy is not found by its short name');
    // Tiers in use, and the default tier, cannot be deleted.
    await assert.rejects(client.delete('tier', 'sec'), (e) => isCalicoError(e, 'CALICO_ERR_UNSUPPORTED') && /Cannot delete a non-empty tier/.test(e.message));
    await client.create({ apiVersion: V3, kind: 'Tier', metadata: { name: 'default' }, spec: { order: 1000000 } });
    await assert.rejects(client.delete('tier', 'default'), (e) => isCalicoError(e, 'CALICO_ERR_UNSUPPORTED') && /Cannot delete default tier/.test(e.message));
    await client.delete('gnp', 'sec.p');
    await client.delete('tier', 'sec');
  });

  it('retryOnConflict retries only conflicts, at most the given attempts', async () => {
    let n = 0;
    const r = await retryOnConflict(async () => {
      n++;
      if (n < 3) throw new CalicoError('CALICO_ERR_CONFLICT', 'update conflict: x');
      return n;
    }, 5);
    assert.equal(r, 3);
    let m = 0;
    await assert.rejects(retryOnConflict(async () => {
      m++;
      throw Object.assign(new Error('x'), {});
    }, 5));
    assert.equal(m, 1);
    let k = 0;
    await assert.rejects(retryOnConflict(async () => {
      k++;
      throw new CalicoError('CALICO_ERR_CONFLICT', 'update conflict: x');
    }, 4), (e) => isCalicoError(e, 'CALICO_ERR_CONFLICT'));
    assert.equal(k, 4);
  });

  it('many concurrent read-modify-write writers never lose an update (memory)', async () => {
    await client.create(gns('counter', ['10.0.0.0/8'], { n: '0' }));
    const bump = () => retryOnConflict(async () => {
      const cur = await client.get('globalnetworkset', 'counter');
      await new Promise((r) => setImmediate(r)); // let the others interleave between read and write
      const n = Number(cur.metadata.labels!['n']) + 1;
      return client.update({ ...cur, metadata: { ...cur.metadata, labels: { n: String(n) } } });
    }, 1000);
    await Promise.all(Array.from({ length: 40 }, bump));
    assert.equal((await client.get('globalnetworkset', 'counter')).metadata.labels!['n'], '40');
  });
});

describe('ResourceClient across processes (sqlite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'resource-client-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('4 processes x 25 read-modify-write increments with CAS: none lost', async () => {
    const dbPath = join(dir, 'cas.db');
    const seed = SqliteDatastore.open(dbPath);
    await new ResourceClient(seed).create(gns('counter', ['10.0.0.0/8'], { n: '0' }));
    await seed.close();
    const here = dirname(fileURLToPath(import.meta.url));
    const worker = join(dir, 'worker.mjs');
    writeFileSync(worker, `
import { ResourceClient, retryOnConflict } from ${JSON.stringify(join(here, 'resource-client.js'))};
import { SqliteDatastore } from ${JSON.stringify(join(here, 'sqlite', 'sqlite-datastore.js'))};
const ds = SqliteDatastore.open(process.argv[2]);
const client = new ResourceClient(ds);
let conflicts = 0;
for (let i = 0; i < 25; i++) {
  await retryOnConflict(async () => {
    const cur = await client.get('globalnetworkset', 'counter');
    const n = Number(cur.metadata.labels.n) + 1;
    try {
      await client.update({ ...cur, metadata: { ...cur.metadata, labels: { n: String(n) } } });
    } catch (e) { if (e.code === 'CALICO_ERR_CONFLICT') conflicts++; throw e; }
  }, 10000);
}
await ds.close();
process.stdout.write(String(conflicts));
`);
    const runs = Array.from({ length: 4 }, () => new Promise<string>((resolve, reject) => {
      const p = spawn(process.execPath, [worker, dbPath], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
      p.on('error', reject);
      p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`worker exited ${code}: ${err}`))));
    }));
    await Promise.all(runs);
    const check = SqliteDatastore.open(dbPath);
    try {
      assert.equal((await new ResourceClient(check).get('globalnetworkset', 'counter')).metadata.labels!['n'], '100');
    } finally {
      await check.close();
    }
  });
});
