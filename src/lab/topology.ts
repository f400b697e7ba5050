/**
 * The lab's topology file (YAML or JSON): nodes, namespaces and pods, checked
 * field by field before anything is created. A bad file is one
 * ValidationError naming every bad field (`pods[2].ports[0].containerPort:
 * must be 1-65535`), so `calico-lab up` fails with nothing to clean up.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { CalicoError, ValidationError, type ValidationIssue } from '../lib/errors.js';

export type PortProtocol = 'TCP' | 'UDP' | 'SCTP';

export interface TopologyPort {
  readonly name?: string;
  readonly containerPort: number;
  readonly protocol: PortProtocol;
}

export interface TopologyNamespace {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface TopologyPod {
  readonly namespace: string;
  readonly name: string;
  /** Always set after parsing: pods without a node are spread round-robin. */
  readonly node: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccountName?: string;
  readonly ports: readonly TopologyPort[];
}

export interface Topology {
  readonly nodes: readonly string[];
  readonly namespaces: readonly TopologyNamespace[];
  readonly pods: readonly TopologyPod[];
}

/** Kubernetes DNS-1123 label: what node, namespace and pod names must be here (they also name netns). */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** IANA_SVC_NAME, as Kubernetes checks a container port name. */
const PORT_NAME = /^(?=.*[a-z])[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const MAX_NODES = 16;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Default node names for a count: node-1 .. node-N. */
export function nodeNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `node-${i + 1}`);
}

/** Whether `k` is a valid Kubernetes label key (optional DNS prefix, `/`, name of at most 63). */
export function labelKeyProblem(k: string): string | undefined {
  const slash = k.lastIndexOf('/');
  const prefix = slash >= 0 ? k.slice(0, slash) : undefined;
  const name = slash >= 0 ? k.slice(slash + 1) : k;
  if (prefix !== undefined && (prefix.length > 253 || !LABEL_PREFIX.test(prefix))) return 'prefix must be a DNS subdomain';
  if (name.length === 0 || name.length > 63 || !LABEL_NAME.test(name)) return 'name must be 1-63 alphanumerics, "-", "_" or "." starting and ending alphanumeric';
  return undefined;
}

export function labelValueProblem(v: string): string | undefined {
  if (v.length > 63 || !LABEL_VALUE.test(v)) return 'must be at most 63 alphanumerics, "-", "_" or "." starting and ending alphanumeric';
  return undefined;
}

function labels(v: unknown, path: string, issues: ValidationIssue[]): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isObj(v)) {
    issues.push({ path, value: v, reason: 'must be a map of label keys to string values' });
    return {};
  }
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    const keyProblem = labelKeyProblem(k);
    if (keyProblem) { issues.push({ path: `${path}.${k}`, reason: `invalid label key: ${keyProblem}` }); continue; }
    if (typeof val !== 'string') { issues.push({ path: `${path}.${k}`, value: val, reason: 'label value must be a string' }); continue; }
    const valueProblem = labelValueProblem(val);
    if (valueProblem) { issues.push({ path: `${path}.${k}`, value: val, reason: `invalid label value: ${valueProblem}` }); continue; }
    out[k] = val;
  }
  return out;
}

function name(v: unknown, path: string, issues: ValidationIssue[], max = 63): string | undefined {
  if (typeof v !== 'string' || v === '') { issues.push({ path, value: v, reason: 'required: a lower-case DNS label' }); return undefined; }
  if (v.length > max || !DNS_LABEL.test(v)) { issues.push({ path, value: v, reason: `must be a lower-case DNS label (a-z, 0-9, "-"), at most ${max} characters` }); return undefined; }
  return v;
}

function parseNodes(v: unknown, defaultCount: number, issues: ValidationIssue[]): string[] {
  if (v === undefined || v === null) return nodeNames(defaultCount);
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 1 || v > MAX_NODES) { issues.push({ path: 'nodes', value: v, reason: `must be 1-${MAX_NODES}` }); return []; }
    return nodeNames(v);
  }
  if (!Array.isArray(v) || v.length === 0 || v.length > MAX_NODES) {
    issues.push({ path: 'nodes', value: v, reason: `must be a node count (1-${MAX_NODES}) or a list of 1-${MAX_NODES} node names` });
    return [];
  }
  const out: string[] = [];
  v.forEach((n: unknown, i) => {
    const raw = isObj(n) ? n['name'] : n;
    const path = isObj(n) ? `nodes[${i}].name` : `nodes[${i}]`;
    const nm = name(raw, path, issues, 40);
    if (nm === undefined) return;
    if (out.includes(nm)) issues.push({ path, value: nm, reason: 'duplicate node name' });
    else out.push(nm);
  });
  return out;
}

