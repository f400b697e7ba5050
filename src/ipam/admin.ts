import type { Datastore } from '../datastore/datastore.js';
import { CalicoError, isCalicoError } from '../lib/errors.js';
import { claimBlock, findUnclaimedBlock, listAffineBlocks } from './affinity.js';
import type { IpNet, IpVersion } from './ip.js';
import { bitsOf, cidrContainsCidr, formatCidr, parseCidr } from './ip.js';
import type { IpamBlock, IpamConfig, PoolInfo } from './model.js';
import { API_VERSION, KIND_BLOCK, KIND_CONFIG, affinityHost, blockName } from './model.js';
import { choosePools, listPools, listReservations, nodeLabels, nodeMatcher } from './pools.js';
import { releaseAffinities } from './release.js';

/**
 * Administrative IPAM operations of libcalico-go's ipam.Interface:
 * IPAM configuration, affinity claims and releases over a CIDR or a pool,
 * and EnsureBlock. Like everything in ipam/, each write is CAS.
 */

/** Writes IPAMConfiguration `default` (CAS, retried on a concurrent change). */
export async function setIpamConfig(ds: Datastore, cfg: IpamConfig): Promise<void> {
  if (!Number.isInteger(cfg.maxBlocksPerHost) || cfg.maxBlocksPerHost < 0) {
    throw new CalicoError('CALICO_ERR_VALIDATION', `maxBlocksPerHost: must be a non-negative integer, got ${cfg.maxBlocksPerHost}`);
  }
  const key = { kind: KIND_CONFIG, name: 'default' };
  type Stored = { apiVersion: string; kind: string; metadata: Record<string, unknown>; spec: Record<string, unknown> };
  for (let attempt = 0; attempt < 20; attempt++) {
    const cur = await ds.get<Stored>(key);
    const value: Stored = cur ? structuredClone(cur.value) : { apiVersion: API_VERSION, kind: KIND_CONFIG, metadata: { name: 'default' }, spec: {} };
    value.spec = { ...value.spec, strictAffinity: cfg.strictAffinity, maxBlocksPerHost: cfg.maxBlocksPerHost, autoAllocateBlocks: cfg.autoAllocateBlocks };
    try {
      if (cur) await ds.update(key, value, cur.revision); else await ds.create(key, value);
      return;
    } catch (e) {
      if (!isCalicoError(e, 'CALICO_ERR_CONFLICT') && !isCalicoError(e, 'CALICO_ERR_ALREADY_EXISTS')) throw e;
    }
  }
  throw new CalicoError('CALICO_ERR_CONFLICT', 'could not update IPAMConfiguration: too many concurrent updates');
}

function poolFor(pools: readonly PoolInfo[], cidr: IpNet): PoolInfo {
  const pool = pools.find((p) => cidrContainsCidr(p.cidr, cidr));
  if (!pool) throw new CalicoError('CALICO_ERR_IPAM', `the requested CIDR (${formatCidr(cidr)}) is not within any configured pool`);
  return pool;
}

/** The block CIDRs (of the pool's block size) that make up `cidr`. */
function blocksIn(cidr: IpNet, blockSize: number): IpNet[] {
  if (cidr.prefix > blockSize) throw new CalicoError('CALICO_ERR_IPAM', `the requested CIDR (${formatCidr(cidr)}) is smaller than the minimum block size /${blockSize}`);
  const n = 1n << BigInt(blockSize - cidr.prefix);
  if (n > 65536n) throw new CalicoError('CALICO_ERR_IPAM', `the requested CIDR (${formatCidr(cidr)}) spans more than 65536 blocks`);
  const step = 1n << BigInt(bitsOf(cidr.version) - blockSize);
  return Array.from({ length: Number(n) }, (_, i) => ({ version: cidr.version, base: cidr.base + BigInt(i) * step, prefix: blockSize }));
}

/**
 * Claims `host`'s affinity for every block in `cidr` (libcalico-go
 * ClaimAffinity). Returns the blocks claimed (or already the host's) and the
 * blocks that belong to someone else.
 */
