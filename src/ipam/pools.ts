import type { Datastore } from '../datastore/datastore.js';
import { CalicoError } from '../lib/errors.js';
import type { IpAddr, IpNet, IpVersion } from './ip.js';
import { cidrContainsCidr, cidrContainsIp, formatCidr, sameCidr, tryParseCidr } from './ip.js';
import type { IpamConfig, PoolInfo } from './model.js';
import { DEFAULT_IPAM_CONFIG, KIND_CONFIG, KIND_NODE, KIND_POOL, KIND_RESERVATION } from './model.js';

/**
 * Reading IPAM's inputs from the datastore: IPPools (with Calico's defaults
 * filled in when absent), IPReservations, the IPAMConfiguration singleton and
 * the Node labels that pool nodeSelectors match against.
 */

interface PoolResource {
  metadata?: { name?: string };
  spec?: {
    cidr?: string; blockSize?: number; nodeSelector?: string; namespaceSelector?: string; disabled?: boolean;
    allowedUses?: string[]; assignmentMode?: string;
  };
}

/** Parses one stored IPPool; null if its CIDR is unusable. */
export function poolInfoOf(r: PoolResource): PoolInfo | null {
  const cidr = tryParseCidr(r.spec?.cidr ?? '');
  if (!cidr || !r.metadata?.name) return null;
  const s = r.spec ?? {};
  return {
    name: r.metadata.name,
    cidr,
    cidrText: s.cidr!,
    blockSize: s.blockSize || (cidr.version === 4 ? 26 : 122),
    nodeSelector: s.nodeSelector === undefined || s.nodeSelector === '' ? 'all()' : s.nodeSelector,
    namespaceSelector: (s.namespaceSelector ?? '').trim(),
    disabled: s.disabled ?? false,
    allowedUses: s.allowedUses && s.allowedUses.length ? s.allowedUses : ['Workload', 'Tunnel'],
    assignmentMode: s.assignmentMode ?? 'Automatic',
  };
}

export async function listPools(ds: Datastore): Promise<PoolInfo[]> {
  const { items } = await ds.list<PoolResource>({ kind: KIND_POOL });
  return items.map((e) => poolInfoOf(e.value)).filter((p): p is PoolInfo => p !== null);
}

export async function readIpamConfig(ds: Datastore): Promise<IpamConfig> {
  const e = await ds.get<{ spec?: Partial<IpamConfig> }>({ kind: KIND_CONFIG, name: 'default' });
  const s = e?.value.spec ?? {};
  return {
    strictAffinity: s.strictAffinity ?? DEFAULT_IPAM_CONFIG.strictAffinity,
    maxBlocksPerHost: s.maxBlocksPerHost ?? DEFAULT_IPAM_CONFIG.maxBlocksPerHost,
    autoAllocateBlocks: s.autoAllocateBlocks ?? DEFAULT_IPAM_CONFIG.autoAllocateBlocks,
  };
}

/** Every reserved CIDR (a bare IP counts as /32 or /128) from all IPReservations. */
export async function listReservations(ds: Datastore): Promise<IpNet[]> {
  const { items } = await ds.list<{ spec?: { reservedCIDRs?: string[] } }>({ kind: KIND_RESERVATION });
  const out: IpNet[] = [];
  for (const e of items) {
    for (const c of e.value.spec?.reservedCIDRs ?? []) {
      const n = tryParseCidr(c);
      if (n) out.push(n);
    }
  }
  return out;
}

export function reservedFilter(reservations: readonly IpNet[]): (ip: IpAddr) => boolean {
  if (!reservations.length) return () => false;
  return (ip) => reservations.some((r) => cidrContainsIp(r, ip));
}

/** True if reservations cover the whole block. */
export function blockFullyReserved(reservations: readonly IpNet[], block: IpNet): boolean {
  return reservations.some((r) => cidrContainsCidr(r, block));
}

export async function nodeLabels(ds: Datastore, host: string): Promise<Record<string, string>> {
  const e = await ds.get<{ metadata?: { labels?: Record<string, string> } }>({ kind: KIND_NODE, name: host });
  return e?.value.metadata?.labels ?? {};
}

/** Decides whether a pool's nodeSelector matches a node. */
export type NodeMatcher = (pool: PoolInfo) => boolean;

/**
 * A matcher of pool nodeSelectors against `labels`. The selector parser is
 * loaded only when some pool has a selector other than `all()`, which keeps
 * the CNI plugin's start-up light in the common case.
 */
export async function nodeMatcher(pools: readonly PoolInfo[], labels: Readonly<Record<string, string>>): Promise<NodeMatcher> {
  return selectorMatcher(pools, 'nodeSelector', (sel) => sel.trim() === 'all()', labels);
}

/**
 * A matcher of one pool selector field against `labels`: pools whose field is
 * `always` match without parsing; others are parsed once per distinct
 * selector text and cached. The selector parser is loaded only when needed.
 */
