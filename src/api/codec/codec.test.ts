import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goYamlKeyCompare } from './go-yaml-style.js';
import type { Resource } from '../types.js';
import { decodeResources, encodeResources, validateResource } from '../index.js';
import { ValidationError, isCalicoError } from '../../lib/errors.js';

const twoPools = `
apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: pool-a
spec:
  cidr: 10.1.0.0/16
---
# a comment-only document in between is skipped
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: pool-b
spec:
  cidr: 10.2.0.0/16
---
`;

function decodeError(text: string, source?: string): ValidationError {
  try {
    decodeResources(text, source);
  } catch (e) {
    assert.ok(e instanceof ValidationError, String(e));
    return e;
  }
  assert.fail('expected a ValidationError');
}

test('decode: multi-document YAML, empty documents skipped', () => {
  const rs = decodeResources(twoPools, 'pools.yaml');
  assert.deepEqual(rs.map((r) => r.metadata.name), ['pool-a', 'pool-b']);
  assert.equal(rs[0]!.kind, 'IPPool');
});

test('decode: JSON document and List / <Kind>List', () => {
  const json = JSON.stringify({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'j' }, spec: { cidr: '10.0.0.0/16' } });
  assert.equal(decodeResources(json)[0]!.metadata.name, 'j');
  const list = {
    apiVersion: 'projectcalico.org/v3',
    kind: 'IPPoolList',
    metadata: { resourceVersion: '5' },
    items: [{ metadata: { name: 'a' }, spec: { cidr: '10.0.0.0/16' } }, { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'b' }, spec: { cidr: '10.1.0.0/16' } }],
  };
  const rs = decodeResources(JSON.stringify(list));
  assert.deepEqual(rs.map((r) => `${r.kind}/${r.metadata.name}`), ['IPPool/a', 'IPPool/b']);
  const mixed = `apiVersion: v1
kind: List
items:
- apiVersion: projectcalico.org/v3
  kind: Tier
  metadata: {name: t1}
- apiVersion: v1
  kind: Namespace
  metadata: {name: prod}
`;
  assert.deepEqual(decodeResources(mixed).map((r) => r.kind), ['Tier', 'Namespace']);
});

test('decode: structural errors name the document', () => {
  const e1 = decodeError(`${twoPools}\napiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {}\n`, 'pools.yaml');
  assert.match(e1.message, /^pools\.yaml document 4 \(IPPool\): .*metadata\.name/);
  const e2 = decodeError('apiVersion: projectcalico.org/v3\nkind: Frobnicator\nmetadata: {name: x}\n', 'f.yaml');
  assert.equal(e2.document, 'f.yaml document 1 (Frobnicator x)');
  assert.equal(e2.issues[0]!.reason, 'unknown resource type (Frobnicator) and/or version (projectcalico.org/v3)');
  const e3 = decodeError('- a\n- b\n');
  assert.equal(e3.document, 'document 1 item 1');
  const e7 = decodeError('42\n');
  assert.equal(e7.document, 'document 1');
  const e4 = decodeError('kind: IPPool\nmetadata: {name: x}\n');
  assert.equal(e4.issues[0]!.path, 'apiVersion');
  const e5 = decodeError('apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: x\n', 'bad.yaml');
  assert.match(e5.message, /bad\.yaml document 1: .*syntax error/);
  const e6 = decodeError('apiVersion: projectcalico.org/v3\nkind: IPPool\nkind: IPPool\nmetadata: {name: x}\n');
  assert.match(e6.message, /syntax error/);
});

test('decode: a document that is a sequence of resources (calicoctl accepts it)', () => {
  const y = `- apiVersion: projectcalico.org/v3
  kind: IPPool
  metadata: {name: a}
  spec: {cidr: 10.0.0.0/16}
- apiVersion: projectcalico.org/v3
  kind: IPPool
  metadata: {name: b}
  spec: {cidr: 10.1.0.0/16}
`;
  assert.deepEqual(decodeResources(y).map((r) => r.metadata.name), ['a', 'b']);
  const e = decodeError(`- apiVersion: projectcalico.org/v3
  kind: IPPool
  metadata: {name: a}
- kind: IPPool
  metadata: {name: b}
`, 'seq.yaml');
  assert.equal(e.document, 'seq.yaml document 1 item 2 (IPPool b)');
});

test('decode: YAML 1.2 core schema keeps community values and ports as strings', () => {
  const y = `apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata: {name: default}
spec:
  communities:
  - name: c
    value: 63400:300:100
  prefixAdvertisements:
  - cidr: 172.218.4.0/26
    communities: [c, 63400:120]
`;
  const r = decodeResources(y)[0]!;
  const spec = r.spec as { communities: { value: unknown }[] };
  assert.equal(spec.communities[0]!.value, '63400:300:100');
  assert.ok(validateResource(r));
});

