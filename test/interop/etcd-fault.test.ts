import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collect } from '../../dist/datastore/conformance.js';
import type { Datastore, WatchEvent } from '../../dist/datastore/datastore.js';
import { EtcdDatastore } from '../../dist/datastore/etcd/etcd-datastore.js';
import { startEtcd, type EtcdServer } from '../../dist/datastore/etcd/etcd-server.js';
import { isCalicoError } from '../../dist/lib/errors.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Writes item-0..item-(total-1) in order, one create each, retrying through
 * outages. A create that failed ambiguously and then reports ALREADY_EXISTS
 * with our own value landed the first time: counted once, never written twice.
 */
async function writeAll(ds: Datastore, total: number, progress: { written: number; retries: number }): Promise<void> {
  for (let i = 0; i < total; i++) {
    const key = { kind: 'IPPool', name: `item-${String(i).padStart(3, '0')}` };
    for (;;) {
      try {
        await ds.create(key, { i });
        break;
      } catch (e) {
        if (isCalicoError(e, 'CALICO_ERR_ALREADY_EXISTS')) {
          const cur = await ds.get<{ i: number }>(key).catch(() => null);
          if (cur?.value.i === i) break;
        }
        if (!isCalicoError(e, 'CALICO_ERR_DATASTORE') && !isCalicoError(e, 'CALICO_ERR_ALREADY_EXISTS')) throw e;
        progress.retries++;
        await sleep(100);
      }
    }
    progress.written = i + 1;
    await sleep(20);
  }
}

async function runFault(fault: (server: EtcdServer) => Promise<void>): Promise<{ retries: number }> {
  const server = await startEtcd();
  const opts = { callTimeoutMs: 1500, dialTimeoutMs: 1000 };
  const watcherDs = await EtcdDatastore.open({ etcdEndpoints: server.endpoints }, opts);
  const writerDs = await EtcdDatastore.open({ etcdEndpoints: server.endpoints }, opts);
  const total = 60;
  const progress = { written: 0, retries: 0 };
  const w = collect(watcherDs, { kind: 'IPPool', afterRevision: await watcherDs.currentRevision() });
  try {
    const writing = writeAll(writerDs, total, progress);
    while (progress.written < 15) await sleep(10);
    await fault(server);
    await writing;
    assert.ok(progress.written === total);
    let events: WatchEvent[] = [];
    try {
      events = await w.waitFor(total, 30_000);
    } catch (e) {
      // The only acceptable alternative: the watcher says it must relist.
      if (w.errors.length && isCalicoError(w.errors[0], 'CALICO_ERR_COMPACTED')) return progress;
      throw e;
    }
    await sleep(300);
    assert.equal(w.events.length, total, 'no event delivered twice');
    assert.deepEqual(events.map((e) => (e.type === 'put' ? (e.value as { i: number }).i : -1)), Array.from({ length: total }, (_, i) => i));
    for (let i = 1; i < events.length; i++) assert.ok(events[i]!.revision > events[i - 1]!.revision);
    const listed = await writerDs.list<{ i: number }>({ kind: 'IPPool' });
    assert.deepEqual(listed.items.map((e) => e.value.i), Array.from({ length: total }, (_, i) => i), 'no write lost or doubled');
    assert.deepEqual(listed.items.map((e) => e.revision), events.map((e) => e.revision), 'each key written exactly once');
    return progress;
  } finally {
    await w.close();
    await watcherDs.close();
    await writerDs.close();
    await server.stop();
  }
}

describe('etcd faults', () => {
  it('etcd killed and restarted (same data dir and ports) while a watcher runs and a writer writes', { timeout: 120_000 }, async (t) => {
    const p = await runFault((server) => server.restart(3000));
    t.diagnostic(`writer retried ${p.retries} times across the outage`);
    assert.ok(p.retries > 0, 'the outage was seen by the writer');
  });

  it('etcd frozen with SIGSTOP for a few seconds (connections hang, then resume)', { timeout: 120_000 }, async (t) => {
    const p = await runFault(async (server) => {
      server.pause();
      await sleep(3000);
      server.resume();
    });
    t.diagnostic(`writer retried ${p.retries} times across the freeze`);
  });
});

describe('etcd watch resume point', () => {
  it('a kind-filtered watch survives compaction of other kinds\' history across a reconnect', { timeout: 60_000 }, async () => {
    const server = await startEtcd({ extraArgs: ['--experimental-watch-progress-notify-interval', '200ms'] });
    const ds = await EtcdDatastore.open({ etcdEndpoints: server.endpoints }, { callTimeoutMs: 1500, dialTimeoutMs: 1000 });
    const w = collect(ds, { kind: 'Tier', afterRevision: await ds.currentRevision() });
    try {
      await ds.create({ kind: 'Tier', name: 'first' }, {});
      await w.waitFor(1);
      for (let i = 0; i < 20; i++) await ds.create({ kind: 'Profile', name: `p${i}` }, {});
      await sleep(1000); // progress notifications carry the watch past the Profile writes
      await ds.compact(await ds.currentRevision());
      await server.restart(500); // the watch stream drops and resumes
      let created = false;
      for (let i = 0; i < 50 && !created; i++) {
        try {
          await ds.create({ kind: 'Tier', name: 'second' }, {});
          created = true;
        } catch {
          await sleep(100);
        }
      }
      const events = await w.waitFor(2, 20_000);
      assert.deepEqual(events.map((e) => e.key.name), ['first', 'second']);
      assert.deepEqual(w.errors, []);
    } finally {
      await w.close();
      await ds.close();
      await server.stop();
    }
  });
});
