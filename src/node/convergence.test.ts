import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryDatastore } from '../datastore/memory/memory-datastore.js';
import { isCalicoError } from '../lib/errors.js';
import { waitForConvergence } from './convergence.js';
import { readStatusReport, StatusReporter } from './status-report.js';

test('StatusReporter writes with CAS, coalesces, and skips revisions already recorded', async () => {
  const ds = new MemoryDatastore();
  const r = new StatusReporter(ds, 'node1', 'nftables');
  await r.record(5);
  assert.equal((await readStatusReport(ds, 'node1'))?.appliedRevision, 5);
  assert.equal((await readStatusReport(ds, 'node1'))?.firstUpdate, true);
  await r.record(5);
  assert.equal(r.writes, 1);
  const a = r.record(6);
  const b = r.record(7);
  const c = r.record(8);
  await Promise.all([a, b, c]);
  const rep = await readStatusReport(ds, 'node1');
  assert.equal(rep?.appliedRevision, 8);
  assert.equal(rep?.firstUpdate, false);
  assert.ok(r.writes <= 3, `coalesced: ${r.writes} writes`);
});

test('waitForConvergence resolves when every node reaches the revision, and times out naming laggards', async () => {
  const ds = new MemoryDatastore();
  const n1 = new StatusReporter(ds, 'n1', 'nftables');
  const n2 = new StatusReporter(ds, 'n2', 'nftables');
  const w = await ds.create({ kind: 'GlobalNetworkSet', name: 'x' }, {});
  await n1.record(w.revision);
  const p = waitForConvergence(ds, ['n1', 'n2'], w.revision, 2000);
  setTimeout(() => void n2.record(w.revision), 50);
  const res = await p;
  assert.deepEqual(res, { n1: w.revision, n2: w.revision });
  const w2 = await ds.create({ kind: 'GlobalNetworkSet', name: 'y' }, {});
  await n1.record(w2.revision);
  await assert.rejects(waitForConvergence(ds, ['n1', 'n2'], w2.revision, 100), (e: unknown) => isCalicoError(e) && /n2 at \d+/.test(e.message) && !/n1 at/.test(e.message));
});

test('a revision made by status reports only is reached by the last real write before it', async () => {
  const ds = new MemoryDatastore();
  const w = await ds.create({ kind: 'GlobalNetworkSet', name: 'x' }, {});
  await new StatusReporter(ds, 'n1', 'nftables').record(w.revision);
  await new StatusReporter(ds, 'n2', 'nftables').record(w.revision);
  const now = await ds.currentRevision();
  assert.ok(now > w.revision);
  assert.deepEqual(await waitForConvergence(ds, ['n1', 'n2'], now, 1000), { n1: w.revision, n2: w.revision });
  // But a real write after the reports is not skipped.
  await ds.create({ kind: 'GlobalNetworkSet', name: 'y' }, {});
  await assert.rejects(waitForConvergence(ds, ['n1', 'n2'], await ds.currentRevision(), 150));
});

test('heartbeat refreshes the time without changing the applied revision', async () => {
  const ds = new MemoryDatastore();
  const r = new StatusReporter(ds, 'n1', 'iptables');
  await r.heartbeat();
  assert.equal(await readStatusReport(ds, 'n1'), null, 'nothing before the first report');
  await r.record(4);
  const e1 = await ds.get({ kind: 'ActiveStatusReport', name: 'n1' });
  await r.heartbeat();
  const e2 = await ds.get({ kind: 'ActiveStatusReport', name: 'n1' });
  assert.ok(e2!.revision > e1!.revision);
  assert.equal((e2!.value as { appliedRevision: number }).appliedRevision, 4);
});
