import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateResource } from './index.js';
import { ValidationError } from '../lib/errors.js';

function issues(input: unknown, doc?: string): ValidationError {
  try {
    validateResource(input, doc);
  } catch (e) {
    assert.ok(e instanceof ValidationError, String(e));
    return e;
  }
  assert.fail('expected a ValidationError');
}

test('validateResource returns a new object and never mutates its input', () => {
  const input = { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p' }, spec: { cidr: '10.0.0.0/16', natOutgoing: null } };
  const frozen = structuredClone(input);
  const out = validateResource(input);
  assert.deepEqual(input, frozen);
  assert.notEqual(out, input);
  assert.notEqual(out.spec, input.spec);
  assert.equal((out.spec as Record<string, unknown>).natOutgoing, undefined, 'nulls are dropped');
});

test('validateResource reports every issue at once with paths and the document name', () => {
  const e = issues({
    apiVersion: 'projectcalico.org/v3', kind: 'IPPool', extra: 1,
    metadata: { name: 'Bad_Name', labels: { 'a b': 'c' }, nonsense: true },
    spec: { cidr: '10.0.0.0/16', blockSize: 'big' },
  }, 'pools.yaml document 2 (IPPool Bad_Name)');
  const paths = e.issues.map((i) => i.path).sort();
  assert.deepEqual(paths, ['extra', 'metadata.labels.a b', 'metadata.name', 'metadata.nonsense', 'spec.blockSize']);
  assert.match(e.message, /^pools\.yaml document 2 \(IPPool Bad_Name\): validation failed: /);
  assert.equal(e.code, 'CALICO_ERR_VALIDATION');
});

test('validateResource: default document name is kind and name', () => {
  assert.equal(issues({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p' }, spec: {} }).document, 'IPPool p');
  assert.equal(issues({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', spec: {} }).issues[0]!.path, 'metadata');
  assert.equal(issues('nope').issues[0]!.reason, 'resource must be an object');
});

test('validateResource: namespace handling by scope', () => {
  const ns = validateResource({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'sa' } });
  assert.equal(ns.metadata.namespace, 'default');
  const kept = validateResource({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'sa', namespace: 'prod' } });
  assert.equal(kept.metadata.namespace, 'prod');
  const global = validateResource({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p', namespace: 'x' }, spec: { cidr: '10.0.0.0/16' } });
  assert.equal(global.metadata.namespace, undefined);
  assert.equal(issues({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'sa', namespace: 'Bad' } }).issues[0]!.path, 'metadata.namespace');
});

test('validateResource: Go-style case-insensitive field names are canonicalised', () => {
  const r = validateResource({
    apiVersion: 'projectcalico.org/v3', kind: 'KubeControllersConfiguration', metadata: { name: 'default' },
    spec: { etcdv3CompactionPeriod: '10m', controllers: {} },
  });
  assert.deepEqual(r.spec, { etcdV3CompactionPeriod: '10m', controllers: {}, prometheusMetricsPort: 9094 });
  const dup = issues({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p' }, spec: { cidr: '10.0.0.0/16', CIDR: '10.0.0.0/16' } });
  assert.match(dup.issues[0]!.reason, /duplicate field/);
});

test('validateResource: ServiceAccount top-level fields', () => {
  assert.ok(validateResource({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'sa' }, secrets: [{ name: 's' }], automountServiceAccountToken: false }));
  assert.equal(issues({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'sa' }, spec: {} }).issues[0]!.path, 'spec');
});

test('validateResource: scalar values read back exactly as written', () => {
  // Go would re-encode these (125s -> 2m5s, "1.10" -> 65546, "8080" -> 8080); calico-ts keeps the
  // applied text so a resource reads back as the input plus defaults (see DESIGN.md).
  const spec = { netlinkTimeout: '125s', reportingTTL: '9910s', natPortRange: '32768', kubeNodePortRanges: ['30000:32767', 8080] };
  const felix = validateResource({ apiVersion: 'projectcalico.org/v3', kind: 'FelixConfiguration', metadata: { name: 'f' }, spec });
  assert.deepEqual(felix.spec, { ...spec, floatingIPs: 'Disabled', bpfConnectTimeLoadBalancing: 'TCP', bpfHostNetworkedNATWithoutCTLB: 'Enabled' });
  const peer = validateResource({ apiVersion: 'projectcalico.org/v3', kind: 'BGPPeer', metadata: { name: 'p' }, spec: { peerIP: '10.0.0.1', asNumber: '1.10' } });
  assert.equal((peer.spec as Record<string, unknown>).asNumber, '1.10');
});

test('validateResource: YAML numbers/booleans in string fields are read as calicoctl reads them', () => {
  // upstream confd test data applies `routeReflector: true` as a node label with calicoctl.
  const node = validateResource({
    apiVersion: 'projectcalico.org/v3', kind: 'Node',
    metadata: { name: 'kube-master', labels: { routeReflector: true, rack: 7 }, annotations: { note: 1.5 } },
    spec: { bgp: { ipv4Address: '10.192.0.2/16', routeReflectorClusterID: '10.0.0.1' } },
  });
  assert.deepEqual(node.metadata.labels, { routeReflector: 'true', rack: '7' });
  assert.deepEqual(node.metadata.annotations, { note: '1.5' });
  // A number is not coerced where Go has a number or a numorstring type.
  assert.throws(() => validateResource({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p' }, spec: { cidr: '10.0.0.0/16', blockSize: '26' } }));
  const pol = validateResource({
    apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name: 'p' },
    spec: { ingress: [{ action: 'Allow', protocol: 6, destination: { ports: [80] } }] },
  });
  assert.deepEqual((pol.spec as any).ingress[0], { action: 'Allow', protocol: 6, destination: { ports: [80] } });
});
