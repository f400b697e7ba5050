import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDatastoreFromEnv } from '../../dist/datastore/config.js';
import { EtcdDatastore } from '../../dist/datastore/etcd/etcd-datastore.js';
import { startEtcd, type EtcdServer } from '../../dist/datastore/etcd/etcd-server.js';
import { isCalicoError } from '../../dist/lib/errors.js';

const openssl = (dir: string, ...args: string[]): void => {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
};

/** A self-signed CA and a certificate it signs for `cn` (with SAN 127.0.0.1), made with openssl. */
function makeCa(dir: string, name: string): void {
  openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}-ca`,
    '-keyout', `${name}-ca.key`, '-out', `${name}-ca.pem`);
}

function makeCert(dir: string, ca: string, name: string, ext: string): void {
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
  openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}-ca.pem`, '-CAkey', `${ca}-ca.key`, '-CAcreateserial',
    '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.pem`);
}

describe('etcd over TLS', () => {
  let dir: string;
  let server: EtcdServer;
  const f = (name: string): string => join(dir, name);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'calico-etcd-tls-'));
    makeCa(dir, 'good');
    makeCa(dir, 'wrong');
    makeCert(dir, 'good', 'server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
    makeCert(dir, 'good', 'client', 'extendedKeyUsage=clientAuth\n');
    server = await startEtcd({
      tls: {
        certFile: f('server.pem'), keyFile: f('server.key'), caFile: f('good-ca.pem'),
        clientCertAuth: true, clientCertFile: f('client.pem'), clientKeyFile: f('client.key'),
      },
    });
  });
  after(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('connects with the right CA and a client certificate', async () => {
    assert.match(server.endpoints[0]!, /^https:\/\/127\.0\.0\.1:\d+$/);
    const ds = await EtcdDatastore.open({
      etcdEndpoints: server.endpoints, etcdCACertFile: f('good-ca.pem'), etcdCertFile: f('client.pem'), etcdKeyFile: f('client.key'),
    });
    try {
      const e = await ds.create({ kind: 'IPPool', name: 'tls' }, { ok: true });
      assert.deepEqual((await ds.get({ kind: 'IPPool', name: 'tls' }))?.value, { ok: true });
      assert.equal(e.revision, await ds.currentRevision());
    } finally {
      await ds.close();
    }
  });

  it('connects through a CalicoAPIConfig file with etcdCACertFile / etcdCertFile / etcdKeyFile', async () => {
    const cfg = f('calicoctl.cfg');
    writeFileSync(cfg, `apiVersion: projectcalico.org/v3
kind: CalicoAPIConfig
metadata:
spec:
  datastoreType: etcdv3
  etcdEndpoints: ${server.endpoints.join(',')}
  etcdCACertFile: ${f('good-ca.pem')}
  etcdCertFile: ${f('client.pem')}
  etcdKeyFile: ${f('client.key')}
`);
    const ds = await openDatastoreFromEnv({ configFile: cfg });
    try {
      assert.equal(ds.type, 'etcdv3');
      await ds.currentRevision();
    } finally {
      await ds.close();
    }
  });

  it('a wrong CA fails promptly with a clear CALICO_ERR_DATASTORE naming TLS', async (t) => {
    const t0 = Date.now();
    await assert.rejects(EtcdDatastore.open({
      etcdEndpoints: server.endpoints, etcdCACertFile: f('wrong-ca.pem'), etcdCertFile: f('client.pem'), etcdKeyFile: f('client.key'),
    }, { dialTimeoutMs: 2000, callTimeoutMs: 4000 }), (e: unknown) => {
      assert.ok(isCalicoError(e, 'CALICO_ERR_DATASTORE'), String(e));
      t.diagnostic((e as Error).message);
      assert.match((e as Error).message, /TLS/);
      assert.ok((e as Error).message.includes(server.endpoints[0]!), (e as Error).message);
      return true;
    });
    assert.ok(Date.now() - t0 < 15_000, `took ${Date.now() - t0} ms`);
  });

  it('a missing client certificate is refused by the server with a clear error', async () => {
    await assert.rejects(EtcdDatastore.open({ etcdEndpoints: server.endpoints, etcdCACertFile: f('good-ca.pem') }, { dialTimeoutMs: 2000, callTimeoutMs: 4000 }),
      (e: unknown) => isCalicoError(e, 'CALICO_ERR_DATASTORE'));
  });
});
