import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mtuFromFile, parseCalicoNetConf } from './netconf.js';
import { CNI_ERR_INVALID_NETWORK_CONFIG, CniError, type NetConf } from './spec.js';

const base = (extra: Record<string, unknown> = {}): NetConf =>
  ({ cniVersion: '1.0.0', name: 'k8s-pod-network', type: 'calico', ipam: { type: 'calico-ipam' }, ...extra }) as NetConf;

test('defaults of the calico network config', () => {
  const c = parseCalicoNetConf(base());
  // No `mtu`: what calico-node wrote to /var/lib/calico/mtu on this host, else 0 (kernel default).
  assert.equal(c.mtu, mtuFromFile(false));
  assert.equal(c.numQueues, 1);
  assert.equal(c.policyType, '');
  assert.equal(c.allowIpForwarding, false);
  assert.equal(c.datastore, undefined);
  assert.equal(c.ipam.type, 'calico-ipam');
});

test('Calico\'s fields are read', () => {
  const c = parseCalicoNetConf(base({
    mtu: 1440, nodename: 'n1', policy: { type: 'k8s' }, container_settings: { allow_ip_forwarding: true },
    datastore_type: 'etcdv3', etcd_endpoints: 'http://127.0.0.1:2379, http://127.0.0.2:2379', kubernetes: { node_name: 'k1' },
    feature_control: { floating_ips: true }, runtimeConfig: { portMappings: [] }, someOtherPluginsField: 1,
  }));
  assert.equal(c.mtu, 1440);
  assert.equal(c.nodename, 'n1');
  assert.equal(c.policyType, 'k8s');
  assert.equal(c.allowIpForwarding, true);
  assert.equal(c.floatingIps, true);
  assert.equal(c.k8sNodeName, 'k1');
  assert.deepEqual(c.datastore, { datastoreType: 'etcdv3', etcdEndpoints: ['http://127.0.0.1:2379', 'http://127.0.0.2:2379'], etcdKeyFile: undefined, etcdCertFile: undefined, etcdCACertFile: undefined });
  assert.deepEqual(parseCalicoNetConf(base({ datastore_path: '/tmp/x.db' })).datastore, { datastoreType: 'sqlite', sqlitePath: '/tmp/x.db' });
});

test('wrong types and bad values are CNI error 7 naming the field', () => {
  const bad = (extra: Record<string, unknown>, field: string) => assert.throws(() => parseCalicoNetConf(base(extra)),
    (e: CniError) => e.code === CNI_ERR_INVALID_NETWORK_CONFIG && e.details === field, field);
  bad({ mtu: '1500' }, 'mtu');
  bad({ mtu: 70000 }, 'mtu');
  bad({ container_settings: { allow_ip_forwarding: 'yes' } }, 'container_settings.allow_ip_forwarding');
  bad({ ipam: {} }, 'ipam.type');
  bad({ name: '' }, 'name');
  bad({ datastore_type: 'kubernetes' }, 'datastore_type');
  bad({ datastore_type: 'etcdv3' }, 'etcd_endpoints');
  bad({ policy: 'k8s' }, 'policy');
});

test('the MTU file calico-node writes is used when the config has no mtu; require_mtu_file insists on it', async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const { mtuFromFile } = await import('./netconf.js');
  const d = mkdtempSync(join(tmpdir(), 'calico-mtu-'));
  try {
    writeFileSync(join(d, 'mtu'), '3000\n');
    assert.equal(mtuFromFile(false, join(d, 'mtu')), 3000);
    assert.equal(mtuFromFile(false, join(d, 'absent')), 0);
    assert.throws(() => mtuFromFile(true, join(d, 'absent')), (e: CniError) => e.code === CNI_ERR_INVALID_NETWORK_CONFIG);
    writeFileSync(join(d, 'bad'), 'x');
    assert.throws(() => mtuFromFile(false, join(d, 'bad')), (e: CniError) => e.code === CNI_ERR_INVALID_NETWORK_CONFIG);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('fields without effect here are accepted and listed; deprecated hostname names the node; ipam_lock_file and nodename_file_optional', async () => {
  const { determineNodename, checkNodenameFile } = await import('./netconf.js');
  const c = parseCalicoNetConf(base({
    kubernetes: { kubeconfig: '/etc/cni/net.d/calico-kubeconfig', k8s_api_root: 'https://10.96.0.1:443' },
    policy: { type: 'k8s', k8s_auth_token: 'x' }, log_file_max_size: 100, readiness_gates: [], hostname: 'legacy-host',
    nodename_file: '/nonexistent/nodename', ipam_lock_file: '/tmp/x.lock',
  }));
  assert.deepEqual(c.ignoredFields, ['log_file_max_size', 'readiness_gates', 'kubernetes.kubeconfig', 'kubernetes.k8s_api_root', 'policy.k8s_auth_token']);
  assert.equal(determineNodename(c), 'legacy-host');
  assert.equal(c.ipamLockFile, '/tmp/x.lock');
  assert.equal(c.nodenameFileRequired, false);
  checkNodenameFile(c);
  const strict = parseCalicoNetConf(base({ nodename_file: '/nonexistent/nodename', nodename_file_optional: false }));
  assert.throws(() => checkNodenameFile(strict), /check that the calico\/node container is running/);
  assert.deepEqual(parseCalicoNetConf(base()).ignoredFields, []);
});
