/**
 * Which BGP sessions one node runs, computed from BGPConfiguration, Nodes
 * and BGPPeers as Calico's confd does:
 * - node-to-node mesh (unless nodeToNodeMeshEnabled is false): every other
 *   node with an IPv4 BGP address, named `Mesh_<ip>`;
 * - BGPPeers that select this node (`node`, `nodeSelector`, or neither =
 *   global) with `peerIP` (`Global_<ip>` / `Node_<ip>`) or `peerSelector`
 *   (every selected node, `Node_<ip>`);
 * - the reverse of peerSelector peerings: a BGPPeer whose peerSelector
 *   selects this node makes this node peer with every node the BGPPeer
 *   applies to (how a route reflector learns its clients);
 * - a node with routeReflectorClusterID treats every peer node outside its
 *   cluster as a route-reflector client.
 * Computed per address family: IPv4 sessions between IPv4 addresses carry
 * IPv4 routes, IPv6 sessions between IPv6 addresses IPv6 routes (as
 * Calico's bird.cfg and bird6.cfg).
 */
import { parseSelector } from '../selector/index.js';
import type { NodeView } from '../routing/routing-model.js';

export type PeerType = 'Mesh' | 'Node' | 'Global';

export interface BgpPeerView {
  readonly name: string;
  readonly node?: string;
  readonly nodeSelector?: string;
  readonly peerIP?: string;
  readonly peerSelector?: string;
  readonly asNumber?: string;
  readonly keepOriginalNextHop: boolean;
  readonly password?: { readonly name: string; readonly key: string };
  readonly filters: readonly string[];
  readonly sourceAddress: 'UseNodeIP' | 'None';
  readonly maxRestartTime?: string;
  readonly ttlSecurity?: number;
}

export interface BirdPeer {
  /** BIRD protocol name: `<type>_<ip with . and : as _>[_port_<port>]`. */
  readonly protocolName: string;
  readonly type: PeerType;
  readonly ip: string;
  readonly port?: number;
  readonly asNumber: string;
  readonly rrClient: boolean;
  readonly keepOriginalNextHop: boolean;
  /** secretKeyRef of the password (resolved to text by the renderer's caller). */
  readonly password?: { readonly name: string; readonly key: string };
  readonly filters: readonly string[];
  readonly sourceAddress: 'UseNodeIP' | 'None';
  readonly maxRestartTime?: string;
  readonly ttlSecurity?: number;
  /** Calico node on the other side, if any. */
  readonly peerNode?: string;
}

