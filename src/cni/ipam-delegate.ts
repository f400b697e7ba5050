/**
 * IPAM for the `calico` plugin. With `ipam.type: calico-ipam` the IPAM
 * plugin's own handlers (src/cni/calico-ipam-plugin.ts) run in-process,
 * saving an exec and a Node start-up per pod while keeping exactly the
 * calico-ipam binary's behaviour (handle `<network name>.<container id>`,
 * idempotent per handle). Any other type (host-local, static, ...) is exec'd
 * from CNI_PATH as SPEC.md "Delegated plugins" says, and so is calico-ipam
 * if its module cannot be loaded.
 */
import type { Datastore } from '../datastore/datastore.js';
import { CalicoError } from '../lib/errors.js';
import type { CalicoNetConf } from './netconf.js';
import { execPlugin, type ExecFn } from './invoke.js';
import type { CmdArgs, CniResult, NetConf, PluginHandlers } from './spec.js';

/** Who the allocation is for (IPAM attributes, as calico-ipam records them). */
export interface IpamWorkload {
  readonly nodename: string;
  readonly namespace?: string | undefined;
  readonly pod?: string | undefined;
  /** Pool overrides from pod/namespace annotations (cni.projectcalico.org/ipv4pools, ipv6pools). */
  readonly ipv4Pools?: readonly string[] | undefined;
  readonly ipv6Pools?: readonly string[] | undefined;
}

/**
 * Loads the calico-ipam plugin's handlers in-process (on the caller's open
 * datastore when given); null when that module is not available. The
 * specifier is a literal so that the plugin bundle (scripts/bundle-cni.mjs)
 * includes it.
 */
async function loadCalicoIpam(deps: IpamDeps): Promise<PluginHandlers | null> {
  try {
    const mod = await import('./calico-ipam-plugin.js');
    return mod.calicoIpamHandlers(deps.env ?? process.env, deps.datastore ? { datastore: deps.datastore } : {});
  } catch {
    return null;
  }
}

export function handleIdFor(networkName: string, containerId: string): string {
  return `${networkName}.${containerId}`;
}

/** The result of an IPAM ADD and how to undo it. */
export interface IpamAllocation {
  readonly result: CniResult;
  release(): Promise<void>;
}

export interface IpamDeps {
  /** Datastore environment for an in-process calico-ipam (default process.env). */
  readonly env?: NodeJS.ProcessEnv | undefined;
  readonly exec?: ExecFn | undefined;
  /** The caller's open datastore for an in-process calico-ipam (else it opens the configured one per call). */
  readonly datastore?: (() => Promise<Datastore>) | undefined;
}

/**
 * Allocates addresses for one workload. A retried ADD for the same container
 * gets the addresses its handle already holds (calico-ipam is idempotent per
 * handle), so nothing is leaked by retries.
 */
export async function addIpam(conf: CalicoNetConf, args: CmdArgs, w: IpamWorkload, deps: IpamDeps = {}): Promise<IpamAllocation> {
  const stdin = withPoolOverrides(args.stdinData, w);
  const inProcess = conf.ipam.type === 'calico-ipam' ? await loadCalicoIpam(deps) : null;
  let result: CniResult | null;
  let release: () => Promise<void>;
  if (inProcess) {
    const ipamArgs: CmdArgs = { ...args, stdinData: stdin, config: { ...(JSON.parse(stdin) as NetConf), cniVersion: args.cniVersion } };
    result = await inProcess.add(ipamArgs);
    release = async () => { await inProcess.del(ipamArgs); };
  } else {
    result = await execPlugin(conf.ipam.type, 'ADD', stdin, args, deps.exec);
    release = async () => { await execPlugin(conf.ipam.type, 'DEL', stdin, args, deps.exec); };
  }
  if (!result || !result.ips?.length) {
    await release().catch(() => undefined);
    throw new CalicoError('CALICO_ERR_IPAM', `IPAM plugin ${conf.ipam.type} returned no IP addresses in result`);
  }
  return { result: { ...result, ips: result.ips.map(({ gateway: _gw, ...ip }) => ip) }, release };
}

/**
 * For a retried ADD of a container whose endpoint already exists: the
 * endpoint's addresses, if calico-ipam still holds all of them under this
 * container's handle (calico-ipam itself hands out a fresh address on every
 * ADD, as upstream; reusing keeps the retry idempotent and holds no extra
 * address). Null when they cannot be reused.
 */
export async function reusableAllocation(
  conf: CalicoNetConf, args: CmdArgs, addresses: readonly string[], ds: Datastore, deps: IpamDeps = {},
): Promise<IpamAllocation | null> {
  if (conf.ipam.type !== 'calico-ipam' || addresses.length === 0) return null;
  const inProcess = await loadCalicoIpam(deps);
  if (!inProcess) return null;
  const { IpamClient } = await import('../ipam/ipam-client.js');
  const held = await new IpamClient(ds).ipsByHandle(handleIdFor(conf.name, args.containerId)).catch(() => [] as string[]);
  if (!addresses.every((a) => held.includes(a.split('/')[0] ?? a))) return null;
  return {
    result: { cniVersion: args.cniVersion, ips: addresses.map((address) => ({ address })) },
    release: async () => { await inProcess.del(args); },
  };
}

/** Releases specific addresses in Calico IPAM (upstream releaseIPAddrs, for the ipAddrs annotation). */
export async function releaseCalicoAddresses(ds: Datastore, addresses: readonly string[]): Promise<void> {
  const { IpamClient } = await import('../ipam/ipam-client.js');
  await new IpamClient(ds).releaseIPs(addresses.map((a) => a.split('/')[0] ?? a));
}

/** Releases a workload's addresses (DEL); releasing nothing is success. */
export async function delIpam(conf: CalicoNetConf, args: CmdArgs, deps: IpamDeps = {}): Promise<void> {
  const inProcess = conf.ipam.type === 'calico-ipam' ? await loadCalicoIpam(deps) : null;
  if (inProcess) await inProcess.del(args);
  else await execPlugin(conf.ipam.type, 'DEL', args.stdinData, args, deps.exec);
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

/**
 * GC (spec 1.1): the IPAM plugin releases whatever is not in
 * `cni.dev/valid-attachments`; we pass the request on, as the spec asks of a
 * plugin that delegates IPAM.
 */
export async function gcIpam(conf: CalicoNetConf, args: CmdArgs, deps: IpamDeps = {}): Promise<void> {
  const inProcess = conf.ipam.type === 'calico-ipam' ? await loadCalicoIpam(deps) : null;
  if (inProcess) {
    if (inProcess.gc) await inProcess.gc(args);
    return;
  }
  await execPlugin(conf.ipam.type, 'GC', args.stdinData, args, deps.exec);
}
