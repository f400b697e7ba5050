/**
 * Kubernetes NetworkPolicy -> projectcalico.org/v3 NetworkPolicy, as
 * libcalico-go's K8sNetworkPolicyToCalico (backend/k8s/conversion). The
 * output must match Calico field for field and selector strings character
 * for character, because Felix, `calicoctl get` and the acceptance suite
 * compare them. Rules that cannot be converted (bad ports) are dropped and
 * reported, like upstream's ErrorPolicyConversion; the rest still converts.
 */
import { ValidationError } from '../../lib/errors.js';
import { normaliseCidr } from './cidr.js';
import type {
  CalicoEntityRule,
  CalicoNetworkPolicy,
  CalicoObjectMeta,
  CalicoRule,
  K8sLabelSelector,
  K8sNetworkPolicyPeer,
  K8sNetworkPolicyPort,
  RuleConversionError,
} from './k8s-types.js';
import { portFromString, portToJson, simplifyPorts, type Port } from './ports.js';
import { arr, obj, readLabelSelector, readMeta, readPeers, readPorts, str } from './reader.js';
import { convertUid } from './uid.js';

/** Prefix of the Calico policy name: "knp." + tier "default" + ".". */
export const K8S_NETWORK_POLICY_NAME_PREFIX = 'knp.default.';
export const K8S_NETWORK_POLICY_ORDER = 1000;
export const LABEL_ORCHESTRATOR = 'projectcalico.org/orchestrator';

type SelectorType = 'pod' | 'namespace';

/**
 * libcalico-go k8sSelectorToCalico. Pod selectors always start with
 * `projectcalico.org/orchestrator == 'k8s'`; an empty namespace selector is
 * `all()`, an absent one is "" (meaning: the policy's own namespace).
 * matchLabels are sorted by key; matchExpressions keep their order.
 */
export function k8sSelectorToCalico(s: K8sLabelSelector | undefined | null, type: SelectorType): string {
  const parts: string[] = [];
  if (type === 'pod') parts.push(`${LABEL_ORCHESTRATOR} == 'k8s'`);
  if (s === undefined || s === null) return parts.join(' && ');
  const matchLabels = s.matchLabels ?? {};
  const exprs = s.matchExpressions ?? [];
  if (type === 'namespace' && Object.keys(matchLabels).length === 0 && exprs.length === 0) return 'all()';
  for (const k of Object.keys(matchLabels).sort(byteOrder)) parts.push(`${k} == '${matchLabels[k]}'`);
  for (const e of exprs) {
    const values = (e.values ?? []).join("', '");
    switch (e.operator) {
      case 'In':
        parts.push(`${e.key} in { '${values}' }`);
        break;
      case 'NotIn':
        parts.push(`${e.key} not in { '${values}' }`);
        break;
      case 'Exists':
        parts.push(`has(${e.key})`);
        break;
      case 'DoesNotExist':
        parts.push(`! has(${e.key})`);
        break;
      default:
        // Upstream silently skips unknown operators (the API server rejects them).
        break;
    }
  }
  return parts.join(' && ');
}

/** Go's sort.Strings order (bytes of UTF-8 = code points). */
function byteOrder(a: string, b: string): number {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return Buffer.compare(x, y);
}

const PROTOCOL_NAMES = ['UDP', 'TCP', 'ICMP', 'ICMPv6', 'SCTP', 'UDPLite'];

/** numorstring.ProtocolFromString: known names are canonicalised case-insensitively. */
function protocolFromString(p: string): string {
  const lower = p.toLowerCase();
  return PROTOCOL_NAMES.find((n) => n.toLowerCase() === lower) ?? p;
}

/** intstr.IntOrString.String(). */
function intOrString(v: number | string): string {
  return typeof v === 'number' ? String(Math.trunc(v)) : v;
}

/** k8sPortToCalico: "port" or "port:endPort" parsed as a Calico port; throws with upstream's message. */
function k8sPortToCalico(port: K8sNetworkPolicyPort): Port[] {
  if (port.port === undefined || port.port === null) return [];
  let text = intOrString(port.port);
  if (port.endPort !== undefined && port.endPort !== null) text = `${text}:${port.endPort}`;
  try {
    return [portFromString(text)];
  } catch (e) {
    throw new Error(`invalid port ${text}: ${(e as Error).message}`);
  }
}

