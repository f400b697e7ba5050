import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryDatastore } from '../datastore/memory/memory-datastore.js';
import { startControllers } from './index.js';
import { autoHostEndpointName, desiredHostEndpoints, expectedIpsOf } from './auto-host-endpoint-controller.js';
import { effectiveConfig } from './kube-controllers-config.js';
import { validateResource } from '../api/index.js';
import { eventually } from './test-util.js';


type Kcc = { spec: Record<string, unknown>; status?: { runningConfig?: Record<string, unknown>; environmentVars?: Record<string, string> } };
type Hep = { metadata: { name: string; labels: Record<string, string> }; spec: { node: string; expectedIPs: string[]; profiles: string[]; interfaceName?: string } };
const KEY = { kind: 'KubeControllersConfiguration', name: 'default' };

async function patchKcc(ds: MemoryDatastore, f: (spec: Record<string, any>) => void): Promise<void> {
  const cur = (await ds.get<Kcc>(KEY))!;
  const spec = structuredClone(cur.value.spec) as Record<string, any>;
  f(spec);
  await ds.update(KEY, { ...cur.value, spec }, cur.revision);
}

const node = (name: string, labels: Record<string, string>, spec: Record<string, unknown>) =>
  ({ apiVersion: 'projectcalico.org/v3', kind: 'Node', metadata: { name, labels }, spec });

test('effectiveConfig: sections enable controllers; durations; overrides win', () => {
  const e = effectiveConfig({ controllers: { namespace: { reconcilerPeriod: '1m30s' }, node: { leakGracePeriod: '2m', hostEndpoint: { autoCreate: 'Enabled' } } } });
  assert.deepEqual(e.controllers, ['namespace', 'ipam', 'hostendpoint']);
  assert.equal(e.namespaceReconcileMs, 90_000);
  assert.equal(e.nodeReconcileMs, 300_000);
  assert.equal(e.leakGracePeriodMs, 120_000);
  assert.equal(e.hostEndpoint.autoCreate, true);
  assert.equal(e.hostEndpoint.createDefaultHostEndpoint, true);
  const o = effectiveConfig({ controllers: {} }, { controllers: ['pod'], resyncIntervalMs: 0, autoHostEndpoints: false });
  assert.deepEqual(o.controllers, ['pod']);
  assert.equal(o.workloadEndpointReconcileMs, 0);
  assert.equal(o.hostEndpoint.autoCreate, false);
  assert.deepEqual(effectiveConfig(null).controllers, ['namespace', 'serviceaccount', 'pod', 'ipam', 'hostendpoint']);
});

test('auto host endpoints: node IPs, labels, templates, long names', () => {
  const n = node('n1', { zone: 'a' }, {
    bgp: { ipv4Address: '10.0.0.1/24', ipv6Address: 'fd00::1/64', ipv4IPIPTunnelAddr: '192.168.9.1' },
    ipv4VXLANTunnelAddr: '192.168.8.1', addresses: [{ address: '10.0.0.1', type: 'InternalIP' }, { address: '1.2.3.4', type: 'ExternalIP' }],
    interfaces: [{ name: 'eth1', addresses: ['172.16.0.5'] }, { name: 'lo', addresses: ['127.0.0.1'] }],
  });
  assert.deepEqual(expectedIpsOf(n), ['10.0.0.1', 'fd00::1', '192.168.9.1', '192.168.8.1', '172.16.0.5', '127.0.0.1']);
  const all = () => true;
  const heps = desiredHostEndpoints(n, {
    autoCreate: true, createDefaultHostEndpoint: true,
    templates: [
      { generateName: 'internal', interfaceCIDRs: ['10.0.0.0/8'], interfacePattern: '', labels: { kind: 'internal' }, nodeSelector: 'all()' },
      { generateName: 'eths', interfaceCIDRs: [], interfacePattern: '^eth', labels: {}, nodeSelector: 'all()' },
      { generateName: 'none', interfaceCIDRs: ['99.0.0.0/8'], interfacePattern: '', labels: {}, nodeSelector: 'all()' },
    ],
  }, all);
  assert.deepEqual(heps.map((h) => [h.metadata.name, h.spec.interfaceName, h.spec.expectedIPs]), [
    ['n1-auto-hep', '*', ['10.0.0.1', 'fd00::1', '192.168.9.1', '192.168.8.1', '172.16.0.5', '127.0.0.1']],
    ['n1-internal-auto-hep', undefined, ['10.0.0.1']],
    ['n1-eths-eth1-auto-hep', 'eth1', ['172.16.0.5']],
  ]);
  assert.deepEqual(heps[0]!.metadata.labels, { zone: 'a', 'projectcalico.org/created-by': 'calico-kube-controllers' });
  assert.equal(heps[1]!.metadata.labels['kind'], 'internal');
  assert.deepEqual(heps[0]!.spec.profiles, ['projectcalico-default-allow']);
  const long = autoHostEndpointName('x'.repeat(260));
  assert.ok(long.length <= 253 && long.endsWith('-auto-hep') && long === long.toLowerCase());
});

