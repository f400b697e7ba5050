import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryDatastore } from '../datastore/memory/memory-datastore.js';
import type { Datastore, ListOptions, ResourceKey, TxnOp, Watch, WatchHandlers, WatchOptions } from '../datastore/datastore.js';
import { CalicoError } from '../lib/errors.js';
import { Syncer } from './syncer.js';
import type { SyncerUpdate } from './syncer-update.js';

const gns = (name: string, net = '10.0.0.0/8') => ({ apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkSet', metadata: { name }, spec: { nets: [net] } });
const gnsKey = (name: string): ResourceKey => ({ kind: 'GlobalNetworkSet', name });

/** A datastore whose watches can be paused (events dropped) and failed on demand. */
class FlakyDatastore implements Datastore {
  readonly type = 'memory';
  paused = false;
  private handlers: WatchHandlers | undefined;
  watches = 0;
  constructor(readonly inner: MemoryDatastore) {}
  get<V>(k: ResourceKey) { return this.inner.get<V>(k); }
  list<V>(o: ListOptions) { return this.inner.list<V>(o); }
  create<V>(k: ResourceKey, v: V) { return this.inner.create(k, v); }
  update<V>(k: ResourceKey, v: V, r: number) { return this.inner.update(k, v, r); }
  delete<V>(k: ResourceKey, r?: number) { return this.inner.delete<V>(k, r); }
  transact(ops: readonly TxnOp[]) { return this.inner.transact(ops); }
  currentRevision() { return this.inner.currentRevision(); }
  close() { return this.inner.close(); }
  watch<V>(opts: WatchOptions, h: WatchHandlers<V>): Watch {
    this.watches++;
    this.handlers = h as WatchHandlers;
    return this.inner.watch<V>(opts, { onEvents: (e) => { if (!this.paused) h.onEvents(e); }, onError: (e) => h.onError(e) });
  }
  fail(err: Error): void {
    this.paused = false;
    this.handlers?.onError(err);
  }
}

function collect() {
  const batches: { updates: readonly SyncerUpdate[]; revision: number }[] = [];
  return {
    batches,
    all: () => batches.flatMap((b) => b.updates),
    cb: { onUpdates: (updates: readonly SyncerUpdate[], revision: number) => { batches.push({ updates, revision }); } },
  };
}

const settle = () => new Promise((r) => setTimeout(r, 20));

test('snapshot, then InSync exactly once, then watch events in order', async () => {
  const ds = new MemoryDatastore();
  await ds.create(gnsKey('a'), gns('a'));
  const c = collect();
  const s = new Syncer(ds, c.cb);
  await s.start();
  assert.deepEqual(c.all().map((u) => u.kind), ['GlobalNetworkSet', 'InSync']);
  const e = await ds.create(gnsKey('b'), gns('b'));
  await ds.delete(gnsKey('a'));
  await settle();
  const after = c.batches.slice(1).flatMap((b) => b.updates);
  assert.deepEqual(after.map((u) => [u.kind, 'key' in u ? u.key.name : '', 'value' in u && u.value !== null]), [
    ['GlobalNetworkSet', 'b', true],
    ['GlobalNetworkSet', 'a', false],
  ]);
  assert.ok(s.revision > e.revision);
  assert.equal(c.all().filter((u) => u.kind === 'InSync').length, 1);
  await s.stop();
});

test('relist after compaction emits the difference: deletes for vanished keys, changes, additions; no second InSync', async () => {
  const mem = new MemoryDatastore();
  const ds = new FlakyDatastore(mem);
  await mem.create(gnsKey('gone'), gns('gone'));
  const kept = await mem.create(gnsKey('kept'), gns('kept'));
  const changed = await mem.create(gnsKey('changed'), gns('changed'));
  const c = collect();
  const s = new Syncer(ds, c.cb, { retryBaseMs: 1 });
  await s.start();
  const before = c.batches.length;
  ds.paused = true;
  await mem.delete(gnsKey('gone'));
  await mem.update(gnsKey('changed'), gns('changed', '192.168.0.0/16'), changed.revision);
  await mem.create(gnsKey('new'), gns('new'));
  mem.compact(await mem.currentRevision());
  ds.fail(new CalicoError('CALICO_ERR_COMPACTED', 'compacted'));
  await settle();
  const diff = c.batches.slice(before).flatMap((b) => b.updates);
  const byName = new Map(diff.map((u) => ['key' in u ? u.key.name : u.kind, u]));
  assert.equal(byName.get('gone')?.kind, 'GlobalNetworkSet');
  assert.equal((byName.get('gone') as { value: unknown }).value, null);
  assert.deepEqual((byName.get('changed') as unknown as { value: { spec: { nets: string[] } } }).value.spec.nets, ['192.168.0.0/16']);
  assert.ok(byName.has('new'));
  assert.ok(!byName.has('kept'), 'unchanged keys are not re-emitted');
  assert.ok(!byName.has('InSync'));
  assert.equal(s.resyncs, 1);
  assert.equal(ds.watches, 2);
  assert.equal(s.revision, await mem.currentRevision());
  void kept;
  // And the new watch works.
  await mem.delete(gnsKey('new'));
  await settle();
  const last = c.batches.at(-1)!.updates;
  assert.equal(last.length, 1);
  assert.equal((last[0] as { value: unknown }).value, null);
  await s.stop();
});

test('conversions: k8s NetworkPolicy -> knp.default.*, Namespace -> kns.*, ServiceAccount -> ksa.*, stored kns./ksa. profiles ignored', async () => {
  const ds = new MemoryDatastore();
  await ds.create({ kind: 'KubernetesNetworkPolicy', namespace: 'ns1', name: 'np' }, {
    apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'np', namespace: 'ns1' },
    spec: { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ ports: [{ port: 80 }] }] },
  });
  await ds.create({ kind: 'Namespace', name: 'ns1' }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns1', labels: { team: 'x' } } });
  await ds.create({ kind: 'ServiceAccount', namespace: 'ns1', name: 'sa' }, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'sa', namespace: 'ns1' } });
  await ds.create({ kind: 'Profile', name: 'kns.ns1' }, { apiVersion: 'projectcalico.org/v3', kind: 'Profile', metadata: { name: 'kns.ns1' }, spec: {} });
  await ds.create({ kind: 'Profile', name: 'p1' }, { apiVersion: 'projectcalico.org/v3', kind: 'Profile', metadata: { name: 'p1' }, spec: {} });
  const c = collect();
  const s = new Syncer(ds, c.cb);
  await s.start();
  const ups = c.all().filter((u) => u.kind !== 'InSync') as Exclude<SyncerUpdate, { kind: 'InSync' }>[];
  const ids = ups.map((u) => `${u.kind}:${u.key.namespace ?? ''}/${u.key.name}`).sort();
  assert.deepEqual(ids, ['NetworkPolicy:ns1/knp.default.np', 'Profile:/kns.ns1', 'Profile:/ksa.ns1.sa', 'Profile:/p1']);
  const np = ups.find((u) => u.kind === 'NetworkPolicy')!.value as { metadata: { name: string; namespace: string }; spec: { selector: string; ingress: unknown[]; order: number } };
  assert.equal(np.metadata.name, 'knp.default.np');
  assert.equal(np.metadata.namespace, 'ns1');
  assert.equal(np.spec.selector, "projectcalico.org/orchestrator == 'k8s' && app == 'web'");
  assert.equal(np.spec.order, 1000);
  const kns = ups.find((u) => u.key.name === 'kns.ns1')!.value as { spec: { labelsToApply: Record<string, string> } };
  assert.equal(kns.spec.labelsToApply['pcns.team'], 'x');
  // Deleting the Namespace deletes the synthesized profile.
  await ds.delete({ kind: 'Namespace', name: 'ns1' });
  await settle();
  const last = c.batches.at(-1)!.updates;
  assert.deepEqual(last.map((u) => ['key' in u ? u.key.name : '', 'value' in u ? u.value : undefined]), [['kns.ns1', null]]);
  await s.stop();
});