export interface PeerInputs {
  readonly hostname: string;
  readonly nodes: ReadonlyMap<string, NodeView>;
  readonly peers: readonly BgpPeerView[];
  readonly meshEnabled: boolean;
  readonly globalAsNumber: string;
  readonly meshPassword?: { readonly name: string; readonly key: string };
  /** Address family of the sessions (default 4). */
  readonly family?: 4 | 6;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export function parseSecretRef(v: unknown): { name: string; key: string } | undefined {
  const r = obj(obj(v)['secretKeyRef']);
  const name = str(r['name']);
  const key = str(r['key']);
  return name && key ? { name, key } : undefined;
}

export function parseBgpPeers(m: ReadonlyMap<string, unknown>): BgpPeerView[] {
  const out: BgpPeerView[] = [];
  for (const [name, v] of m) {
    const s = obj(obj(v)['spec']);
    const asn = s['asNumber'];
    const pw = parseSecretRef(s['password']);
    const opt = <K extends string, T>(k: K, val: T | undefined): Partial<Record<K, T>> => (val === undefined ? {} : ({ [k]: val } as Record<K, T>));
    out.push({
      name, keepOriginalNextHop: s['keepOriginalNextHop'] === true || s['nextHopMode'] === 'Keep',
      filters: Array.isArray(s['filters']) ? s['filters'].filter((f): f is string => typeof f === 'string') : [],
      sourceAddress: s['sourceAddress'] === 'None' ? 'None' : 'UseNodeIP',
      ...opt('node', str(s['node'])), ...opt('nodeSelector', str(s['nodeSelector'])), ...opt('peerIP', str(s['peerIP'])),
      ...opt('peerSelector', str(s['peerSelector'])),
      ...opt('asNumber', typeof asn === 'number' ? String(asn) : str(asn)),
      ...opt('password', pw), ...opt('maxRestartTime', str(s['maxRestartTime'])),
      ...opt('ttlSecurity', typeof s['ttlSecurity'] === 'number' && s['ttlSecurity'] > 0 ? s['ttlSecurity'] : undefined),
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

function selects(selector: string, node: NodeView): boolean {
  try {
    return parseSelector(selector).evaluate(node.labels);
  } catch {
    return false; // validated on write; an unparsable selector selects nothing
  }
}

/** True when the BGPPeer applies to `node` (node / nodeSelector / global). */
export function peerAppliesTo(p: BgpPeerView, node: NodeView): boolean {
  if (p.node) return p.node === node.name;
  if (p.nodeSelector) return selects(p.nodeSelector, node);
  return true;
}

export function protocolName(type: PeerType, ip: string, port?: number): string {
  return `${type}_${ip.replace(/[.:]/g, '_')}${port !== undefined ? `_port_${port}` : ''}`;
}

function splitPeerIP(v: string): { ip: string; port?: number } {
  const v4 = /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(v);
  const v6 = /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(v);
  const m = v4 ?? v6;
  return m ? { ip: m[1]!, port: Number(m[2]) } : { ip: v };
}

export function computePeers(inp: PeerInputs): BirdPeer[] {
  const family = inp.family ?? 4;
  const addr = (n: NodeView | undefined): string | undefined => (family === 4 ? n?.ipv4 : n?.ipv6);
  const local = inp.nodes.get(inp.hostname);
  const localIp = addr(local);
  if (!local || !localIp) return [];
  const out = new Map<string, BirdPeer>();
  const localCluster = local.routeReflectorClusterID;
  const nodeAs = (n: NodeView): string => n.asNumber ?? inp.globalAsNumber;
  const addNode = (type: PeerType, n: NodeView, p: BgpPeerView | undefined): void => {
    const ip = addr(n);
    if (!ip || n.name === inp.hostname || out.has(ip)) return;
    const rrClient = localCluster !== undefined && n.routeReflectorClusterID !== localCluster;
    const pw = p ? p.password : inp.meshPassword;
    out.set(ip, {
      protocolName: protocolName(type, ip), type, ip, asNumber: nodeAs(n), rrClient, peerNode: n.name,
      keepOriginalNextHop: p?.keepOriginalNextHop ?? false, filters: p?.filters ?? [], sourceAddress: p?.sourceAddress ?? 'UseNodeIP',
      ...(pw ? { password: pw } : {}),
      ...(p?.maxRestartTime ? { maxRestartTime: p.maxRestartTime } : {}),
      ...(p?.ttlSecurity ? { ttlSecurity: p.ttlSecurity } : {}),
    });
  };
  const others = [...inp.nodes.values()].filter((n) => n.name !== inp.hostname).sort((a, b) => a.name.localeCompare(b.name));
  // Explicit BGPPeers first, so they win over the mesh for the same address.
  for (const p of inp.peers) {
    const global = !p.node && !p.nodeSelector;
    if (peerAppliesTo(p, local)) {
      if (p.peerIP) {
        const { ip, port } = splitPeerIP(p.peerIP);
        if (ip.includes(':') !== (family === 6) || out.has(ip) || ip === localIp) continue;
        const type: PeerType = global ? 'Global' : 'Node';
        const peerNode = others.find((n) => addr(n) === ip);
        out.set(ip, {
          protocolName: protocolName(type, ip, port), type, ip, asNumber: p.asNumber ?? inp.globalAsNumber,
          rrClient: localCluster !== undefined && peerNode !== undefined && peerNode.routeReflectorClusterID !== localCluster,
          keepOriginalNextHop: p.keepOriginalNextHop, filters: p.filters, sourceAddress: p.sourceAddress,
          ...(port !== undefined ? { port } : {}), ...(p.password ? { password: p.password } : {}),
          ...(p.maxRestartTime ? { maxRestartTime: p.maxRestartTime } : {}), ...(p.ttlSecurity ? { ttlSecurity: p.ttlSecurity } : {}),
          ...(peerNode ? { peerNode: peerNode.name } : {}),
        });
      } else if (p.peerSelector) {
        for (const n of others) if (selects(p.peerSelector, n)) addNode('Node', n, p);
      }
    }
    // The reverse direction: this node is selected as the peer of the nodes the BGPPeer applies to.
    if (p.peerSelector && selects(p.peerSelector, local)) {
      for (const n of others) if (peerAppliesTo(p, n)) addNode('Node', n, p);
    }
  }
  if (inp.meshEnabled) for (const n of others) addNode('Mesh', n, undefined);
  return [...out.values()].sort((a, b) => a.protocolName.localeCompare(b.protocolName));
}
