import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check } from './kind-test-util.js';
import { validateResource, validateResourceUpdate } from '../validate-resource.js';
import { ipPoolOverlapIssue } from './ip-pool.js';
import type { Resource } from '../types.js';
import { netv4_3, netv4_4, netv4_5, netv6_1, netv6_3, netv6_4 } from '../testdata/validator-values.js';

// Cases ported from libcalico-go validator_test.go "(API) IPPool", "IPIPMode", "VXLANMode",
// metadata labels/annotations/name, and IPReservation.
const long = 'x'.repeat(256 * 1024);

const cases: [string, Record<string, unknown>, boolean, Record<string, unknown>?][] = [
  ['accept IPv4 /26', { cidr: netv4_3 }, true],
  ['accept IPv4 /10', { cidr: netv4_4 }, true],
  ['accept IPv6 /122', { cidr: netv6_3, ipipMode: 'Never', vxlanMode: 'Never' }, true],
  ['accept IPv6 /10', { cidr: netv6_4, ipipMode: 'Never', vxlanMode: 'Never' }, true],
  ['accept disabled IPv4 /27', { cidr: netv4_5, disabled: true }, true],
  ['accept disabled IPv6 /128', { cidr: netv6_1, ipipMode: 'Never', vxlanMode: 'Never', disabled: true }, true],
  ['reject IPv4 /27', { cidr: netv4_5 }, false],
  ['reject IPv6 /128', { cidr: netv6_1 }, false],
  ['reject IPv4 /33', { cidr: '1.2.3.4/33' }, false],
  ['reject IPv6 /129', { cidr: 'aa:bb::/129' }, false],
  ['reject IPIP Always on IPv6', { cidr: netv6_1, ipipMode: 'Always', vxlanMode: 'Never' }, false],
  ['reject VXLAN Always on small IPv6', { cidr: netv6_1, vxlanMode: 'Always', ipipMode: 'Never' }, false],
  ['reject IPv4 link-local overlap', { cidr: '169.254.5.0/24' }, false],
  ['reject IPv6 link-local overlap', { cidr: 'fe80::/120' }, false],
  ['accept allowed uses', { cidr: netv4_4, allowedUses: ['Workload', 'Tunnel'] }, true],
  ['reject LoadBalancer with Tunnel', { cidr: netv4_4, allowedUses: ['LoadBalancer', 'Tunnel'] }, false],
  ['reject unknown use', { cidr: netv4_4, allowedUses: ['Garbage'] }, false],
  ['accept assignmentMode Automatic', { cidr: netv4_4, assignmentMode: 'Automatic' }, true],
  ['reject invalid assignmentMode', { cidr: netv4_4, assignmentMode: 'Invalid' }, false],
  ['reject LoadBalancer + disableBGPExport', { cidr: netv4_4, allowedUses: ['LoadBalancer'], disableBGPExport: true }, false],
  ['reject LoadBalancer + VXLAN', { cidr: netv4_4, allowedUses: ['LoadBalancer'], vxlanMode: 'Always' }, false],
  ['reject LoadBalancer + IPIP', { cidr: netv4_4, allowedUses: ['LoadBalancer'], ipipMode: 'Always' }, false],
  ['reject LoadBalancer + nodeSelector', { cidr: netv4_4, allowedUses: ['LoadBalancer'], nodeSelector: '!all()' }, false],
  ['reject Tunnel + namespaceSelector', { cidr: netv4_4, allowedUses: ['Tunnel'], namespaceSelector: 'region == "east"' }, false],
  ['reject Workload,Tunnel + namespaceSelector', { cidr: netv4_4, allowedUses: ['Workload', 'Tunnel'], namespaceSelector: 'region == "east"' }, false],
  ['accept Tunnel without namespaceSelector', { cidr: netv4_4, allowedUses: ['Tunnel'] }, true],
  ['reject global() nodeSelector', { cidr: netv4_4, nodeSelector: 'global()' }, false],
  ['accept nodeSelector', { cidr: netv4_4, nodeSelector: 'region == "east"' }, true],
  ['accept complex nodeSelector', { cidr: netv4_4, nodeSelector: 'region == "east" && environment == "production"' }, true],
  ['accept set nodeSelector', { cidr: netv4_4, nodeSelector: 'region in {"east", "west"}' }, true],
  ['accept has() nodeSelector', { cidr: netv4_4, nodeSelector: 'has(team)' }, true],
  ['accept all() nodeSelector', { cidr: netv4_4, nodeSelector: 'all()' }, true],
  ['reject global() namespaceSelector', { cidr: netv4_4, namespaceSelector: 'global()' }, false],
  ['accept namespaceSelector', { cidr: netv4_4, namespaceSelector: 'region == "east"' }, true],
  ['accept || namespaceSelector', { cidr: netv4_4, namespaceSelector: 'team == "backend" || team == "frontend"' }, true],
  ['accept contains namespaceSelector', { cidr: netv4_4, namespaceSelector: 'environment contains "prod"' }, true],
  ['accept valid nodeSelector', { cidr: netv4_3, nodeSelector: 'foo == "bar"' }, true],
  ['reject invalid nodeSelector', { cidr: netv4_3, nodeSelector: 'this is not valid selector syntax' }, false],
  ['accept no IPIP mode', { cidr: '1.2.3.0/24' }, true],
  ['accept IPIP Never + VXLAN Never', { cidr: '1.2.3.0/24', ipipMode: 'Never', vxlanMode: 'Never' }, true],
  ['accept IPIP Always', { cidr: '1.2.3.0/24', ipipMode: 'Always' }, true],
  ['accept IPIP CrossSubnet', { cidr: '1.2.3.0/24', ipipMode: 'CrossSubnet' }, true],
  ['reject IPIP badVal', { cidr: '1.2.3.0/24', ipipMode: 'badVal' }, false],
  ['reject IPIP never (lower case)', { cidr: '1.2.3.0/24', ipipMode: 'never' }, false],
  ['reject IPIP and VXLAN', { cidr: '1.2.3.0/24', ipipMode: 'Always', vxlanMode: 'Always' }, false],
  ['accept VXLAN Always', { cidr: '1.2.3.0/24', vxlanMode: 'Always' }, true],
  ['accept VXLAN CrossSubnet', { cidr: '1.2.3.0/24', vxlanMode: 'CrossSubnet' }, true],
  ['reject VXLAN never', { cidr: '1.2.3.0/24', vxlanMode: 'never' }, false],
  ['reject non-nil legacy ipip', { cidr: '1.2.3.0/24', ipipMode: 'Never', ipip: { enabled: true, mode: 'always' } }, false],
  ['accept nat-outgoing false', { cidr: '1.2.3.0/24', ipipMode: 'Never', 'nat-outgoing': false }, true],
  ['reject nat-outgoing true', { cidr: '1.2.3.0/24', ipipMode: 'Never', 'nat-outgoing': true }, false],
  ['reject unstrict CIDR', { cidr: '10.0.0.1/24' }, false],
  ['reject missing CIDR', {}, false],
  ['reject IPv4 blockSize 19', { cidr: '10.0.0.0/8', blockSize: 19 }, false],
  ['reject IPv6 blockSize 115', { cidr: 'fd00::/48', blockSize: 115 }, false],
  ['accept IPv4 blockSize 32', { cidr: '10.0.0.0/8', blockSize: 32 }, true],
  ['reject a wrong field type', { cidr: 42 }, false],
];

