import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runDatastoreConformance } from '../../dist/datastore/conformance.js';
import type { Datastore } from '../../dist/datastore/datastore.js';
import { EtcdDatastore } from '../../dist/datastore/etcd/etcd-datastore.js';
import { startEtcd, type EtcdServer } from '../../dist/datastore/etcd/etcd-server.js';
import { etcdKey, parseEtcdKey } from '../../dist/datastore/etcd/etcd-keys.js';
import { openDatastoreFromEnv } from '../../dist/datastore/config.js';

/**
 * The Datastore conformance suite on a real etcd 3.4. Each test gets a fresh
 * etcd server (a fresh store), so tests stay independent like on sqlite.
 */
runDatastoreConformance('etcdv3', async () => {
  const server = await startEtcd();
  const ds = await EtcdDatastore.open({ etcdEndpoints: server.endpoints });
  return {
    ds,
    cleanup: async () => {
      await ds.close();
      await server.stop();
    },
  };
});

describe('EtcdDatastore specifics', () => {
  let server: EtcdServer;
  before(async () => { server = await startEtcd(); });
  after(async () => { await server?.stop(); });

  it('uses Calico\'s key layout', async () => {
    assert.equal(etcdKey({ kind: 'NetworkPolicy', namespace: 'prod', name: 'default.allow' }),
      '/calico/resources/v3/projectcalico.org/networkpolicies/prod/default.allow');
    assert.equal(etcdKey({ kind: 'IPPool', name: 'default-ipv4-ippool' }), '/calico/resources/v3/projectcalico.org/ippools/default-ipv4-ippool');
    assert.deepEqual(parseEtcdKey(etcdKey({ kind: 'IPAMBlock', name: '10.0.0.0/26' })), { kind: 'IPAMBlock', name: '10.0.0.0/26' });
    assert.deepEqual(parseEtcdKey(etcdKey({ kind: 'Pod', namespace: 'a%b', name: 'x/y' })), { kind: 'Pod', namespace: 'a%b', name: 'x/y' });
  });

  it('lists across several pages at one revision', async () => {
    const ds = await EtcdDatastore.open({ etcdEndpoints: server.endpoints }, { pageSize: 7 });
    try {
      for (let i = 0; i < 30; i += 10) {
        await ds.transact(Array.from({ length: 10 }, (_, j) => ({ op: 'create' as const, key: { kind: 'HostEndpoint', name: `h${String(i + j).padStart(2, '0')}` }, value: { i: i + j } })));
      }
      const res = await ds.list({ kind: 'HostEndpoint' });
      assert.equal(res.items.length, 30);
      assert.deepEqual(res.items.map((e) => (e.value as { i: number }).i), Array.from({ length: 30 }, (_, i) => i));
      assert.equal(res.revision, await ds.currentRevision());
    } finally {
      await ds.close();
    }
  });

  it('is what openDatastoreFromEnv opens for DATASTORE_TYPE=etcdv3', async () => {
    const ds: Datastore = await openDatastoreFromEnv({ defaultConfigFile: null, env: { DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: server.endpoints.join(',') } });
    try {
      assert.equal(ds.type, 'etcdv3');
      const e = await ds.create({ kind: 'Tier', name: 'security' }, { spec: { order: 100 } });
      assert.deepEqual((await ds.get({ kind: 'Tier', name: 'security' }))?.value, { spec: { order: 100 } });
      assert.equal(e.revision, await ds.currentRevision());
    } finally {
      await ds.close();
    }
  });

  it('fails fast with CALICO_ERR_DATASTORE naming the endpoint when nothing listens', async () => {
    const t0 = Date.now();
    await assert.rejects(EtcdDatastore.open({ etcdEndpoints: ['http://127.0.0.1:1'] }, { dialTimeoutMs: 1000, callTimeoutMs: 2000 }), (e: unknown) => {
      assert.equal((e as { code?: string }).code, 'CALICO_ERR_DATASTORE');
      assert.match((e as Error).message, /127\.0\.0\.1:1/);
      return true;
    });
    assert.ok(Date.now() - t0 < 10_000);
  });
});