test('validation filter: an invalid value becomes null with the reason; a later valid value replaces it', async () => {
  const ds = new MemoryDatastore();
  const bad = await ds.create({ kind: 'FelixConfiguration', name: 'default' }, {
    apiVersion: 'projectcalico.org/v3', kind: 'FelixConfiguration', metadata: { name: 'default' }, spec: { logSeverityScreen: 'Loud' },
  });
  const c = collect();
  const s = new Syncer(ds, c.cb);
  await s.start();
  const fc = c.all().find((u) => u.kind === 'FelixConfiguration')!;
  assert.equal((fc as { value: unknown }).value, null);
  assert.match(fc.invalid ?? '', /logSeverityScreen/);
  await ds.update({ kind: 'FelixConfiguration', name: 'default' }, {
    apiVersion: 'projectcalico.org/v3', kind: 'FelixConfiguration', metadata: { name: 'default' }, spec: { logSeverityScreen: 'Debug' },
  }, bad.revision);
  await settle();
  const u = c.batches.at(-1)!.updates[0] as { value: { spec: { logSeverityScreen: string } } | null; invalid?: string };
  assert.equal(u.value?.spec.logSeverityScreen, 'Debug');
  assert.equal(u.invalid, undefined);
  await s.stop();
});

test('status-report writes do not advance the revision; other kinds do, with an empty batch', async () => {
  const ds = new MemoryDatastore();
  const c = collect();
  const s = new Syncer(ds, c.cb);
  await s.start();
  const r0 = s.revision;
  await ds.create({ kind: 'ActiveStatusReport', name: 'node1' }, { appliedRevision: 1 });
  await settle();
  assert.equal(s.revision, r0);
  assert.equal(c.batches.length, 1);
  const h = await ds.create({ kind: 'IPAMHandle', name: 'h' }, { handleID: 'h' });
  await settle();
  assert.equal(s.revision, h.revision);
  assert.deepEqual(c.batches.at(-1), { updates: [], revision: h.revision });
  await s.stop();
});

