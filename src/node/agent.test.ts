import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryDatastore } from '../datastore/memory/memory-datastore.js';
import type { DataplaneMsg } from '../dataplane/model/index.js';
import { Agent } from './agent.js';
import { waitForConvergence } from './convergence.js';
import type { IntDataplane } from './dataplane-port.js';
import { silentLogger } from './logger.js';

/** Records what the agent hands the dataplane; `failNext` makes applies fail. */
class RecordingDataplane implements IntDataplane {
  delivered: DataplaneMsg[] = [];
  applied: DataplaneMsg[][] = [];
  private pending: DataplaneMsg[] = [];
  applyCalls = 0;
  applyBeforeInSync = false;
  failNext = 0;
  resyncs = 0;
  stopped = false;
  onMessages(msgs: readonly DataplaneMsg[]): void {
    this.delivered.push(...msgs);
    this.pending.push(...msgs);
  }
  async apply(): Promise<void> {
    this.applyCalls++;
    if (!this.delivered.some((m) => m.kind === 'InSync')) this.applyBeforeInSync = true;
    await new Promise((r) => setTimeout(r, 2));
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('nft: simulated failure');
    }
    this.applied.push(this.pending);
    this.pending = [];
  }
  async resync(): Promise<void> { this.resyncs++; }
  async stop(): Promise<void> { this.stopped = true; }
  /** Last ConfigUpdate applied. */
  lastConfig(): Readonly<Record<string, unknown>> | undefined {
    const all = this.applied.flat().filter((m): m is Extract<DataplaneMsg, { kind: 'ConfigUpdate' }> => m.kind === 'ConfigUpdate');
    return all.at(-1)?.config.felixConfiguration;
  }
}

const API = 'projectcalico.org/v3';
const wep = (name: string, ip: string, labels: Record<string, string>) => ({
  apiVersion: API, kind: 'WorkloadEndpoint',
  metadata: { name: `node1-k8s-${name}-eth0`, namespace: 'default', labels },
  spec: { node: 'node1', orchestrator: 'k8s', pod: name, endpoint: 'eth0', interfaceName: `cali${name}`, ipNetworks: [`${ip}/32`], profiles: ['kns.default'] },
});
const gnp = (name: string, selector: string) => ({
  apiVersion: API, kind: 'GlobalNetworkPolicy', metadata: { name },
  spec: { selector, ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: [80] } }] },
});

async function makeAgent(ds: MemoryDatastore, dp: RecordingDataplane, env: Record<string, string> = {}): Promise<Agent> {
  return Agent.create({
    env: { CALICO_NODENAME: 'node1', ...env }, datastore: ds, dataplaneFactory: () => dp, logger: silentLogger(),
    nftAvailable: () => true, minApplyIntervalMs: 5,
  });
}

test('components start in dependency order; policy reaches the dataplane only after InSync; applied revision recorded', async () => {
  const ds = new MemoryDatastore();
  await ds.create({ kind: 'WorkloadEndpoint', namespace: 'default', name: 'node1-k8s-a-eth0' }, wep('a', '10.0.0.1', { app: 'web' }));
  const dp = new RecordingDataplane();
  const agent = await makeAgent(ds, dp);
  assert.deepEqual(agent.components(), ['datastore', 'health', 'metrics', 'dataplane', 'calc', 'syncer', 'routing']);
  await agent.start();
  try {
    const w = await ds.create({ kind: 'GlobalNetworkPolicy', name: 'allow-web' }, gnp('allow-web', "app == 'web'"));
    await waitForConvergence(ds, ['node1'], w.revision, 3000);
    assert.ok(agent.appliedRevision >= w.revision);
    assert.equal(dp.applyBeforeInSync, false);
    const kinds = new Set(dp.applied.flat().map((m) => m.kind));
    for (const k of ['InSync', 'WorkloadEndpointUpdate', 'ActivePolicyUpdate'] as const) assert.ok(kinds.has(k), k);
    const text = await agent.metrics.text();
    assert.match(text, /^felix_active_local_endpoints 1$/m);
    assert.match(text, /^felix_active_local_policies 1$/m);
    assert.match(text, /^felix_cluster_num_workload_endpoints 1$/m);
    assert.match(text, /^felix_int_dataplane_apply_time_seconds_count [1-9]/m);
    assert.match(text, /^felix_resync_state 2$/m);
    // An unrelated write advances the recorded revision without touching the kernel.
    const calls = dp.applyCalls;
    const h = await ds.create({ kind: 'IPAMHandle', name: 'h1' }, { handleID: 'h1' });
    await waitForConvergence(ds, ['node1'], h.revision, 3000);
    assert.equal(dp.applyCalls, calls);
  } finally {
    await agent.stop();
  }
  assert.equal(dp.stopped, true);
});