interface PeerFields {
  selector: string;
  nsSelector: string;
  nets: string[] | undefined;
  notNets: string[] | undefined;
}

/**
 * k8sPeerToCalicoFields. Note the upstream behaviour for an unparsable
 * ipBlock CIDR: the peer contributes no match at all (and an unparsable
 * `except` truncates notNets). The Kubernetes API server never admits such a
 * policy; our own API validation must reject it before conversion.
 */
function k8sPeerToCalicoFields(peer: K8sNetworkPolicyPeer | null): PeerFields {
  const f: PeerFields = { selector: '', nsSelector: '', nets: undefined, notNets: undefined };
  if (peer === null) return f;
  if (peer.ipBlock !== undefined && peer.ipBlock !== null) {
    const net = normaliseCidr(peer.ipBlock.cidr);
    if (net === null) return f;
    f.nets = [net];
    for (const ex of peer.ipBlock.except ?? []) {
      const n = normaliseCidr(ex);
      if (n === null) return f;
      (f.notNets ??= []).push(n);
    }
    return f;
  }
  f.selector = k8sSelectorToCalico(peer.podSelector, 'pod');
  f.nsSelector = k8sSelectorToCalico(peer.namespaceSelector, 'namespace');
  return f;
}

/** Builds an EntityRule with only the non-empty fields, in Calico's field order. */
function entityRule(f: Partial<PeerFields>, ports: readonly Port[] | undefined): CalicoEntityRule | undefined {
  const r: CalicoEntityRule = {};
  if (f.nets !== undefined && f.nets.length > 0) r.nets = f.nets;
  if (f.selector) r.selector = f.selector;
  if (f.nsSelector) r.namespaceSelector = f.nsSelector;
  if (ports !== undefined && ports.length > 0) r.ports = ports.map(portToJson);
  if (f.notNets !== undefined && f.notNets.length > 0) r.notNets = f.notNets;
  return Object.keys(r).length > 0 ? r : undefined;
}

/**
 * k8sRuleToCalico: one Calico rule per (protocol, peer) pair. Ports are
 * grouped by protocol (protocols sorted), a port entry without a port number
 * widens its protocol to all ports, and each group's ports are simplified.
 */
function k8sRuleToCalico(
  rPeers: readonly K8sNetworkPolicyPeer[],
  rPorts: readonly K8sNetworkPolicyPort[],
  ingress: boolean,
): CalicoRule[] {
  const peers: Array<K8sNetworkPolicyPeer | null> = rPeers.length > 0 ? [...rPeers] : [null];
  // Protocol defaults to TCP for every port entry, even one with no port number.
  const ports: Array<K8sNetworkPolicyPort | null> =
    rPorts.length > 0 ? rPorts.map((p) => ({ ...p, protocol: p.protocol ?? 'TCP' })) : [null];

  // protocol -> ports; `undefined` ports means "all ports of this protocol".
  let protocolPorts = new Map<string, Port[] | undefined>();
  for (const port of ports) {
    if (port === null) {
      protocolPorts = new Map([['', undefined]]);
      break;
    }
    let calicoPorts: Port[];
    try {
      calicoPorts = k8sPortToCalico(port);
    } catch (e) {
      throw new Error(`failed to parse k8s port: ${(e as Error).message}`);
    }
    const proto = protocolFromString(port.protocol ?? 'TCP');
    if (calicoPorts.length === 0) {
      protocolPorts.set(proto, undefined);
    } else if (!protocolPorts.has(proto)) {
      protocolPorts.set(proto, [...calicoPorts]);
    } else {
      const existing = protocolPorts.get(proto);
      // Once a protocol is widened to all ports it stays that way.
      if (existing !== undefined) existing.push(...calicoPorts);
    }
  }

  const rules: CalicoRule[] = [];
  for (const proto of [...protocolPorts.keys()].sort(byteOrder)) {
    const raw = protocolPorts.get(proto);
    const calicoPorts = raw === undefined ? undefined : simplifyPorts(raw);
    for (const peer of peers) {
      const f = k8sPeerToCalicoFields(peer);
      const rule: CalicoRule = { action: 'Allow' };
      if (proto !== '') rule.protocol = proto;
      if (ingress) {
        const src = entityRule(f, undefined);
        const dst = entityRule({}, calicoPorts);
        if (src !== undefined) rule.source = src;
        if (dst !== undefined) rule.destination = dst;
      } else {
        const dst = entityRule(f, calicoPorts);
        if (dst !== undefined) rule.destination = dst;
      }
      rules.push(rule);
    }
  }
  return rules;
}

