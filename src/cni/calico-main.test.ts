import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
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

/** bin/<plugin> in a scratch tree whose "bundle" and "modules" only say which one ran. */
function scratchPlugin(plugin: 'calico' | 'calico-ipam'): { dir: string; run: () => Promise<string> } {
  const dir = mkdtempSync(join(tmpdir(), `${plugin}-bin-`));
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'dist', 'cni'), { recursive: true });
  copyFileSync(fileURLToPath(new URL(`../../bin/${plugin}`, import.meta.url)), join(dir, 'bin', plugin));
  copyFileSync(fileURLToPath(new URL('./bundle-loader.js', import.meta.url)), join(dir, 'dist', 'cni', 'bundle-loader.js'));
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  writeFileSync(join(dir, 'dist', 'cni', `${plugin}.bundle.cjs`), "process.stdout.write('bundle');\n");
  writeFileSync(join(dir, 'dist', 'cni', `${plugin}.bundle.json`), JSON.stringify({ inputs: ['dist/cni/a.js', 'dist/cni/b.js'] }));
  const modules = "process.stdout.write('modules');\nexport async function main() { process.stdout.write('modules'); }\n";
  writeFileSync(join(dir, 'dist', 'cni', 'calico-main.js'), modules);
  writeFileSync(join(dir, 'dist', 'cni', 'calico-ipam-plugin.js'), "export async function main() { process.stdout.write('modules'); }\n");
  for (const f of ['a.js', 'b.js']) writeFileSync(join(dir, 'dist', 'cni', f), '');
  const t = Date.now() / 1000;
  for (const f of ['a.js', 'b.js']) utimesSync(join(dir, 'dist', 'cni', f), t - 100, t - 100);
  utimesSync(join(dir, 'dist', 'cni', `${plugin}.bundle.cjs`), t - 50, t - 50);
  return { dir, run: async () => (await exec(process.execPath, [join(dir, 'bin', plugin)])).stdout };
}

for (const plugin of ['calico', 'calico-ipam'] as const) {
  test(`bin/${plugin} runs its bundle only while it is newer than every module it was built from`, async () => {
    const { dir, run } = scratchPlugin(plugin);
    try {
      assert.equal(await run(), 'bundle');
      // The first run left a V8 code cache; the next one runs with it.
      const cache = join(dir, 'dist', 'cni', `${plugin}.bundle.cache`);
      assert.ok(statSync(cache).size > 0);
      const cacheTime = statSync(cache).mtimeMs;
      assert.equal(await run(), 'bundle');
      assert.equal(statSync(cache).mtimeMs, cacheTime, 'an accepted cache is not rewritten');
      const t = Date.now() / 1000;
      utimesSync(join(dir, 'dist', 'cni', 'b.js'), t, t); // rebuilt by tsc after the bundle
      assert.equal(await run(), 'modules');
      utimesSync(join(dir, 'dist', 'cni', `${plugin}.bundle.cjs`), t + 1, t + 1); // bundled again
      assert.equal(await run(), 'bundle');
      rmSync(join(dir, 'dist', 'cni', 'a.js')); // an input is gone
      assert.equal(await run(), 'modules');
      rmSync(join(dir, 'dist', 'cni', `${plugin}.bundle.json`));
      assert.equal(await run(), 'modules');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('the built bundle answers as the modules do (VERSION, -v)', async (t) => {
  const bundle = fileURLToPath(new URL('./calico.bundle.cjs', import.meta.url));
  if (!existsSync(bundle)) {
    t.skip('no dist/cni/calico.bundle.cjs (scripts/bundle-cni.mjs not run)');
    return;
  }
  for (const args of [['-v'], []]) {
    const opts = { input: '{"cniVersion":"0.4.0"}', env: { ...process.env, CNI_COMMAND: 'VERSION' } };
    const fromBundle = await exec(process.execPath, [bundle, ...args], opts);
    const fromModules = await exec(process.execPath, [main, ...args], opts);
    assert.equal(fromBundle.code, 0, fromBundle.stderr);
    assert.deepEqual(fromBundle, fromModules);
  }
});
