import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isCalicoError } from '../lib/errors.js';
import { DEFAULT_SQLITE_PATH, loadDatastoreConfig, openDatastoreFromEnv, parseCalicoAPIConfig } from './config.js';

const dir = mkdtempSync(join(tmpdir(), 'calico-config-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const configError = (field: string) => (e: unknown): boolean => {
  assert.ok(isCalicoError(e, 'CALICO_ERR_DATASTORE_CONFIG'), String(e));
  assert.match((e as Error).message, new RegExp(field));
  return true;
};

describe('loadDatastoreConfig', () => {
  it('reads a CalicoAPIConfig file for etcdv3 with several endpoints and TLS files', () => {
    const ca = file('ca.pem', 'x');
    const cert = file('cert.pem', 'x');
    const key = file('key.pem', 'x');
    const p = file('etcd.cfg', `apiVersion: projectcalico.org/v3
kind: CalicoAPIConfig
metadata:
spec:
  datastoreType: "etcdv3"
  etcdEndpoints: "https://127.0.0.1:2379, https://10.0.0.2:2379"
  etcdKeyFile: ${key}
  etcdCertFile: ${cert}
  etcdCACertFile: ${ca}
`);
    assert.deepEqual(loadDatastoreConfig({ configFile: p, env: { DATASTORE_TYPE: 'sqlite' } }), {
      datastoreType: 'etcdv3', etcdEndpoints: ['https://127.0.0.1:2379', 'https://10.0.0.2:2379'],
      etcdKeyFile: key, etcdCertFile: cert, etcdCACertFile: ca,
    });
  });

  it('reads sqlite settings from a JSON config file', () => {
    const p = file('sqlite.json', JSON.stringify({ apiVersion: 'projectcalico.org/v3', kind: 'CalicoAPIConfig', spec: { datastoreType: 'sqlite', sqlitePath: '/tmp/x.db' } }));
    assert.deepEqual(loadDatastoreConfig({ configFile: p }), { datastoreType: 'sqlite', sqlitePath: '/tmp/x.db' });
  });

  it('detects etcdv3 from endpoints when datastoreType is absent, as upstream', () => {
    assert.equal(parseCalicoAPIConfig('apiVersion: projectcalico.org/v3\nkind: CalicoAPIConfig\nspec:\n  etcdEndpoints: http://127.0.0.1:2379\n').datastoreType, 'etcdv3');
  });

  it('rejects bad files naming the field', () => {
    const head = 'apiVersion: projectcalico.org/v3\nkind: CalicoAPIConfig\n';
    assert.throws(() => parseCalicoAPIConfig('apiVersion: v1\nkind: CalicoAPIConfig\n'), configError('apiVersion'));
    assert.throws(() => parseCalicoAPIConfig('apiVersion: projectcalico.org/v3\nkind: IPPool\n'), configError('kind'));
    assert.throws(() => parseCalicoAPIConfig(`${head}spec:\n  datastoreType: kubernetes\n`), configError('spec.datastoreType.*not supported'));
    assert.throws(() => parseCalicoAPIConfig(`${head}spec:\n  datastoreType: mongo\n`), configError('spec.datastoreType'));
    assert.throws(() => parseCalicoAPIConfig(`${head}spec:\n  datastoreType: etcdv3\n`), configError('spec.etcdEndpoints'));
    assert.throws(() => parseCalicoAPIConfig(`${head}spec:\n  etcdEndpoints: 127.0.0.1:2379\n`), configError('spec.etcdEndpoints'));
    assert.throws(() => parseCalicoAPIConfig(`${head}spec:\n  etcdEndpoints: http://a:1\n  etcdCACertFile: /nonexistent/ca.pem\n`), configError('spec.etcdCACertFile'));
    assert.throws(() => parseCalicoAPIConfig(`${head}spec:\n  etcdEndpoints: http://a:1\n  etcdKey: k\n`), configError('spec.etcdCertFile'));
    assert.throws(() => parseCalicoAPIConfig(`${head}spec:\n  datastoreTyp: sqlite\n`), configError('spec.datastoreTyp'));
    assert.throws(() => parseCalicoAPIConfig(`${head}spec: [\n`), configError('syntax error'));
    assert.throws(() => loadDatastoreConfig({ configFile: join(dir, 'missing.cfg') }), configError('does not exist'));
  });

  it('reads the environment like calicoctl, sqlite by default', () => {
    assert.deepEqual(loadDatastoreConfig({ defaultConfigFile: null, env: {} }), { datastoreType: 'sqlite', sqlitePath: DEFAULT_SQLITE_PATH });
    assert.deepEqual(loadDatastoreConfig({ defaultConfigFile: null, env: { CALICO_DATASTORE_PATH: '/tmp/a.db' } }), { datastoreType: 'sqlite', sqlitePath: '/tmp/a.db' });
    assert.deepEqual(loadDatastoreConfig({ defaultConfigFile: null, env: { DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: 'http://127.0.0.1:2379,http://127.0.0.1:22379' } }),
      { datastoreType: 'etcdv3', etcdEndpoints: ['http://127.0.0.1:2379', 'http://127.0.0.1:22379'] });
    assert.equal(loadDatastoreConfig({ defaultConfigFile: null, env: { DATASTORE_TYPE: 'EtcdV3', ETCD_ENDPOINTS: 'http://h:1' } }).datastoreType, 'etcdv3');
    assert.equal(loadDatastoreConfig({ defaultConfigFile: null, env: { CALICO_DATASTORE_TYPE: 'sqlite', DATASTORE_TYPE: 'etcdv3' } }).datastoreType, 'sqlite');
    assert.throws(() => loadDatastoreConfig({ defaultConfigFile: null, env: { DATASTORE_TYPE: 'kubernetes' } }), configError('DATASTORE_TYPE.*kubernetes.*not supported'));
    assert.throws(() => loadDatastoreConfig({ defaultConfigFile: null, env: { DATASTORE_TYPE: 'etcdv3' } }), configError('ETCD_ENDPOINTS'));
    assert.throws(() => loadDatastoreConfig({ defaultConfigFile: null, env: { ETCD_ENDPOINTS: 'http://h:1', ETCD_CA_CERT_FILE: '/nonexistent' } }), configError('ETCD_CA_CERT_FILE'));
  });

  it('openDatastoreFromEnv opens the sqlite file the environment names', async () => {
    const ds = await openDatastoreFromEnv({ defaultConfigFile: null, env: { DATASTORE_TYPE: 'sqlite', CALICO_DATASTORE_PATH: join(dir, 'sub', 'env.db') } });
    try {
      assert.equal(ds.type, 'sqlite');
      await ds.create({ kind: 'IPPool', name: 'p' }, {});
      assert.equal((await ds.list({ kind: 'IPPool' })).items.length, 1);
    } finally {
      await ds.close();
    }
  });
});
