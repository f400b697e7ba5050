import type { Datastore, TxnOp } from '../datastore/datastore.js';
import { CalicoError } from '../lib/errors.js';
import { listAffineBlocks, releaseAffinity } from './affinity.js';
import type { ReleaseRequest } from './block.js';
import { blockIsEmpty, blockRelease, blockReleaseByHandle } from './block.js';
import type { BlockEntry } from './cas.js';
import { backoff, blockUpdateOp, handleOps, MAX_CAS_ATTEMPTS, readBlock, readHandle, tooManyRetries, tryTransact } from './cas.js';
import type { IpAddr, IpNet } from './ip.js';
import { cidrContainsCidr, cidrContainsIp, formatCidr, formatIp, parseCidr } from './ip.js';
import type { IpamBlock } from './model.js';
import { KIND_BLOCK, KIND_NODE, affinityHost, blockKey } from './model.js';
import { listPools, nodeMatcher } from './pools.js';

/**
 * Releasing addresses, by address or by handle, and releasing blocks that
 * became empty. Every write is one CAS transaction on the block plus the
 * handles it touches; an unaffine block that becomes empty is deleted in the
 * same transaction (as libcalico-go does).
 */

/** The write for a block after a release: delete it if empty and unaffine, else update it. */
function blockWriteOp(b: BlockEntry): TxnOp {
  if (b.block.spec.affinity === null && blockIsEmpty(b.block.spec)) {
    return { op: 'delete', key: blockKey(b.cidr), expectedRevision: b.revision };
  }
  return blockUpdateOp(b);
}

async function listBlockCidrs(ds: Datastore): Promise<IpNet[]> {
  const { items } = await ds.list<IpamBlock>({ kind: KIND_BLOCK });
  return items.filter((e) => !e.value.spec.deleted).map((e) => parseCidr(e.value.spec.cidr));
}

export interface ReleaseOutcome {
  readonly released: IpAddr[];
  /** Requested addresses that were not allocated. */
  readonly unallocated: IpAddr[];
}

/**
 * Releases the given addresses (libcalico-go ReleaseIPs). With a handle (or
 * sequence number) on a request, the release of that block fails with
 * CALICO_ERR_CONFLICT if the address now belongs to someone else.
 */
export async function releaseAddresses(ds: Datastore, reqs: readonly ReleaseRequest[]): Promise<ReleaseOutcome> {
  const released: IpAddr[] = [];
  const unallocated: IpAddr[] = [];
  const blocks = await listBlockCidrs(ds);
  const byBlock = new Map<string, { cidr: IpNet; reqs: ReleaseRequest[] }>();
  for (const r of reqs) {
    const cidr = blocks.find((c) => cidrContainsIp(c, r.ip));
    if (!cidr) { unallocated.push(r.ip); continue; }
    const k = formatCidr(cidr);
    const g = byBlock.get(k) ?? { cidr, reqs: [] };
    g.reqs.push(r);
    byBlock.set(k, g);
  }
  for (const { cidr, reqs: group } of byBlock.values()) {
    const out = await releaseFromBlock(ds, cidr, group);
    released.push(...out.released);
    unallocated.push(...out.unallocated);
  }
  return { released, unallocated };
}

async function releaseFromBlock(ds: Datastore, cidr: IpNet, reqs: readonly ReleaseRequest[]): Promise<ReleaseOutcome> {
  for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
    const b = await readBlock(ds, cidr);
    if (!b) return { released: [], unallocated: reqs.map((r) => r.ip) };
    const res = blockRelease(b.block.spec, cidr, reqs);
    if (!res.released.length) return { released: [], unallocated: res.unallocated };
    const ops: TxnOp[] = [blockWriteOp(b)];
    for (const [handleId, n] of res.countByHandle) {
      ops.push(...handleOps(await readHandle(ds, handleId), handleId, new Map([[b.block.spec.cidr, -n]])));
    }
    if (await tryTransact(ds, ops)) {
      await ensureConsistentAffinity(ds, b.block.spec.affinity, cidr);
      return { released: res.released, unallocated: res.unallocated };
    }
    await backoff(attempt);
  }
  throw tooManyRetries(`releasing addresses from block ${formatCidr(cidr)}`);
}

/**
 * After a release, as libcalico-go's ensureConsistentAffinity: if the pool
 * owning the block no longer selects the block's node (its labels or the
 * pool's nodeSelector changed), give the block up once it is empty, so
 * another node can use it. A node that does not exist, or a block in no
 * pool, is left alone.
 */
async function ensureConsistentAffinity(ds: Datastore, affinity: string | null, cidr: IpNet): Promise<void> {
  const host = affinityHost(affinity);
  if (host === null) return;
  const pool = (await listPools(ds)).find((p) => cidrContainsCidr(p.cidr, cidr));
  if (!pool || pool.nodeSelector.trim() === 'all()') return;
  const node = await ds.get<{ metadata?: { labels?: Record<string, string> } }>({ kind: KIND_NODE, name: host });
  if (!node) return;
  const matches = await nodeMatcher([pool], node.value.metadata?.labels ?? {});
  if (matches(pool)) return;
  await releaseAffinity(ds, host, cidr, true);
}

