/** Ported from conversion_test.go: Namespace / ServiceAccount conversion, UID conversion, revisions, port simplification. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  convertUid,
  joinProfileRevisions,
  namespaceToProfile,
  normaliseCidr,
  portFromString,
  portToString,
  profileNameToNamespace,
  profileNameToServiceAccount,
  serviceAccountToProfile,
  simplifyPorts,
  splitProfileRevision,
} from './index.js';

const UID = '30316465-6365-4463-ad63-3564622d3638';

describe('UID conversion', () => {
  test('converts, keeps version bits, converts back', () => {
    const c = convertUid(UID);
    assert.equal(c, '0c8c26a6-c6a6-44c6-adc6-ac2646b46c1c');
    assert.equal(c[14], '4');
    assert.equal(convertUid(c), UID);
  });
  test('rejects non-UUIDs', () => {
    assert.throws(() => convertUid('not-a-uid'));
    assert.throws(() => convertUid(''));
  });
  test('accepts the other forms Go uuid.Parse accepts', () => {
    assert.equal(convertUid(`{${UID}}`), convertUid(UID));
    assert.equal(convertUid(`urn:uuid:${UID}`), convertUid(UID));
    assert.equal(convertUid(UID.replace(/-/g, '')), convertUid(UID));
    assert.equal(convertUid(UID.toUpperCase()), convertUid(UID));
  });
  test('round trip keeps v4 version bits for random UUIDs', () => {
    for (let i = 0; i < 2000; i++) {
      const u = randomUUID();
      const c = convertUid(u);
      assert.equal(c[14], '4');
      assert.equal(convertUid(c), u);
    }
  });
});

describe('Namespace conversion', () => {
  test('namespace to profile', () => {
    const p = namespaceToProfile({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'default', labels: { foo: 'bar', roger: 'rabbit' }, annotations: {}, uid: UID },
      spec: {},
    });
    assert.deepEqual(p, {
      kind: 'Profile',
      apiVersion: 'projectcalico.org/v3',
      metadata: { name: 'kns.default', uid: '0c8c26a6-c6a6-44c6-adc6-ac2646b46c1c' },
      spec: {
        ingress: [{ action: 'Allow' }],
        egress: [{ action: 'Allow' }],
        labelsToApply: { 'pcns.foo': 'bar', 'pcns.projectcalico.org/name': 'default', 'pcns.roger': 'rabbit' },
      },
    });
  });
  test('no labels: only the name label', () => {
    const p = namespaceToProfile({ metadata: { name: 'default', annotations: {}, uid: UID } });
    assert.deepEqual(p.spec.labelsToApply, { 'pcns.projectcalico.org/name': 'default' });
    assert.deepEqual(p.spec.ingress, [{ action: 'Allow' }]);
    assert.deepEqual(p.spec.egress, [{ action: 'Allow' }]);
  });
  test('network-policy annotation (valid, malformed, empty) is ignored', () => {
    for (const a of ['{"ingress": {"isolation": "DefaultDeny"}}', 'invalidJSON', '{}']) {
      const p = namespaceToProfile({ metadata: { name: 'default', annotations: { 'net.beta.kubernetes.io/network-policy': a }, uid: UID } });
      assert.deepEqual(p.spec.ingress, [{ action: 'Allow' }]);
      assert.deepEqual(p.spec.egress, [{ action: 'Allow' }]);
    }
  });
  test('deterministic UID distinct from the namespace UID', () => {
    const ns = { metadata: { name: 'default', uid: UID } };
    assert.equal(namespaceToProfile(ns).metadata.uid, namespaceToProfile(ns).metadata.uid);
    assert.notEqual(namespaceToProfile(ns).metadata.uid, UID);
  });
  test('resource version and timestamp', () => {
    const p = namespaceToProfile({ metadata: { name: 'n', resourceVersion: '7', creationTimestamp: '2024-01-01T00:00:00Z' } });
    assert.deepEqual(p.metadata, { name: 'kns.n', resourceVersion: '7/', creationTimestamp: '2024-01-01T00:00:00Z' });
  });
});

describe('ServiceAccount conversion', () => {
  test('service account in default namespace', () => {
    const p = serviceAccountToProfile({ metadata: { name: 'sa-test', labels: { foo: 'bar', roger: 'rabbit' }, annotations: {}, uid: UID } });
    assert.deepEqual(p, {
      kind: 'Profile',
      apiVersion: 'projectcalico.org/v3',
      metadata: { name: 'ksa.default.sa-test', uid: '0c8c26a6-c6a6-44c6-adc6-ac2646b46c1c' },
      spec: { labelsToApply: { 'pcsa.foo': 'bar', 'pcsa.projectcalico.org/name': 'sa-test', 'pcsa.roger': 'rabbit' } },
    });
    assert.equal(p.spec.ingress, undefined);
    assert.equal(p.spec.egress, undefined);
  });
  test('service account in a namespace', () => {
    const p = serviceAccountToProfile({ metadata: { name: 'sa-test', namespace: 'test', uid: UID, resourceVersion: '9' } });
    assert.equal(p.metadata.name, 'ksa.test.sa-test');
    assert.equal(p.metadata.resourceVersion, '/9');
    assert.notEqual(p.metadata.uid, UID);
  });
  test('no labels: only the name label', () => {
    const p = serviceAccountToProfile({ metadata: { name: 'sa-test', uid: UID } });
    assert.deepEqual(p.spec.labelsToApply, { 'pcsa.projectcalico.org/name': 'sa-test' });
  });
});

describe('profile names and revisions', () => {
  test('profile names', () => {
    assert.equal(profileNameToNamespace('kns.default'), 'default');
    assert.throws(() => profileNameToNamespace('ksa.default.x'));
    assert.deepEqual(profileNameToServiceAccount('ksa.test.sa-test'), { namespace: 'test', name: 'sa-test' });
    assert.deepEqual(profileNameToServiceAccount('ksa.test.sa.with.dots'), { namespace: 'test', name: 'sa.with.dots' });
    assert.throws(() => profileNameToServiceAccount('ksa.test'));
    assert.throws(() => profileNameToServiceAccount('kns.test'));
  });
  test('join and split revisions', () => {
    assert.equal(joinProfileRevisions('1234', '5678'), '1234/5678');
    assert.equal(joinProfileRevisions('', '5678'), '/5678');
    assert.equal(joinProfileRevisions('1234', ''), '1234/');
    assert.deepEqual(splitProfileRevision(''), { nsRev: '', saRev: '' });
    assert.deepEqual(splitProfileRevision('/'), { nsRev: '', saRev: '' });
    assert.deepEqual(splitProfileRevision('1234/5678'), { nsRev: '1234', saRev: '5678' });
    assert.deepEqual(splitProfileRevision('/5678'), { nsRev: '', saRev: '5678' });
    assert.deepEqual(splitProfileRevision('1234/'), { nsRev: '1234', saRev: '' });
    assert.throws(() => splitProfileRevision('1234'));
    assert.throws(() => splitProfileRevision('1234/5678/1313'));
  });
});

describe('port simplification table', () => {
  const cases: Array<[string, string]> = [
    ['', ''],
    ['0', '0'],
    ['1', '1'],
    ['65535', '65535'],
    ['0:65535', '0:65535'],
    ['1,2', '1:2'],
    ['2,1', '1:2'],
    ['1,2,4', '1:2,4'],
    ['1,2,3,4,80:81,81:90,9090', '1:4,80:90,9090'],
    ['81:90,4,2,80:81,3,1,9090', '1:4,80:90,9090'],
    ['81:90,4,2,foo,80:81,3,1,9090,http', 'foo,http,1:4,80:90,9090'],
    ['foo', 'foo'],
  ];
  for (const [input, want] of cases) {
    test(`${input} -> ${want}`, () => {
      const ports = input.split(',').filter((p) => p !== '').map(portFromString);
      assert.equal(simplifyPorts(ports).map(portToString).join(','), want);
    });
  }
  test('portFromString errors', () => {
    assert.throws(() => portFromString('65536'), /invalid port format \(65536\)/);
    assert.throws(() => portFromString('1:65536'), /invalid maximum port number in range \(1:65536\)/);
    assert.throws(() => portFromString('bad name'), /invalid name for named port \(bad name\)/);
  });
});

describe('CIDR normalisation (Go net.ParseCIDR + IPNet.String)', () => {
  const cases: Array<[string, string | null]> = [
    ['192.168.0.0/16', '192.168.0.0/16'],
    ['192.168.1.1/16', '192.168.0.0/16'],
    ['10.0.0.1/32', '10.0.0.1/32'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['192.168.0.0/55', null],
    ['192.168.0.0', null],
    ['192.168.0.01/24', null],
    ['256.0.0.0/8', null],
    ['2001:db8::1/64', '2001:db8::/64'],
    ['2001:DB8:0:0:0:0:0:1/128', '2001:db8::1/128'],
    ['fe80:0:0:1:0:0:0:0/64', 'fe80:0:0:1::/64'],
    ['::/0', '::/0'],
    ['::1/128', '::1/128'],
    ['1:0:0:1:0:0:0:1/128', '1:0:0:1::1/128'],
    ['::ffff:1.2.3.4/120', '1.2.3.0/24'],
    ['2001:db8::/129', null],
    ['2001:db8:::1/64', null],
    ['1:2:3:4:5:6:7:8:9/64', null],
  ];
  for (const [input, want] of cases) {
    test(`${input} -> ${want}`, () => assert.equal(normaliseCidr(input), want));
  }
});
