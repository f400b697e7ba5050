import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import { parse } from 'yaml';
import { MemoryDatastore } from '../datastore/memory/memory-datastore.js';
import { isSubset, runCtl, TempDir } from './ctl-test-support.js';

const tmp = new TempDir();
after(() => tmp.remove());

let ds: MemoryDatastore;
beforeEach(() => {
  ds = new MemoryDatastore();
});
const ctl = (args: string, stdin?: string) => runCtl(args.split(' ').filter(Boolean), { ds, ...(stdin !== undefined ? { stdin } : {}) });

/** Policy-side kinds written the way Calico's docs write them. */
const POLICY_DOCS = `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: allow-tcp-6379
  namespace: production
spec:
  selector: role == 'database'
  types:
  - Ingress
  - Egress
  ingress:
  - action: Allow
    metadata:
      annotations:
        from: frontend
        to: database
    protocol: TCP
    source:
      selector: role == 'frontend'
    destination:
      ports:
      - 6379
  egress:
  - action: Allow
---
apiVersion: projectcalico.org/v3
kind: Tier
metadata:
  name: security
spec:
  order: 300
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: security.deny-blue
spec:
  tier: security
  order: 100
  selector: color == 'blue'
  ingress:
  - action: Deny
    protocol: ICMP
    icmp:
      type: 8
---
apiVersion: projectcalico.org/v3
kind: NetworkSet
metadata:
  name: external-database
  namespace: staging
  labels:
    role: db
spec:
  nets:
  - 198.51.100.0/28
  - 203.0.113.0/24
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkSet
metadata:
  name: a-name-for-the-set
  labels:
    role: external-database
spec:
  nets:
  - 198.51.100.0/28
---
apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata:
  name: some.name
  labels:
    type: production
spec:
  interfaceName: eth0
  node: myhost
  expectedIPs:
  - 192.168.0.1
  - 192.168.0.2
  profiles:
  - profile1
  ports:
  - name: some-port
    port: 1234
    protocol: TCP
---
apiVersion: projectcalico.org/v3
kind: Profile
metadata:
  name: dev-apps
spec:
  ingress:
  - action: Deny
    source:
      nets:
      - 10.0.20.0/24
  - action: Allow
    source:
      selector: stage == 'development'
  egress:
  - action: Allow
  labelsToApply:
    stage: development
`;

function docs(text: string): Record<string, unknown>[] {
  return text.split(/^---$/m).map((d) => parse(d) as Record<string, unknown>);
}

const GET_NAME: Record<string, (d: Record<string, any>) => string> = {
  NetworkPolicy: (d) => `networkpolicy ${d.metadata.name} -n ${d.metadata.namespace}`,
  NetworkSet: (d) => `networkset ${d.metadata.name} -n ${d.metadata.namespace}`,
};

