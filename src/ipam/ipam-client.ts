import { hostname as osHostname } from 'node:os';
import type { Datastore } from '../datastore/datastore.js';
import { CalicoError } from '../lib/errors.js';
import type { AssignedIp } from './auto-assign.js';
import { assignSpecificIp, autoAssignVersion } from './auto-assign.js';
import { parseIp } from './ip.js';
import type { ReleaseByHandleOptions } from './release.js';
import { releaseAddresses, releaseByHandle, releaseEmptyBlocks, releaseHostAffinities } from './release.js';
import type { AssignmentAttributes } from './query.js';
import type { EnsureBlockArgs } from './admin.js';
import { claimAffinity, ensureBlock, releaseAffinityIn, releasePoolAffinities, setIpamConfig } from './admin.js';
import type { IpamConfig } from './model.js';
import { namespaceInfo, readIpamConfig, type NamespaceInfo } from './pools.js';
import type { PoolUsage } from './usage.js';
import { poolUsage } from './usage.js';
import { getAssignmentAttributes, ipsByHandle } from './query.js';

/**
 * IpamClient is Calico IPAM (libcalico-go lib/ipam) over any Datastore:
 * pools, per-node affine blocks, borrowing, handles, reservations. Every
 * write is a CAS transaction retried on conflict, so any number of clients
 * in any number of processes can share one datastore.
 */

export interface AutoAssignArgs {
  readonly num4?: number;
  readonly num6?: number;
  /** Handle the addresses are recorded under (Calico's `<network>.<container id>`); null = none. */
  readonly handleId?: string | null;
  /** Stored with each allocation (`namespace`, `pod`, `node`, `timestamp`, ...). */
  readonly attrs?: Record<string, string>;
  /** Node the addresses are for; default: this machine's hostname. */
  readonly hostname?: string;
  /** Restrict to these IPv4 pools (names or CIDRs). */
  readonly ipv4Pools?: readonly string[];
  readonly ipv6Pools?: readonly string[];
  /** Pool allowedUses entry required: `Workload` (default) or `Tunnel`. */
  readonly intendedUse?: string;
  /** Per-request block limit (> 0); the more restrictive of it and IPAMConfiguration's applies. */
  readonly maxBlocksPerHost?: number;
  /**
   * The workload's namespace, for pool namespaceSelectors: its name (labels
   * are then read from the stored Namespace) or name and labels. Unset = no
   * namespace: only pools without a namespaceSelector, or whose selector
   * matches no labels, qualify.
   */
  readonly namespace?: string | NamespaceInfo;
}

export interface AutoAssignResult {
  readonly ipv4: AssignedIp[];
  readonly ipv6: AssignedIp[];
}

export interface AssignIpArgs {
  readonly ip: string;
  readonly handleId?: string | null;
  readonly attrs?: Record<string, string>;
  readonly hostname?: string;
  /** When set, the address's pool must list it in allowedUses (`Workload`, `Tunnel`); unset = any. */
  readonly intendedUse?: string;
}

export interface ReleaseIpOptions {
  readonly ip: string;
  /** Release only if the address still belongs to this handle. */
  readonly handleId?: string;
  readonly sequenceNumber?: number;
}

export class IpamClient {
  constructor(private readonly ds: Datastore) {}

  /**
   * Assigns `num4` IPv4 and `num6` IPv6 addresses. All or nothing: on
   * failure (CALICO_ERR_IPAM_EXHAUSTED naming the pools, CALICO_ERR_IPAM for
   * bad pool requests) nothing stays allocated.
   */
  async autoAssign(args: AutoAssignArgs): Promise<AutoAssignResult> {
    const host = args.hostname ?? osHostname();
    const handleId = args.handleId ?? null;
    const attrs = args.attrs ?? null;
    const ns = args.namespace;
    let nsInfo: Promise<NamespaceInfo | undefined> | undefined;
    const namespace = ns === undefined ? undefined : () => (nsInfo ??= typeof ns === 'string' ? namespaceInfo(this.ds, ns) : Promise.resolve(ns));
    const common = { use: args.intendedUse ?? 'Workload', maxBlocksPerHost: args.maxBlocksPerHost ?? 0, namespace };
    const ipv4 = await autoAssignVersion(this.ds, host, handleId, attrs, { ...common, version: 4, num: args.num4 ?? 0, requestedPools: args.ipv4Pools ?? [] });
    try {
      const ipv6 = await autoAssignVersion(this.ds, host, handleId, attrs, { ...common, version: 6, num: args.num6 ?? 0, requestedPools: args.ipv6Pools ?? [] });
      return { ipv4, ipv6 };
    } catch (e) {
      if (ipv4.length) await releaseAddresses(this.ds, ipv4.map((a) => ({ ip: parseIp(a.ip), handleId: handleId ?? undefined })));
      throw e;
    }
  }

