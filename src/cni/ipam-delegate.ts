/**
 * IPAM for the `calico` plugin. With `ipam.type: calico-ipam` the allocation
 * runs in-process through src/ipam's IpamClient (saving an exec per pod),
 * with Calico's handle id `<network name>.<container id>` so the calico-ipam
 * binary, `calicoctl ipam` and GC all see the same allocation. Any other
 * type (host-local, static, ...) is exec'd from CNI_PATH as the spec says.
 * If src/ipam cannot be loaded, calico-ipam is exec'd like any other plugin.
 */
import type { Datastore } from '../datastore/datastore.js';
import { CalicoError } from '../lib/errors.js';
import type { CalicoNetConf } from './netconf.js';
import { execPlugin, type ExecFn } from './invoke.js';
import { CNI_ERR_INVALID_NETWORK_CONFIG, CURRENT_VERSION, CniError, type CmdArgs, type CniResult } from './spec.js';

/** Who the allocation is for (IPAM attributes, as calico-ipam records them). */
export interface IpamWorkload {
  readonly nodename: string;
  readonly namespace?: string | undefined;
  readonly pod?: string | undefined;
  /** Pool overrides from pod/namespace annotations (cni.projectcalico.org/ipv4pools, ipv6pools). */
  readonly ipv4Pools?: readonly string[] | undefined;
  readonly ipv6Pools?: readonly string[] | undefined;
}

/** The subset of src/ipam's IpamClient this plugin uses (helper E's contract). */
interface IpamClientLike {
  autoAssign(req: {
    num4: number; num6: number; handleId: string; attrs: Record<string, string>; hostname: string;
    ipv4Pools?: string[]; ipv6Pools?: string[];
  }): Promise<{ ipv4: readonly { ip: unknown }[]; ipv6: readonly { ip: unknown }[] }>;
  releaseByHandle(handleId: string): Promise<unknown>;
  ipsByHandle?(handleId: string): Promise<readonly unknown[]>;
}

type IpamModule = { IpamClient: new (ds: Datastore) => IpamClientLike };

export function handleIdFor(networkName: string, containerId: string): string {
  return `${networkName}.${containerId}`;
}

/** Loads src/ipam lazily; null when it is not there (then calico-ipam is exec'd). */
async function loadIpamModule(): Promise<IpamModule | null> {
  const spec = '../ipam/index.js';
  try {
    const mod = (await import(spec)) as Partial<IpamModule>;
    return typeof mod.IpamClient === 'function' ? (mod as IpamModule) : null;
  } catch {
    return null;
  }
}

/** Renders an address the IPAM library returns (string, or {version, value: bigint}). */
export function addressText(ip: unknown): string {
  if (typeof ip === 'string') return ip.split('/')[0] ?? ip;
  if (typeof ip === 'object' && ip !== null && 'value' in ip && 'version' in ip) {
    const { version, value } = ip as { version: number; value: bigint };
    if (version === 4) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 255n)).join('.');
    const groups = Array.from({ length: 8 }, (_, i) => ((value >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
    // RFC 5952: compress the longest run (length >= 2) of zero groups.
    let best = -1, bestLen = 0;
    for (let i = 0; i < 8;) {
      if (groups[i] !== '0') { i++; continue; }
      let j = i;
      while (j < 8 && groups[j] === '0') j++;
      if (j - i > bestLen && j - i >= 2) { best = i; bestLen = j - i; }
      i = j;
    }
    if (best < 0) return groups.join(':');
    return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
  }
  return String(ip);
}

function flag(v: unknown, dflt: boolean, path: string): boolean {
  if (v === undefined || v === null || v === '') return dflt;
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  throw new CniError(CNI_ERR_INVALID_NETWORK_CONFIG, `invalid network config: ${path}: expected "true" or "false"`, path);
}

function pools(v: unknown, path: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((p) => typeof p === 'string')) {
    throw new CniError(CNI_ERR_INVALID_NETWORK_CONFIG, `invalid network config: ${path}: expected a list of pool names or CIDRs`, path);
  }
  return v as string[];
}

/** The result of an IPAM ADD and how to undo it. */
export interface IpamAllocation {
  readonly result: CniResult;
  release(): Promise<void>;
}

export interface IpamDeps {
  readonly openDatastore: () => Promise<Datastore>;
  readonly exec?: ExecFn | undefined;
}

