import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isCalicoError, type CalicoErrorCode } from '../lib/errors.js';
import type { Datastore, ResourceKey, WatchEvent, WatchOptions } from './datastore.js';

/** What a conformance run opens: a fresh, empty store and how to dispose of it. */
export interface ConformanceTarget {
  ds: Datastore;
  cleanup(): Promise<void>;
}

/** Backends that can drop history (memory, sqlite, etcd) have `compact`; the compaction test uses it. */
function canCompact(ds: Datastore): ds is Datastore & Required<Pick<Datastore, 'compact'>> {
  return typeof ds.compact === 'function';
}

/**
 * The backend-neutral Datastore conformance suite. Every backend runs it
 * unchanged: `open` must return an empty store each time.
 *
 * Revisions are only required to be strictly increasing across separate
 * writes; the ops of one transaction may share a revision (etcd) or get one
 * each (sqlite, memory).
 */
export function runDatastoreConformance(name: string, open: () => Promise<ConformanceTarget>): void {
  /** Runs `body` against a fresh store, always cleaning up. */
  const withStore = async (body: (ds: Datastore) => Promise<void>): Promise<void> => {
    const t = await open();
    try {
      await body(t.ds);
    } finally {
      await t.cleanup();
    }
  };
  const test = (title: string, body: (ds: Datastore) => Promise<void>): void => {
    it(title, { timeout: 30_000 }, () => withStore(body));
  };

  describe(`Datastore conformance: ${name}`, () => {
    test('create then get round-trips the value as JSON, with revisions', async (ds) => {
      const value = { spec: { cidr: '10.0.0.0/16', n: 1.5, neg: -3, t: true, f: false, nil: null, list: [1, 'two', { three: 3 }] }, text: 'ünïcødé ✓ "q" \\ \n' };
      const before = await ds.currentRevision();
      const created = await ds.create(k('IPPool', 'pool-1'), value);
      assert.ok(created.revision > before, 'create advances the revision');
      assert.equal(created.createRevision, created.revision);
      assert.deepEqual(created.key, { kind: 'IPPool', name: 'pool-1' });
      assert.deepEqual(created.value, value);
      const got = await ds.get(k('IPPool', 'pool-1'));
      assert.ok(got);
      assert.deepEqual(got, created);
      assert.equal(await ds.currentRevision(), created.revision);
    });

    test('get of an absent key is null; namespaced and cluster keys are distinct', async (ds) => {
      assert.equal(await ds.get(k('IPPool', 'nope')), null);
      await ds.create(k('NetworkPolicy', 'p', 'ns1'), { a: 1 });
      assert.equal(await ds.get(k('NetworkPolicy', 'p')), null);
      assert.equal(await ds.get(k('NetworkPolicy', 'p', 'ns2')), null);
      const got = await ds.get(k('NetworkPolicy', 'p', 'ns1'));
      assert.deepEqual(got?.key, { kind: 'NetworkPolicy', namespace: 'ns1', name: 'p' });
      assert.equal(await ds.get(k('GlobalNetworkPolicy', 'p')), null);
    });

    test('create of an existing key fails with CALICO_ERR_ALREADY_EXISTS and changes nothing', async (ds) => {
      const first = await ds.create(k('IPPool', 'dup'), { v: 1 });
      await assertCode(ds.create(k('IPPool', 'dup'), { v: 2 }), 'CALICO_ERR_ALREADY_EXISTS');
      assert.deepEqual(await ds.get(k('IPPool', 'dup')), first);
      assert.equal(await ds.currentRevision(), first.revision);
    });

    test('list filters by kind, namespace and name prefix, sorted by name, at a revision', async (ds) => {
      await ds.create(k('NetworkPolicy', 'web-b', 'prod'), { i: 1 });
      await ds.create(k('NetworkPolicy', 'web-a', 'prod'), { i: 2 });
      await ds.create(k('NetworkPolicy', 'db', 'prod'), { i: 3 });
      await ds.create(k('NetworkPolicy', 'web-a', 'dev'), { i: 4 });
      await ds.create(k('GlobalNetworkPolicy', 'web-a'), { i: 5 });
      const all = await ds.list({ kind: 'NetworkPolicy' });
      assert.equal(all.items.length, 4);
      assert.equal(all.revision, await ds.currentRevision());
      assert.ok(all.items.every((e) => e.key.kind === 'NetworkPolicy'));
      const prod = await ds.list({ kind: 'NetworkPolicy', namespace: 'prod' });
      assert.deepEqual(prod.items.map((e) => e.key.name), ['db', 'web-a', 'web-b']);
      const webProd = await ds.list({ kind: 'NetworkPolicy', namespace: 'prod', namePrefix: 'web-' });
      assert.deepEqual(webProd.items.map((e) => [e.key.name, e.value]), [['web-a', { i: 2 }], ['web-b', { i: 1 }]]);
      const webAll = await ds.list({ kind: 'NetworkPolicy', namePrefix: 'web-a' });
      assert.deepEqual(webAll.items.map((e) => e.key.namespace).sort(), ['dev', 'prod']);
      const gnp = await ds.list({ kind: 'GlobalNetworkPolicy' });
      assert.deepEqual(gnp.items.map((e) => e.key), [{ kind: 'GlobalNetworkPolicy', name: 'web-a' }]);
      assert.deepEqual((await ds.list({ kind: 'Tier' })).items, []);
      assert.deepEqual((await ds.list({ kind: 'NetworkPolicy', namespace: 'none' })).items, []);
    });

    test('list returns every item of a large kind', async (ds) => {
      const ops = Array.from({ length: 250 }, (_, i) => ({ op: 'create' as const, key: k('IPAMBlock', `b-${String(i).padStart(4, '0')}`), value: { i } }));
      for (let i = 0; i < ops.length; i += 50) await ds.transact(ops.slice(i, i + 50));
      const got = await ds.list({ kind: 'IPAMBlock' });
      assert.equal(got.items.length, 250);
      assert.deepEqual(got.items.map((e) => (e.value as { i: number }).i), ops.map((_, i) => i));
    });

    test('update is compare-and-swap on the revision', async (ds) => {
      const c = await ds.create(k('Profile', 'p'), { v: 1 });
      const u = await ds.update(k('Profile', 'p'), { v: 2 }, c.revision);
      assert.ok(u.revision > c.revision);
      assert.equal(u.createRevision, c.createRevision);
      assert.deepEqual(u.value, { v: 2 });
      assert.deepEqual(await ds.get(k('Profile', 'p')), u);
      await assertCode(ds.update(k('Profile', 'p'), { v: 3 }, c.revision), 'CALICO_ERR_CONFLICT');
      assert.deepEqual((await ds.get(k('Profile', 'p')))?.value, { v: 2 });
      assert.equal(await ds.currentRevision(), u.revision, 'a failed update does not advance the revision');
      await assertCode(ds.update(k('Profile', 'missing'), { v: 1 }, 1), 'CALICO_ERR_NOT_FOUND');
    });

    test('delete, with and without expectedRevision', async (ds) => {
      const a = await ds.create(k('HostEndpoint', 'a'), { v: 'a' });
      const b = await ds.create(k('HostEndpoint', 'b'), { v: 'b' });
      await assertCode(ds.delete(k('HostEndpoint', 'a'), b.revision + 100), 'CALICO_ERR_CONFLICT');
      assert.ok(await ds.get(k('HostEndpoint', 'a')), 'a conflicting delete leaves the entry');
      const gone = await ds.delete(k('HostEndpoint', 'a'), a.revision);
      assert.deepEqual(gone, a, 'delete returns the entry as it was');
      assert.equal(await ds.get(k('HostEndpoint', 'a')), null);
      const goneB = await ds.delete(k('HostEndpoint', 'b'));
      assert.deepEqual(goneB.value, { v: 'b' });
      await assertCode(ds.delete(k('HostEndpoint', 'b')), 'CALICO_ERR_NOT_FOUND');
      const again = await ds.create(k('HostEndpoint', 'a'), { v: 'again' });
      assert.ok(again.createRevision > a.createRevision, 'a re-created key gets a new createRevision');
    });

    test('transact applies all ops or none', async (ds) => {
      const a = await ds.create(k('IPPool', 'a'), { v: 1 });
      const b = await ds.create(k('IPPool', 'b'), { v: 1 });
      const rev0 = await ds.currentRevision();
      await assertCode(ds.transact([
        { op: 'create', key: k('IPPool', 'c'), value: { v: 1 } },
        { op: 'update', key: k('IPPool', 'a'), value: { v: 2 }, expectedRevision: a.revision },
        { op: 'update', key: k('IPPool', 'b'), value: { v: 2 }, expectedRevision: b.revision + 1 },
      ]), 'CALICO_ERR_CONFLICT');
      assert.equal(await ds.get(k('IPPool', 'c')), null);
      assert.deepEqual((await ds.get(k('IPPool', 'a')))?.value, { v: 1 });
      assert.equal(await ds.currentRevision(), rev0);
      await assertCode(ds.transact([
        { op: 'delete', key: k('IPPool', 'a') },
        { op: 'create', key: k('IPPool', 'b'), value: {} },
      ]), 'CALICO_ERR_ALREADY_EXISTS');
      assert.ok(await ds.get(k('IPPool', 'a')));
      await assertCode(ds.transact([
        { op: 'create', key: k('IPPool', 'd'), value: {} },
        { op: 'delete', key: k('IPPool', 'zz') },
      ]), 'CALICO_ERR_NOT_FOUND');
      assert.equal(await ds.get(k('IPPool', 'd')), null);

      const rev = await ds.transact([
        { op: 'create', key: k('IPPool', 'c'), value: { v: 'c' } },
        { op: 'update', key: k('IPPool', 'a'), value: { v: 2 }, expectedRevision: a.revision },
        { op: 'delete', key: k('IPPool', 'b'), expectedRevision: b.revision },
      ]);
      assert.ok(rev > rev0);
      assert.equal(await ds.currentRevision(), rev);
      assert.deepEqual((await ds.get(k('IPPool', 'c')))?.value, { v: 'c' });
      const a2 = await ds.get(k('IPPool', 'a'));
      assert.deepEqual(a2?.value, { v: 2 });
      assert.equal(a2?.createRevision, a.createRevision);
      assert.ok(a2!.revision > rev0 && a2!.revision <= rev);
      assert.equal(await ds.get(k('IPPool', 'b')), null);
    });

    test('revisions strictly increase across writes', async (ds) => {
      let last = await ds.currentRevision();
      for (let i = 0; i < 10; i++) {
        const e = i === 0 ? await ds.create(k('Node', 'n'), { i }) : await ds.update(k('Node', 'n'), { i }, last);
        assert.ok(e.revision > last, `write ${i}: ${e.revision} > ${last}`);
        last = e.revision;
        assert.equal(await ds.currentRevision(), last);
      }
      const d = await ds.delete(k('Node', 'n'));
      assert.equal(d.revision, last);
      assert.ok((await ds.currentRevision()) > last, 'delete advances the revision');
    });

    test('concurrent compare-and-swap writers never lose an update', async (ds) => {
      await ds.create(k('ClusterInformation', 'counter'), { n: 0 });
      const writers = 8;
      const each = 10;
      const incr = async (): Promise<void> => {
        for (let done = 0; done < each;) {
          const cur = (await ds.get<{ n: number }>(k('ClusterInformation', 'counter')))!;
          try {
            await ds.update(k('ClusterInformation', 'counter'), { n: cur.value.n + 1 }, cur.revision);
            done++;
          } catch (e) {
            if (!isCalicoError(e, 'CALICO_ERR_CONFLICT')) throw e;
          }
        }
      };
      await Promise.all(Array.from({ length: writers }, incr));
      assert.deepEqual((await ds.get(k('ClusterInformation', 'counter')))?.value, { n: writers * each });
    });

    test('watch delivers every later event exactly once, in order', async (ds) => {
      const start = await ds.currentRevision();
      const w = collect(ds, { afterRevision: start });
      try {
        const a = await ds.create(k('WorkloadEndpoint', 'a', 'ns'), { v: 1 });
        const a2 = await ds.update(k('WorkloadEndpoint', 'a', 'ns'), { v: 2 }, a.revision);
        await ds.create(k('IPPool', 'p'), { cidr: 'x' });
        await ds.delete(k('WorkloadEndpoint', 'a', 'ns'));
        const events = await w.waitFor(4);
        assert.deepEqual(events.map(summary), [
          'put WorkloadEndpoint/ns/a {"v":1}', 'put WorkloadEndpoint/ns/a {"v":2}', 'put IPPool//p {"cidr":"x"}', 'delete WorkloadEndpoint/ns/a',
        ]);
        assertIncreasing(events);
        assert.equal(events[0]!.revision, a.revision);
        assert.equal(events[1]!.revision, a2.revision);
        const put = events[1]!;
        assert.ok(put.type === 'put' && put.createRevision === a.revision);
        assert.deepEqual(put.key, { kind: 'WorkloadEndpoint', namespace: 'ns', name: 'a' });
        assert.equal(events[3]!.revision, await ds.currentRevision());
        await sleep(150);
        assert.equal(w.events.length, 4, 'no duplicates later');
        assert.equal(w.errors.length, 0);
      } finally {
        await w.close();
      }
    });

    test('watch with a kind filter sees only that kind', async (ds) => {
      const w = collect(ds, { kind: 'IPPool', afterRevision: await ds.currentRevision() });
      try {
        await ds.create(k('Profile', 'x'), {});
        await ds.create(k('IPPool', 'p1'), { n: 1 });
        await ds.create(k('Profile', 'y'), {});
        await ds.create(k('IPPool', 'p2'), { n: 2 });
        await ds.delete(k('IPPool', 'p1'));
        const events = await w.waitFor(3);
        assert.deepEqual(events.map(summary), ['put IPPool//p1 {"n":1}', 'put IPPool//p2 {"n":2}', 'delete IPPool//p1']);
        await sleep(100);
        assert.equal(w.events.length, 3);
      } finally {
        await w.close();
      }
    });

    test('watch from an earlier revision replays history after it, then follows live', async (ds) => {
      await ds.create(k('IPPool', 'old'), { n: 0 });
      const from = await ds.currentRevision();
      const x = await ds.create(k('IPPool', 'x'), { n: 1 });
      await ds.update(k('IPPool', 'x'), { n: 2 }, x.revision);
      await ds.delete(k('IPPool', 'old'));
      const w = collect(ds, { afterRevision: from });
      try {
        const backlog = await w.waitFor(3);
        assert.deepEqual(backlog.map(summary), ['put IPPool//x {"n":1}', 'put IPPool//x {"n":2}', 'delete IPPool//old']);
        await ds.create(k('IPPool', 'live'), { n: 3 });
        const all = await w.waitFor(4);
        assert.equal(summary(all[3]!), 'put IPPool//live {"n":3}');
        assertIncreasing(all);
        await sleep(100);
        assert.equal(w.events.length, 4);
      } finally {
        await w.close();
      }
    });

    test('watch resuming from a delivered revision neither repeats nor skips', async (ds) => {
      for (let i = 0; i < 6; i++) await ds.create(k('Tier', `t${i}`), { i });
      const w1 = collect(ds, { kind: 'Tier', afterRevision: 0 });
      const first = await w1.waitFor(6);
      await w1.close();
      const w2 = collect(ds, { kind: 'Tier', afterRevision: first[2]!.revision });
      try {
        const rest = await w2.waitFor(3);
        assert.deepEqual(rest.map(summary), first.slice(3).map(summary));
      } finally {
        await w2.close();
      }
    });

    test('transaction events arrive in op order', async (ds) => {
      const w = collect(ds, { afterRevision: await ds.currentRevision() });
      try {
        await ds.create(k('IPPool', 'a'), {});
        await ds.transact([
          { op: 'create', key: k('IPPool', 'b'), value: { n: 1 } },
          { op: 'delete', key: k('IPPool', 'a') },
          { op: 'create', key: k('IPPool', 'c'), value: { n: 2 } },
        ]);
        const events = await w.waitFor(4);
        assert.deepEqual(events.slice(1).map(summary), ['put IPPool//b {"n":1}', 'delete IPPool//a', 'put IPPool//c {"n":2}']);
        assertIncreasing(events);
      } finally {
        await w.close();
      }
    });

    test('closed watches get no more events; other watches are unaffected', async (ds) => {
      const rev = await ds.currentRevision();
      const w1 = collect(ds, { afterRevision: rev });
      const w2 = collect(ds, { afterRevision: rev });
      try {
        await ds.create(k('IPPool', 'a'), {});
        await w1.waitFor(1);
        await w2.waitFor(1);
        await w1.close();
        await w1.close();
        await ds.create(k('IPPool', 'b'), {});
        await w2.waitFor(2);
        await sleep(100);
        assert.equal(w1.events.length, 1);
      } finally {
        await w1.close();
        await w2.close();
      }
    });

    test('watch from a compacted revision fails with CALICO_ERR_COMPACTED', async (ds) => {
      if (!canCompact(ds)) return;
      for (let i = 0; i < 5; i++) await ds.create(k('IPPool', `p${i}`), { i });
      const early = (await ds.get(k('IPPool', 'p1')))!.revision;
      const head = await ds.currentRevision();
      await ds.compact(head);
      const w = collect(ds, { afterRevision: early });
      try {
        const err = await w.waitForError();
        assert.ok(isCalicoError(err, 'CALICO_ERR_COMPACTED'), `got ${String(err)}`);
      } finally {
        await w.close();
      }
      // Data is intact and a watch from the compaction point still works.
      assert.equal((await ds.list({ kind: 'IPPool' })).items.length, 5);
      const w2 = collect(ds, { afterRevision: head });
      try {
        await ds.create(k('IPPool', 'after'), {});
        const ev = await w2.waitFor(1);
        assert.equal(summary(ev[0]!), 'put IPPool//after {}');
        assert.equal(w2.errors.length, 0);
      } finally {
        await w2.close();
      }
    });

    test('close is idempotent', async (ds) => {
      await ds.create(k('IPPool', 'a'), {});
      await ds.close();
      await ds.close();
    });
  });
}

