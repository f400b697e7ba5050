import type { Datastore } from '../datastore/datastore.js';
import { CalicoError } from '../lib/errors.js';
import { claimBlock, findUnclaimedBlock, listAffineBlocks, releaseAffinity } from './affinity.js';
import { blockAssign, blockAutoAssign, blockFreeCount, type ReservedFilter } from './block.js';
import { backoff, blockUpdateOp, handleOps, MAX_CAS_ATTEMPTS, readBlock, readHandle, tooManyRetries, tryTransact } from './cas.js';
import type { IpAddr, IpNet, IpVersion } from './ip.js';
import { cidrContainsCidr, formatCidr, formatIp, maskOf, parseCidr, parseIp } from './ip.js';
import type { IpamBlock, IpamConfig, PoolInfo } from './model.js';
import { KIND_BLOCK, blockName, hostAffinity } from './model.js';
import { choosePools, listPools, listReservations, namespaceMatcher, nodeLabels, nodeMatcher, poolContaining, readIpamConfig, reservedFilter } from './pools.js';
import type { NamespaceInfo } from './pools.js';

/**
 * Address assignment, following libcalico-go's autoAssign:
 *   1. the host's affine blocks, in address order;
 *   2. new blocks claimed for the host (up to maxBlocksPerHost, if
 *      autoAllocateBlocks);
 *   3. unless strictAffinity, addresses borrowed from any block of the pools.
 * Every block write is CAS (with the handle, in one transaction) and retried.
 */

export interface AssignedIp {
  /** The address, e.g. `10.0.0.5`. */
  readonly ip: string;
  /** The address with its block's prefix length, e.g. `10.0.0.5/26` (what Calico's AutoAssign returns). */
  readonly cidr: string;
  /** Name of the IPPool it came from. */
  readonly pool: string;
}

export interface AssignContext {
  readonly ds: Datastore;
  readonly host: string;
  readonly handleId: string | null;
  readonly attrs: Record<string, string> | null;
  readonly reserved: ReservedFilter;
  readonly reservations: readonly IpNet[];
  readonly config: IpamConfig;
}

function toAssigned(ip: IpAddr, block: IpNet, pools: readonly PoolInfo[]): AssignedIp {
  const pool = pools.find((p) => cidrContainsCidr(p.cidr, block));
  return { ip: formatIp(ip), cidr: `${formatIp(ip)}/${block.prefix}`, pool: pool?.name ?? '' };
}

/**
 * Allocates up to `num` addresses from one block, CAS + retry. With
 * `affineOnly` the block must still be affine to the host (it may have been
 * released or re-claimed meanwhile). Returns what it got (maybe nothing).
 */
export async function assignFromBlock(ctx: AssignContext, cidr: IpNet, num: number, affineOnly: boolean): Promise<IpAddr[]> {
  for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
    const b = await readBlock(ctx.ds, cidr);
    if (!b) return [];
    const spec = b.block.spec;
    if (affineOnly && spec.affinity !== hostAffinity(ctx.host)) return [];
    if (!affineOnly && ctx.config.strictAffinity && spec.affinity !== hostAffinity(ctx.host)) return [];
    const ips = blockAutoAssign(spec, cidr, num, ctx.handleId, ctx.attrs, ctx.reserved);
    if (!ips.length) return [];
    // First try assumes a fresh handle (one per container: the common case)
    // and creates it without reading; after any failed attempt, read it.
    const current = ctx.handleId === null || attempt === 0 ? null : await readHandle(ctx.ds, ctx.handleId);
    const handle = ctx.handleId === null ? [] : handleOps(current, ctx.handleId, new Map([[spec.cidr, ips.length]]));
    if (await tryTransact(ctx.ds, [blockUpdateOp(b), ...handle])) return ips;
    await backoff(attempt);
  }
  throw tooManyRetries(`assigning from block ${formatCidr(cidr)}`);
}

async function existingBlocks(ds: Datastore): Promise<IpamBlock[]> {
  const { items } = await ds.list<IpamBlock>({ kind: KIND_BLOCK });
  return items.map((e) => e.value).filter((b) => !b.spec.deleted);
}

/**
 * Assigns `num` addresses of one IP version for the host from `pools`. On
 * shortfall everything taken so far is released again and
 * CALICO_ERR_IPAM_EXHAUSTED names the pools, so nothing leaks.
 */
