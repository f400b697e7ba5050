import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { startEtcd, type EtcdServer } from '../../dist/datastore/etcd/etcd-server.js';

/**
 * calicoctl against a real etcd 3.4 (DATASTORE_TYPE=etcdv3, ETCD_ENDPOINTS)
 * behaves exactly as against SQLite: the same commands give the same exit
 * codes and output, up to uid, timestamps and revisions.
 */
const BIN = join(process.cwd(), 'bin', 'calicoctl');

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

const MANIFEST = `apiVersion: projectcalico.org/v3
kind: GlobalNetworkSet
metadata:
  name: blocked
  labels: {role: blocked}
spec:
  nets: [198.51.100.0/28]
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: allow-web
  namespace: shop
spec:
  selector: app == 'web'
  ingress:
  - action: Allow
    protocol: TCP
    destination: {ports: [80, 443]}
`;

/** Drops what differs between two stores (uid, timestamps, revisions). */
function normalise(text: string): string {
  return text
    .replace(/uid: \S+/g, 'uid: X')
    .replace(/creationTimestamp: \S+/g, 'creationTimestamp: X')
    .replace(/resourceVersion: "\d+"/g, 'resourceVersion: "X"');
}

/** Command, stdin, and the exit code calicoctl gives. */
const SCRIPT: [string[], string | undefined, number][] = [
  [['create', '-f', '-'], MANIFEST, 0],
  [['create', '-f', '-'], MANIFEST, 1],
  [['create', '-f', '-', '--skip-exists'], MANIFEST, 0],
  [['apply', '-f', '-'], MANIFEST.replace('[80, 443]', '[8080]'), 0],
  [['get', 'globalnetworkset', 'blocked', '-o', 'yaml'], undefined, 0],
  [['get', 'networkpolicy', '-n', 'shop', '-o', 'yaml'], undefined, 0],
  [['get', 'networkpolicy', '-A', '-o', 'wide'], undefined, 0],
  [['get', 'networkpolicy', 'allow-web'], undefined, 1],
  [['label', 'globalnetworkset', 'blocked', 'tier=edge'], undefined, 0],
  [['patch', 'globalnetworkset', 'blocked', '-p', '{"spec":{"nets":["203.0.113.0/24"]}}'], undefined, 0],
  [['get', 'globalnetworksets', '-o', 'yaml'], undefined, 0],
  [['delete', 'networkpolicy', 'allow-web', '-n', 'shop'], undefined, 0],
  [['delete', 'networkpolicy', 'allow-web', '-n', 'shop'], undefined, 1],
  [['delete', '-f', '-', '--skip-not-exists'], MANIFEST, 0],
  [['get', 'globalnetworksets', '-o', 'yaml'], undefined, 0],
];

describe('calicoctl on etcd v3 and on SQLite', () => {
  let server: EtcdServer;
  const dir = mkdtempSync(join(tmpdir(), 'calicoctl-etcd-'));
  before(async () => { server = await startEtcd(); });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives the same results for create/apply/get/label/patch/delete', async () => {
    const etcdEnv = { DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: server.endpoints.join(',') };
    const sqliteEnv = { CALICO_DATASTORE_PATH: join(dir, 'calico.db') };
    for (const [args, stdin, code] of SCRIPT) {
      const onEtcd = await calicoctl(args, etcdEnv, stdin);
      const onSqlite = await calicoctl(args, sqliteEnv, stdin);
      const what = `calicoctl ${args.join(' ')}`;
      assert.equal(onEtcd.code, code, `${what} on etcd: ${onEtcd.err}`);
      assert.equal(onSqlite.code, code, `${what} on sqlite: ${onSqlite.err}`);
      assert.equal(onEtcd.err, onSqlite.err, what);
      // Revisions differ between stores (etcd counts its own); compare everything else.
      const strip = (t: string) => normalise(t).replace(/resourceVersion: "?\d*"?/g, 'resourceVersion: X');
      assert.equal(strip(onEtcd.out), strip(onSqlite.out), what);
    }
    const final = parse((await calicoctl(['get', 'globalnetworksets', '-o', 'yaml'], etcdEnv)).out) as { items: unknown[] };
    assert.deepEqual(final.items, []);
  });
});
