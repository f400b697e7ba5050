import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exec } from '../lib/exec.js';
import { SqliteDatastore } from '../datastore/sqlite/sqlite-datastore.js';

const main = fileURLToPath(new URL('./calico-main.js', import.meta.url));

test('calico -v prints the version; -t probes the datastore like upstream (error JSON code 100)', async () => {
  const v = await exec(process.execPath, [main, '-v']);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^calico-ts CNI plugin \d+\.\d+\.\d+/);

  const dir = mkdtempSync(join(tmpdir(), 'calico-main-'));
  try {
    const db = join(dir, 'calico.db');
    const conf = JSON.stringify({ name: 'n', type: 'calico', ipam: { type: 'calico-ipam' }, datastore_path: db });
    assert.equal((await exec(process.execPath, [main, '-t'], { input: conf })).code, 0);
    const ds = SqliteDatastore.open(db);
    await ds.create({ kind: 'ClusterInformation', name: 'default' }, { apiVersion: 'projectcalico.org/v3', kind: 'ClusterInformation', metadata: { name: 'default' }, spec: { datastoreReady: false } });
    await ds.close();
    const notReady = await exec(process.execPath, [main, '-t'], { input: conf });
    assert.equal(notReady.code, 1);
    assert.equal((JSON.parse(notReady.stdout) as { code: number }).code, 100);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('VERSION works with a bare environment (no PATH)', async () => {
  const r = await exec('/usr/bin/env', ['-i', 'CNI_COMMAND=VERSION', process.execPath, main], { input: '{"cniVersion":"1.0.0"}' });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { cniVersion: '1.0.0', supportedVersions: ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] });
});