export interface ReleaseByHandleOptions {
  /**
   * Also release the node's affinity to any block this leaves empty (block
   * and affinity deleted together, CAS, only if still empty). Calico keeps
   * empty affine blocks until kube-controllers' GC; the calico-ipam plugin
   * asks for this so DEL hands the whole block back to the pool.
   */
  readonly releaseEmptyAffineBlocks?: boolean;
}

/**
 * Releases every address of `handleId` (libcalico-go ReleaseByHandle) and
 * deletes the handle. CALICO_ERR_NOT_FOUND if the handle does not exist.
 * Returns the addresses released.
 */
export async function releaseByHandle(ds: Datastore, handleId: string, opts: ReleaseByHandleOptions = {}): Promise<string[]> {
  const first = await readHandle(ds, handleId);
  if (!first) throw new CalicoError('CALICO_ERR_NOT_FOUND', `IPAM handle ${handleId} does not exist`);
  const out: string[] = [];
  const hosts = new Set<string>();
  for (const cidrText of Object.keys(first.value.spec.block)) {
    const cidr = parseCidr(cidrText);
    let done = false;
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS && !done; attempt++) {
      const handle = await readHandle(ds, handleId);
      if (!handle || handle.value.spec.block[cidrText] === undefined) { done = true; break; }
      const b = await readBlock(ds, cidr);
      const ips = b ? blockReleaseByHandle(b.block.spec, cidr, handleId) : [];
      const ops: TxnOp[] = b && ips.length ? [blockWriteOp(b)] : [];
      ops.push(...handleOps(handle, handleId, new Map([[cidrText, -handle.value.spec.block[cidrText]!]])));
      if (await tryTransact(ds, ops)) {
        done = true;
        out.push(...ips.map(formatIp));
        const host = b ? affinityHost(b.block.spec.affinity) : null;
        if (host !== null) hosts.add(host);
        if (opts.releaseEmptyAffineBlocks && b && host !== null && blockIsEmpty(b.block.spec)) {
          await releaseAffinity(ds, host, cidr, true);
        } else if (b && ips.length) {
          await ensureConsistentAffinity(ds, b.block.spec.affinity, cidr);
        }
      } else {
        await backoff(attempt);
      }
    }
    if (!done) throw tooManyRetries(`releasing handle ${handleId} from block ${cidrText}`);
  }
  // A concurrent ADD on the same node may have claimed a block and then
  // allocated elsewhere after a CAS retry, leaving that block empty and
  // affine with no handle pointing at it: sweep the node's empty blocks too.
  if (opts.releaseEmptyAffineBlocks) for (const host of hosts) await releaseEmptyBlocks(ds, host);
  return out;
}

/**
 * Deletes every empty block (and its affinity), optionally only those affine
 * to `host`. Returns the CIDRs of the blocks released. A block that gains an
 * allocation meanwhile is left alone (CAS).
 */
export async function releaseEmptyBlocks(ds: Datastore, host?: string): Promise<string[]> {
  const { items } = await ds.list<IpamBlock>({ kind: KIND_BLOCK });
  const out: string[] = [];
  for (const e of items) {
    const spec = e.value.spec;
    if (!blockIsEmpty(spec)) continue;
    const owner = affinityHost(spec.affinity);
    if (host !== undefined && owner !== host) continue;
    const cidr = parseCidr(spec.cidr);
    if (owner !== null) {
      if ((await releaseAffinity(ds, owner, cidr, true)) === 'released') out.push(spec.cidr);
    } else if (await tryTransact(ds, [{ op: 'delete', key: blockKey(cidr), expectedRevision: e.revision }])) {
      out.push(spec.cidr);
    }
  }
  return out;
}

/**
 * Releases all of `host`'s block affinities (libcalico-go
 * ReleaseHostAffinities): empty blocks are deleted; blocks in use become
 * unaffine, or, with `mustBeEmpty`, keep their affinity and are named in a
 * CALICO_ERR_IPAM once the others are done. Returns the CIDRs released.
 */
export async function releaseHostAffinities(ds: Datastore, host: string, mustBeEmpty: boolean): Promise<string[]> {
  return releaseAffinities(ds, host, await listAffineBlocks(ds, host), mustBeEmpty);
}

/**
 * Releases `host`'s affinity to each block; with `mustBeEmpty`, blocks in
 * use keep theirs and, after the others are done, CALICO_ERR_IPAM names them
 * (libcalico-go: "may release some but not all").
 */
export async function releaseAffinities(ds: Datastore, host: string, blocks: readonly { cidr: IpNet }[], mustBeEmpty: boolean): Promise<string[]> {
  const out: string[] = [];
  const inUse: string[] = [];
  for (const a of blocks) {
    const r = await releaseAffinity(ds, host, a.cidr, mustBeEmpty);
    if (r === 'released') out.push(formatCidr(a.cidr));
    if (r === 'notEmpty') inUse.push(formatCidr(a.cidr));
  }
  if (inUse.length) throw new CalicoError('CALICO_ERR_IPAM', `block${inUse.length > 1 ? 's' : ''} ${inUse.join(', ')} of ${host} not empty: affinity kept`);
  return out;
}

