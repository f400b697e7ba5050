/**
 * Which BGP sessions one node runs, computed from BGPConfiguration, Nodes
 * and BGPPeers as Calico's confd does (client.go updatePeersV1 and
 * bgp_processor.go):
 * - node-to-node mesh (unless nodeToNodeMeshEnabled is false, or this node
 *   is a route reflector): every other node with an address of the family
 *   that is not a route reflector, `Mesh_<ip>`, to the peer node's
 *   listenPort, passive towards higher addresses (one side connects);
 * - BGPPeers applying to this node (`node`, `nodeSelector`, or neither =
 *   global) with `peerIP` (`Global_<ip>` / `Node_<ip>`, `_port_<n>`),
 *   `peerSelector` (every selected node, `Global_` / `Node_<ip>`) or
 *   `localWorkloadSelector` (this node's workloads, `Local_Workload_<ip>`,
 *   passive, no source address);
 * - reverse peerings (unless reversePeering: Manual): a BGPPeer whose
 *   peerSelector selects this node, or whose peerIP + asNumber are this
 *   node's, makes this node peer with every node the BGPPeer applies to;
 * - a route reflector (routeReflectorClusterID) treats iBGP peers outside
 *   its cluster as clients.
 * Global peers are computed before node-specific ones and explicit peers
 * before the mesh: the first session to an address wins.
 */
import { parseSelector } from '../selector/index.js';
import type { NodeView } from '../routing/routing-model.js';
import type { LocalWorkload } from './local-workloads.js';

export type PeerType = 'Mesh' | 'Node' | 'Global' | 'Local_Workload';
export type SecretRef = { readonly name: string; readonly key: string };

export interface BgpPeerView {
  readonly name: string;
  readonly node?: string;
  readonly nodeSelector?: string;
  readonly peerIP?: string;
  readonly peerSelector?: string;
  readonly localWorkloadSelector?: string;
  readonly asNumber?: string;
  readonly localASNumber?: string;
  /** Deprecated keepOriginalNextHop (ignored when nextHopMode is set). */
  readonly keepOriginalNextHop: boolean;
  readonly nextHopMode?: 'Auto' | 'Self' | 'Keep';
  readonly password?: SecretRef;
  readonly filters: readonly string[];
  readonly sourceAddress: 'UseNodeIP' | 'None';
  readonly maxRestartTime?: string;
  readonly keepaliveTime?: string;
  readonly ttlSecurity?: number;
  readonly numAllowedLocalASNumbers?: number;
  readonly reachableBy?: string;
  readonly reversePeering: 'Auto' | 'Manual';
}

export interface BirdPeer {
  /** BIRD protocol name: `<type>_<ip with . and : as _>[_port_<port>]`. */
  readonly protocolName: string;
  readonly type: PeerType;
  readonly ip: string;
  readonly port?: number;
  readonly asNumber: string;
  /** BGPPeer localASNumber: this node's AS on this session instead of its own. */
  readonly localAsNumber?: string;
  readonly rrClient: boolean;
  /** `next hop keep` (nextHopMode Keep, or keepOriginalNextHop towards an eBGP peer) / `next hop self`. */
  readonly nextHop?: 'Keep' | 'Self';
  /** secretKeyRef of the password (resolved to text by the renderer's caller). */
  readonly password?: SecretRef;
  readonly filters: readonly string[];
  readonly sourceAddress: 'UseNodeIP' | 'None';
  /** Graceful restart time (Go duration text, e.g. 2m0s). */
  readonly maxRestartTime?: string;
  readonly keepaliveTime?: string;
  readonly ttlSecurity?: number;
  readonly numAllowedLocalASNumbers?: number;
  /** Gateway through which the peer address is reached (static /32 or /128 route). */
  readonly reachableBy?: string;
  /** Wait for the peer to connect (mesh towards a higher address, local workloads). */
  readonly passive: boolean;
  /** Calico node on the other side, if any. */
  readonly peerNode?: string;
  /** Workload on the other side (Local_Workload peers). */
  readonly peerWorkload?: string;
}

