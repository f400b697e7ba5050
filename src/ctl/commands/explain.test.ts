// calicoctl explain over stored resources: an allowed and a denied flow, table and JSON,
// Kubernetes NetworkPolicy and Namespace conversion, staged policies, external addresses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryDatastore } from '../../datastore/memory/memory-datastore.js';
import { main } from '../main.js';

async function run(ds: MemoryDatastore, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, readStdin: async () => '', env: {}, datastore: ds });
  return { code, out, err };
}

const v3 = 'projectcalico.org/v3';

async function lab(): Promise<MemoryDatastore> {
  const ds = new MemoryDatastore();
  const put = (kind: string, name: string, value: object, namespace?: string): Promise<unknown> =>
    ds.create(namespace ? { kind, namespace, name } : { kind, name }, value);
  await put('Namespace', 'shop', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { env: 'prod' } } });
  const pod = (name: string, ip: string, labels: Record<string, string>, ports: object[] = []): object => ({
    apiVersion: v3, kind: 'WorkloadEndpoint',
    metadata: { name: `node1-k8s-${name}-eth0`, namespace: 'shop', labels: { ...labels, 'projectcalico.org/namespace': 'shop', 'projectcalico.org/orchestrator': 'k8s' } },
    spec: { orchestrator: 'k8s', node: 'node1', pod: name, endpoint: 'eth0', interfaceName: `cali-${name}`, ipNetworks: [`${ip}/32`], profiles: ['kns.shop'], ports },
  });
  await put('WorkloadEndpoint', 'node1-k8s-frontend-eth0', pod('frontend', '10.0.0.10', { app: 'frontend' }), 'shop');
  await put('WorkloadEndpoint', 'node1-k8s-backend-eth0', pod('backend', '10.0.0.20', { app: 'backend' }, [{ name: 'api', protocol: 'TCP', port: 8080 }]), 'shop');
  await put('Tier', 'default', { apiVersion: v3, kind: 'Tier', metadata: { name: 'default' }, spec: { order: 1000000, defaultAction: 'Deny' } });
  await put('KubernetesNetworkPolicy', 'backend-ingress', {
    apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'backend-ingress', namespace: 'shop' },
    spec: { podSelector: { matchLabels: { app: 'backend' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'frontend' } } }], ports: [{ protocol: 'TCP', port: 'api' }] }] },
  }, 'shop');
  await put('StagedGlobalNetworkPolicy', 'lockdown', { apiVersion: v3, kind: 'StagedGlobalNetworkPolicy', metadata: { name: 'lockdown' }, spec: { order: 1, selector: "app == 'backend'", types: ['Ingress'], ingress: [{ action: 'Deny' }] } });
  return ds;
}

test('explain: an allowed flow names the deciding k8s policy rule (named port)', async () => {
  const ds = await lab();
  const r = await run(ds, 'explain', '--from', 'shop/frontend', '--to', 'shop/backend', '--protocol', 'TCP', '--port', '8080');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Verdict: ALLOWED/);
  assert.match(r.out, /INGRESS at workload endpoint shop\/node1-k8s-backend-eth0: ALLOWED/);
  assert.match(r.out, /decided by: tier "default", policy shop\/knp\.default\.backend-ingress, rule 0 \(Allow\)/);
  assert.match(r.out, /EGRESS at workload endpoint shop\/node1-k8s-frontend-eth0: ALLOWED/);
  assert.match(r.out, /profile kns\.shop/);
  assert.match(r.out, /StagedGlobalNetworkPolicy lockdown\s+Set\s+Deny/);
  assert.match(r.out, /With staged policies: DENIED/);
});

test('explain: a denied flow shows the end-of-tier default deny and a hint, in JSON too', async () => {
  const ds = await lab();
  const r = await run(ds, 'explain', '--from', 'shop/frontend', '--to', 'shop/backend', '--port', '9999');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Verdict: DENIED at ingress of the destination/);
  assert.match(r.out, /end of tier "default"/);
  assert.match(r.out, /hint: add an ingress Allow rule/);
  const j = await run(ds, 'explain', '--from', '10.0.0.10', '--to', 'shop/backend', '--protocol', 'tcp', '--port', '9999', '-o', 'json');
  assert.equal(j.code, 0, j.err);
  const doc = JSON.parse(j.out) as { allowed: boolean; ingress: { decision: { by: string; tier: string } }; egress: { allowed: boolean }; from: { kind: string; ip: string } };
  assert.equal(doc.allowed, false);
  assert.deepEqual(doc.ingress.decision, { by: 'tier-default', tier: 'default' });
  assert.equal(doc.egress.allowed, true);
  assert.deepEqual(doc.from, { kind: 'workload', name: 'shop/node1-k8s-frontend-eth0', ip: '10.0.0.10' });
});

test('explain: an outside source has no egress policy; unknown names are errors', async () => {
  const ds = await lab();
  const r = await run(ds, 'explain', '--from', '192.0.2.1', '--to', 'shop/backend', '--port', '8080', '-o', 'json');
  assert.equal(r.code, 0, r.err);
  const doc = JSON.parse(r.out) as { allowed: boolean; egress: unknown; from: { kind: string } };
  assert.equal(doc.egress, null);
  assert.equal(doc.from.kind, 'external');
  assert.equal(doc.allowed, false, 'the k8s policy only admits frontend pods');
  const bad = await run(ds, 'explain', '--from', 'shop/nope', '--to', 'shop/backend', '--port', '80');
  assert.equal(bad.code, 1);
  assert.match(bad.err, /no workload endpoint "shop\/nope"/);
});

test('explain: Pods without a WorkloadEndpoint are derived as Calico KDD does', async () => {
  const ds = new MemoryDatastore();
  await ds.create({ kind: 'Namespace', name: 'web' }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'web' } });
  await ds.create({ kind: 'ServiceAccount', namespace: 'web', name: 'default' }, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'web' } });
  const pod = (name: string, ip: string, labels: Record<string, string>): object => ({
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'web', labels },
    spec: { nodeName: 'n1', containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }] },
    status: { podIP: ip, podIPs: [{ ip }] },
  });
  await ds.create({ kind: 'Pod', namespace: 'web', name: 'a' }, pod('a', '10.2.0.1', { role: 'client' }));
  await ds.create({ kind: 'Pod', namespace: 'web', name: 'b' }, pod('b', '10.2.0.2', { role: 'server' }));
  await ds.create({ kind: 'KubernetesNetworkPolicy', namespace: 'web', name: 'deny-all' }, {
    apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny-all', namespace: 'web' }, spec: { podSelector: {}, policyTypes: ['Ingress'] },
  });
  const r = await run(ds, 'explain', '--from', 'web/a', '--to', 'web/b', '--port', '8080', '-o', 'json');
  assert.equal(r.code, 0, r.err);
  const doc = JSON.parse(r.out) as { verdict: string; ingress: { verdict: string; tier: string; policy: string | null }; warnings: string[] };
  assert.equal(doc.verdict, 'Deny');
  assert.deepEqual([doc.ingress.verdict, doc.ingress.tier], ['Deny', 'default']);
  assert.deepEqual(doc.warnings, []);
});
