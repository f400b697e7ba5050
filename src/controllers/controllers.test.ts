import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryDatastore } from '../datastore/memory/memory-datastore.js';
import type { Watch, WatchHandlers, WatchOptions } from '../datastore/datastore.js';
import { CalicoError } from '../lib/errors.js';
import { IpamClient } from '../ipam/index.js';
import { startControllers, type RunningControllers } from './index.js';
import { reconcileKey } from './cas-writer.js';
import { eventually } from './test-util.js';


type Profile = { metadata: { name: string }; spec: { labelsToApply: Record<string, string>; ingress?: unknown[]; egress?: unknown[] } };
const ns = (name: string, labels: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });

async function withControllers(ds: MemoryDatastore, fn: (c: RunningControllers) => Promise<void>, opts = {}): Promise<void> {
  const c = await startControllers(ds, { resyncIntervalMs: 0, ipamGcIntervalMs: 0, onError: (e) => { throw e; }, ...opts });
  try { await fn(c); } finally { await c.stop(); }
}

test('Namespace -> Profile kns.<name> follows creates, label changes and deletes', async () => {
  const ds = new MemoryDatastore();
  await ds.create({ kind: 'Namespace', name: 'pre' }, ns('pre', { team: 'a' }));
  // A stale profile whose namespace is gone, and someone else's profile.
  await ds.create({ kind: 'Profile', name: 'kns.gone' }, { apiVersion: 'projectcalico.org/v3', kind: 'Profile', metadata: { name: 'kns.gone' }, spec: {} });
  await ds.create({ kind: 'Profile', name: 'k8s-pod-network' }, { apiVersion: 'projectcalico.org/v3', kind: 'Profile', metadata: { name: 'k8s-pod-network' }, spec: {} });
  await withControllers(ds, async (c) => {
    await c.idle();
    const pre = await ds.get<Profile>({ kind: 'Profile', name: 'kns.pre' });
    assert.ok(pre, 'profile of an existing namespace created at start');
    assert.deepEqual(pre.value.spec.labelsToApply, { 'pcns.projectcalico.org/name': 'pre', 'pcns.team': 'a' });
    assert.deepEqual(pre.value.spec.ingress, [{ action: 'Allow' }]);
    assert.equal(await ds.get({ kind: 'Profile', name: 'kns.gone' }), null, 'stale kns profile removed');
    assert.ok(await ds.get({ kind: 'Profile', name: 'k8s-pod-network' }), 'profiles we do not own are left alone');

    await ds.create({ kind: 'Namespace', name: 'web' }, ns('web', { env: 'prod' }));
    await eventually('kns.web', async () => (await ds.get({ kind: 'Profile', name: 'kns.web' })) !== null);
    const cur = (await ds.get({ kind: 'Namespace', name: 'web' }))!;
    await ds.update({ kind: 'Namespace', name: 'web' }, ns('web', { env: 'dev' }), cur.revision);
    await eventually('label update', async () =>
      (await ds.get<Profile>({ kind: 'Profile', name: 'kns.web' }))?.value.spec.labelsToApply['pcns.env'] === 'dev');
    await ds.delete({ kind: 'Namespace', name: 'web' });
    await eventually('kns.web deleted', async () => (await ds.get({ kind: 'Profile', name: 'kns.web' })) === null);
  });
});

test('an unchanged namespace does not rewrite its profile', async () => {
  const ds = new MemoryDatastore();
  await ds.create({ kind: 'Namespace', name: 'a' }, ns('a'));
  await withControllers(ds, async (c) => {
    await c.idle();
    const before = (await ds.get({ kind: 'Profile', name: 'kns.a' }))!.revision;
    const cur = (await ds.get({ kind: 'Namespace', name: 'a' }))!;
    await ds.update({ kind: 'Namespace', name: 'a' }, ns('a'), cur.revision);
    await new Promise((r) => setTimeout(r, 50));
    await c.idle();
    assert.equal((await ds.get({ kind: 'Profile', name: 'kns.a' }))!.revision, before);
  }, { controllers: ['namespace'] });
});