function k(kind: string, name: string, namespace?: string): ResourceKey {
  return namespace === undefined ? { kind, name } : { kind, namespace, name };
}

async function assertCode(p: Promise<unknown>, code: CalicoErrorCode): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isCalicoError(e, code), `expected ${code}, got ${String(e)}`);
    return true;
  });
}

function summary(e: WatchEvent): string {
  const key = `${e.key.kind}/${e.key.namespace ?? ''}/${e.key.name}`;
  return e.type === 'put' ? `put ${key} ${JSON.stringify(e.value)}` : `delete ${key}`;
}

/** Revisions never go back; equal only inside one transaction. */
function assertIncreasing(events: readonly WatchEvent[]): void {
  for (let i = 1; i < events.length; i++) {
    assert.ok(events[i]!.revision >= events[i - 1]!.revision, `event ${i} revision ${events[i]!.revision} < ${events[i - 1]!.revision}`);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

interface Collector {
  readonly events: WatchEvent[];
  readonly errors: Error[];
  waitFor(n: number, timeoutMs?: number): Promise<WatchEvent[]>;
  waitForError(timeoutMs?: number): Promise<Error>;
  close(): Promise<void>;
}

/** Starts a watch that records what it gets; `waitFor` polls until enough arrived. */
export function collect(ds: Datastore, opts: WatchOptions): Collector {
  const events: WatchEvent[] = [];
  const errors: Error[] = [];
  const watch = ds.watch(opts, { onEvents: (evs) => events.push(...evs), onError: (e) => errors.push(e) });
  const until = async (done: () => boolean, what: string, timeoutMs: number): Promise<void> => {
    const end = Date.now() + timeoutMs;
    while (!done()) {
      if (errors.length && what !== 'error') throw errors[0]!;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; have ${events.length} events: ${events.map(summary).join(', ')}`);
      await sleep(5);
    }
  };
  return {
    events,
    errors,
    async waitFor(n, timeoutMs = 10_000) {
      await until(() => events.length >= n, `${n} events`, timeoutMs);
      return events.slice();
    },
    async waitForError(timeoutMs = 10_000) {
      await until(() => errors.length > 0, 'error', timeoutMs);
      return errors[0]!;
    },
    close: () => watch.close(),
  };
}