export interface PeerInputs {
  readonly hostname: string;
  readonly nodes: ReadonlyMap<string, NodeView>;
  readonly peers: readonly BgpPeerView[];
  readonly meshEnabled: boolean;
  readonly globalAsNumber: string;
  readonly meshPassword?: SecretRef;
  /** BGPConfiguration nodeMeshMaxRestartTime. */
  readonly meshMaxRestartTime?: string;
  /** listenPort set in BGPConfiguration `node.<name>` (per node) or `default` (global). */
  readonly nodeListenPorts?: ReadonlyMap<string, number>;
  readonly globalListenPort?: number;
  /** This node's workload endpoints (for localWorkloadSelector peers). */
  readonly localWorkloads?: readonly LocalWorkload[];
  /** Address family of the sessions (default 4). */
  readonly family?: 4 | 6;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const asText = (v: unknown): string | undefined => (typeof v === 'number' ? (v === 0 ? undefined : String(v)) : str(v));

export function parseSecretRef(v: unknown): SecretRef | undefined {
  const r = obj(obj(v)['secretKeyRef']);
  const name = str(r['name']);
  const key = str(r['key']);
  return name && key ? { name, key } : undefined;
}

export function parseBgpPeers(m: ReadonlyMap<string, unknown>): BgpPeerView[] {
  const out: BgpPeerView[] = [];
  for (const [name, v] of m) {
    const s = obj(obj(v)['spec']);
    const nhm = s['nextHopMode'];
    const num = (k: string, ok: (n: number) => boolean): number | undefined => (typeof s[k] === 'number' && ok(s[k]) ? s[k] : undefined);
    const fields: Partial<Record<keyof BgpPeerView, unknown>> = {
      node: str(s['node']), nodeSelector: str(s['nodeSelector']), peerIP: str(s['peerIP']), peerSelector: str(s['peerSelector']),
      localWorkloadSelector: str(s['localWorkloadSelector']), asNumber: asText(s['asNumber']), localASNumber: asText(s['localASNumber']),
      nextHopMode: nhm === 'Auto' || nhm === 'Self' || nhm === 'Keep' ? nhm : undefined,
      password: parseSecretRef(s['password']), maxRestartTime: str(s['maxRestartTime']), keepaliveTime: str(s['keepaliveTime']),
      ttlSecurity: num('ttlSecurity', (n) => n > 0), numAllowedLocalASNumbers: num('numAllowedLocalASNumbers', (n) => n > 0),
      reachableBy: str(s['reachableBy']),
    };
    const defined = Object.fromEntries(Object.entries(fields).filter(([, x]) => x !== undefined)) as Partial<BgpPeerView>;
    out.push({
      ...defined, name, keepOriginalNextHop: s['keepOriginalNextHop'] === true,
      filters: Array.isArray(s['filters']) ? s['filters'].filter((f): f is string => typeof f === 'string') : [],
      sourceAddress: s['sourceAddress'] === 'None' ? 'None' : 'UseNodeIP',
      reversePeering: s['reversePeering'] === 'Manual' ? 'Manual' : 'Auto',
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

function selects(selector: string, labels: Readonly<Record<string, string>>): boolean {
  try {
    return parseSelector(selector).evaluate(labels);
  } catch {
    return false; // validated on write; an unparsable selector selects nothing
  }
}

/** True when the BGPPeer applies to `node` (node / nodeSelector / global). */
export function peerAppliesTo(p: BgpPeerView, node: NodeView): boolean {
  if (p.node) return p.node === node.name;
  if (p.nodeSelector) return selects(p.nodeSelector, node.labels);
  return true;
}

export function protocolName(type: PeerType, ip: string, port?: number): string {
  return `${type}_${ip.replace(/[.:]/g, '_')}${port !== undefined ? `_port_${port}` : ''}`;
}

export function splitPeerIP(v: string): { ip: string; port?: number } {
  const v4 = /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(v);
  const v6 = /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(v);
  const m = v4 ?? v6;
  return m ? { ip: m[1]!, port: Number(m[2]) } : { ip: v };
}

/** The next-hop behaviour: nextHopMode wins; the deprecated keepOriginalNextHop only acts towards eBGP peers. */
function nextHopOf(p: BgpPeerView, peerAs: string, localAs: string): 'Keep' | 'Self' | undefined {
  if (p.nextHopMode === 'Keep' || p.nextHopMode === 'Self') return p.nextHopMode;
  if (p.nextHopMode === undefined && p.keepOriginalNextHop && peerAs !== localAs) return 'Keep';
  return undefined;
}

export function computePeers(inp: PeerInputs): BirdPeer[] {
  const family = inp.family ?? 4;
  const addr = (n: NodeView | undefined): string | undefined => (family === 4 ? n?.ipv4 : n?.ipv6);
  const local = inp.nodes.get(inp.hostname);
  const localIp = addr(local);
  if (!local || !localIp) return [];
  const out = new Map<string, BirdPeer>();
  const localCluster = local.routeReflectorClusterID;
  const localAs = local.asNumber ?? inp.globalAsNumber;
  const nodeAs = (n: NodeView): string => n.asNumber ?? inp.globalAsNumber;
  const listenPort = (n: NodeView): number | undefined => inp.nodeListenPorts?.get(n.name) ?? inp.globalListenPort;
  const others = [...inp.nodes.values()].filter((n) => n.name !== inp.hostname).sort((a, b) => a.name.localeCompare(b.name));
  /** An iBGP peer outside this route reflector's cluster is its client. */
  const rrClient = (peerAs: string, effectiveLocalAs: string, peerCluster: string | undefined): boolean =>
    localCluster !== undefined && peerAs === effectiveLocalAs && peerCluster !== localCluster;

  const fromBgpPeer = (type: PeerType, ip: string, port: number | undefined, peerAs: string, p: BgpPeerView, peerNode: NodeView | undefined,
    byAddress = false): BirdPeer => {
    const effectiveLocalAs = p.localASNumber ?? localAs;
    const nextHop = nextHopOf(p, peerAs, effectiveLocalAs);
    return {
      protocolName: protocolName(type, ip, port), type, ip, asNumber: peerAs,
      rrClient: rrClient(peerAs, effectiveLocalAs, peerNode?.routeReflectorClusterID),
      filters: p.filters, sourceAddress: p.sourceAddress,
      // confd: a global peerIP that is a Calico node connects one way (the lower address connects).
      passive: type === 'Global' && byAddress && peerNode !== undefined && ip > localIp,
      ...(port !== undefined ? { port } : {}), ...(p.localASNumber ? { localAsNumber: p.localASNumber } : {}),
      ...(nextHop ? { nextHop } : {}), ...(p.password ? { password: p.password } : {}),
      ...(p.maxRestartTime ? { maxRestartTime: p.maxRestartTime } : {}), ...(p.keepaliveTime ? { keepaliveTime: p.keepaliveTime } : {}),
      ...(p.ttlSecurity ? { ttlSecurity: p.ttlSecurity } : {}),
      ...(p.numAllowedLocalASNumbers ? { numAllowedLocalASNumbers: p.numAllowedLocalASNumbers } : {}),
      ...(p.reachableBy && p.reachableBy.includes(':') === (family === 6) ? { reachableBy: p.reachableBy } : {}),
      ...(peerNode ? { peerNode: peerNode.name } : {}),
    };
  };
  // Sessions are keyed by address and port (as confd's peer keys): the first one wins.
  const add = (peer: BirdPeer): void => {
    const key = `${peer.ip}|${peer.port ?? ''}`;
    if (peer.ip === localIp || out.has(key)) return;
    out.set(key, peer);
  };
  const addNode = (n: NodeView, p: BgpPeerView, type: 'Global' | 'Node' = 'Node'): void => {
    const ip = addr(n);
    if (!ip || n.name === inp.hostname) return;
    // localASNumber is for peerIP and workload peers (as confd): between Calico nodes each side keeps its own AS.
    const { localASNumber: _ignored, ...withoutLocalAs } = p;
    add(fromBgpPeer(type, ip, listenPort(n), nodeAs(n), withoutLocalAs, n));
  };
  /** Calico nodes at a peerIP with that AS (and port, when given): the targets of reverse peerings. */
  const nodesAt = (ip: string, as: string, port: number | undefined): NodeView[] =>
    [...inp.nodes.values()].filter((n) => (n.ipv4 === ip || n.ipv6 === ip) && nodeAs(n) === as && (port === undefined || port === (listenPort(n) ?? 179)));

  // Local workloads: each workload peers through the first (by name) BGPPeer selecting it.
  const claimed = new Set<string>();
  for (const p of inp.peers) {
    if (!p.localWorkloadSelector || !peerAppliesTo(p, local)) continue;
    for (const w of inp.localWorkloads ?? []) {
      const ip = family === 4 ? w.ipv4 : w.ipv6;
      if (!ip || claimed.has(w.name) || !selects(p.localWorkloadSelector, w.labels)) continue;
      claimed.add(w.name);
      const base = fromBgpPeer('Local_Workload', ip, undefined, p.asNumber ?? inp.globalAsNumber, p, undefined);
      add({ ...base, sourceAddress: 'None', passive: true, rrClient: false, peerWorkload: w.name });
    }
  }
  // Global BGPPeers first, then node-specific ones: a global session to an address wins.
  for (const globalPass of [true, false]) {
    for (const p of inp.peers) {
      if (globalPass !== (!p.node && !p.nodeSelector) || p.localWorkloadSelector || !peerAppliesTo(p, local)) continue;
      if (p.peerIP) {
        const { ip, port: given } = splitPeerIP(p.peerIP);
        if (ip.includes(':') !== (family === 6)) continue;
        const peerAs = p.asNumber ?? inp.globalAsNumber;
        const atIp = nodesAt(ip, peerAs, given);
        const peerNode = atIp[0] ?? others.find((n) => addr(n) === ip);
        // No port given and the peer is a Calico node: connect to that node's listenPort.
        const port = given ?? (atIp[0] ? listenPort(atIp[0]) : undefined);
        add(fromBgpPeer(globalPass ? 'Global' : 'Node', ip, port, peerAs, p, peerNode, true));
      } else if (p.peerSelector) {
        for (const n of others) if (selects(p.peerSelector, n.labels)) addNode(n, p, globalPass ? 'Global' : 'Node');
      }
    }
  }
  // Reverse peerings: this node is the peer the BGPPeer names, so it peers back with the nodes the BGPPeer applies to.
  for (const p of inp.peers) {
    if (p.reversePeering === 'Manual' || p.localWorkloadSelector) continue;
    let selected = false;
    if (p.peerSelector) selected = selects(p.peerSelector, local.labels);
    else if (p.peerIP) {
      const { ip, port } = splitPeerIP(p.peerIP);
      selected = ip.includes(':') === (family === 6) && nodesAt(ip, p.asNumber ?? inp.globalAsNumber, port).some((n) => n.name === local.name);
    }
    if (selected) for (const n of others) if (peerAppliesTo(p, n)) addNode(n, p);
  }
  // The mesh: never from or to a route reflector (they peer through BGPPeers).
  if (inp.meshEnabled && localCluster === undefined) {
    for (const n of others) {
      const ip = addr(n);
      // An explicit session to the node's address (any port) replaces the mesh one.
      if (!ip || n.routeReflectorClusterID !== undefined || [...out.values()].some((x) => x.ip === ip)) continue;
      const port = listenPort(n);
      add({
        protocolName: protocolName('Mesh', ip), type: 'Mesh', ip, asNumber: nodeAs(n), rrClient: false, peerNode: n.name,
        filters: [], sourceAddress: 'UseNodeIP', passive: ip > localIp,
        ...(port !== undefined ? { port } : {}), ...(inp.meshPassword ? { password: inp.meshPassword } : {}),
        ...(inp.meshMaxRestartTime ? { maxRestartTime: inp.meshMaxRestartTime } : {}),
      });
    }
  }
  return [...out.values()].sort((a, b) => a.protocolName.localeCompare(b.protocolName));
}