test('ServiceAccount -> Profile ksa.<ns>.<name> with pcsa labels', async () => {
  const ds = new MemoryDatastore();
  await withControllers(ds, async () => {
    await ds.create({ kind: 'ServiceAccount', namespace: 'web', name: 'frontend' },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'frontend', namespace: 'web', labels: { role: 'ui' } } });
    await eventually('ksa profile', async () => (await ds.get({ kind: 'Profile', name: 'ksa.web.frontend' })) !== null);
    const p = (await ds.get<Profile>({ kind: 'Profile', name: 'ksa.web.frontend' }))!;
    assert.deepEqual(p.value.spec.labelsToApply, { 'pcsa.projectcalico.org/name': 'frontend', 'pcsa.role': 'ui' });
    await ds.delete({ kind: 'ServiceAccount', namespace: 'web', name: 'frontend' });
    await eventually('ksa profile deleted', async () => (await ds.get({ kind: 'Profile', name: 'ksa.web.frontend' })) === null);
  }, { controllers: ['serviceaccount'] });
});

test('Pod label changes reach its WorkloadEndpoints only', async () => {
  const ds = new MemoryDatastore();
  const pod = (labels: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1', namespace: 'web', labels }, spec: { serviceAccountName: 'sa1' } });
  const wep = (name: string, orchestrator: string, podName: string) => ({
    apiVersion: 'projectcalico.org/v3', kind: 'WorkloadEndpoint',
    metadata: { name, namespace: 'web', labels: { old: 'x' } },
    spec: { orchestrator, node: 'n1', pod: podName, endpoint: 'eth0', containerID: 'c1', ipNetworks: [], profiles: [], interfaceName: 'cali1', mac: '' },
  });
  await ds.create({ kind: 'Pod', namespace: 'web', name: 'p1' }, pod({ app: 'a' }));
  await ds.create({ kind: 'WorkloadEndpoint', namespace: 'web', name: 'n1-k8s-p1-eth0' }, wep('n1-k8s-p1-eth0', 'k8s', 'p1'));
  await ds.create({ kind: 'WorkloadEndpoint', namespace: 'web', name: 'n1-k8s-p2-eth0' }, wep('n1-k8s-p2-eth0', 'k8s', 'p2'));
  await withControllers(ds, async (c) => {
    await c.idle();
    type W = { metadata: { labels: Record<string, string> } };
    const labels = async (n: string) => (await ds.get<W>({ kind: 'WorkloadEndpoint', namespace: 'web', name: n }))!.value.metadata.labels;
    assert.deepEqual(await labels('n1-k8s-p1-eth0'), {
      app: 'a', 'projectcalico.org/namespace': 'web', 'projectcalico.org/orchestrator': 'k8s', 'projectcalico.org/serviceaccount': 'sa1',
    });
    const cur = (await ds.get({ kind: 'Pod', namespace: 'web', name: 'p1' }))!;
    await ds.update({ kind: 'Pod', namespace: 'web', name: 'p1' }, pod({ app: 'b', tier: 't' }), cur.revision);
    await eventually('labels follow the pod', async () => (await labels('n1-k8s-p1-eth0'))['app'] === 'b');
    assert.equal((await labels('n1-k8s-p1-eth0'))['tier'], 't');
    assert.deepEqual(await labels('n1-k8s-p2-eth0'), { old: 'x' }, 'another pod\'s endpoint is untouched');
  }, { controllers: ['pod'] });
});

/** A MemoryDatastore whose watches can be made to miss events and then fail, as after compaction. */
class LossyDatastore extends MemoryDatastore {
  deaf = false;
  readonly live: WatchHandlers[] = [];
  override watch<V>(opts: WatchOptions, handlers: WatchHandlers<V>): Watch {
    const h = handlers as WatchHandlers;
    this.live.push(h);
    return super.watch<V>(opts, { onEvents: (ev) => { if (!this.deaf) handlers.onEvents(ev); }, onError: (e) => handlers.onError(e) });
  }
  compactAll(): void {
    this.deaf = false;
    for (const h of this.live.splice(0)) h.onError(new CalicoError('CALICO_ERR_COMPACTED', 'compacted'));
  }
}

test('after a compacted watch the controllers relist and catch up on missed changes', async () => {
  const ds = new LossyDatastore();
  await withControllers(ds, async () => {
    ds.deaf = true;
    await ds.create({ kind: 'Namespace', name: 'missed' }, ns('missed'));
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(await ds.get({ kind: 'Profile', name: 'kns.missed' }), null, 'the event was really missed');
    ds.compactAll();
    await eventually('relist catches up', async () => (await ds.get({ kind: 'Profile', name: 'kns.missed' })) !== null);
  }, { controllers: ['namespace'] });
});

test('CAS writes: concurrent reconcilers both land, neither overwrites the other', async () => {
  const ds = new MemoryDatastore();
  const key = { kind: 'Profile', name: 'kns.race' };
  await ds.create(key, { n: [] as number[] });
  await Promise.all(Array.from({ length: 8 }, (_, i) =>
    reconcileKey<{ n: number[] }>(ds, key, (cur) => ({ n: [...(cur?.value.n ?? []), i] }))));
  const got = (await ds.get<{ n: number[] }>(key))!.value.n;
  assert.deepEqual([...got].sort(), [0, 1, 2, 3, 4, 5, 6, 7]);
});

test('IPAM GC releases allocations whose workload is gone, keeps live and young ones', async () => {
  const ds = new MemoryDatastore();
  await ds.create({ kind: 'IPPool', name: 'p' }, {
    apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p' },
    spec: { cidr: '10.9.0.0/24', blockSize: 26, nodeSelector: 'all()', ipipMode: 'Never', vxlanMode: 'Never' },
  });
  const ipam = new IpamClient(ds);
  const old = new Date(Date.now() - 60 * 60_000).toISOString();
  const alloc = async (handleId: string, attrs: Record<string, string>) =>
    (await ipam.autoAssign({ num4: 1, handleId, attrs: { node: 'n1', timestamp: old, ...attrs }, hostname: 'n1' })).ipv4[0]!.ip;
  const liveIp = await alloc('net.live', { pod: 'p1', namespace: 'web' });
  const leakedIp = await alloc('net.leaked', { pod: 'p2', namespace: 'web' });
  const cniLeaked = await alloc('net.podman1', {});
  const podStored = await alloc('net.inflight', { pod: 'p3', namespace: 'web' });
  const young = await ipam.autoAssign({ num4: 1, handleId: 'net.young', attrs: { node: 'n1', timestamp: new Date().toISOString() }, hostname: 'n1' });
  await ds.create({ kind: 'WorkloadEndpoint', namespace: 'web', name: 'n1-k8s-p1-eth0' }, {
    apiVersion: 'projectcalico.org/v3', kind: 'WorkloadEndpoint', metadata: { name: 'n1-k8s-p1-eth0', namespace: 'web' },
    spec: { orchestrator: 'k8s', pod: 'p1', containerID: 'live', node: 'n1', endpoint: 'eth0' },
  });
  await ds.create({ kind: 'Pod', namespace: 'web', name: 'p3' }, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p3', namespace: 'web' } });
  await withControllers(ds, async (c) => {
    const r = await c.runIpamGc();
    assert.deepEqual(r.released.map((x) => x.ip).sort(), [leakedIp, cniLeaked].sort());
    assert.deepEqual(await ipam.ipsByHandle('net.live'), [liveIp]);
    assert.deepEqual(await ipam.ipsByHandle('net.inflight'), [podStored]);
    assert.deepEqual(await ipam.ipsByHandle('net.young'), [young.ipv4[0]!.ip]);
  }, { controllers: ['ipam'], leakGracePeriodMs: 15 * 60_000 });
});
