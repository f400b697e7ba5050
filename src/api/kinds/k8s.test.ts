import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check } from './kind-test-util.js';
import { kindInfo, kindInfoFor, resourceKey } from '../index.js';
import { k8sNetworkPolicySampleObject } from '../testdata/docs-samples.js';

const NP = 'networking.k8s.io/v1';
const np = (spec: unknown, name = 'test-network-policy') => check('NetworkPolicy', spec, { apiVersion: NP, name });

test('k8s NetworkPolicy: the Kubernetes docs example validates and gets Kubernetes defaults', () => {
  const { spec } = k8sNetworkPolicySampleObject();
  const r = np(spec);
  assert.ok(r.ok, r.issues.join('; '));
  assert.deepEqual(r.result!.spec, spec);
  assert.equal(r.result!.metadata.namespace, 'default');
});

test('k8s NetworkPolicy defaults: policyTypes from rules, port protocol TCP', () => {
  const r = np({ podSelector: {}, egress: [{ ports: [{ port: 53 }] }] });
  assert.deepEqual(r.result!.spec, { podSelector: {}, egress: [{ ports: [{ port: 53, protocol: 'TCP' }] }], policyTypes: ['Ingress', 'Egress'] });
  assert.deepEqual((np({ podSelector: {} }).result!.spec as Record<string, unknown>).policyTypes, ['Ingress']);
});

const bad: [string, unknown, string][] = [
  ['missing podSelector', {}, 'spec.podSelector: required field is missing'],
  ['bad policy type', { podSelector: {}, policyTypes: ['Sideways'] }, 'spec.policyTypes[0]'],
  ['bad protocol', { podSelector: {}, ingress: [{ ports: [{ protocol: 'ICMP', port: 1 }] }] }, 'spec.ingress[0].ports[0].protocol'],
  ['port 0', { podSelector: {}, ingress: [{ ports: [{ port: 0 }] }] }, 'spec.ingress[0].ports[0].port'],
  ['endPort < port', { podSelector: {}, ingress: [{ ports: [{ port: 90, endPort: 80 }] }] }, 'spec.ingress[0].ports[0].endPort'],
  ['endPort with named port', { podSelector: {}, ingress: [{ ports: [{ port: 'http', endPort: 80 }] }] }, 'spec.ingress[0].ports[0].endPort'],
  ['empty peer', { podSelector: {}, ingress: [{ from: [{}] }] }, 'spec.ingress[0].from[0]: must specify a peer'],
  ['ipBlock with selector', { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }] }] }, 'spec.egress[0].to[0]: may not specify more than 1 peer type'],
  ['bad cidr', { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/33' } }] }] }, 'spec.egress[0].to[0].ipBlock.cidr'],
  ['except outside cidr', { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.1.0.0/24'] } }] }] }, 'spec.egress[0].to[0].ipBlock.except[0]'],
  ['In without values', { podSelector: { matchExpressions: [{ key: 'a', operator: 'In' }] } }, 'spec.podSelector.matchExpressions[0].values'],
  ['bad operator', { podSelector: { matchExpressions: [{ key: 'a', operator: 'Has' }] } }, 'spec.podSelector.matchExpressions[0].operator'],
  ['bad label value', { podSelector: { matchLabels: { a: 'b c' } } }, 'spec.podSelector.matchLabels.a'],
  ['unknown field', { podSelector: {}, ingres: [] }, 'spec.ingres: unknown field "ingres"'],
];
for (const [name, spec, issue] of bad) {
  test(`k8s NetworkPolicy: reject ${name}`, () => {
    const r = np(spec);
    assert.ok(!r.ok);
    assert.ok(r.issues.some((i) => i.startsWith(issue)), r.issues.join('; '));
  });
}

test('k8s NetworkPolicy kind info and storage key', () => {
  const info = kindInfoFor(NP, 'NetworkPolicy')!;
  assert.equal(info.storageKind, 'KubernetesNetworkPolicy');
  assert.equal(kindInfo('networkpolicy')!.apiVersion, 'projectcalico.org/v3');
  assert.equal(kindInfo('knp')!.apiVersion, NP);
  const r = np({ podSelector: {} }).result!;
  assert.deepEqual(resourceKey(r), { kind: 'KubernetesNetworkPolicy', namespace: 'default', name: 'test-network-policy' });
});

test('v1 Pod: fields Calico does not read are accepted; ports are checked', () => {
  const pod = {
    serviceAccountName: 'web',
    nodeName: 'node-1',
    containers: [{
      name: 'nginx', image: 'nginx:1.25', imagePullPolicy: 'IfNotPresent',
      ports: [{ name: 'http', containerPort: 80 }, { containerPort: 443, protocol: 'TCP', hostPort: 8443 }],
      resources: { limits: { cpu: '1' } },
    }],
    volumes: [],
    restartPolicy: 'Always',
  };
  const r = check('Pod', pod, { apiVersion: 'v1', name: 'web-0', status: { podIP: '10.0.0.5', podIPs: [{ ip: '10.0.0.5' }], phase: 'Running' } });
  assert.ok(r.ok, r.issues.join('; '));
  const c = (r.result!.spec as { containers: { ports: { protocol: string }[] }[] }).containers[0]!;
  assert.deepEqual(c.ports.map((p) => p.protocol), ['TCP', 'TCP']);
  const bad = check('Pod', { containers: [{ name: 'x', ports: [{ name: 'HTTP_PORT', containerPort: 70000 }] }] }, { apiVersion: 'v1', name: 'p' });
  assert.deepEqual(bad.issues.map((i) => i.split(':')[0]).sort(), ['spec.containers[0].ports[0].containerPort', 'spec.containers[0].ports[0].name']);
  assert.equal((check('Pod', { containers: [] }, { apiVersion: 'v1', name: 'p' }).result!.spec as Record<string, unknown>).serviceAccountName, 'default');
  assert.ok(!check('Pod', {}, { apiVersion: 'v1', name: 'p', status: { podIP: 'nope' } }).ok);
});

test('v1 Namespace and ServiceAccount', () => {
  const ns = check('Namespace', undefined, { apiVersion: 'v1', name: 'prod' });
  assert.ok(ns.ok);
  assert.equal(ns.result!.metadata.namespace, undefined);
  assert.ok(!check('Namespace', undefined, { apiVersion: 'v1', name: 'a.b' }).ok, 'namespace names are DNS labels');
  const sa = check('ServiceAccount', undefined, { apiVersion: 'v1', name: 'web' });
  assert.ok(sa.ok);
  assert.deepEqual(resourceKey(sa.result!), { kind: 'ServiceAccount', namespace: 'default', name: 'web' });
  assert.equal(kindInfo('ns')!.kind, 'Namespace');
  assert.equal(kindInfo('sa')!.kind, 'ServiceAccount');
  assert.equal(kindInfo('po')!.kind, 'Pod');
});
