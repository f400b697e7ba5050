/**
 * Reads untyped Kubernetes objects (parsed YAML/JSON) into the typed shapes
 * in k8s-types.ts. Wrong types are reported as a ValidationError naming the
 * field path; `null` is treated like an absent field, as Go's JSON decoding does.
 */
import { ValidationError } from '../../lib/errors.js';
import type {
  K8sIPBlock,
  K8sLabelSelector,
  K8sLabelSelectorRequirement,
  K8sNetworkPolicyPeer,
  K8sNetworkPolicyPort,
  K8sObjectMeta,
} from './k8s-types.js';

type Obj = Record<string, unknown>;

function fail(path: string, value: unknown, reason: string): never {
  throw new ValidationError([{ path, value, reason }]);
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function obj(v: unknown, path: string): Obj | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) fail(path, v, 'must be an object');
  return v;
}

export function str(v: unknown, path: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') fail(path, v, 'must be a string');
  return v;
}

export function arr(v: unknown, path: string): unknown[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) fail(path, v, 'must be a list');
  return v;
}

function strMap(v: unknown, path: string): Record<string, string> | undefined {
  const o = obj(v, path);
  if (o === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(o)) {
    const s = str(val, `${path}.${k}`);
    if (s !== undefined) out[k] = s;
  }
  return out;
}

function strList(v: unknown, path: string): string[] | undefined {
  return arr(v, path)?.map((x, i) => str(x, `${path}[${i}]`) ?? '');
}

export function readMeta(v: unknown, path = 'metadata'): K8sObjectMeta {
  const m = obj(v, path) ?? fail(path, v, 'is required');
  const name = str(m['name'], `${path}.name`);
  if (name === undefined || name === '') fail(`${path}.name`, m['name'], 'is required');
  const meta: K8sObjectMeta = { name };
  const namespace = str(m['namespace'], `${path}.namespace`);
  if (namespace !== undefined) meta.namespace = namespace;
  const uid = str(m['uid'], `${path}.uid`);
  if (uid !== undefined) meta.uid = uid;
  const rv = m['resourceVersion'];
  if (rv !== undefined && rv !== null) meta.resourceVersion = typeof rv === 'number' ? String(rv) : str(rv, `${path}.resourceVersion`)!;
  const ts = m['creationTimestamp'];
  if (ts instanceof Date) meta.creationTimestamp = ts.toISOString().replace(/\.\d{3}Z$/, 'Z');
  else if (ts !== undefined && ts !== null) meta.creationTimestamp = str(ts, `${path}.creationTimestamp`)!;
  const labels = strMap(m['labels'], `${path}.labels`);
  if (labels !== undefined) meta.labels = labels;
  const annotations = strMap(m['annotations'], `${path}.annotations`);
  if (annotations !== undefined) meta.annotations = annotations;
  return meta;
}

export function readLabelSelector(v: unknown, path: string): K8sLabelSelector | undefined {
  const o = obj(v, path);
  if (o === undefined) return undefined;
  const sel: K8sLabelSelector = {};
  const ml = strMap(o['matchLabels'], `${path}.matchLabels`);
  if (ml !== undefined) sel.matchLabels = ml;
  const me = arr(o['matchExpressions'], `${path}.matchExpressions`);
  if (me !== undefined) {
    sel.matchExpressions = me.map((e, i): K8sLabelSelectorRequirement => {
      const p = `${path}.matchExpressions[${i}]`;
      const eo = obj(e, p) ?? fail(p, e, 'must be an object');
      const req: K8sLabelSelectorRequirement = {
        key: str(eo['key'], `${p}.key`) ?? '',
        operator: str(eo['operator'], `${p}.operator`) ?? '',
      };
      const values = strList(eo['values'], `${p}.values`);
      if (values !== undefined) req.values = values;
      return req;
    });
  }
  return sel;
}

export function readPeers(v: unknown, path: string): K8sNetworkPolicyPeer[] {
  return (arr(v, path) ?? []).map((p, i) => {
    const pp = `${path}[${i}]`;
    const o = obj(p, pp) ?? {};
    const peer: K8sNetworkPolicyPeer = {};
    const pod = readLabelSelector(o['podSelector'], `${pp}.podSelector`);
    if (pod !== undefined) peer.podSelector = pod;
    const ns = readLabelSelector(o['namespaceSelector'], `${pp}.namespaceSelector`);
    if (ns !== undefined) peer.namespaceSelector = ns;
    const ib = obj(o['ipBlock'], `${pp}.ipBlock`);
    if (ib !== undefined) {
      const block: K8sIPBlock = { cidr: str(ib['cidr'], `${pp}.ipBlock.cidr`) ?? '' };
      const except = strList(ib['except'], `${pp}.ipBlock.except`);
      if (except !== undefined) block.except = except;
      peer.ipBlock = block;
    }
    return peer;
  });
}

export function readPorts(v: unknown, path: string): K8sNetworkPolicyPort[] {
  return (arr(v, path) ?? []).map((p, i) => {
    const pp = `${path}[${i}]`;
    const o = obj(p, pp) ?? {};
    const port: K8sNetworkPolicyPort = {};
    const protocol = str(o['protocol'], `${pp}.protocol`);
    if (protocol !== undefined) port.protocol = protocol;
    const pv = o['port'];
    if (pv !== undefined && pv !== null) {
      if (typeof pv !== 'number' && typeof pv !== 'string') fail(`${pp}.port`, pv, 'must be a number or a string');
      port.port = pv;
    }
    const ep = o['endPort'];
    if (ep !== undefined && ep !== null) {
      if (typeof ep !== 'number' || !Number.isInteger(ep)) fail(`${pp}.endPort`, ep, 'must be an integer');
      port.endPort = ep;
    }
    return port;
  });
}
