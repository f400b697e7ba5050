/**
 * Ported from libcalico-go backend/k8s/conversion/conversion_test.go
 * ("Test NetworkPolicy conversion", "... no policyTypes", selector table).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { convertK8sNetworkPolicy, k8sSelectorToCalico } from './index.js';
import { parseSelector } from '../../selector/index.js';
import { k8sNetworkPolicySampleObject } from '../testdata/docs-samples.js';

const UID = '30316465-6365-4463-ad63-3564622d3638';
const CONVERTED_UID = '0c8c26a6-c6a6-44c6-adc6-ac2646b46c1c';
const ORCH = "projectcalico.org/orchestrator == 'k8s'";
const KV = `${ORCH} && k == 'v' && k2 == 'v2'`;

function knp(spec: Record<string, unknown>, name = 'test.policy'): Record<string, unknown> {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace: 'default', uid: UID },
    spec,
  };
}

function convert(spec: Record<string, unknown>, name?: string) {
  const r = convertK8sNetworkPolicy(knp(spec, name));
  // Every selector the converter emits must be valid Calico syntax.
  const rules = [...(r.policy.spec.ingress ?? []), ...(r.policy.spec.egress ?? [])];
  parseSelector(r.policy.spec.selector);
  for (const rule of rules) {
    for (const e of [rule.source, rule.destination]) {
      if (e?.selector !== undefined) parseSelector(e.selector);
      if (e?.namespaceSelector !== undefined) parseSelector(e.namespaceSelector);
    }
  }
  return r;
}

const kvPeer = { podSelector: { matchLabels: { k: 'v', k2: 'v2' } } };
const labelSel = { matchLabels: { label: 'value', label2: 'value2' } };

describe('k8sSelectorToCalico table', () => {
  const cases: Array<[string, unknown, 'pod' | 'namespace', string]> = [
    ['empty pod selector', {}, 'pod', ORCH],
    ['empty namespace selector', {}, 'namespace', 'all()'],
    ['DoesNotExist namespace selector', { matchExpressions: [{ key: 'toast', operator: 'DoesNotExist' }] }, 'namespace', '! has(toast)'],
    ['Exists namespace selector', { matchExpressions: [{ key: 'toast', operator: 'Exists' }] }, 'namespace', 'has(toast)'],
    ['In namespace selector', { matchExpressions: [{ key: 'toast', operator: 'In', values: ['butter', 'jam'] }] }, 'namespace', "toast in { 'butter', 'jam' }"],
    ['NotIn namespace selector', { matchExpressions: [{ key: 'toast', operator: 'NotIn', values: ['marmite', 'milk'] }] }, 'namespace', "toast not in { 'marmite', 'milk' }"],
    ['DoesNotExist pod selector', { matchExpressions: [{ key: 'toast', operator: 'DoesNotExist' }] }, 'pod', `${ORCH} && ! has(toast)`],
    ['nil pod selector', undefined, 'pod', ORCH],
    ['nil namespace selector', undefined, 'namespace', ''],
  ];
  for (const [name, sel, type, want] of cases) {
    test(name, () => assert.equal(k8sSelectorToCalico(sel as never, type), want));
  }
});

describe('NetworkPolicy conversion', () => {
  test('basic policy: name, order, tier, sorted selectors, ports, types, metadata', () => {
    const { policy, errors } = convert({
      podSelector: labelSel,
      ingress: [{ ports: [{ port: 80 }, { port: 'foo' }], from: [kvPeer] }],
      policyTypes: ['Ingress'],
    });
    assert.deepEqual(errors, []);
    assert.deepEqual(policy, {
      kind: 'NetworkPolicy',
      apiVersion: 'projectcalico.org/v3',
      metadata: { name: 'knp.default.test.policy', namespace: 'default', uid: CONVERTED_UID },
      spec: {
        tier: 'default',
        order: 1000,
        ingress: [{ action: 'Allow', protocol: 'TCP', source: { selector: KV }, destination: { ports: [80, 'foo'] } }],
        selector: `${ORCH} && label == 'value' && label2 == 'value2'`,
        types: ['Ingress'],
      },
    });
    assert.deepEqual(Object.keys(policy.spec), ['tier', 'order', 'ingress', 'selector', 'types']);
  });

  test('no ports: no protocol', () => {
    const { policy } = convert({ podSelector: labelSel, ingress: [{ from: [kvPeer] }], policyTypes: ['Ingress'] });
    assert.deepEqual(policy.spec.ingress, [{ action: 'Allow', source: { selector: KV } }]);
  });

  test('blank port entry widens to all TCP ports', () => {
    const { policy } = convert({ podSelector: labelSel, ingress: [{ ports: [{ port: 80 }, {}], from: [kvPeer] }], policyTypes: ['Ingress'] });
    assert.deepEqual(policy.spec.ingress, [{ action: 'Allow', protocol: 'TCP', source: { selector: KV } }]);
  });

  test('egress with blank ports', () => {
    const { policy } = convert({
      podSelector: labelSel,
      egress: [{ ports: [{}, { port: 80 }], to: [kvPeer] }, { ports: [{ port: 53, protocol: 'UDP' }] }],
      policyTypes: ['Egress'],
    });
    assert.deepEqual(policy.spec.egress, [
      { action: 'Allow', protocol: 'TCP', destination: { selector: KV } },
      { action: 'Allow', protocol: 'UDP', destination: { ports: [53] } },
    ]);
    assert.deepEqual(policy.spec.types, ['Egress']);
    assert.equal(policy.spec.ingress, undefined);
  });

  test('drops rules with invalid ports and reports them (ingress)', () => {
    const { policy, errors } = convert({
      podSelector: labelSel,
      ingress: [
        { ports: [{ port: 80 }, { port: 'foo' }], from: [kvPeer] },
        { ports: [{ port: 80 }, { port: '-50:-1' }], from: [kvPeer] },
      ],
      policyTypes: ['Ingress'],
    });
    assert.deepEqual(errors, [
      {
        direction: 'ingress',
        index: 1,
        reason: "k8s rule couldn't be converted: failed to parse k8s port: invalid port -50:-1: invalid name for named port (-50:-1)",
      },
    ]);
    assert.deepEqual(policy.spec.ingress, [
      { action: 'Allow', protocol: 'TCP', source: { selector: KV }, destination: { ports: [80, 'foo'] } },
    ]);
  });

  test('drops rules with invalid ports and reports them (egress, types Ingress only)', () => {
    const { policy, errors } = convert({
      podSelector: labelSel,
      egress: [
        { ports: [{ port: 80 }, { port: 'foo' }], to: [kvPeer] },
        { ports: [{ port: 80 }, { port: '-50:-1' }], to: [kvPeer] },
        { ports: [{ port: 80 }, { port: '-22:-3' }], to: [kvPeer] },
      ],
      policyTypes: ['Ingress'],
    });
    assert.deepEqual(
      errors.map((e) => [e.direction, e.index, e.reason]),
      [
        ['egress', 1, "k8s rule couldn't be converted: failed to parse k8s port: invalid port -50:-1: invalid name for named port (-50:-1)"],
        ['egress', 2, "k8s rule couldn't be converted: failed to parse k8s port: invalid port -22:-3: invalid name for named port (-22:-3)"],
      ],
    );
    assert.deepEqual(policy.spec.egress, [
      { action: 'Allow', protocol: 'TCP', destination: { selector: KV, ports: [80, 'foo'] } },
    ]);
    assert.deepEqual(policy.spec.types, ['Ingress']);
  });

  test('no rules', () => {
    const { policy } = convert({ podSelector: { matchLabels: { label: 'value' } }, policyTypes: ['Ingress'] });
    assert.equal(policy.metadata.name, 'knp.default.test.policy');
    assert.equal(policy.spec.order, 1000);
    assert.equal(policy.spec.selector, `${ORCH} && label == 'value'`);
    assert.equal(policy.spec.ingress, undefined);
    assert.equal(policy.spec.egress, undefined);
    assert.deepEqual(policy.spec.types, ['Ingress']);
  });

  test('default-deny egress', () => {
    const { policy } = convert({ podSelector: {}, policyTypes: ['Egress'] }, 'testPolicy');
    assert.equal(policy.metadata.name, 'knp.default.testPolicy');
    assert.equal(policy.metadata.namespace, 'default');
    assert.equal(policy.spec.selector, ORCH);
    assert.equal(policy.spec.ingress, undefined);
    assert.equal(policy.spec.egress, undefined);
    assert.deepEqual(policy.spec.types, ['Egress']);
  });

  test('multiple peers: one rule per peer', () => {
    const { policy } = convert({
      podSelector: { matchLabels: { label: 'value' } },
      ingress: [{ ports: [{}], from: [{ podSelector: { matchLabels: { k: 'v' } } }, { podSelector: { matchLabels: { k2: 'v2' } } }] }],
      policyTypes: ['Ingress'],
    });
    assert.deepEqual(policy.spec.ingress, [
      { action: 'Allow', protocol: 'TCP', source: { selector: `${ORCH} && k == 'v'` } },
      { action: 'Allow', protocol: 'TCP', source: { selector: `${ORCH} && k2 == 'v2'` } },
    ]);
  });

  test('DoesNotExist expression', () => {
    const { policy } = convert({
      podSelector: { matchExpressions: [{ key: 'k3', operator: 'DoesNotExist' }] },
      ingress: [{ ports: [{ port: 80 }, { port: 'foo' }], from: [{ podSelector: { matchExpressions: [{ key: 'k', operator: 'DoesNotExist' }] } }] }],
      policyTypes: ['Ingress'],
    });
    assert.equal(policy.spec.selector, `${ORCH} && ! has(k3)`);
    assert.deepEqual(policy.spec.ingress, [
      { action: 'Allow', protocol: 'TCP', source: { selector: `${ORCH} && ! has(k)` }, destination: { ports: [80, 'foo'] } },
    ]);
  });

  test('multiple peers and ports: protocols sorted, then peers', () => {
    const { policy } = convert({
      podSelector: { matchLabels: { label: 'value' } },
      ingress: [
        {
          ports: [{ port: 90, protocol: 'UDP' }, { port: 80, protocol: 'TCP' }],
          from: [{ podSelector: { matchLabels: { k: 'v' } } }, { podSelector: { matchLabels: { k2: 'v2' } } }],
        },
      ],
      policyTypes: ['Ingress'],
    });
    assert.deepEqual(policy.spec.ingress, [
      { action: 'Allow', protocol: 'TCP', source: { selector: `${ORCH} && k == 'v'` }, destination: { ports: [80] } },
      { action: 'Allow', protocol: 'TCP', source: { selector: `${ORCH} && k2 == 'v2'` }, destination: { ports: [80] } },
      { action: 'Allow', protocol: 'UDP', source: { selector: `${ORCH} && k == 'v'` }, destination: { ports: [90] } },
      { action: 'Allow', protocol: 'UDP', source: { selector: `${ORCH} && k2 == 'v2'` }, destination: { ports: [90] } },
    ]);
  });

  test('empty podSelector', () => {
    const { policy } = convert({ podSelector: {}, policyTypes: ['Ingress'] });
    assert.equal(policy.spec.selector, ORCH);
  });

  test('namespaceSelector only: pod part is the orchestrator clause', () => {
    const { policy } = convert({
      podSelector: { matchLabels: { label: 'value' } },
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { namespaceRole: 'dev', namespaceFoo: 'bar' } } }] }],
      policyTypes: ['Ingress'],
    });
    assert.deepEqual(policy.spec.ingress, [
      { action: 'Allow', source: { selector: ORCH, namespaceSelector: "namespaceFoo == 'bar' && namespaceRole == 'dev'" } },
    ]);
  });

  test('nil namespaceSelector means the policy namespace (no namespaceSelector)', () => {
    const { policy } = convert({
      podSelector: { matchLabels: { label: 'value' } },
      ingress: [{ from: [{ namespaceSelector: null, podSelector: {} }] }],
      policyTypes: ['Ingress'],
    });
    assert.deepEqual(policy.spec.ingress, [{ action: 'Allow', source: { selector: ORCH } }]);
  });

  test('empty namespaceSelector means all namespaces', () => {
    const { policy } = convert({
      podSelector: { matchLabels: { label: 'value' } },
      ingress: [{ from: [{ namespaceSelector: {} }] }],
      policyTypes: ['Ingress'],
    });
    assert.deepEqual(policy.spec.ingress, [{ action: 'Allow', source: { selector: ORCH, namespaceSelector: 'all()' } }]);
  });

  test('pod and namespace selectors together', () => {
    const { policy } = convert({
      podSelector: { matchLabels: { label: 'value' } },
      ingress: [
        {
          from: [
            {
              namespaceSelector: { matchLabels: { namespaceRole: 'dev', namespaceFoo: 'bar' } },
              podSelector: { matchLabels: { podA: 'B', podC: 'D' } },
            },
          ],
        },
      ],
      policyTypes: ['Ingress'],
    });
    assert.deepEqual(policy.spec.ingress![0]!.source, {
      selector: `${ORCH} && podA == 'B' && podC == 'D'`,
      namespaceSelector: "namespaceFoo == 'bar' && namespaceRole == 'dev'",
    });
  });

  test('podSelector matchExpressions', () => {
    const { policy } = convert({
      podSelector: { matchExpressions: [{ key: 'k', operator: 'In', values: ['v1', 'v2'] }] },
      policyTypes: ['Ingress'],
    });
    assert.equal(policy.spec.selector, `${ORCH} && k in { 'v1', 'v2' }`);
  });

  for (const direction of ['ingress', 'egress'] as const) {
    const types = [direction === 'ingress' ? 'Ingress' : 'Egress'];
    test(`ports only (${direction})`, () => {
      const { policy } = convert({ podSelector: {}, [direction]: [{ ports: [{ protocol: 'TCP', port: 80 }] }], policyTypes: types });
      assert.deepEqual(policy.spec[direction], [{ action: 'Allow', protocol: 'TCP', destination: { ports: [80] } }]);
    });
    test(`port range only (${direction})`, () => {
      const { policy } = convert({
        podSelector: {},
        [direction]: [{ ports: [{ protocol: 'TCP', port: 32000, endPort: 32768 }] }],
        policyTypes: types,
      });
      assert.deepEqual(policy.spec[direction], [{ action: 'Allow', protocol: 'TCP', destination: { ports: ['32000:32768'] } }]);
    });
  }

  test('ingress ipBlock -> source nets/notNets', () => {
    const { policy } = convert({
      podSelector: {},
      ingress: [{ from: [{ ipBlock: { cidr: '192.168.0.0/16', except: ['192.168.3.0/24', '192.168.4.0/24'] } }] }],
      policyTypes: ['Ingress'],
    });
    assert.deepEqual(policy.spec.ingress, [
      { action: 'Allow', source: { nets: ['192.168.0.0/16'], notNets: ['192.168.3.0/24', '192.168.4.0/24'] } },
    ]);
    assert.equal(policy.spec.egress, undefined);
  });

  test('egress ipBlock -> destination nets/notNets', () => {
    const { policy } = convert({
      podSelector: {},
      egress: [{ to: [{ ipBlock: { cidr: '192.168.0.0/16', except: ['192.168.3.0/24', '192.168.4.0/24', '192.168.5.0/24'] } }] }],
      policyTypes: ['Egress'],
    });
    assert.deepEqual(policy.spec.egress, [
      {
        action: 'Allow',
        destination: { nets: ['192.168.0.0/16'], notNets: ['192.168.3.0/24', '192.168.4.0/24', '192.168.5.0/24'] },
      },
    ]);
  });

  test('egress ipBlock with ports: one rule per protocol, fields in Calico order', () => {
    const { policy } = convert({
      podSelector: {},
      egress: [
        {
          ports: [{ port: 90, protocol: 'UDP' }, { port: 80, protocol: 'TCP' }],
          to: [{ ipBlock: { cidr: '192.168.0.0/16', except: ['192.168.3.0/24', '192.168.4.0/24', '192.168.5.0/24'] } }],
        },
      ],
      policyTypes: ['Egress'],
    });
    const notNets = ['192.168.3.0/24', '192.168.4.0/24', '192.168.5.0/24'];
    assert.deepEqual(policy.spec.egress, [
      { action: 'Allow', protocol: 'TCP', destination: { nets: ['192.168.0.0/16'], ports: [80], notNets } },
      { action: 'Allow', protocol: 'UDP', destination: { nets: ['192.168.0.0/16'], ports: [90], notNets } },
    ]);
    assert.deepEqual(Object.keys(policy.spec.egress![0]!.destination!), ['nets', 'ports', 'notNets']);
  });

  test('ipBlock host bits are masked and IPv6 is canonical', () => {
    const { policy } = convert({
      podSelector: {},
      ingress: [{ from: [{ ipBlock: { cidr: '10.1.2.3/8', except: ['10.1.2.3/16'] } }, { ipBlock: { cidr: '2001:DB8:0:0:1::1/64' } }] }],
      policyTypes: ['Ingress'],
    });
    assert.deepEqual(policy.spec.ingress, [
      { action: 'Allow', source: { nets: ['10.0.0.0/8'], notNets: ['10.1.0.0/16'] } },
      { action: 'Allow', source: { nets: ['2001:db8::/64'] } },
    ]);
  });

  test('invalid ipBlock CIDR: peer contributes no match (upstream behaviour)', () => {
    const { policy, errors } = convert({
      podSelector: {},
      ingress: [{ from: [{ ipBlock: { cidr: '192.168.0.0/55' } }] }],
      policyTypes: ['Ingress'],
    });
    assert.deepEqual(errors, []);
    assert.deepEqual(policy.spec.ingress, [{ action: 'Allow' }]);
  });

  test('both egress and ingress; types in Ingress, Egress order', () => {
    const { policy } = convert({
      podSelector: {},
      ingress: [{ from: [{ ipBlock: { cidr: '192.168.0.0/16', except: ['192.168.3.0/24', '192.168.4.0/24'] } }] }],
      egress: [{ to: [{ ipBlock: { cidr: '10.10.0.0/16', except: ['192.168.13.0/24', '192.168.14.0/24', '192.168.15.0/24'] } }] }],
      policyTypes: ['Egress', 'Ingress'],
    });
    assert.deepEqual(policy.spec.types, ['Ingress', 'Egress']);
    assert.deepEqual(policy.spec.egress![0]!.destination, {
      nets: ['10.10.0.0/16'],
      notNets: ['192.168.13.0/24', '192.168.14.0/24', '192.168.15.0/24'],
    });
    assert.deepEqual(policy.spec.ingress![0]!.source, { nets: ['192.168.0.0/16'], notNets: ['192.168.3.0/24', '192.168.4.0/24'] });
  });
});

describe('NetworkPolicy conversion without policyTypes (k8s <= 1.7)', () => {
  test('basic policy defaults to Ingress', () => {
    const { policy } = convert({ podSelector: labelSel, ingress: [{ ports: [{ port: 80 }, { port: 'foo' }], from: [kvPeer] }] });
    assert.deepEqual(policy.spec.types, ['Ingress']);
    assert.deepEqual(policy.spec.ingress, [
      { action: 'Allow', protocol: 'TCP', source: { selector: KV }, destination: { ports: [80, 'foo'] } },
    ]);
  });
  test('no rules defaults to Ingress', () => {
    const { policy } = convert({ podSelector: { matchLabels: { label: 'value' } } });
    assert.deepEqual(policy.spec.types, ['Ingress']);
  });
  test('egress rules and no policyTypes: API server default adds Egress', () => {
    const { policy } = convert({ podSelector: {}, egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }] });
    assert.deepEqual(policy.spec.types, ['Ingress', 'Egress']);
  });
});

describe('conversion details', () => {
  test('empty vs absent from: both allow from everywhere', () => {
    const a = convert({ podSelector: {}, ingress: [{ from: [] }], policyTypes: ['Ingress'] }).policy.spec.ingress;
    const b = convert({ podSelector: {}, ingress: [{}], policyTypes: ['Ingress'] }).policy.spec.ingress;
    assert.deepEqual(a, [{ action: 'Allow' }]);
    assert.deepEqual(b, [{ action: 'Allow' }]);
  });

  test('empty ingress list: no rules (deny all ingress)', () => {
    const { policy } = convert({ podSelector: {}, ingress: [], policyTypes: ['Ingress'] });
    assert.equal(policy.spec.ingress, undefined);
  });

  test('ports of the same protocol are merged and simplified; named ports first', () => {
    const { policy } = convert({
      podSelector: {},
      ingress: [{ ports: [{ port: 81 }, { port: 'http' }, { port: 80 }, { port: 82, endPort: 90 }, { port: 443 }] }],
      policyTypes: ['Ingress'],
    });
    assert.deepEqual(policy.spec.ingress, [{ action: 'Allow', protocol: 'TCP', destination: { ports: ['http', '80:90', 443] } }]);
  });

  test('SCTP sorts before TCP; lower-case protocol is canonicalised', () => {
    const { policy } = convert({
      podSelector: {},
      ingress: [{ ports: [{ port: 1, protocol: 'tcp' }, { port: 2, protocol: 'SCTP' }] }],
      policyTypes: ['Ingress'],
    });
    assert.deepEqual(policy.spec.ingress!.map((r) => r.protocol), ['SCTP', 'TCP']);
  });

  test('endPort below port is an invalid rule', () => {
    const { errors } = convert({ podSelector: {}, ingress: [{ ports: [{ port: 90, endPort: 80 }] }], policyTypes: ['Ingress'] });
    assert.deepEqual(errors, [
      {
        direction: 'ingress',
        index: 0,
        reason:
          "k8s rule couldn't be converted: failed to parse k8s port: invalid port 90:80: minimum port number (90) is greater than maximum port number (80) in port range",
      },
    ]);
  });

  test('port out of range is an invalid rule', () => {
    const { errors, policy } = convert({ podSelector: {}, egress: [{ ports: [{ port: 70000 }] }, {}], policyTypes: ['Egress'] });
    assert.equal(errors[0]!.reason, "k8s rule couldn't be converted: failed to parse k8s port: invalid port 70000: invalid port format (70000)");
    assert.deepEqual(policy.spec.egress, [{ action: 'Allow' }]);
  });

  test('metadata: resourceVersion and creationTimestamp copied, labels/annotations not', () => {
    const { policy } = convertK8sNetworkPolicy({
      metadata: {
        name: 'p',
        namespace: 'ns1',
        resourceVersion: '42',
        creationTimestamp: '2024-01-02T03:04:05Z',
        labels: { a: 'b' },
        annotations: { x: 'y' },
      },
      spec: { podSelector: {} },
    });
    assert.deepEqual(policy.metadata, {
      name: 'knp.default.p',
      namespace: 'ns1',
      resourceVersion: '42',
      creationTimestamp: '2024-01-02T03:04:05Z',
    });
  });

  test('output is plain JSON', () => {
    const { policy } = convert({ podSelector: labelSel, ingress: [{ ports: [{ port: 80 }], from: [kvPeer] }] });
    assert.deepEqual(JSON.parse(JSON.stringify(policy)), policy);
  });

  test('invalid uid and missing name are validation errors', () => {
    assert.throws(
      () => convertK8sNetworkPolicy({ metadata: { name: 'p', uid: 'not-a-uid' }, spec: {} }),
      (e: unknown) => (e as { code?: string }).code === 'CALICO_ERR_VALIDATION',
    );
    assert.throws(() => convertK8sNetworkPolicy({ metadata: {}, spec: {} }), /metadata\.name/);
    assert.throws(() => convertK8sNetworkPolicy({ metadata: { name: 'p' }, spec: { ingress: {} } }), /spec\.ingress/);
  });
});

describe('calicoctl convert test data (calicoctl/test-data/convert k8s-networkpolicy)', () => {
  // The Kubernetes docs' example policy; calicoctl's expected output lists the same spec
  // (its name and tier handling belong to `calicoctl convert`, not to the converter).
  test('ipBlock with except, namespaceSelector and podSelector peers, both directions', () => {
    const { policy, errors } = convertK8sNetworkPolicy(k8sNetworkPolicySampleObject());
    assert.deepEqual(errors, []);
    const { tier, ...spec } = policy.spec as Record<string, unknown>;
    assert.equal(tier, 'default');
    assert.deepEqual(spec, {
      order: 1000,
      selector: "projectcalico.org/orchestrator == 'k8s' && role == 'db'",
      types: ['Ingress', 'Egress'],
      ingress: [
        { action: 'Allow', protocol: 'TCP', source: { nets: ['172.17.0.0/16'], notNets: ['172.17.1.0/24'] }, destination: { ports: [6379] } },
        {
          action: 'Allow', protocol: 'TCP',
          source: { selector: "projectcalico.org/orchestrator == 'k8s'", namespaceSelector: "project == 'myproject'" },
          destination: { ports: [6379] },
        },
        { action: 'Allow', protocol: 'TCP', source: { selector: "projectcalico.org/orchestrator == 'k8s' && role == 'frontend'" }, destination: { ports: [6379] } },
      ],
      egress: [{ action: 'Allow', protocol: 'TCP', destination: { nets: ['10.0.0.0/24'], ports: [5978] } }],
    });
  });
});