test('KubeControllersConfiguration default: created when missing, followed live, status.runningConfig written', async () => {
  const ds = new MemoryDatastore();
  await ds.create({ kind: 'Node', name: 'n1' }, node('n1', { role: 'worker' }, { bgp: { ipv4Address: '10.0.0.1/24' } }));
  await ds.create({ kind: 'HostEndpoint', name: 'mine' }, { apiVersion: 'projectcalico.org/v3', kind: 'HostEndpoint', metadata: { name: 'mine', labels: {} }, spec: { node: 'n1', interfaceName: 'eth0' } });
  const c = await startControllers(ds, { onError: (e) => { throw e; }, environmentVars: { LEAK_GRACE_PERIOD: '60' }, leakGracePeriodMs: 60_000 });
  try {
    await c.idle();
    const kcc = (await ds.get<Kcc>(KEY))!.value;
    assert.equal((kcc.spec['controllers'] as Record<string, any>)['node'].reconcilerPeriod, '5m0s');
    assert.equal((kcc.status?.runningConfig?.['controllers'] as Record<string, any>)['node'].leakGracePeriod, '1m0s');
    assert.deepEqual(kcc.status?.environmentVars, { LEAK_GRACE_PERIOD: '60' });
    assert.equal(c.config().leakGracePeriodMs, 60_000);
    // What we write (spec and status) is a valid resource for calicoctl.
    const stored = (await ds.get(KEY))!.value;
    assert.doesNotThrow(() => validateResource(stored as never));
    assert.equal(await ds.get({ kind: 'HostEndpoint', name: 'n1-auto-hep' }), null, 'autoCreate is Disabled by default');

    // Enable auto host endpoints: created from the node; follows its labels; goes with it.
    await patchKcc(ds, (s) => { s.controllers.node.hostEndpoint = { autoCreate: 'Enabled' }; });
    await eventually('auto hep', async () => (await ds.get({ kind: 'HostEndpoint', name: 'n1-auto-hep' })) !== null);
    await c.idle();
    const hep = (await ds.get<Hep>({ kind: 'HostEndpoint', name: 'n1-auto-hep' }))!.value;
    assert.deepEqual(hep.spec, { node: 'n1', expectedIPs: ['10.0.0.1'], profiles: ['projectcalico-default-allow'], interfaceName: '*' });
    assert.equal(hep.metadata.labels['role'], 'worker');
    assert.doesNotThrow(() => validateResource(hep as never));
    assert.equal(c.config().hostEndpoint.autoCreate, true);
    assert.equal(((await ds.get<Kcc>(KEY))!.value.status?.runningConfig?.['controllers'] as Record<string, any>)['node'].hostEndpoint.autoCreate, 'Enabled');

    const cur = (await ds.get({ kind: 'Node', name: 'n1' }))!;
    await ds.update({ kind: 'Node', name: 'n1' }, node('n1', { role: 'edge' }, { bgp: { ipv4Address: '10.0.0.9/24' } }), cur.revision);
    await eventually('hep follows node', async () => {
      const h = (await ds.get<Hep>({ kind: 'HostEndpoint', name: 'n1-auto-hep' }))?.value;
      return h?.metadata.labels['role'] === 'edge' && h.spec.expectedIPs[0] === '10.0.0.9';
    });
    await ds.create({ kind: 'Node', name: 'n2' }, node('n2', {}, { ipv4VXLANTunnelAddr: '192.168.5.1' }));
    await eventually('n2 hep', async () => (await ds.get({ kind: 'HostEndpoint', name: 'n2-auto-hep' })) !== null);
    await ds.delete({ kind: 'Node', name: 'n2' });
    await eventually('n2 hep removed', async () => (await ds.get({ kind: 'HostEndpoint', name: 'n2-auto-hep' })) === null);

    // Drop the namespace section: that controller stops. Disable autoCreate: auto heps go, others stay.
    await patchKcc(ds, (s) => { delete s.controllers.namespace; s.controllers.node.hostEndpoint.autoCreate = 'Disabled'; });
    await eventually('auto heps removed', async () => (await ds.get({ kind: 'HostEndpoint', name: 'n1-auto-hep' })) === null);
    await c.idle();
    assert.ok(!c.config().controllers.includes('namespace'));
    assert.ok(await ds.get({ kind: 'HostEndpoint', name: 'mine' }), 'host endpoints not created by us are untouched');
    await ds.create({ kind: 'Namespace', name: 'late' }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'late' } });
    await new Promise((r) => setTimeout(r, 100));
    await c.idle();
    assert.equal(await ds.get({ kind: 'Profile', name: 'kns.late' }), null, 'namespace controller disabled');
    assert.equal((await ds.get<Kcc>(KEY))!.value.status?.runningConfig?.['controllers'] !== undefined, true);
    assert.equal(((await ds.get<Kcc>(KEY))!.value.status?.runningConfig?.['controllers'] as Record<string, unknown>)['namespace'], undefined);

    // Back on: the namespace controller resyncs and catches up.
    await patchKcc(ds, (s) => { s.controllers.namespace = { reconcilerPeriod: '1m' }; });
    await eventually('kns.late', async () => (await ds.get({ kind: 'Profile', name: 'kns.late' })) !== null);
    assert.equal(c.config().namespaceReconcileMs, 60_000);
  } finally {
    await c.stop();
  }
});

