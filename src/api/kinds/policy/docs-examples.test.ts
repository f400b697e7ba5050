/**
 * Round trips of the sample YAML on Calico's resource reference pages
 * (docs 3.31: networkpolicy, globalnetworkpolicy, stagednetworkpolicy,
 * stagedglobalnetworkpolicy, stagedkubernetesnetworkpolicy, tier,
 * networkset, globalnetworkset, hostendpoint, workloadendpoint, profile):
 * decode, validate, and compare with the input plus the defaults Calico
 * shows on `calicoctl get -o yaml`. Then encode and decode again.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeResources } from '../../codec/decode.js';
import { encodeResources } from '../../codec/encode.js';
import { validateResource } from '../../validate-resource.js';
import type { Resource } from '../../types.js';
import { WORKLOAD_ENDPOINT_SAMPLE } from '../../testdata/docs-samples.js';
import './index.js';

interface Example {
  readonly page: string;
  readonly yaml: string;
  /** Applies the expected defaults to a copy of the decoded input. */
  readonly defaults: (r: Resource) => void;
}

type Obj = Record<string, unknown>;
const spec = (r: Resource) => r.spec as Obj;

const examples: readonly Example[] = [
  // Docs examples that the full sweep (docs-sweep.test.ts, testdata/docs-resources.ts) already
  // round-trips with independently written defaults are not repeated here; these are the rest.
  {
    page: 'workloadendpoint.mdx',
    yaml: WORKLOAD_ENDPOINT_SAMPLE,
    defaults: () => {},
  },
];

describe('Calico docs sample YAML round trips', () => {
  for (const ex of examples) {
    it(ex.page, () => {
      const [decoded] = decodeResources(ex.yaml, ex.page);
      assert.ok(decoded);
      const expected = structuredClone(decoded);
      ex.defaults(expected);
      const stored = validateResource(decoded, ex.page);
      assert.deepEqual(stored, expected);
      // Encoding the stored form and reading it back gives the same resource.
      const [again] = decodeResources(encodeResources([stored], 'yaml'), ex.page);
      assert.deepEqual(validateResource(again, ex.page), stored);
    });
  }
});

describe('policy defaults', () => {
  const v = (o: Obj) => validateResource({ apiVersion: 'projectcalico.org/v3', ...o });

  it('infers types from the rules present (clientv3 defaultPolicyTypesField)', () => {
    const types = (s: Obj) => (v({ kind: 'NetworkPolicy', metadata: { name: 'p' }, spec: s }).spec as Obj).types;
    assert.deepEqual(types({}), ['Ingress']);
    assert.deepEqual(types({ ingress: [{ action: 'Allow' }] }), ['Ingress']);
    assert.deepEqual(types({ egress: [{ action: 'Allow' }] }), ['Egress']);
    assert.deepEqual(types({ ingress: [{ action: 'Allow' }], egress: [{ action: 'Deny' }] }), ['Ingress', 'Egress']);
    assert.deepEqual(types({ egress: [{ action: 'Allow' }], types: ['Ingress'] }), ['Ingress']);
  });

  it('keeps a default-tier policy name as written and fills the tier', () => {
    for (const name of ['web', 'default.web']) {
      const r = v({ kind: 'GlobalNetworkPolicy', metadata: { name }, spec: {} });
      assert.equal(r.metadata.name, name);
      assert.equal((r.spec as Obj).tier, 'default');
      assert.equal(r.metadata.labels?.['projectcalico.org/tier'], 'default');
    }
  });

  it('labels a policy with its non-default tier', () => {
    const r = v({ kind: 'NetworkPolicy', metadata: { name: 'sec.web', labels: { 'projectcalico.org/tier': 'x' } }, spec: { tier: 'sec' } });
    assert.equal(r.metadata.labels?.['projectcalico.org/tier'], 'sec');
  });

  it('clears types on a staged Delete', () => {
    const r = v({ kind: 'StagedNetworkPolicy', metadata: { name: 'eng.web' }, spec: { stagedAction: 'Delete', tier: 'eng', types: ['Egress'] } });
    assert.deepEqual(r.spec, { stagedAction: 'Delete', tier: 'eng' });
  });

  it('defaults a tier to order 1,000,000 and action Deny', () => {
    assert.deepEqual(v({ kind: 'Tier', metadata: { name: 'net-sec' } }).spec, { order: 1_000_000, defaultAction: 'Deny' });
  });

  it('labels a workload endpoint with its namespace and orchestrator', () => {
    const r = v({
      kind: 'WorkloadEndpoint',
      metadata: { name: 'node1-cni-abc123-eth0', namespace: 'ns1' },
      spec: { node: 'node1', orchestrator: 'cni', containerID: 'abc123', endpoint: 'eth0', interfaceName: 'cali1' },
    });
    assert.deepEqual(r.metadata.labels, { 'projectcalico.org/namespace': 'ns1', 'projectcalico.org/orchestrator': 'cni' });
  });

  it('rejects a workload endpoint whose name does not match its identifiers', () => {
    assert.throws(
      () =>
        v({
          kind: 'WorkloadEndpoint',
          metadata: { name: 'wrong', namespace: 'ns1' },
          spec: { node: 'node1', orchestrator: 'k8s', pod: 'my-pod', endpoint: 'eth0', interfaceName: 'cali1' },
        }),
      /expected name node1-k8s-my--pod-eth0/,
    );
  });

  it('stores numeric protocol and port strings as numbers', () => {
    const r = v({
      kind: 'NetworkPolicy',
      metadata: { name: 'p' },
      spec: { ingress: [{ action: 'Allow', protocol: '6', destination: { ports: ['443', '8000:8080'] } }] },
    });
    assert.deepEqual((r.spec as { ingress: Obj[] }).ingress[0], { action: 'Allow', protocol: 6, destination: { ports: [443, '8000:8080'] } });
  });

  it('reports the document, field and reason for a bad port range', () => {
    assert.throws(
      () =>
        v({
          kind: 'NetworkPolicy',
          metadata: { name: 'p' },
          spec: { ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: [80, '90:80'] } }] },
        }),
      /spec\.ingress\[0\]\.destination\.ports\[1\]: invalid port range "90:80"/,
    );
  });
});