for (const [name, spec, ok] of cases) {
  test(`IPPool: ${name}`, () => {
    const r = check('IPPool', spec);
    assert.equal(r.ok, ok, r.issues.join('; '));
  });
}

test('IPPool metadata: labels, annotations, name length', () => {
  const withMeta = checkMeta;
  assert.ok(withMeta({ labels: { 'projectcalico.org/label': 'x'.repeat(63) } }));
  assert.ok(!withMeta({ labels: { 'projectcalico.org/label': 'x'.repeat(64) } }));
  assert.ok(!withMeta({ labels: { 'ProjectCalico.org/label': 'value' } }));
  assert.ok(withMeta({ labels: { 'projectcalico.org/Label': 'value' } }));
  assert.ok(!withMeta({ annotations: { 'projectcalico.org$label': 'value' } }));
  assert.ok(withMeta({ annotations: { 'ProjectCalico.org/Label': 'value' } }));
  assert.ok(withMeta({ annotations: { key: long.slice(0, 256 * 1024 - 3) } }));
  assert.ok(!withMeta({ annotations: { key: long.slice(0, 256 * 1024 - 2) } }));
  assert.ok(withMeta({ name: 'x'.repeat(253) }));
  assert.ok(!withMeta({ name: 'x'.repeat(254) }));
  assert.ok(!withMeta({ name: 'Upper' }));
});

function checkMeta(meta: Record<string, unknown>): boolean {
  try {
    validateResource({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'pool.name', ...meta }, spec: { cidr: netv4_3 } });
    return true;
  } catch {
    return false;
  }
}

