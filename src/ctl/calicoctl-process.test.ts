import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import { TempDir } from './ctl-test-support.js';

/** bin/calicoctl as a real process on a temporary SQLite datastore (CALICO_DATASTORE_PATH). */
const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'calicoctl');
const tmp = new TempDir();
after(() => tmp.remove());

function calicoctl(args: readonly string[], env: NodeJS.ProcessEnv, stdin = ''): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(BIN, args, { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, out, err }));
    p.stdin.end(stdin);
  });
}

const POLICY = `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: allow-dns
spec:
  selector: all()
  types: [Egress]
  egress:
  - action: Allow
    protocol: UDP
    destination:
      ports: [53]
`;

describe('bin/calicoctl as a process', () => {
  const env = { CALICO_DATASTORE_PATH: join(tmp.path, 'calico.db') };

  it('applies from stdin, reads back, and deletes, with calicoctl exit codes', async () => {
    const applied = await calicoctl(['apply', '-f', '-'], env, POLICY);
    assert.deepEqual(applied, { code: 0, out: "Successfully applied 1 'GlobalNetworkPolicy' resource(s)\n", err: '' });
    const got = await calicoctl(['get', 'globalnetworkpolicy', 'allow-dns', '-o', 'yaml'], env);
    assert.equal(got.code, 0, got.err);
    const r = parse(got.out) as { spec: { egress: { destination: { ports: number[] } }[] } };
    assert.deepEqual(r.spec.egress[0]!.destination.ports, [53]);
    const missing = await calicoctl(['get', 'globalnetworkpolicy', 'nope'], env);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /resource does not exist: GlobalNetworkPolicy\(nope\)/);
    assert.equal((await calicoctl(['delete', 'globalnetworkpolicy', 'allow-dns'], env)).code, 0);
    assert.equal((await calicoctl(['get', 'globalnetworkpolicy', 'allow-dns'], env)).code, 1);
  });

  it('exits 1 and writes nothing for an invalid document', async () => {
    const bad = `${POLICY}---\n${POLICY.replace('allow-dns', 'bad').replace('[53]', '[70000]')}`;
    const r = await calicoctl(['create', '-f', '-'], env, bad);
    assert.equal(r.code, 1);
    assert.equal(r.out, '');
    assert.match(r.err, /stdin document 2 \(GlobalNetworkPolicy bad\).*spec\.egress\[0\]\.destination\.ports\[0\]/);
    assert.equal((await calicoctl(['get', 'globalnetworkpolicy', 'allow-dns'], env)).code, 1);
  });

  it('uses the CalicoAPIConfig file given with -c/--config', async () => {
    const db = join(tmp.path, 'from-config.db');
    const cfg = tmp.write('calicoctl.cfg', `apiVersion: projectcalico.org/v3\nkind: CalicoAPIConfig\nmetadata: {}\nspec:\n  datastoreType: sqlite\n  sqlitePath: ${db}\n`);
    assert.equal((await calicoctl(['apply', '-f', '-', '-c', cfg], {}, POLICY)).code, 0);
    assert.equal((await calicoctl(['get', 'gnp', 'allow-dns', `--config=${cfg}`], {})).code, 0);
    // The environment's store does not have it.
    assert.equal((await calicoctl(['get', 'gnp', 'allow-dns'], { CALICO_DATASTORE_PATH: join(tmp.path, 'other.db') })).code, 1);
  });

  it('reports a bad datastore configuration as a failure', async () => {
    const r = await calicoctl(['get', 'gnp'], { ...env, DATASTORE_TYPE: 'bogus' });
    assert.equal(r.code, 1);
    assert.match(r.err, /Failed to create Calico API client/);
    const cfg = await calicoctl(['get', 'gnp', '-c', join(tmp.path, 'no-such.cfg')], env);
    assert.equal(cfg.code, 1);
  });

  it('concurrent label processes never lose an update: each reported success is in the store', async () => {
    assert.equal((await calicoctl(['apply', '-f', '-'], env, POLICY)).code, 0);
    const keys = Array.from({ length: 6 }, (_, i) => `k${i}`);
    const runs = await Promise.all(keys.map((k) => calicoctl(['label', 'globalnetworkpolicy', 'allow-dns', `${k}=v`], env)));
    const got = parse((await calicoctl(['get', 'globalnetworkpolicy', 'allow-dns', '-o', 'yaml'], env)).out) as { metadata: { labels: Record<string, string> } };
    let succeeded = 0;
    runs.forEach((r, i) => {
      if (r.code === 0) {
        succeeded++;
        assert.equal(got.metadata.labels[keys[i]!], 'v', `label ${keys[i]} was reported set but is missing`);
      } else {
        // The only acceptable failure is losing the compare-and-swap race, reported as such.
        assert.match(r.err, /label not changed: update conflict/);
        assert.equal(got.metadata.labels[keys[i]!], undefined);
      }
    });
    assert.ok(succeeded >= 1);
  });

  it('starts quickly for version --client (no datastore, no heavy modules)', async () => {
    const t0 = Date.now();
    const r = await calicoctl(['version', '--client'], env);
    assert.equal(r.code, 0);
    assert.match(r.out, /^Client Version:/);
    assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
  });
});
