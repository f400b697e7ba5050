import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteDatastore } from '../datastore/sqlite/sqlite-datastore.js';
import { enabledControllers } from './main.js';

test('ENABLED_CONTROLLERS uses upstream names', () => {
  assert.deepEqual(enabledControllers('namespace, workloadendpoint,node,policy'), ['namespace', 'pod', 'ipam', 'hostendpoint']);
  assert.equal(enabledControllers(''), undefined);
  assert.throws(() => enabledControllers('nonsense'), /unknown controller/);
});

test('as its own process on SQLite: a Namespace written by another process gets its profile; SIGTERM stops it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'calico-controllers-'));
  const db = join(dir, 'calico.db');
  const ds = SqliteDatastore.open(db);
  const child = spawn(process.execPath, [fileURLToPath(new URL('./main.js', import.meta.url))], {
    env: { ...process.env, DATASTORE_TYPE: 'sqlite', CALICO_DATASTORE_PATH: db, ENABLED_CONTROLLERS: 'namespace' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  try {
    for (let i = 0; i < 100 && !stderr.includes('started'); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(stderr, /started/);
    await ds.create({ kind: 'Namespace', name: 'team-a' }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a', labels: { x: 'y' } } });
    let profile = null;
    for (let i = 0; i < 100 && !profile; i++) {
      profile = await ds.get({ kind: 'Profile', name: 'kns.team-a' });
      if (!profile) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(profile, `profile written by the controller process (stderr: ${stderr})`);
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await ds.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