test('encode: one resource as itself, several as a <Kind>List', () => {
  const rs = decodeResources(twoPools).map((r) => validateResource(r));
  const one = encodeResources([rs[0]!], 'yaml');
  assert.match(one, /^apiVersion: projectcalico\.org\/v3\nkind: IPPool\nmetadata:\n  name: pool-a\nspec:\n  allowedUses:\n  - Workload\n  - Tunnel\n/);
  const list = encodeResources(rs, 'yaml', { resourceVersion: '42' });
  assert.match(list, /^apiVersion: projectcalico\.org\/v3\nitems:\n- apiVersion: projectcalico\.org\/v3\n/);
  assert.match(list, /\nkind: IPPoolList\nmetadata:\n  resourceVersion: "42"\n$/);
  assert.deepEqual(decodeResources(list).map((r) => r.metadata.name), ['pool-a', 'pool-b']);
  const json = JSON.parse(encodeResources(rs, 'json')) as Record<string, unknown>;
  assert.deepEqual(Object.keys(json), ['kind', 'apiVersion', 'metadata', 'items']);
  assert.equal(json.kind, 'IPPoolList');
  const single = JSON.parse(encodeResources([rs[1]!], 'json')) as Record<string, unknown>;
  assert.deepEqual(Object.keys(single), ['kind', 'apiVersion', 'metadata', 'spec']);
  const meta = { labels: { a: 'b' }, resourceVersion: '3', name: 'm', uid: 'u' };
  const withMeta = JSON.parse(encodeResources([{ ...rs[1]!, metadata: meta }], 'json')) as { metadata: Record<string, unknown> };
  assert.deepEqual(Object.keys(withMeta.metadata), ['name', 'uid', 'resourceVersion', 'labels']);
  const empty = JSON.parse(encodeResources([], 'json', { list: true, kind: 'IPPool' })) as Record<string, unknown>;
  assert.deepEqual(empty, { kind: 'IPPoolList', apiVersion: 'projectcalico.org/v3', metadata: { resourceVersion: '' }, items: [] });
  const asList = JSON.parse(encodeResources([rs[0]!], 'json', { list: true })) as { items: unknown[] };
  assert.equal(asList.items.length, 1);
});

test('encode: strings YAML 1.1 readers would retype are quoted', () => {
  const r = validateResource({
    apiVersion: 'projectcalico.org/v3', kind: 'IPPool',
    metadata: { name: 'p', labels: { a: 'yes', b: 'on' }, annotations: { c: '10:20' }, creationTimestamp: '2021-10-18T10:30:43Z' },
    spec: { cidr: '10.0.0.0/16' },
  });
  const y = encodeResources([r], 'yaml');
  assert.match(y, /creationTimestamp: "2021-10-18T10:30:43Z"/);
  assert.match(y, /a: "yes"\n {4}b: "on"/);
  assert.match(y, /c: "10:20"/);
  assert.deepEqual(decodeResources(y)[0]!.metadata, r.metadata);
});

test('encode: round trip through YAML is lossless', () => {
  const rs = decodeResources(twoPools).map((r) => validateResource(r));
  for (const format of ['yaml', 'json'] as const) {
    const back = decodeResources(encodeResources(rs, format)).map((r) => validateResource(r));
    assert.deepEqual(back, rs);
  }
});

test('validateResource: unknown kind has its own code', () => {
  assert.throws(
    () => validateResource({ apiVersion: 'projectcalico.org/v3', kind: 'Nope', metadata: { name: 'x' } }),
    (e: unknown) => isCalicoError(e, 'CALICO_ERR_UNKNOWN_KIND'),
  );
});

test('encode: keys in go-yaml order (natural numbers, non-letters first) and Go octal quoted', () => {
  const sorted = ['rack10', 'rack9', 'rack1', 'a_b', 'aB', 'ab', 'a-b', 'a1', 'Zed', 'x.y/z', 'x0', 'x00'].sort(goYamlKeyCompare);
  // '_' vs '1': neither is a letter, a digit run (1) outranks none (0), as in sorter.go.
  assert.deepEqual(sorted, ['Zed', 'a-b', 'a_b', 'a1', 'aB', 'ab', 'rack1', 'rack9', 'rack10', 'x.y/z', 'x0', 'x00']);
  const r = {
    apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkSet',
    metadata: { name: 'x', labels: { rack10: 'a', rack9: '0o17', rack1: '0O1_7' } },
  } as unknown as Resource;
  const text = encodeResources([r], 'yaml');
  assert.match(text, /labels:\n {4}rack1: "0O1_7"\n {4}rack9: "0o17"\n {4}rack10: a\n/);
  assert.deepEqual(decodeResources(text)[0], r);
});

test('encode: -o json prints spec fields in Go struct order, YAML stays sorted', () => {
  const [p] = decodeResources(`apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: q}
spec: {natOutgoing: true, cidr: 10.0.0.0/16}
`);
  const pool = validateResource(p!);
  const json = JSON.parse(encodeResources([pool], 'json')) as { spec: Record<string, unknown> };
  assert.deepEqual(Object.keys(json.spec), ['cidr', 'vxlanMode', 'ipipMode', 'natOutgoing', 'blockSize', 'nodeSelector', 'allowedUses', 'assignmentMode']);
  const [g] = decodeResources(`apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: p}
spec:
  selector: a == 'b'
  egress:
  - destination: {ports: [80], nets: [10.0.0.0/8]}
    protocol: TCP
    ipVersion: 4
    action: Allow
`);
  const gnp = JSON.parse(encodeResources([validateResource(g!)], 'json')) as { spec: { egress: Record<string, unknown>[] } & Record<string, unknown> };
  assert.deepEqual(Object.keys(gnp.spec), ['tier', 'egress', 'selector', 'types']);
  assert.deepEqual(Object.keys(gnp.spec.egress[0]!), ['action', 'ipVersion', 'protocol', 'destination']);
  assert.deepEqual(Object.keys(gnp.spec.egress[0]!.destination as object), ['nets', 'ports']);
  assert.match(encodeResources([pool], 'yaml'), /spec:\n {2}allowedUses:/);
});

test('decode: a numeric metadata name is read as calicoctl reads it', () => {
  const [r] = decodeResources('apiVersion: projectcalico.org/v3\nkind: GlobalNetworkSet\nmetadata: {name: 123}\n');
  assert.equal(r!.metadata.name, '123');
  assert.equal(validateResource(r!).metadata.name, '123');
});