test('IPPool defaults as libcalico-go sets them on create', () => {
  const v4 = check('IPPool', { cidr: '10.1.0.0/16' }).result!;
  assert.deepEqual(v4.spec, {
    cidr: '10.1.0.0/16', blockSize: 26, ipipMode: 'Never', vxlanMode: 'Never', nodeSelector: 'all()',
    allowedUses: ['Workload', 'Tunnel'], assignmentMode: 'Automatic',
  });
  const v6 = check('IPPool', { cidr: 'FD00:10:244::/64', vxlanMode: 'Always' }).result!;
  assert.equal((v6.spec as Record<string, unknown>).blockSize, 122);
  assert.equal((v6.spec as Record<string, unknown>).cidr, 'fd00:10:244::/64');
  assert.equal((v6.spec as Record<string, unknown>).vxlanMode, 'Always');
  const bare = check('IPPool', { cidr: '10.0.0.5', disabled: true }).result!;
  assert.equal((bare.spec as Record<string, unknown>).cidr, '10.0.0.5/32');
});

test('IPPool messages follow Calico wording and name the field', () => {
  const r = check('IPPool', { cidr: '10.0.0.1/24', ipipMode: 'Always', vxlanMode: 'Always' });
  assert.ok(r.issues.includes('spec.cidr: IP pool CIDR is not strictly masked'), r.issues.join('; '));
  assert.ok(r.issues.includes('spec.vxlanMode: Cannot enable both VXLAN and IPIP on the same IPPool'));
  assert.deepEqual(check('IPPool', { cidr: 'garbage' }).issues, ['spec.cidr: IPPool CIDR must be a valid subnet']);
  assert.deepEqual(check('IPPool', { cidr: '10.0.0.0/16', foo: 1 }).issues, ['spec.foo: unknown field "foo"']);
});

test('ipPoolOverlapIssue reports an overlapping pool', () => {
  const mk = (name: string, cidr: string): Resource => ({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name }, spec: { cidr } });
  assert.equal(ipPoolOverlapIssue(mk('a', '10.0.0.0/16'), [mk('b', '10.1.0.0/16'), mk('a', '10.0.0.0/8')]), undefined);
  assert.equal(
    ipPoolOverlapIssue(mk('a', '10.0.0.0/16'), [mk('b', '10.0.128.0/17')]),
    'IPPool(a) CIDR overlaps with IPPool(b) CIDR 10.0.128.0/17',
  );
});

const reservations: [string, string[], boolean][] = [
  ['an IP', ['10.0.0.1'], true],
  ['a CIDR', ['10.0.1.0/24'], true],
  ['IP and CIDR', ['10.0.1.0/24', '192.168.0.34'], true],
  ['bad CIDR', ['garbage'], false],
  ['too-long CIDR', ['10.0.1.0/33'], false],
  ['IPv6', ['10.0.0.1', 'cafe::1', 'cafe:f00d::/96'], true],
];
for (const [name, cidrs, ok] of reservations) {
  test(`IPReservation: ${ok ? 'accept' : 'reject'} ${name}`, () => {
    const r = check('IPReservation', { reservedCIDRs: cidrs }, { name: 'ip-reservation.name' });
    assert.equal(r.ok, ok, r.issues.join('; '));
  });
}

test('IPPool update: CIDR and blockSize cannot be modified (libcalico-go ipPools.Update)', () => {
  const old = check('IPPool', { cidr: '10.0.0.0/16' }, { name: 'p' }).result!;
  const upd = (spec: Record<string, unknown>) => {
    try {
      validateResourceUpdate(old, { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p' }, spec });
      return [];
    } catch (e) {
      return (e as { issues: { path: string; reason: string }[] }).issues.map((i) => `${i.path}: ${i.reason}`);
    }
  };
  assert.deepEqual(upd({ cidr: '10.0.0.0/16', natOutgoing: true }), []);
  assert.deepEqual(upd({ cidr: '10.1.0.0/16' }), ['spec.cidr: IPPool CIDR cannot be modified']);
  assert.deepEqual(upd({ cidr: '10.0.0.0/16', blockSize: 28 }), ['spec.blockSize: IPPool BlockSize cannot be modified']);
});

test('empty strings in plain Go string enums mean "unset" (omitempty validation)', () => {
  const r = check('IPPool', { cidr: '10.0.0.0/16', ipipMode: '', vxlanMode: '' });
  assert.ok(r.ok, r.issues.join('; '));
  assert.equal((r.result!.spec as Record<string, unknown>).ipipMode, 'Never');
  assert.ok(!check('IPPool', { cidr: '10.0.0.0/16', assignmentMode: '' }).ok, 'assignmentMode is a pointer in Go: "" is a value');
  assert.ok(check('BGPConfiguration', { logSeverityScreen: '' }, { name: 'default' }).ok);
  assert.ok(check('FelixConfiguration', { logSeverityScreen: '', iptablesBackend: '' }, { name: 'default' }).ok);
  assert.ok(!check('FelixConfiguration', { bpfConntrackMode: '' }, { name: 'default' }).ok, 'pointer enum');
});