test('etcdV3CompactionPeriod: with etcdCompaction the datastore is compacted to the previous tick\'s revision', async () => {
  const ds = new MemoryDatastore();
  const compacted: number[] = [];
  const orig = ds.compact.bind(ds);
  ds.compact = (rev: number) => { compacted.push(rev); orig(rev); };
  await ds.create(KEY, { apiVersion: 'projectcalico.org/v3', kind: 'KubeControllersConfiguration', metadata: { name: 'default' }, spec: { etcdV3CompactionPeriod: '50ms', controllers: {} } });
  const c = await startControllers(ds, { etcdCompaction: true, onError: (e) => { throw e; } });
  try {
    assert.equal(c.config().etcdV3CompactionPeriodMs, 50);
    await ds.create({ kind: 'Namespace', name: 'x' }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } });
    await eventually('a compaction', async () => compacted.length > 0);
    assert.ok(compacted.every((r, i) => i === 0 || r > compacted[i - 1]!), 'each compaction moves forward');
  } finally {
    await c.stop();
  }
  const none = new MemoryDatastore();
  let calls = 0;
  none.compact = () => { calls++; };
  await none.create(KEY, { apiVersion: 'projectcalico.org/v3', kind: 'KubeControllersConfiguration', metadata: { name: 'default' }, spec: { etcdV3CompactionPeriod: '20ms', controllers: {} } });
  const d = await startControllers(none, { onError: (e) => { throw e; } });
  await new Promise((r) => setTimeout(r, 100));
  await d.stop();
  assert.equal(calls, 0, 'no compaction unless the datastore is etcd');
});