/**
 * Allocates addresses for one workload. A retried ADD for the same container
 * gets the addresses its handle already holds (idempotent, nothing leaked).
 */
export async function addIpam(conf: CalicoNetConf, args: CmdArgs, w: IpamWorkload, deps: IpamDeps): Promise<IpamAllocation> {
  const mod = conf.ipam.type === 'calico-ipam' ? await loadIpamModule() : null;
  if (!mod) {
    const stdin = withPoolOverrides(args.stdinData, w);
    const result = await execPlugin(conf.ipam.type, 'ADD', stdin, args, deps.exec);
    if (!result || !result.ips?.length) {
      await execPlugin(conf.ipam.type, 'DEL', stdin, args, deps.exec).catch(() => undefined);
      throw new CalicoError('CALICO_ERR_IPAM', `IPAM plugin ${conf.ipam.type} returned no IP addresses in result`);
    }
    return { result, release: async () => { await execPlugin(conf.ipam.type, 'DEL', stdin, args, deps.exec); } };
  }

  const ds = await deps.openDatastore();
  const client = new mod.IpamClient(ds);
  const handleId = handleIdFor(conf.name, args.containerId);
  const release = async (): Promise<void> => { await client.releaseByHandle(handleId); };
  let addrs: string[] = [];
  if (client.ipsByHandle) addrs = (await client.ipsByHandle(handleId)).map(addressText);
  if (addrs.length === 0) {
    const v4 = flag(conf.ipam['assign_ipv4'], true, 'ipam.assign_ipv4');
    const v6 = flag(conf.ipam['assign_ipv6'], false, 'ipam.assign_ipv6');
    const attrs: Record<string, string> = { node: w.nodename, timestamp: new Date().toISOString() };
    if (w.pod) { attrs['pod'] = w.pod; attrs['namespace'] = w.namespace ?? 'default'; }
    const req: Parameters<IpamClientLike['autoAssign']>[0] = { num4: v4 ? 1 : 0, num6: v6 ? 1 : 0, handleId, attrs, hostname: w.nodename };
    const p4 = w.ipv4Pools?.length ? [...w.ipv4Pools] : pools(conf.ipam['ipv4_pools'], 'ipam.ipv4_pools');
    const p6 = w.ipv6Pools?.length ? [...w.ipv6Pools] : pools(conf.ipam['ipv6_pools'], 'ipam.ipv6_pools');
    if (p4) req.ipv4Pools = p4;
    if (p6) req.ipv6Pools = p6;
    const got = await client.autoAssign(req);
    addrs = [...got.ipv4, ...got.ipv6].map((a) => addressText(a.ip));
    if (v4 && got.ipv4.length === 0 || v6 && got.ipv6.length === 0 || addrs.length === 0) {
      await release().catch(() => undefined);
      throw new CalicoError('CALICO_ERR_IPAM_EXHAUSTED', `no ${v4 && got.ipv4.length === 0 ? 'IPv4' : 'IPv6'} address available for ${handleId}`);
    }
  }
  const result: CniResult = {
    cniVersion: CURRENT_VERSION,
    ips: addrs.map((a) => ({ address: `${a}/${a.includes(':') ? 128 : 32}` })),
  };
  return { result, release };
}

/** Releases a workload's addresses (DEL); releasing nothing is success. */
export async function delIpam(conf: CalicoNetConf, args: CmdArgs, deps: IpamDeps): Promise<void> {
  const mod = conf.ipam.type === 'calico-ipam' ? await loadIpamModule() : null;
  if (!mod) {
    await execPlugin(conf.ipam.type, 'DEL', args.stdinData, args, deps.exec);
    return;
  }
  const client = new mod.IpamClient(await deps.openDatastore());
  await client.releaseByHandle(handleIdFor(conf.name, args.containerId));
}

/** Pool annotations reach an exec'd calico-ipam through its config, as upstream rewrites stdin. */
function withPoolOverrides(stdin: string, w: IpamWorkload): string {
  if (!w.ipv4Pools?.length && !w.ipv6Pools?.length) return stdin;
  const conf = JSON.parse(stdin) as { ipam?: Record<string, unknown> };
  conf.ipam = { ...(conf.ipam ?? {}) };
  if (w.ipv4Pools?.length) conf.ipam['ipv4_pools'] = w.ipv4Pools;
  if (w.ipv6Pools?.length) conf.ipam['ipv6_pools'] = w.ipv6Pools;
  return JSON.stringify(conf);
}