  /** Assigns one given address (CALICO_ERR_ALREADY_EXISTS if taken, CALICO_ERR_IPAM if in no pool). */
  async assignIP(args: AssignIpArgs): Promise<AssignedIp> {
    return assignSpecificIp(this.ds, args.ip, args.hostname ?? osHostname(), args.handleId ?? null, args.attrs ?? null, args.intendedUse);
  }

  /** Releases addresses; returns those that were not allocated. */
  async releaseIPs(ips: readonly (string | ReleaseIpOptions)[]): Promise<string[]> {
    const reqs = ips.map((x) => (typeof x === 'string'
      ? { ip: parseIp(x) }
      : { ip: parseIp(x.ip), handleId: x.handleId, sequenceNumber: x.sequenceNumber }));
    const out = await releaseAddresses(this.ds, reqs);
    const { formatIp } = await import('./ip.js');
    return out.unallocated.map(formatIp);
  }

  /** Releases every address of the handle; CALICO_ERR_NOT_FOUND if no such handle. Returns the addresses released. */
  async releaseByHandle(handleId: string, opts?: ReleaseByHandleOptions): Promise<string[]> {
    if (!handleId) throw new CalicoError('CALICO_ERR_IPAM', 'empty handle ID');
    return releaseByHandle(this.ds, handleId, opts);
  }

  /** Handle and attributes of an allocated address; CALICO_ERR_NOT_FOUND if not allocated. */
  async getAssignmentAttributes(ip: string): Promise<AssignmentAttributes> {
    return getAssignmentAttributes(this.ds, ip);
  }

  /** Addresses held by the handle; CALICO_ERR_NOT_FOUND if no such handle. */
  async ipsByHandle(handleId: string): Promise<string[]> {
    return ipsByHandle(this.ds, handleId);
  }

  /**
   * Releases all of the host's block affinities; returns the block CIDRs
   * released. With `mustBeEmpty`, blocks in use keep theirs and the call
   * ends with CALICO_ERR_IPAM naming them.
   */
  async releaseHostAffinities(hostname: string, mustBeEmpty = false): Promise<string[]> {
    return releaseHostAffinities(this.ds, hostname, mustBeEmpty);
  }

  /**
   * Releases all of the host's affinities and host-specific IPAM data
   * (libcalico-go RemoveIPAMHost); its addresses stay allocated.
   */
  async removeIPAMHost(hostname: string): Promise<void> {
    await releaseHostAffinities(this.ds, hostname, false);
  }

  /** Claims the host's affinity for every block in `cidr` (inside a pool). */
  async claimAffinity(cidr: string, hostname: string): Promise<{ claimed: string[]; failed: string[] }> {
    return claimAffinity(this.ds, cidr, hostname);
  }

  /** Releases the host's affinity for the blocks in `cidr`; returns the CIDRs released. */
  async releaseAffinity(cidr: string, hostname: string, mustBeEmpty = false): Promise<string[]> {
    return releaseAffinityIn(this.ds, cidr, hostname, mustBeEmpty);
  }

  /** Releases every host's affinity for the blocks of the pool with this CIDR. */
  async releasePoolAffinities(poolCidr: string): Promise<string[]> {
    return releasePoolAffinities(this.ds, poolCidr);
  }

  /** The host's block per IP version, claimed if it has none yet. */
  async ensureBlock(args: EnsureBlockArgs): Promise<{ ipv4: string | null; ipv6: string | null }> {
    return ensureBlock(this.ds, args);
  }

  /** IPAMConfiguration `default` with Calico's defaults for absent fields. */
  async getIPAMConfig(): Promise<IpamConfig> {
    return readIpamConfig(this.ds);
  }

  async setIPAMConfig(cfg: IpamConfig): Promise<void> {
    return setIpamConfig(this.ds, cfg);
  }

  /** Address usage per pool and block (libcalico-go GetUtilization), optionally only for the pools named (by name or CIDR). */
  async getUtilization(args: { pools?: readonly string[] } = {}): Promise<PoolUsage[]> {
    const all = await poolUsage(this.ds);
    if (!args.pools?.length) return all;
    const want = new Set(args.pools);
    return all.filter((p) => want.has(p.name) || want.has(p.cidr));
  }

  /** Deletes empty blocks (and their affinities), optionally only the host's; returns their CIDRs. */
  async releaseEmptyBlocks(hostname?: string): Promise<string[]> {
    return releaseEmptyBlocks(this.ds, hostname);
  }
}
