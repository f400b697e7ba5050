/**
 * Gathers what the BIRD config of one node needs from the resources:
 * BGPConfiguration (`default`, with `node.<name>` on top), the node's own
 * Node (router id, AS, route-reflector cluster), the other Nodes and
 * BGPPeers (sessions), BGPFilters, IPPools and the node's affine blocks.
 * Peer passwords are read from files: secretKeyRef {name, key} is
 * `<secretsDir>/<name>/<key>` (a mounted Secret's layout).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BlockView, NodeView, PoolView } from '../routing/routing-model.js';
import { computePeers, parseBgpPeers, parseSecretRef } from './bgp-peers.js';
import { parseLocalWorkloads } from './local-workloads.js';
import { parseBgpFilters } from './bgp-filter.js';
import type { BirdConfigInput } from './bird-config.js';

export const DEFAULT_AS_NUMBER = '64512';
export const DEFAULT_SECRETS_DIR = '/etc/calico/bgp-secrets';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

export interface BirdInputSources {
  readonly hostname: string;
  readonly pools: readonly PoolView[];
  readonly nodes: ReadonlyMap<string, NodeView>;
  readonly blocks: readonly BlockView[];
  readonly bgpConfigurations: ReadonlyMap<string, unknown>;
  readonly bgpPeers: ReadonlyMap<string, unknown>;
  readonly bgpFilters: ReadonlyMap<string, unknown>;
  /** WorkloadEndpoints (any node; this node's are used) for BGPPeer localWorkloadSelector. */
  readonly workloadEndpoints?: ReadonlyMap<string, unknown>;
  readonly secretsDir: string;
  /** CALICO_ROUTER_ID: an IPv4 address, or `hash` (derived from the node name); default $CALICO_ROUTER_ID, else the node's IPv4 address. */
  readonly routerId?: string;
}

/** calico-node's CALICO_ROUTER_ID=hash: the first four bytes of SHA-256(node name), never multicast or reserved. */
export function hashToIPv4(nodeName: string): string {
  const b = createHash('sha256').update(nodeName).digest();
  return [b[0]! > 223 ? b[0]! - 32 : b[0]!, b[1]!, b[2]!, b[3]!].join('.');
}

export interface BirdInputResult {
  readonly input?: BirdConfigInput;
  /** Problems that left something out (unreadable password files...). */
  readonly problems: readonly string[];
}

function cidrList(spec: Obj, field: string, family: 4 | 6): string[] {
  const v = spec[field];
  if (!Array.isArray(v)) return [];
  return v.map((x) => obj(x)['cidr']).filter((c): c is string => typeof c === 'string' && c.includes(':') === (family === 6));
}

const isSingleAddress = (c: string): boolean => c.endsWith(c.includes(':') ? '/128' : '/32') || !c.includes('/');
const sortedSet = (xs: readonly string[]): string[] => [...new Set(xs)].sort();

/**
 * Service CIDRs as confd advertises them: cluster IPs; external IP ranges
 * (single addresses are per-service in Calico, never advertised by every
 * node); load balancer ranges only with serviceLoadBalancerAggregation
 * Enabled (the default). `all` is every configured range (kept out of the
 * kernel); `relay` the external and LB ranges a route reflector passes on.
 */
function serviceCidrs(spec: Obj, family: 4 | 6): { advertised: string[]; all: string[]; relay: string[] } {
  const cluster = cidrList(spec, 'serviceClusterIPs', family);
  const external = cidrList(spec, 'serviceExternalIPs', family);
  const lb = cidrList(spec, 'serviceLoadBalancerIPs', family);
  const aggregate = spec['serviceLoadBalancerAggregation'] !== 'Disabled';
  return {
    advertised: sortedSet([...cluster, ...external.filter((c) => !isSingleAddress(c)), ...(aggregate ? lb.filter((c) => !isSingleAddress(c)) : [])]),
    all: sortedSet([...cluster, ...external, ...lb]),
    relay: sortedSet([...external, ...lb]),
  };
}

/** listenPort of each node with a `node.<name>` BGPConfiguration that sets one. */
function nodeListenPorts(confs: ReadonlyMap<string, unknown>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, v] of confs) {
    const port = obj(obj(v)['spec'])['listenPort'];
    if (name.startsWith('node.') && typeof port === 'number') out.set(name.slice(5), port);
  }
  return out;
}

/**
 * prefixAdvertisements resolved as confd does: each entry's communities are
 * names from `communities` or literal values; unknown names are problems.
 */
function prefixCommunities(spec: Obj, problems: string[]): { cidr: string; communities: string[] }[] {
  const named = new Map<string, string>();
  for (const c of Array.isArray(spec['communities']) ? spec['communities'] : []) {
    const o = obj(c);
    if (typeof o['name'] === 'string' && typeof o['value'] === 'string') named.set(o['name'], o['value']);
  }
  const out: { cidr: string; communities: string[] }[] = [];
  for (const pa of Array.isArray(spec['prefixAdvertisements']) ? spec['prefixAdvertisements'] : []) {
    const o = obj(pa);
    if (typeof o['cidr'] !== 'string') continue;
    const values: string[] = [];
    for (const c of Array.isArray(o['communities']) ? o['communities'] : []) {
      if (typeof c !== 'string') continue;
      const v = /^\d+:\d+(:\d+)?$/.test(c) ? c : named.get(c);
      if (v === undefined) problems.push(`BGPConfiguration prefixAdvertisements ${o['cidr']}: community ${c} is neither a value nor a name in communities`);
      else values.push(v);
    }
    if (values.length > 0) out.push({ cidr: o['cidr'], communities: values });
  }
  return out;
}