/**
 * Converts a networking.k8s.io/v1 NetworkPolicy (plain object) to the
 * projectcalico.org/v3 NetworkPolicy Calico derives from it, plus the rules
 * that were dropped because they could not be converted.
 *
 * policyTypes: when the input has none, the Kubernetes API server's default
 * is applied first (Ingress, plus Egress if there are egress rules), because
 * our datastore has no API server to do it; then upstream's conversion
 * (listed types, or Ingress if none) applies.
 */
export function convertK8sNetworkPolicy(policy: object): { policy: CalicoNetworkPolicy; errors: RuleConversionError[] } {
  const np = policy as Record<string, unknown>;
  const meta = readMeta(np['metadata']);
  const spec = obj(np['spec'], 'spec') ?? {};
  const podSelector = readLabelSelector(spec['podSelector'], 'spec.podSelector') ?? {};
  const errors: RuleConversionError[] = [];

  const convertRules = (direction: 'ingress' | 'egress'): CalicoRule[] => {
    const peerField = direction === 'ingress' ? 'from' : 'to';
    const out: CalicoRule[] = [];
    (arr(spec[direction], `spec.${direction}`) ?? []).forEach((r, index) => {
      const path = `spec.${direction}[${index}]`;
      const ro = obj(r, path) ?? {};
      const peers = readPeers(ro[peerField], `${path}.${peerField}`);
      const ports = readPorts(ro['ports'], `${path}.ports`);
      try {
        out.push(...k8sRuleToCalico(peers, ports, direction === 'ingress'));
      } catch (e) {
        errors.push({ direction, index, reason: `k8s rule couldn't be converted: ${(e as Error).message}` });
      }
    });
    return out;
  };
  const ingressRules = convertRules('ingress');
  const egressRules = convertRules('egress');

  const declared = (arr(spec['policyTypes'], 'spec.policyTypes') ?? []).map((t, i) => str(t, `spec.policyTypes[${i}]`));
  let typeNames = declared;
  if (typeNames.length === 0) {
    // Kubernetes API server defaulting (SetDefaults_NetworkPolicySpec).
    typeNames = ['Ingress'];
    if ((arr(spec['egress'], 'spec.egress') ?? []).length > 0) typeNames.push('Egress');
  }
  const types: Array<'Ingress' | 'Egress'> = [];
  if (typeNames.includes('Ingress')) types.push('Ingress');
  if (typeNames.includes('Egress')) types.push('Egress');
  if (types.length === 0) types.push('Ingress');

  const metadata: CalicoObjectMeta = { name: K8S_NETWORK_POLICY_NAME_PREFIX + meta.name };
  if (meta.namespace !== undefined && meta.namespace !== '') metadata.namespace = meta.namespace;
  if (meta.uid !== undefined && meta.uid !== '') {
    try {
      metadata.uid = convertUid(meta.uid);
    } catch (e) {
      throw new ValidationError([{ path: 'metadata.uid', value: meta.uid, reason: (e as Error).message }]);
    }
  }
  if (meta.resourceVersion !== undefined && meta.resourceVersion !== '') metadata.resourceVersion = meta.resourceVersion;
  if (meta.creationTimestamp !== undefined && meta.creationTimestamp !== null) metadata.creationTimestamp = meta.creationTimestamp;

  const out: CalicoNetworkPolicy = {
    kind: 'NetworkPolicy',
    apiVersion: 'projectcalico.org/v3',
    metadata,
    // Field order as Calico's JSON: tier, order, ingress, egress, selector, types.
    spec: {
      tier: 'default',
      order: K8S_NETWORK_POLICY_ORDER,
      ...(ingressRules.length > 0 ? { ingress: ingressRules } : {}),
      ...(egressRules.length > 0 ? { egress: egressRules } : {}),
      selector: k8sSelectorToCalico(podSelector, 'pod'),
      types,
    },
  };
  return { policy: out, errors };
}
