/**
 * Sweep over every resource example in Calico's docs (testdata/docs-resources.ts):
 * decodeResources + validateResource accept it and the result is the input
 * plus exactly the defaults libcalico-go's clientv3 fills, written out here
 * independently from the implementation (clientv3 ippool.go
 * validateAndSetDefaults, felixconfig.go setDefaults, kubecontrollersconfig.go
 * validateAndFillDefaults, resources/tier.go DefaultTierFields, policy
 * defaultPolicyTypesField + tier label, Kubernetes API defaulting for
 * networking.k8s.io/v1). Then encode -> decode -> validate is a fixed point.
 * The docs typos real calicoctl rejects too (testdata/docs-rejected.ts) must
 * be rejected naming the same field.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeResources, encodeResources, validateResource } from './index.js';
import { docsResources } from './testdata/docs-resources.js';
import { docsRejected } from './testdata/docs-rejected.js';

type Obj = Record<string, any>;

const POLICY_KINDS = new Set(['NetworkPolicy', 'GlobalNetworkPolicy', 'StagedNetworkPolicy', 'StagedGlobalNetworkPolicy']);
const NAMESPACED = new Set(['NetworkPolicy', 'StagedNetworkPolicy', 'StagedKubernetesNetworkPolicy', 'NetworkSet', 'WorkloadEndpoint']);

/** numorstring values: a numeric string is stored as the number (Go decode/encode). */
function numeric(v: unknown): unknown {
  return typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
}

function canonicalRule(rule: Obj): void {
  for (const f of ['protocol', 'notProtocol']) if (f in rule) rule[f] = numeric(rule[f]);
  for (const side of ['source', 'destination']) {
    const e = rule[side] as Obj | undefined;
    if (!e) continue;
    for (const f of ['ports', 'notPorts']) if (Array.isArray(e[f])) e[f] = e[f].map(numeric);
  }
}

/** clientv3 defaultPolicyTypesField. */
function inferTypes(spec: Obj): string[] {
  const egress = Array.isArray(spec.egress) && spec.egress.length > 0;
  const ingress = Array.isArray(spec.ingress) && spec.ingress.length > 0;
  if (!egress) return ['Ingress'];
  if (!ingress) return ['Egress'];
  return ['Ingress', 'Egress'];
}

function expectedFor(input: Obj): Obj {
  const r = structuredClone(input);
  if (NAMESPACED.has(r.kind) || (r.apiVersion === 'networking.k8s.io/v1' && r.kind === 'NetworkPolicy')) {
    r.metadata.namespace ??= 'default';
  }
  if (r.apiVersion === 'networking.k8s.io/v1') {
    // Kubernetes API defaulting: port protocol TCP; policyTypes Ingress (+ Egress when egress rules exist).
    const spec = (r.spec ??= {});
    for (const dir of ['ingress', 'egress']) {
      for (const rule of (spec[dir] ?? []) as Obj[]) for (const p of (rule.ports ?? []) as Obj[]) p.protocol ??= 'TCP';
    }
    if (!spec.policyTypes?.length) spec.policyTypes = spec.egress?.length ? ['Ingress', 'Egress'] : ['Ingress'];
    return r;
  }
  // Kinds without defaults keep an absent spec absent.
  const DEFAULTED = ['IPPool', 'FelixConfiguration', 'KubeControllersConfiguration', 'Tier', 'IPAMConfiguration'];
  if (!POLICY_KINDS.has(r.kind) && !DEFAULTED.includes(r.kind)) return r;
  const spec: Obj = (r.spec ??= {});
  if (POLICY_KINDS.has(r.kind)) {
    const tier = spec.tier || 'default';
    spec.tier = tier;
    r.metadata.labels = { ...(r.metadata.labels ?? {}), 'projectcalico.org/tier': tier };
    if (spec.stagedAction !== 'Delete' && !spec.types?.length) spec.types = inferTypes(spec);
    for (const dir of ['ingress', 'egress']) for (const rule of (spec[dir] ?? []) as Obj[]) canonicalRule(rule);
  }
  switch (r.kind) {
    case 'IPPool':
      spec.blockSize ??= String(spec.cidr).includes(':') ? 122 : 26;
      spec.ipipMode ||= 'Never';
      spec.vxlanMode ||= 'Never';
      spec.nodeSelector ||= 'all()';
      if (!spec.allowedUses?.length) spec.allowedUses = ['Workload', 'Tunnel'];
      spec.assignmentMode ??= 'Automatic';
      break;
    case 'FelixConfiguration':
      spec.floatingIPs ??= 'Disabled';
      spec.bpfConnectTimeLoadBalancing ??= 'TCP';
      spec.bpfHostNetworkedNATWithoutCTLB ??= 'Enabled';
      break;
    case 'KubeControllersConfiguration': {
      spec.prometheusMetricsPort ??= 9094;
      const c: Obj = (spec.controllers ??= {});
      // Go's JSON decoding matches field names case-insensitively; the docs write `loadbalancer`.
      if (c.loadbalancer) {
        c.loadBalancer = c.loadbalancer;
        delete c.loadbalancer;
      }
      if (c.node) c.node.leakGracePeriod ??= '15m0s';
      if (c.loadBalancer) c.loadBalancer.assignIPs ||= 'AllServices';
      break;
    }
    case 'Tier':
      spec.order ??= 1000000;
      spec.defaultAction ??= 'Deny';
      break;
    case 'IPAMConfiguration':
      spec.strictAffinity ??= false;
      break;
  }
  return r;
}

describe('every Calico docs resource example', () => {
  it('has the collected examples', () => assert.ok(docsResources.length >= 150));
  for (const ex of docsResources) {
    it(ex.doc, () => {
      const decoded = decodeResources(ex.yaml, ex.doc);
      assert.equal(decoded.length, 1);
      const input = structuredClone(decoded[0]!) as unknown as Obj;
      const out = validateResource(decoded[0]!, ex.doc);
      assert.deepEqual(out, expectedFor(input));
      // What get -o yaml prints reads back to the same resource.
      const again = validateResource(decodeResources(encodeResources([out], 'yaml'))[0]!);
      assert.deepEqual(again, out);
    });
  }
});

describe('docs examples real calicoctl rejects too', () => {
  for (const ex of docsRejected) {
    it(`${ex.doc}: ${ex.why}`, () => {
      let lines = '';
      try {
        for (const r of decodeResources(ex.yaml, ex.doc)) validateResource(r, ex.doc);
      } catch (e) {
        const issues = (e as { issues?: { path: string; reason: string }[] }).issues ?? [];
        lines = issues.map((i) => `${i.path}: ${i.reason}`).join('\n') || String(e);
      }
      assert.ok(lines, 'accepted');
      assert.match(lines, ex.issue);
    });
  }
});