test('failed applies are retried with backoff and counted', async () => {
  const ds = new MemoryDatastore();
  const dp = new RecordingDataplane();
  dp.failNext = 2;
  const agent = await makeAgent(ds, dp);
  await agent.start();
  try {
    const w = await ds.create({ kind: 'GlobalNetworkPolicy', name: 'p' }, gnp('p', 'all()'));
    await waitForConvergence(ds, ['node1'], w.revision, 5000);
    assert.match(await agent.metrics.text(), /^felix_int_dataplane_failures 2$/m);
  } finally {
    await agent.stop();
  }
});

test('an invalid FelixConfiguration update is rejected and the last good configuration stays', async () => {
  const ds = new MemoryDatastore();
  const fc = (spec: Record<string, unknown>) => ({ apiVersion: API, kind: 'FelixConfiguration', metadata: { name: 'default' }, spec });
  const good = await ds.create({ kind: 'FelixConfiguration', name: 'default' }, fc({ defaultEndpointToHostAction: 'Accept' }));
  const dp = new RecordingDataplane();
  const agent = await makeAgent(ds, dp);
  await agent.start();
  try {
    await waitForConvergence(ds, ['node1'], good.revision, 3000);
    assert.equal(dp.lastConfig()?.['defaultEndpointToHostAction'], 'Accept');
    const bad = await ds.update({ kind: 'FelixConfiguration', name: 'default' }, fc({ defaultEndpointToHostAction: 'Explode' }), good.revision);
    await waitForConvergence(ds, ['node1'], bad.revision, 3000);
    assert.equal(dp.lastConfig()?.['defaultEndpointToHostAction'], 'Accept');
    assert.match(await agent.metrics.text(), /^calico_node_config_errors 1$/m);
    const fixed = await ds.update({ kind: 'FelixConfiguration', name: 'default' }, fc({ defaultEndpointToHostAction: 'Return' }), bad.revision);
    await waitForConvergence(ds, ['node1'], fixed.revision, 3000);
    assert.equal(dp.lastConfig()?.['defaultEndpointToHostAction'], 'Return');
  } finally {
    await agent.stop();
  }
});

test('bad environment or an invalid stored FelixConfiguration refuses to start, before any dataplane exists', async () => {
  const ds = new MemoryDatastore();
  const dp = new RecordingDataplane();
  await assert.rejects(makeAgent(ds, dp, { FELIX_HEALTHPORT: 'ninety' }), /FELIX_HEALTHPORT: invalid value "ninety" for HealthPort/);
  await ds.create({ kind: 'FelixConfiguration', name: 'node.node1' }, { apiVersion: API, kind: 'FelixConfiguration', metadata: { name: 'node.node1' }, spec: { healthPort: 'x' } });
  await assert.rejects(makeAgent(ds, dp), (e: unknown) => e instanceof Error && /FelixConfiguration node.node1 is invalid/.test(e.message) && /healthPort/.test(e.message));
  assert.equal(dp.applyCalls, 0);
});