test('events already covered by a later list are not emitted twice', async () => {
  const ds = new MemoryDatastore();
  const c = collect();
  // List GlobalNetworkSet first, then write one, then list Node: the watch starts before the write.
  const kinds = ['GlobalNetworkSet', 'Node'];
  const slow: Datastore = Object.create(ds) as Datastore;
  let listed = 0;
  slow.list = async <V>(o: ListOptions) => {
    const r = await ds.list<V>(o);
    if (++listed === 1) await ds.create({ kind: 'Node', name: 'n1' }, { apiVersion: 'projectcalico.org/v3', kind: 'Node', metadata: { name: 'n1' }, spec: {} });
    return r;
  };
  slow.watch = ds.watch.bind(ds);
  const s = new Syncer(slow, c.cb, { kinds });
  await s.start();
  await settle();
  assert.equal(c.all().filter((u) => u.kind === 'Node').length, 1);
  await s.stop();
});

test('StagedKubernetesNetworkPolicy is converted (knp.default.*, stagedAction kept); extras are forwarded', async () => {
  const ds = new MemoryDatastore();
  await ds.create({ kind: 'StagedKubernetesNetworkPolicy', namespace: 'ns1', name: 'snp' }, {
    apiVersion: 'projectcalico.org/v3', kind: 'StagedKubernetesNetworkPolicy', metadata: { name: 'snp', namespace: 'ns1' },
    spec: { stagedAction: 'Set', podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 5432 }] }] },
  });
  await ds.create({ kind: 'IPPool', name: 'p1' }, { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p1' }, spec: { cidr: '10.1.0.0/16' } });
  await ds.create({ kind: 'IPAMBlock', name: '10-1-0-0-26' }, { cidr: '10.1.0.0/26', affinity: 'host:n1' });
  const c = collect();
  const s = new Syncer(ds, c.cb);
  await s.start();
  const ups = c.all();
  const snp = ups.find((u) => u.kind === 'StagedKubernetesNetworkPolicy') as unknown as { key: { name: string; namespace: string }; value: { spec: { stagedAction: string; selector: string; ingress: unknown[] } } };
  assert.equal(snp.key.name, 'knp.default.snp');
  assert.equal(snp.key.namespace, 'ns1');
  assert.equal(snp.value.spec.stagedAction, 'Set');
  assert.equal(snp.value.spec.selector, "projectcalico.org/orchestrator == 'k8s' && app == 'db'");
  assert.equal(snp.value.spec.ingress.length, 1);
  const pool = ups.find((u) => u.kind === 'IPPool') as unknown as { value: { spec: { cidr: string; blockSize: number } } };
  assert.equal(pool.value.spec.cidr, '10.1.0.0/16');
  assert.equal(pool.value.spec.blockSize, 26, 'defaulted by validation');
  assert.ok(ups.some((u) => u.kind === 'IPAMBlock'));
  await s.stop();
});

test('a failing list is retried with backoff and reported; start resolves once it succeeds', async () => {
  const ds = new MemoryDatastore();
  await ds.create(gnsKey('a'), gns('a'));
  let failures = 2;
  const flaky: Datastore = Object.create(ds) as Datastore;
  flaky.list = async <V>(o: ListOptions) => {
    if (failures > 0) { failures--; throw new Error('datastore unavailable'); }
    return ds.list<V>(o);
  };
  flaky.watch = ds.watch.bind(ds);
  const errors: number[] = [];
  const statuses: string[] = [];
  const c = collect();
  const s = new Syncer(flaky, { ...c.cb, onError: (_e, ms) => errors.push(ms), onStatus: (st) => statuses.push(st) }, { retryBaseMs: 2 });
  await s.start();
  assert.deepEqual(errors, [2, 4]);
  assert.deepEqual(statuses, ['ResyncInProgress', 'InSync']);
  assert.deepEqual(c.all().map((u) => u.kind), ['GlobalNetworkSet', 'InSync']);
  await s.stop();
});