export async function claimAffinity(ds: Datastore, cidrText: string, host: string): Promise<{ claimed: string[]; failed: string[] }> {
  const cidr = parseCidr(cidrText);
  const pool = poolFor(await listPools(ds), cidr);
  const claimed: string[] = [];
  const failed: string[] = [];
  for (const b of blocksIn(cidr, pool.blockSize)) (await claimBlock(ds, host, b) ? claimed : failed).push(formatCidr(b));
  return { claimed, failed };
}

/** Releases `host`'s affinity for the blocks inside `cidr` (libcalico-go ReleaseAffinity). */
export async function releaseAffinityIn(ds: Datastore, cidrText: string, host: string, mustBeEmpty: boolean): Promise<string[]> {
  const cidr = parseCidr(cidrText);
  const mine = (await listAffineBlocks(ds, host)).filter((a) => cidrContainsCidr(cidr, a.cidr));
  return releaseAffinities(ds, host, mine, mustBeEmpty);
}

/** Releases every host's affinity for the blocks of a pool (libcalico-go ReleasePoolAffinities). */
export async function releasePoolAffinities(ds: Datastore, poolCidrText: string): Promise<string[]> {
  const poolCidr = parseCidr(poolCidrText);
  const { items } = await ds.list<IpamBlock>({ kind: KIND_BLOCK });
  const byHost = new Map<string, { cidr: IpNet }[]>();
  for (const e of items) {
    const host = affinityHost(e.value.spec.affinity);
    const cidr = parseCidr(e.value.spec.cidr);
    if (host === null || !cidrContainsCidr(poolCidr, cidr)) continue;
    byHost.set(host, [...(byHost.get(host) ?? []), { cidr }]);
  }
  const out: string[] = [];
  for (const [host, blocks] of byHost) out.push(...(await releaseAffinities(ds, host, blocks, false)));
  return out;
}

export interface EnsureBlockArgs {
  readonly hostname: string;
  readonly ipv4Pools?: readonly string[];
  readonly ipv6Pools?: readonly string[];
}

/**
 * The host's block per IP version, claiming one if it has none
 * (libcalico-go EnsureBlock). A version with no usable pool gives null.
 */
export async function ensureBlock(ds: Datastore, args: EnsureBlockArgs): Promise<{ ipv4: string | null; ipv6: string | null }> {
  const all = await listPools(ds);
  const labels = all.some((p) => p.nodeSelector.trim() !== 'all()') ? await nodeLabels(ds, args.hostname) : {};
  const matcher = await nodeMatcher(all, labels);
  const reservations = await listReservations(ds);
  const one = async (version: IpVersion, requested: readonly string[]): Promise<string | null> => {
    if (!all.some((p) => p.cidr.version === version && !p.disabled)) return null;
    const pools = choosePools(all, { version, requested, host: args.hostname, use: 'Workload' }, matcher).allowed;
    for (let round = 0; round < 64; round++) {
      const affine = await listAffineBlocks(ds, args.hostname, pools);
      if (affine.length) return formatCidr(affine[0]!.cidr);
      const existing = new Set((await ds.list<IpamBlock>({ kind: KIND_BLOCK })).items.map((e) => blockName(parseCidr(e.value.spec.cidr))));
      let any = false;
      for (const pool of pools) {
        const cidr = findUnclaimedBlock(pool, args.hostname, existing, reservations);
        if (!cidr) continue;
        any = true;
        if (await claimBlock(ds, args.hostname, cidr)) return formatCidr(cidr);
      }
      if (!any) break;
    }
    throw new CalicoError('CALICO_ERR_IPAM_EXHAUSTED', `no free block for ${args.hostname} in IP pools ${pools.map((p) => `${p.name} (${p.cidrText})`).join(', ')}`);
  };
  return { ipv4: await one(4, args.ipv4Pools ?? []), ipv6: await one(6, args.ipv6Pools ?? []) };
}