export async function assignVersion(ctx: AssignContext, pools: readonly PoolInfo[], num: number, maxBlocksOverride: number): Promise<AssignedIp[]> {
  const got: { ip: IpAddr; block: IpNet }[] = [];
  const need = (): number => num - got.length;
  // The more restrictive of the request's and the global limit (0 = none).
  const limits = [maxBlocksOverride, ctx.config.maxBlocksPerHost].filter((n) => n > 0);
  const maxBlocks = limits.length ? Math.min(...limits) : 0;
  const tried = new Set<string>();
  // Blocks found full during this call are not asked again.
  const full = new Set<string>();
  // Steps 1 and 2: affine blocks, claiming another whenever they are all
  // full. Ends: every round either claims a new block (the pool is finite)
  // or stops.
  while (need() > 0) {
    const affine = await listAffineBlocks(ctx.ds, ctx.host, pools);
    for (const a of affine) {
      if (need() <= 0) break;
      const name = blockName(a.cidr);
      if (full.has(name)) continue;
      const ips = await assignFromBlock(ctx, a.cidr, need(), true);
      for (const ip of ips) got.push({ ip, block: a.cidr });
      if (need() > 0) full.add(name);
    }
    if (need() <= 0 || !ctx.config.autoAllocateBlocks) break;
    if (maxBlocks > 0 && affine.length >= maxBlocks) break;
    const existing = new Set((await existingBlocks(ctx.ds)).map((b) => b.metadata.name));
    for (const t of tried) existing.add(t);
    let claimed = false;
    for (const pool of pools) {
      for (;;) {
        const cidr = findUnclaimedBlock(pool, ctx.host, existing, ctx.reservations);
        if (!cidr) break;
        existing.add(blockName(cidr));
        if (await claimBlock(ctx.ds, ctx.host, cidr)) { claimed = true; break; }
        tried.add(blockName(cidr));
      }
      if (claimed) break;
    }
    if (!claimed) break;
  }
  // Step 3: borrow from any block in the pools, unless strict affinity.
  if (need() > 0 && !ctx.config.strictAffinity) {
    const blocks = (await existingBlocks(ctx.ds))
      .map((b) => entryToBlockCidr(b))
      .filter((x) => pools.some((p) => cidrContainsCidr(p.cidr, x.cidr)) && blockFreeCount(x.block.spec, x.cidr, ctx.reserved) > 0);
    const start = blocks.length ? Math.floor(Math.random() * blocks.length) : 0;
    for (let i = 0; i < blocks.length && need() > 0; i++) {
      const { cidr } = blocks[(start + i) % blocks.length]!;
      const ips = await assignFromBlock(ctx, cidr, need(), false);
      for (const ip of ips) got.push({ ip, block: cidr });
    }
  }
  if (need() > 0) {
    if (got.length) {
      const { releaseAddresses } = await import('./release.js');
      await releaseAddresses(ctx.ds, got.map((g) => ({ ip: g.ip, handleId: ctx.handleId ?? undefined })));
    }
    const names = pools.map((p) => `${p.name} (${p.cidrText})`).join(', ');
    throw new CalicoError('CALICO_ERR_IPAM_EXHAUSTED',
      `no more free addresses for ${ctx.host}: IP pool${pools.length > 1 ? 's' : ''} ${names || '<none>'} exhausted (wanted ${num}, found ${got.length})`);
  }
  return got.map((g) => toAssigned(g.ip, g.block, pools));
}

function entryToBlockCidr(b: IpamBlock): { block: IpamBlock; cidr: IpNet } {
  return { block: b, cidr: parseCidr(b.spec.cidr) };
}

export interface AssignArgs {
  readonly version: IpVersion;
  readonly num: number;
  readonly requestedPools: readonly string[];
  readonly use: string;
  readonly maxBlocksPerHost: number;
  /** The workload's namespace, read only if some pool has a namespaceSelector. */
  readonly namespace?: (() => Promise<NamespaceInfo | undefined>) | undefined;
}