describe('calicoctl round trip', () => {
  it('applies the documented YAML of every policy-side kind and reads back the input plus defaults and metadata', async () => {
    const file = tmp.write('policy.yaml', POLICY_DOCS);
    const applied = await ctl(`apply -f ${file}`);
    assert.equal(applied.err, '');
    assert.equal(applied.code, 0);
    assert.equal(applied.out, 'Successfully applied 7 resource(s)\n');
    for (const input of docs(POLICY_DOCS)) {
      const d = input as Record<string, any>;
      const args = GET_NAME[d.kind]?.(d) ?? `${d.kind} ${d.metadata.name}`;
      const got = await ctl(`get ${args} -o yaml`);
      assert.equal(got.code, 0, got.err);
      const out = parse(got.out) as Record<string, any>;
      assert.ok(isSubset(input, out), `${d.kind}: ${got.out} does not contain the input`);
      assert.match(out.metadata.uid, /^[0-9a-f-]{36}$/);
      assert.match(out.metadata.resourceVersion, /^\d+$/);
      assert.match(out.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      // Reading back what was printed and applying it again changes nothing but the revision.
      const again = await ctl('apply -f -', got.out);
      assert.equal(again.code, 0, again.err);
      const reread = parse((await ctl(`get ${args} -o yaml`)).out) as Record<string, any>;
      assert.deepEqual({ ...reread, metadata: { ...reread.metadata, resourceVersion: 'x' } }, { ...out, metadata: { ...out.metadata, resourceVersion: 'x' } });
    }
  });

  it('fills Calico defaults: policy types, tier and the tier label', async () => {
    const file = tmp.write('gnp.yaml', `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: allow-all
spec:
  selector: all()
  ingress:
  - action: Allow
`);
    assert.equal((await ctl(`create -f ${file}`)).code, 0);
    const out = parse((await ctl('get globalnetworkpolicy allow-all -o yaml')).out) as Record<string, any>;
    assert.deepEqual(out.spec.types, ['Ingress']);
    assert.equal(out.spec.tier, 'default');
    assert.equal(out.metadata.labels['projectcalico.org/tier'], 'default');
  });

  it('prints a List for get without names, with the store revision', async () => {
    await ctl(`apply -f ${tmp.write('p2.yaml', POLICY_DOCS)}`);
    const out = parse((await ctl('get globalnetworksets -o yaml')).out) as Record<string, any>;
    assert.equal(out.kind, 'GlobalNetworkSetList');
    assert.equal(out.apiVersion, 'projectcalico.org/v3');
    assert.equal(out.items.length, 1);
    assert.equal(out.metadata.resourceVersion, String(await ds.currentRevision()));
    const json = JSON.parse((await ctl('get globalnetworkset a-name-for-the-set -o json')).out) as Record<string, any>;
    assert.deepEqual(Object.keys(json).slice(0, 3), ['kind', 'apiVersion', 'metadata']);
  });
});

describe('calicoctl bad input changes nothing', () => {
  const good = `apiVersion: projectcalico.org/v3
kind: GlobalNetworkSet
metadata:
  name: good-one
spec:
  nets: [10.0.0.0/8]
`;
  const cases: [string, string, RegExp][] = [
    ['port range', `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: np1, namespace: default}
spec:
  ingress:
  - action: Allow
    protocol: TCP
    destination:
      ports: [80, "90:80"]
`, /spec\.ingress\[0\]\.destination\.ports\[1\]/],
    ['selector', `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: gnp1}
spec:
  selector: "role == 'db' &&"
`, /spec\.selector/],
    ['unknown field', `apiVersion: projectcalico.org/v3
kind: GlobalNetworkSet
metadata: {name: gns1}
spec:
  netz: [10.0.0.0/8]
`, /spec\.netz/],
    ['CIDR', `apiVersion: projectcalico.org/v3
kind: GlobalNetworkSet
metadata: {name: gns2}
spec:
  nets: [10.0.0.300/8]
`, /spec\.nets\[0\]/],
    ['protocol', `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: gnp2}
spec:
  ingress:
  - action: Allow
    protocol: TCPX
`, /spec\.ingress\[0\]\.protocol/],
    ['ICMP type', `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: gnp3}
spec:
  ingress:
  - action: Allow
    protocol: ICMP
    icmp: {type: 300}
`, /spec\.ingress\[0\]\.icmp\.type/],
  ];
  for (const [what, bad, field] of cases) {
    it(`rejects a bad ${what} in document 3 of 3 and writes none of them`, async () => {
      const file = tmp.write(`bad-${what.replace(/ /g, '-')}.yaml`, `${good}---\n${good.replace('good-one', 'good-two')}---\n${bad}`);
      for (const verb of ['apply', 'create', 'replace']) {
        const before = await ds.currentRevision();
        const r = await ctl(`${verb} -f ${file}`);
        assert.equal(r.code, 1, `${verb} ${what}`);
        assert.match(r.err, /document 3/);
        assert.match(r.err, field);
        assert.match(r.err, new RegExp(`failed to ${verb} any ('\\w+' )?resources`));
        assert.equal(r.out, '');
        assert.equal(await ds.currentRevision(), before);
      }
      assert.equal((await ctl('get globalnetworksets -o yaml')).out.includes('good-one'), false);
    });
  }

  it('rejects an unknown kind before writing anything', async () => {
    const file = tmp.write('unknown-kind.yaml', `${good}---\napiVersion: projectcalico.org/v3\nkind: NoSuchKind\nmetadata: {name: x}\n`);
    const r = await ctl(`apply -f ${file}`);
    assert.equal(r.code, 1);
    assert.match(r.err, /failed to execute command: .*document 2.*NoSuchKind/);
    assert.equal(await ds.currentRevision(), 0);
  });

  it('rejects YAML that does not parse', async () => {
    const r = await ctl(`apply -f ${tmp.write('broken.yaml', 'kind: [\n')}`);
    assert.equal(r.code, 1);
    assert.match(r.err, /failed to execute command/);
    assert.equal(await ds.currentRevision(), 0);
  });
});
