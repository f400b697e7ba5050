import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { collect } from '../conformance.js';
import { SqliteDatastore } from './sqlite-datastore.js';

const WRITER = fileURLToPath(new URL('./cas-writer.fixture.js', import.meta.url));

interface Writer {
  ready: Promise<void>;
  done: Promise<number>;
  go(): void;
}

/** Starts one writer process; `done` resolves with its conflict count. */
function startWriter(path: string, count: number): Writer {
  const child = fork(WRITER, [path, String(count)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  let onReady!: () => void;
  const ready = new Promise<void>((r) => { onReady = r; });
  const done = new Promise<number>((resolve, reject) => {
    let conflicts = -1;
    child.on('message', (m: { ready?: boolean; conflicts?: number }) => {
      if (m.ready) onReady();
      if (m.conflicts !== undefined) conflicts = m.conflicts;
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 && conflicts >= 0 ? resolve(conflicts) : reject(new Error(`writer exited ${code}: ${stderr}`))));
  });
  return { ready, done, go: () => child.send('go') };
}

describe('SqliteDatastore with several processes', () => {
  it('concurrent read-modify-write with CAS from many processes loses no update', { timeout: 120_000 }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'calico-sqlite-mp-'));
    const path = join(dir, 'calico.db');
    const ds = SqliteDatastore.open(path);
    const key = { kind: 'ClusterInformation', name: 'counter' };
    try {
      const created = await ds.create(key, { n: 0 });
      const watch = collect(ds, { kind: 'ClusterInformation', afterRevision: created.revision });
      const processes = 6;
      const each = 40;
      const writers = Array.from({ length: processes }, () => startWriter(path, each));
      await Promise.all(writers.map((w) => w.ready));
      for (const w of writers) w.go();
      const conflicts = await Promise.all(writers.map((w) => w.done));
      const total = processes * each;
      assert.deepEqual((await ds.get(key))?.value, { n: total });
      // The watcher saw every increment exactly once, in order: values 1..total.
      const events = await watch.waitFor(total, 30_000);
      await watch.close();
      assert.deepEqual(events.map((e) => (e.type === 'put' ? (e.value as { n: number }).n : -1)), Array.from({ length: total }, (_, i) => i + 1));
      t.diagnostic(`${processes} processes x ${each} increments, ${conflicts.reduce((a, b) => a + b, 0)} CAS conflicts retried`);
    } finally {
      await ds.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