function parsePorts(v: unknown, path: string, issues: ValidationIssue[]): TopologyPort[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) { issues.push({ path, value: v, reason: 'must be a list of {name, containerPort, protocol}' }); return []; }
  const out: TopologyPort[] = [];
  const names = new Set<string>();
  v.forEach((p: unknown, i) => {
    const pp = `${path}[${i}]`;
    if (!isObj(p)) { issues.push({ path: pp, value: p, reason: 'must be an object {name, containerPort, protocol}' }); return; }
    const port = p['containerPort'];
    let ok = true;
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
      issues.push({ path: `${pp}.containerPort`, value: port, reason: 'must be 1-65535' });
      ok = false;
    }
    const proto = p['protocol'] === undefined ? 'TCP' : p['protocol'];
    if (proto !== 'TCP' && proto !== 'UDP' && proto !== 'SCTP') {
      issues.push({ path: `${pp}.protocol`, value: proto, reason: 'must be TCP, UDP or SCTP' });
      ok = false;
    }
    let portName: string | undefined;
    if (p['name'] !== undefined) {
      const n = p['name'];
      if (typeof n !== 'string' || n.length > 15 || !PORT_NAME.test(n)) {
        issues.push({ path: `${pp}.name`, value: n, reason: 'must be an IANA service name: at most 15 lower-case alphanumerics or "-", with at least one letter' });
        ok = false;
      } else if (names.has(n)) {
        issues.push({ path: `${pp}.name`, value: n, reason: 'duplicate port name in this pod' });
        ok = false;
      } else {
        names.add(n);
        portName = n;
      }
    }
    if (ok) out.push({ ...(portName !== undefined ? { name: portName } : {}), containerPort: port as number, protocol: proto as PortProtocol });
  });
  return out;
}

/**
 * Checks and normalises a decoded topology document. `defaultNodes` is the
 * node count used when the file has no `nodes` (calico-lab up --nodes).
 * Throws ValidationError naming every bad field.
 */
export function parseTopology(doc: unknown, defaultNodes = 2): Topology {
  const issues: ValidationIssue[] = [];
  if (!isObj(doc)) throw new ValidationError([{ path: '(topology)', value: doc, reason: 'must be a map with nodes, namespaces and pods' }], 'topology');
  for (const k of Object.keys(doc)) {
    if (!['nodes', 'namespaces', 'pods'].includes(k)) issues.push({ path: k, reason: 'unknown field (expected nodes, namespaces, pods)' });
  }
  const nodes = parseNodes(doc['nodes'], defaultNodes, issues);

  const namespaces: TopologyNamespace[] = [];
  const rawNs = doc['namespaces'] ?? [];
  if (!Array.isArray(rawNs)) issues.push({ path: 'namespaces', value: rawNs, reason: 'must be a list of {name, labels}' });
  else rawNs.forEach((n: unknown, i) => {
    const p = `namespaces[${i}]`;
    const o = typeof n === 'string' ? { name: n } : n;
    if (!isObj(o)) { issues.push({ path: p, value: n, reason: 'must be a name or {name, labels}' }); return; }
    const nm = name(o['name'], `${p}.name`, issues);
    const l = labels(o['labels'], `${p}.labels`, issues);
    if (nm === undefined) return;
    if (namespaces.some((x) => x.name === nm)) { issues.push({ path: `${p}.name`, value: nm, reason: 'duplicate namespace' }); return; }
    namespaces.push({ name: nm, labels: l });
  });

  const pods: TopologyPod[] = [];
  const rawPods = doc['pods'] ?? [];
  let spread = 0;
  if (!Array.isArray(rawPods)) issues.push({ path: 'pods', value: rawPods, reason: 'must be a list of pods' });
  else rawPods.forEach((q: unknown, i) => {
    const p = `pods[${i}]`;
    if (!isObj(q)) { issues.push({ path: p, value: q, reason: 'must be an object {namespace, name, node, labels, serviceAccountName, ports}' }); return; }
    const ns = name(q['namespace'] ?? 'default', `${p}.namespace`, issues);
    const nm = name(q['name'], `${p}.name`, issues);
    let node: string | undefined;
    if (q['node'] !== undefined && q['node'] !== null) {
      if (typeof q['node'] !== 'string' || !nodes.includes(q['node'])) {
        issues.push({ path: `${p}.node`, value: q['node'], reason: `must be one of the nodes (${nodes.join(', ')})` });
      } else node = q['node'];
    } else if (nodes.length > 0) {
      node = nodes[spread++ % nodes.length];
    }
    const l = labels(q['labels'], `${p}.labels`, issues);
    let sa: string | undefined;
    if (q['serviceAccountName'] !== undefined) sa = name(q['serviceAccountName'], `${p}.serviceAccountName`, issues, 253);
    const ports = parsePorts(q['ports'], `${p}.ports`, issues);
    if (ns === undefined || nm === undefined || node === undefined) return;
    if (pods.some((x) => x.namespace === ns && x.name === nm)) { issues.push({ path: `${p}.name`, value: nm, reason: `duplicate pod ${ns}/${nm}` }); return; }
    pods.push({ namespace: ns, name: nm, node, labels: l, ...(sa !== undefined ? { serviceAccountName: sa } : {}), ports });
  });
  // Pods may name a namespace the file does not list: it is created without labels, as `kubectl create ns` would.
  for (const pod of pods) {
    if (!namespaces.some((n) => n.name === pod.namespace)) namespaces.push({ name: pod.namespace, labels: {} });
  }
  if (issues.length > 0) throw new ValidationError(issues, 'topology');
  return { nodes, namespaces, pods };
}

/** Reads and parses a topology file (YAML; JSON is YAML too). */
export function loadTopology(path: string, defaultNodes = 2): Topology {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CalicoError('CALICO_ERR_USAGE', `cannot read topology file ${path}: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new CalicoError('CALICO_ERR_USAGE', `topology file ${path}: not valid YAML or JSON: ${(e as Error).message}`);
  }
  return parseTopology(doc, defaultNodes);
}

/** The topology used when `up` gets none: N nodes, no pods. */
export function emptyTopology(nodeCount: number): Topology {
  return { nodes: nodeNames(nodeCount), namespaces: [], pods: [] };
}
