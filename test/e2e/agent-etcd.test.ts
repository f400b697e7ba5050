/**
 * Two in-process agents (recording dataplanes, no kernel) on a real etcd 3.4:
 * the syncer's all-kinds watch, the per-node applied revision and
 * waitForConvergence over etcd, and recovery when etcd restarts under them.
 * (An interop test by nature; it lives here because the agent's tests do.)
 * Skips when /usr/bin/etcd is missing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { EtcdDatastore } from '../../dist/datastore/etcd/etcd-datastore.js';
import { startEtcd, type EtcdServer } from '../../dist/datastore/etcd/etcd-server.js';
import { validateResource } from '../../dist/api/index.js';
import type { DataplaneMsg } from '../../dist/dataplane/model/index.js';
import { Agent } from '../../dist/node/agent.js';
import { waitForConvergence } from '../../dist/node/convergence.js';
import type { AgentDataplaneMsg, IntDataplane } from '../../dist/node/dataplane-port.js';
import { silentLogger } from '../../dist/node/logger.js';

const API = 'projectcalico.org/v3';

class RecordingDataplane implements IntDataplane {
  readonly policies = new Set<string>();
  onMessages(msgs: readonly AgentDataplaneMsg[]): void {
    for (const m of msgs as readonly DataplaneMsg[]) {
      if (m.kind === 'ActivePolicyUpdate') this.policies.add(m.id.name);
      if (m.kind === 'ActivePolicyRemove') this.policies.delete(m.id.name);
    }
  }
  async apply(): Promise<void> {}
  async resync(): Promise<void> {}
  async stop(): Promise<void> {}
}

describe('agents on etcd', { skip: !existsSync('/usr/bin/etcd') && 'needs /usr/bin/etcd' }, () => {
  let server: EtcdServer;
  let ds: EtcdDatastore;
  const agents: Agent[] = [];
  const dps = new Map<string, RecordingDataplane>();

  const wep = (node: string) => validateResource({
    apiVersion: API, kind: 'WorkloadEndpoint', metadata: { name: `${node}-k8s-pod-eth0`, namespace: 'default', labels: { app: 'web' } },
    spec: { node, orchestrator: 'k8s', pod: 'pod', endpoint: 'eth0', interfaceName: `cali${node}`, ipNetworks: ['10.0.0.1/32'], profiles: [] },
  });
  const gnp = (name: string) => validateResource({ apiVersion: API, kind: 'GlobalNetworkPolicy', metadata: { name }, spec: { selector: "app == 'web'", ingress: [{ action: 'Allow' }] } });

  before(async () => {
    server = await startEtcd();
    ds = await EtcdDatastore.open({ etcdEndpoints: server.endpoints });
    for (const node of ['node1', 'node2']) {
      await ds.create({ kind: 'WorkloadEndpoint', namespace: 'default', name: `${node}-k8s-pod-eth0` }, wep(node));
      const dp = new RecordingDataplane();
      dps.set(node, dp);
      // Each agent opens its own etcd client from the environment, as calico-node does.
      const a = await Agent.create({
        env: { CALICO_NODENAME: node, DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: server.endpoints.join(','), CALICO_NETWORKING_BACKEND: 'none' },
        dataplaneFactory: () => dp, logger: silentLogger(), nftAvailable: () => true, minApplyIntervalMs: 5,
      });
      agents.push(a);
      await a.start();
    }
  });

  after(async () => {
    for (const a of agents) await a.stop().catch(() => undefined);
    await ds?.close();
    await server?.stop();
  });

  test('both nodes converge on a policy write and its delete', async () => {
    const w = await ds.create({ kind: 'GlobalNetworkPolicy', name: 'allow-web' }, gnp('allow-web'));
    const res = await waitForConvergence(ds, ['node1', 'node2'], w.revision, 10_000);
    assert.ok(res['node1']! >= w.revision && res['node2']! >= w.revision);
    for (const dp of dps.values()) assert.ok(dp.policies.has('allow-web'));
    const d = await ds.delete({ kind: 'GlobalNetworkPolicy', name: 'allow-web' });
    void d;
    await waitForConvergence(ds, ['node1', 'node2'], await ds.currentRevision(), 10_000);
    for (const dp of dps.values()) assert.ok(!dp.policies.has('allow-web'));
  });

  test('after an etcd restart the agents resume and converge on new writes', async () => {
    await server.restart(300);
    let rev = 0;
    for (let i = 0; i < 100 && rev === 0; i++) {
      try {
        rev = (await ds.create({ kind: 'GlobalNetworkPolicy', name: 'after-restart' }, gnp('after-restart'))).revision;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    assert.ok(rev > 0, 'write after restart');
    await waitForConvergence(ds, ['node1', 'node2'], rev, 30_000);
    for (const dp of dps.values()) assert.ok(dp.policies.has('after-restart'));
  });
});