/** Loads pools, reservations and config, then assigns (see assignVersion). */
export async function autoAssignVersion(ds: Datastore, host: string, handleId: string | null, attrs: Record<string, string> | null, args: AssignArgs): Promise<AssignedIp[]> {
  if (args.num <= 0) return [];
  const [all, reservations, config] = await Promise.all([listPools(ds), listReservations(ds), readIpamConfig(ds)]);
  // Node labels only matter (and are only read) when some pool has a real nodeSelector.
  const labels = all.some((p) => p.nodeSelector.trim() !== 'all()') ? await nodeLabels(ds, host) : {};
  const matcher = await nodeMatcher(all, labels);
  // Namespace labels are likewise only fetched when some pool has a namespaceSelector.
  const ns = all.some((p) => p.namespaceSelector !== '') && args.namespace ? await args.namespace() : undefined;
  const nsMatcher = await namespaceMatcher(all, ns);
  const { selecting, allowed } = choosePools(all, { version: args.version, requested: args.requestedPools, host, use: args.use, namespace: ns?.name }, matcher, nsMatcher);
  await releaseDeselectedBlocks(ds, host, args.version, all, selecting, matcher);
  const ctx: AssignContext = { ds, host, handleId, attrs, reserved: reservedFilter(reservations), reservations, config };
  return assignVersion(ctx, allowed, args.num, args.maxBlocksPerHost);
}

/**
 * Gives up the host's empty affine blocks whose (enabled) pool no longer
 * selects the node, as libcalico-go's prepareAffinityBlocksForHost does
 * before assigning. Blocks of pools merely not requested, or not allowed
 * for this use, are kept: that is a per-request choice, not the node's.
 */
async function releaseDeselectedBlocks(
  ds: Datastore, host: string, version: IpVersion, all: readonly PoolInfo[], selecting: readonly PoolInfo[], matches: (p: PoolInfo) => boolean,
): Promise<void> {
  if (all.every((p) => p.nodeSelector.trim() === 'all()')) return;
  for (const a of await listAffineBlocks(ds, host)) {
    if (a.cidr.version !== version || selecting.some((p) => cidrContainsCidr(p.cidr, a.cidr))) continue;
    const pool = all.find((p) => !p.disabled && cidrContainsCidr(p.cidr, a.cidr));
    if (!pool || matches(pool)) continue;
    await releaseAffinity(ds, host, a.cidr, true);
  }
}

/**
 * Assigns one specific address (libcalico-go AssignIP). The address must lie
 * in an IPPool; if its block does not exist yet it is claimed for `host`.
 * CALICO_ERR_ALREADY_EXISTS if the address is taken.
 */
export async function assignSpecificIp(
  ds: Datastore, ipText: string, host: string, handleId: string | null, attrs: Record<string, string> | null, intendedUse?: string,
): Promise<AssignedIp> {
  const ip = parseIp(ipText);
  const pools = await listPools(ds);
  const pool = poolContaining(pools, ip);
  if (!pool) throw new CalicoError('CALICO_ERR_IPAM', `the provided IP address ${formatIp(ip)} is not in a configured pool`);
  if (intendedUse !== undefined && !pool.allowedUses.includes(intendedUse)) {
    throw new CalicoError('CALICO_ERR_IPAM', `the provided IP address ${formatIp(ip)} is in IP pool ${pool.name}, which does not allow use ${intendedUse} (allowedUses: ${pool.allowedUses.join(', ')})`);
  }
  const cidr: IpNet = { version: ip.version, base: ip.value & maskOf(ip.version, pool.blockSize), prefix: pool.blockSize };
  const config = await readIpamConfig(ds);
  for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
    let b = await readBlock(ds, cidr);
    if (!b) {
      await claimBlock(ds, host, cidr);
      b = await readBlock(ds, cidr);
      if (!b) continue;
    }
    // With strictAffinity an address may only come from a block affine to the host.
    if (config.strictAffinity && b.block.spec.affinity !== hostAffinity(host)) {
      throw new CalicoError('CALICO_ERR_IPAM', `cannot assign ${formatIp(ip)} to ${host}: block ${b.block.spec.cidr} is affine to ${b.block.spec.affinity ?? 'no host'} and strictAffinity is enabled`);
    }
    blockAssign(b.block.spec, cidr, ip, handleId, attrs);
    const handle = handleId === null ? [] : handleOps(await readHandle(ds, handleId), handleId, new Map([[b.block.spec.cidr, 1]]));
    if (await tryTransact(ds, [blockUpdateOp(b), ...handle])) {
      return toAssigned(ip, cidr, [pool]);
    }
    await backoff(attempt);
  }
  throw tooManyRetries(`assigning ${formatIp(ip)}`);
}