test('health and metrics endpoints answer', async () => {
  const ds = new MemoryDatastore();
  const dp = new RecordingDataplane();
  const agent = await makeAgent(ds, dp, {
    FELIX_HEALTHENABLED: 'true', FELIX_HEALTHPORT: '0', FELIX_HEALTHHOST: '127.0.0.1',
    FELIX_PROMETHEUSMETRICSENABLED: 'true', FELIX_PROMETHEUSMETRICSPORT: '0', FELIX_PROMETHEUSMETRICSHOST: '127.0.0.1',
  });
  await agent.start();
  try {
    await agent.idle();
    const live = await fetch(`http://127.0.0.1:${agent.healthPort}/liveness`);
    assert.equal(live.status, 200);
    const ready = await fetch(`http://127.0.0.1:${agent.healthPort}/readiness`);
    assert.equal(ready.status, 200);
    assert.equal(((await ready.json()) as { ready: boolean }).ready, true);
    assert.equal((await fetch(`http://127.0.0.1:${agent.healthPort}/nope`)).status, 404);
    const m = await fetch(`http://127.0.0.1:${agent.metricsPort}/metrics`);
    assert.equal(m.status, 200);
    const body = await m.text();
    for (const name of ['felix_int_dataplane_apply_time_seconds', 'felix_active_local_endpoints', 'felix_active_local_policies', 'felix_resyncs_started', 'felix_cluster_num_hosts', 'process_cpu_user_seconds_total']) {
      assert.match(body, new RegExp(`^# TYPE ${name} `, 'm'), name);
    }
  } finally {
    await agent.stop();
  }
});

test('env overrides of calc parameters win over FelixConfiguration in the dataplane config', async () => {
  const ds = new MemoryDatastore();
  await ds.create({ kind: 'FelixConfiguration', name: 'default' }, { apiVersion: API, kind: 'FelixConfiguration', metadata: { name: 'default' }, spec: { defaultEndpointToHostAction: 'Return' } });
  const dp = new RecordingDataplane();
  const agent = await makeAgent(ds, dp, { FELIX_DEFAULTENDPOINTTOHOSTACTION: 'ACCEPT' });
  await agent.start();
  try {
    await agent.idle();
    assert.equal(dp.lastConfig()?.['defaultEndpointToHostAction'], 'Accept');
  } finally {
    await agent.stop();
  }
});

test('routing is started with the node name and underlay interface, and stopped; CALICO_NETWORKING_BACKEND=none disables it', async () => {
  const ds = new MemoryDatastore();
  const calls: string[] = [];
  const agent = await Agent.create({
    env: { CALICO_NODENAME: 'node1', IP_AUTODETECTION_METHOD: 'interface=eth1' }, datastore: ds, dataplaneFactory: () => new RecordingDataplane(),
    logger: silentLogger(), nftAvailable: () => true,
    routingStarter: async (o) => { calls.push(`start ${o.hostname} ${o.underlayInterface}`); return { stop: async () => { calls.push('stop'); } }; },
  });
  await agent.start();
  await agent.stop();
  assert.deepEqual(calls, ['start node1 eth1', 'stop']);
  const none = await Agent.create({ env: { CALICO_NODENAME: 'node1', CALICO_NETWORKING_BACKEND: 'none' }, datastore: ds, dataplaneFactory: () => new RecordingDataplane(), logger: silentLogger(), nftAvailable: () => true });
  assert.ok(!none.components().includes('routing'));
  await assert.rejects(Agent.create({ env: { CALICO_NODENAME: 'node1', CALICO_NETWORKING_BACKEND: 'ipip' }, datastore: ds, logger: silentLogger() }), /CALICO_NETWORKING_BACKEND/);
});

test('with runControllers the agent also runs the controllers (Namespace -> Profile kns.*)', async () => {
  const ds = new MemoryDatastore();
  const agent = await Agent.create({
    env: { CALICO_NODENAME: 'node1' }, datastore: ds, dataplaneFactory: () => new RecordingDataplane(), logger: silentLogger(),
    nftAvailable: () => true, runControllers: true, routingStarter: null,
  });
  assert.deepEqual(agent.components(), ['datastore', 'health', 'metrics', 'dataplane', 'calc', 'syncer', 'controllers']);
  await agent.start();
  try {
    await ds.create({ kind: 'Namespace', name: 'team' }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team', labels: { a: 'b' } } });
    let profile = null;
    for (let i = 0; i < 100 && profile === null; i++) {
      profile = await ds.get({ kind: 'Profile', name: 'kns.team' });
      if (profile === null) await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(profile, 'controller wrote the profile');
  } finally {
    await agent.stop();
  }
});