async function selectorMatcher(
  pools: readonly PoolInfo[], field: 'nodeSelector' | 'namespaceSelector',
  always: (selector: string) => boolean, labels: Readonly<Record<string, string>>,
): Promise<NodeMatcher> {
  if (pools.every((p) => always(p[field]))) return () => true;
  const { parseSelector } = await import('../selector/index.js');
  const cache = new Map<string, boolean>();
  return (p) => {
    const sel = p[field];
    if (always(sel)) return true;
    let m = cache.get(sel);
    if (m === undefined) {
      try {
        m = parseSelector(sel).evaluate(labels);
      } catch (e) {
        throw new CalicoError('CALICO_ERR_IPAM', `IP pool ${p.name} has an invalid ${field}: ${(e as Error).message}`);
      }
      cache.set(sel, m);
    }
    return m;
  };
}

/** The namespace a workload's addresses are for (pool namespaceSelectors match its labels). */
export interface NamespaceInfo {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** A stored Namespace's name and labels (no stored Namespace = no labels). */
export async function namespaceInfo(ds: Datastore, name: string): Promise<NamespaceInfo> {
  const e = await ds.get<{ metadata?: { labels?: Record<string, string> } }>({ kind: 'Namespace', name });
  return { name, labels: e?.value.metadata?.labels ?? {} };
}

/**
 * A matcher of pool namespaceSelectors, as libcalico-go's SelectsNamespace:
 * a pool without one selects every namespace; otherwise the selector is
 * evaluated over the namespace's labels (plus the labels naming it,
 * `projectcalico.org/name` and `kubernetes.io/metadata.name`), or over no
 * labels when the request names no namespace (tunnel addresses, non-k8s
 * workloads). The selector parser is loaded only when some pool has one.
 */
export async function namespaceMatcher(pools: readonly PoolInfo[], ns: NamespaceInfo | undefined): Promise<NodeMatcher> {
  const labels: Record<string, string> = ns
    ? { 'projectcalico.org/name': ns.name, 'kubernetes.io/metadata.name': ns.name, ...ns.labels }
    : {};
  return selectorMatcher(pools, 'namespaceSelector', (sel) => sel === '', labels);
}

export interface PoolChoice {
  readonly version: IpVersion;
  /** Pool names or CIDRs the caller asked for; empty = every suitable pool. */
  readonly requested: readonly string[];
  readonly host: string;
  /** allowedUses entry the pool must have, e.g. `Workload` or `Tunnel`. */
  readonly use: string;
  /** The workload's namespace, for messages. */
  readonly namespace?: string | undefined;
}

export interface PoolSelection {
  /** Pools requested, or else enabled automatic pools whose nodeSelector matches the node. */
  readonly selecting: PoolInfo[];
  /** `selecting` narrowed to pools whose allowedUses include the intended use: the ones to allocate from. */
  readonly allowed: PoolInfo[];
}

/**
 * The pools to allocate from, as libcalico-go's determinePools and
 * prepareAffinityBlocksForHost: requested pools (by name or CIDR) must
 * exist and be enabled and are used as given; otherwise every enabled pool
 * with automatic assignment whose nodeSelector matches the node and whose
 * namespaceSelector matches the workload's namespace. Then only pools whose
 * allowedUses include `use`. Each empty step is CALICO_ERR_IPAM with
 * Calico's wording.
 */
export function choosePools(all: readonly PoolInfo[], choice: PoolChoice, matches: NodeMatcher, nsMatches: NodeMatcher = () => true): PoolSelection {
  const enabled = all.filter((p) => p.cidr.version === choice.version && !p.disabled);
  if (!enabled.length) throw new CalicoError('CALICO_ERR_IPAM', `cannot find a qualified ippool: no enabled IPv${choice.version} pools`);
  let selecting: PoolInfo[];
  if (choice.requested.length) {
    selecting = [];
    for (const req of choice.requested) {
      const asCidr = req.includes('/') ? tryParseCidr(req) : null;
      const pool = enabled.find((p) => (asCidr !== null ? sameCidr(p.cidr, asCidr) : p.name === req));
      if (!pool) throw new CalicoError('CALICO_ERR_IPAM', `the given pool (${asCidr ? formatCidr(asCidr) : req}) does not exist, or is not enabled`);
      if (!selecting.includes(pool)) selecting.push(pool);
    }
  } else {
    const forNode = enabled.filter((p) => p.assignmentMode !== 'Manual' && matches(p));
    if (!forNode.length) throw new CalicoError('CALICO_ERR_IPAM', `no configured Calico pools for node ${choice.host}`);
    selecting = forNode.filter((p) => nsMatches(p));
    if (!selecting.length) {
      throw new CalicoError('CALICO_ERR_IPAM', `no configured Calico IPv${choice.version} pools for node ${choice.host} select namespace ${choice.namespace ?? '(none)'}`);
    }
  }
  const allowed = selecting.filter((p) => p.allowedUses.includes(choice.use));
  if (!allowed.length) throw new CalicoError('CALICO_ERR_IPAM', `cannot find a qualified ippool, no pools match the required use (${choice.use})`);
  return { selecting, allowed };
}

/** The pool (any, enabled or not) whose CIDR contains `ip`, if any. */
export function poolContaining(all: readonly PoolInfo[], ip: IpAddr): PoolInfo | undefined {
  return all.find((p) => cidrContainsIp(p.cidr, ip));
}
