/**
 * Runs every converted upstream validator_test.go verdict (see
 * testdata/validator-verdicts.ts) through our validators. A Go value that
 * is a whole resource or a kind's spec goes through validateResource; a
 * sub-structure goes through the validator of that structure, or is
 * wrapped in the smallest resource that holds it when its checks live at
 * resource level (endpoint name parts, KubeControllersConfiguration
 * template rules that libcalico-go's client applies).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateResource } from './index.js';
import { Issues } from './validate/issues.js';
import { httpMatchSpec, validateRule } from './validate/rule.js';
import { entityRuleSpec } from './validate/entity-rule.js';
import { icmpSpec, protocolSpec } from './validate/rule-fields.js';
import { workloadEndpointPortSpec } from './kinds/policy/endpoint-port.js';
import type { Spec } from './validate/schema.js';
import { validatorVerdicts } from './testdata/validator-verdicts.js';

type Obj = Record<string, unknown>;

/** Expands `{ $repeat: [c, n] }` placeholders into strings. */
function expand(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(expand);
  if (v && typeof v === 'object') {
    const o = v as Obj;
    const rep = o.$repeat;
    if (Array.isArray(rep) && Object.keys(o).length === 1) return String(rep[0]).repeat(Number(rep[1]));
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, expand(x)]));
  }
  return v;
}

function resourceIssues(kind: string, body: Obj, name = 'default'): string[] {
  const metadata = { name, ...((body.metadata as Obj | undefined) ?? {}) };
  const r = { apiVersion: 'projectcalico.org/v3', kind, ...body, metadata };
  try {
    validateResource(r);
    return [];
  } catch (e) {
    const issues = (e as { issues?: { path: string; reason: string }[] }).issues;
    if (!issues) throw e;
    return issues.map((i) => `${i.path}: ${i.reason}`);
  }
}

function specIssues(spec: Spec, value: unknown): string[] {
  const issues = new Issues();
  spec.check(value, 'x', issues);
  return issues.list.map((i) => `${i.path}: ${i.reason}`);
}

/** Workload endpoint name parts (the client derives the name from them; not what the Go entries test). */
const wepIdentity = { node: 'node1', orchestrator: 'k8s', pod: 'pod1', endpoint: 'eth0' };
const wepName = 'node1-k8s-pod1-eth0';
const kcc = (controllers: Obj): string[] => resourceIssues('KubeControllersConfiguration', { spec: { controllers } });

const targets: Record<string, (v: unknown) => string[]> = {
  rule: (v) => {
    const issues = new Issues();
    validateRule(v, 'x', issues);
    return issues.list.map((i) => `${i.path}: ${i.reason}`);
  },
  entityRule: (v) => specIssues(entityRuleSpec, v),
  icmp: (v) => specIssues(icmpSpec, v),
  protocol: (v) => specIssues(protocolSpec, v),
  httpMatch: (v) => specIssues(httpMatchSpec, v),
  wepPort: (v) => specIssues(workloadEndpointPortSpec, v),
  wepSpec: (v) => resourceIssues('WorkloadEndpoint', { spec: { ...wepIdentity, ...(v as Obj) } }, wepName),
  // The Go entries validate IPNAT alone; our NAT check also wants the endpoint to own the internal IP.
  ipNat: (v) => {
    const nat = v as Obj;
    const ipNetworks = typeof nat.internalIP === 'string' ? [nat.internalIP] : [];
    return resourceIssues('WorkloadEndpoint', { spec: { ...wepIdentity, interfaceName: 'cali0', ipNetworks, ipNATs: [nat] } }, wepName);
  },
  protoPort: (v) => resourceIssues('FelixConfiguration', { spec: { failsafeInboundHostPorts: [v] } }),
  bgpFilterV4: (v) => resourceIssues('BGPFilter', { spec: { exportV4: [v] } }),
  bgpFilterV6: (v) => resourceIssues('BGPFilter', { spec: { exportV6: [v] } }),
  nodeStatus: (v) => resourceIssues('Node', { status: v }),
  kccNode: (v) => kcc({ node: v }),
  kccPolicy: (v) => kcc({ policy: v }),
  kccWorkloadEndpoint: (v) => kcc({ workloadEndpoint: v }),
  kccServiceAccount: (v) => kcc({ serviceAccount: v }),
  kccNamespace: (v) => kcc({ namespace: v }),
  kccLoadBalancer: (v) => kcc({ loadBalancer: v }),
  // Name and interface match are required by the client, not by the Template validator the entries test.
  kccTemplate: (v) => kcc({ node: { hostEndpoint: { templates: [{ generateName: 'tmpl', interfacePattern: 'eth.*', ...(v as Obj) }] } } }),
};

function issuesFor(target: string, value: unknown): string[] {
  if (target.startsWith('resource:')) return resourceIssues(target.slice('resource:'.length), value as Obj);
  const f = targets[target];
  if (f) return f(value);
  // A kind name: the Go value is that kind's spec.
  return resourceIssues(target, { spec: value });
}

describe('validator_test.go verdicts (libcalico-go v3.31.7)', () => {
  it('has the converted table', () => assert.ok(validatorVerdicts.length > 600));
  validatorVerdicts.forEach(([description, target, value, valid], i) => {
    it(`#${i} ${description} [${target}]`, () => {
      const issues = issuesFor(target, expand(value));
      assert.equal(issues.length === 0, valid, issues.join('\n') || 'accepted');
    });
  });
});
