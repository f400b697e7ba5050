import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { startEtcd, type EtcdServer } from '../../dist/datastore/etcd/etcd-server.js';

const CALICOCTL = fileURLToPath(new URL('../../../bin/calicoctl', import.meta.url));

interface Run { code: number; stdout: string; stderr: string }

function calicoctl(env: NodeJS.ProcessEnv, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CALICOCTL, ...args], { env: { PATH: process.env['PATH'], ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** Output with the per-store fields (timestamps, uids, revisions) blanked, so two stores compare. */
function normalise(text: string): string {
  return text
    .replace(/creationTimestamp: .*/g, 'creationTimestamp: X')
    .replace(/uid: .*/g, 'uid: X')
    .replace(/resourceVersion: .*/g, 'resourceVersion: X')
    .replace(/"(creationTimestamp|uid|resourceVersion)": "[^"]*"/g, '"$1": "X"');
}

const RESOURCES = `apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: pool-a
spec:
  cidr: 10.20.0.0/16
  ipipMode: Never
  vxlanMode: Always
  natOutgoing: true
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: allow-web
  namespace: prod
spec:
  selector: app == 'web'
  ingress:
  - action: Allow
    protocol: TCP
    destination:
      ports: [80]
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkSet
metadata:
  name: blocked
  labels:
    role: blocked
spec:
  nets: [198.51.100.0/24]
`;

const UPDATE = `apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: pool-a
spec:
  cidr: 10.20.0.0/16
  ipipMode: Never
  vxlanMode: Always
  natOutgoing: false
`;

const BAD = `apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: pool-b
spec:
  cidr: 10.30.0.0/16
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: pool-c
spec:
  cidr: not-a-cidr
`;

/** The same calicoctl session; returns every command's (normalised) result. */
async function session(env: NodeJS.ProcessEnv, dir: string): Promise<Run[]> {
  const f = (name: string, text: string): string => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const steps: string[][] = [
    ['create', '-f', f('res.yaml', RESOURCES)],
    ['create', '-f', f('res.yaml', RESOURCES)],
    ['get', 'ippools', '-o', 'yaml'],
    ['get', 'networkpolicy', '-A', '-o', 'wide'],
    ['get', 'networkpolicy', 'allow-web', '-n', 'prod', '-o', 'json'],
    ['get', 'globalnetworksets'],
    ['apply', '-f', f('upd.yaml', UPDATE)],
    ['get', 'ippool', 'pool-a', '-o', 'yaml'],
    ['apply', '-f', f('bad.yaml', BAD)],
    ['get', 'ippools'],
    ['delete', 'globalnetworkset', 'blocked'],
    ['delete', 'globalnetworkset', 'blocked'],
    ['get', 'globalnetworkset', 'blocked'],
  ];
  const out: Run[] = [];
  for (const s of steps) {
    const r = await calicoctl(env, ...s);
    out.push({ code: r.code, stdout: normalise(r.stdout), stderr: normalise(r.stderr) });
  }
  return out;
}

describe('calicoctl on etcd behaves exactly as on sqlite', () => {
  let server: EtcdServer;
  let dir: string;
  before(async () => {
    server = await startEtcd();
    dir = mkdtempSync(join(tmpdir(), 'calico-ctl-etcd-'));
  });
  after(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('create / apply / get / delete give the same output and exit codes', { timeout: 120_000 }, async () => {
    const onSqlite = await session({ DATASTORE_TYPE: 'sqlite', CALICO_DATASTORE_PATH: join(dir, 'calico.db') }, dir);
    const onEtcd = await session({ DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: server.endpoints.join(',') }, dir);
    // Sanity: the session did real work (and failed where it should) on sqlite.
    assert.equal(onSqlite[0]!.code, 0, onSqlite[0]!.stderr);
    assert.notEqual(onSqlite[1]!.code, 0, 'second create of the same resources fails');
    assert.match(onSqlite[2]!.stdout, /cidr: 10\.20\.0\.0\/16/);
    assert.notEqual(onSqlite[8]!.code, 0, 'an invalid document fails the apply');
    assert.doesNotMatch(onSqlite[9]!.stdout, /pool-b/, 'nothing of a failed apply is written');
    assert.notEqual(onSqlite[11]!.code, 0, 'deleting a missing resource fails');
    for (let i = 0; i < onSqlite.length; i++) {
      assert.deepEqual(onEtcd[i], onSqlite[i], `step ${i}`);
    }
  });

  it('stores resources under Calico\'s etcd keys', async () => {
    const keys = await new Promise<string>((resolve, reject) => {
      execFile('etcdctl', ['--endpoints', server.endpoints.join(','), 'get', '--prefix', '/calico/resources/v3/projectcalico.org/', '--keys-only'],
        { env: { PATH: process.env['PATH'], ETCDCTL_API: '3' } }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
    });
    const list = keys.split('\n').filter((l) => l.trim() !== '');
    assert.ok(list.includes('/calico/resources/v3/projectcalico.org/ippools/pool-a'), list.join('\n'));
    assert.ok(list.some((k) => k.startsWith('/calico/resources/v3/projectcalico.org/networkpolicies/prod/')), list.join('\n'));
  });
});