export function birdInput(src: BirdInputSources): BirdInputResult {
  const problems: string[] = [];
  const local = src.nodes.get(src.hostname);
  const routerIdSetting = src.routerId ?? process.env['CALICO_ROUTER_ID'] ?? '';
  const routerId = routerIdSetting === 'hash' ? hashToIPv4(src.hostname)
    : /^\d+\.\d+\.\d+\.\d+$/.test(routerIdSetting) ? routerIdSetting : local?.ipv4;
  if (!local || (!local.ipv4 && !local.ipv6)) return { problems: [`Node ${src.hostname} has no IPv4 BGP address (spec.bgp.ipv4Address) nor an IPv6 one: BGP not configured`] };
  if (!routerId) {
    return { problems: [`Node ${src.hostname} has no IPv4 BGP address (spec.bgp.ipv4Address) for the router id: set CALICO_ROUTER_ID (an IPv4 address or "hash") for an IPv6-only node`] };
  }
  const global = obj(obj(src.bgpConfigurations.get('default'))['spec']);
  const spec: Obj = { ...global, ...obj(obj(src.bgpConfigurations.get(`node.${src.hostname}`))['spec']) };
  const globalAs = typeof spec['asNumber'] === 'number' || typeof spec['asNumber'] === 'string' ? String(spec['asNumber']) : DEFAULT_AS_NUMBER;
  const meshPassword = parseSecretRef(global['nodeMeshPassword']);
  const listenPorts = nodeListenPorts(src.bgpConfigurations);
  const globalListenPort = typeof global['listenPort'] === 'number' ? global['listenPort'] : undefined;
  const peerInputs = {
    hostname: src.hostname, nodes: src.nodes, peers: parseBgpPeers(src.bgpPeers),
    meshEnabled: global['nodeToNodeMeshEnabled'] !== false, globalAsNumber: globalAs,
    nodeListenPorts: listenPorts,
    localWorkloads: src.workloadEndpoints ? parseLocalWorkloads(src.workloadEndpoints, src.hostname) : [],
    ...(globalListenPort !== undefined ? { globalListenPort } : {}),
    ...(meshPassword ? { meshPassword } : {}),
    ...(typeof global['nodeMeshMaxRestartTime'] === 'string' ? { meshMaxRestartTime: global['nodeMeshMaxRestartTime'] } : {}),
  };
  const peers = computePeers(peerInputs);
  const peers6 = local.ipv6 ? computePeers({ ...peerInputs, family: 6 }) : [];
  const passwords = new Map<string, string>();
  for (const p of [...peers, ...peers6]) {
    if (!p.password) continue;
    const file = join(src.secretsDir, p.password.name, p.password.key);
    try {
      const pw = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
      // BIRD strings have no escapes: a quote, backslash or newline cannot be written.
      if (/["\\\n\r]/.test(pw)) problems.push(`BGP password for ${p.protocolName} (${file}) contains a quote, backslash or newline, which BIRD cannot hold: session rendered without it`);
      else passwords.set(p.protocolName, pw);
    } catch (e) {
      problems.push(`BGP password for ${p.protocolName}: cannot read ${file}: ${(e as Error).message}`);
    }
  }
  const localBlocks = src.blocks.filter((b) => b.node === src.hostname && !b.cidr.includes(':')).map((b) => b.cidr);
  const localBlocks6 = src.blocks.filter((b) => b.node === src.hostname && b.cidr.includes(':')).map((b) => b.cidr);
  const listenPort = listenPorts.get(src.hostname) ?? globalListenPort ?? 179;
  const logSeverity = typeof spec['logSeverityScreen'] === 'string' ? spec['logSeverityScreen'] : 'Info';
  const pcr = global['programClusterRoutes'];
  const prio = (k: string): number | undefined => (typeof global[k] === 'number' ? global[k] : undefined);
  const prio4 = prio('ipv4NormalRoutePriority');
  const prio6 = prio('ipv6NormalRoutePriority');
  const svc4 = serviceCidrs(global, 4);
  const svc6 = serviceCidrs(global, 6);
  return {
    problems,
    input: {
      hostname: src.hostname, routerId, asNumber: local.asNumber ?? globalAs, listenPort, logSeverity,
      ...(local.ipv4 ? (local.ipv4 !== routerId ? { ipv4Address: local.ipv4 } : {}) : { ipv4Disabled: true }),
      bindMode: global['bindMode'] === 'NodeIP' ? 'NodeIP' : 'None',
      ...(pcr === 'Enabled' || pcr === 'Disabled' || pcr === 'EnabledIPIPOnly' || pcr === 'EnabledNoEncapOnly' ? { programClusterRoutes: pcr } : {}),
      ...(prio4 !== undefined || prio6 !== undefined ? { normalRoutePriority: { ...(prio4 !== undefined ? { v4: prio4 } : {}), ...(prio6 !== undefined ? { v6: prio6 } : {}) } } : {}),
      pools: src.pools, localBlocks, serviceCidrs: svc4.advertised, serviceRanges: svc4.all, serviceRelayCidrs: svc4.relay,
      peers, passwords, filters: parseBgpFilters(src.bgpFilters),
      ignoredInterfaces: Array.isArray(global['ignoredInterfaces']) ? global['ignoredInterfaces'].filter((i): i is string => typeof i === 'string') : [],
      prefixCommunities: prefixCommunities(spec, problems),
      ...(local.routeReflectorClusterID ? { rrClusterId: local.routeReflectorClusterID } : {}),
      ...(local.ipv6 ? { ipv6: {
        localAddress: local.ipv6, localBlocks: localBlocks6, serviceCidrs: svc6.advertised, serviceRanges: svc6.all,
        serviceRelayCidrs: svc6.relay, peers: peers6 } } : {}),
    },
  };
}
