/**
 * The `calico-ipam` CNI IPAM plugin (cni-plugin/pkg/ipamplugin), CNI spec
 * 1.0.0 (plus 1.1 STATUS and GC): ADD assigns addresses from Calico IPAM
 * under the handle `<network name>.<container id>`, DEL releases that handle
 * (and succeeds when there is nothing to release), CHECK verifies the
 * handle still holds prevResult's addresses.
 *
 * Exec'd once per pod, so start-up stays light: only the datastore backend
 * the config names is loaded, and the IPAM library is imported lazily.
 */
import type { Datastore } from '../datastore/datastore.js';
import type { IpamClient } from '../ipam/ipam-client.js';
import { checkNodenameFile, determineNodename, parseCalicoNetConf, type CalicoNetConf } from './netconf.js';
import { openPluginDatastore } from './plugin-datastore.js';
import {
  CNI_ERR_INTERNAL, CNI_ERR_INVALID_NETWORK_CONFIG, CNI_ERR_PLUGIN_NOT_AVAILABLE, CniError, parseResult, runPlugin,
  type CmdArgs, type CniResult, type PluginHandlers, type PluginIo,
} from './spec.js';

/** The `ipam` section, as calico-ipam reads it (cni-plugin/pkg/types IPAMConfig). */
export interface CalicoIpamConf {
  readonly assignIpv4: boolean;
  readonly assignIpv6: boolean;
  readonly ipv4Pools: string[];
  readonly ipv6Pools: string[];
  /**
   * Ours: on DEL, hand a block that became empty back to the pool (block and
   * affinity deleted). Default true; Calico instead leaves that to
   * kube-controllers' GC.
   */
  readonly releaseEmptyBlocks: boolean;
}

function badConf(path: string, reason: string): CniError {
  return new CniError(CNI_ERR_INVALID_NETWORK_CONFIG, `invalid network config: ${path}: ${reason}`, path);
}

/** Calico's `"true"`/`"false"` strings (booleans accepted too). */
function flag(ipam: Record<string, unknown>, key: string, dflt: boolean): boolean {
  const v = ipam[key];
  if (v === undefined || v === null || v === '') return dflt;
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  throw badConf(`ipam.${key}`, `expected "true" or "false", got ${JSON.stringify(v)}`);
}

function poolList(ipam: Record<string, unknown>, key: string): string[] {
  const v = ipam[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((x): x is string => typeof x === 'string')) throw badConf(`ipam.${key}`, 'expected a list of pool names or CIDRs');
  return v.map((s) => s.trim()).filter((s) => s !== '');
}

export function parseIpamConf(conf: CalicoNetConf): CalicoIpamConf {
  const ipam = conf.ipam as Record<string, unknown>;
  if (ipam['subnet'] !== undefined && ipam['subnet'] !== '') {
    throw badConf('ipam.subnet', 'calico-ipam allocates from IP pools; subnet (host-local usePodCidr) is not supported');
  }
  const out: CalicoIpamConf = {
    assignIpv4: flag(ipam, 'assign_ipv4', true),
    assignIpv6: flag(ipam, 'assign_ipv6', false),
    ipv4Pools: poolList(ipam, 'ipv4_pools'),
    ipv6Pools: poolList(ipam, 'ipv6_pools'),
    releaseEmptyBlocks: flag(ipam, 'release_empty_blocks', true),
  };
  if (!out.assignIpv4 && !out.assignIpv6) throw badConf('ipam', 'assign_ipv4 and assign_ipv6 are both false: nothing to assign');
  return out;
}

/** The IPAM handle for a container: `<network name>.<container id>` (utils.GetHandleID). */
export function handleIdFor(networkName: string, containerId: string): string {
  return `${networkName}.${containerId}`;
}

/**
 * Runs `fn` with an IpamClient on the configured datastore, closing it
 * afterwards; a `shared` handle (the calico plugin's own, when it runs these
 * handlers in-process) is used as is and left open for its owner.
 */
async function withIpam<T>(
  conf: CalicoNetConf, env: NodeJS.ProcessEnv, shared: (() => Promise<Datastore>) | undefined,
  fn: (ipam: IpamClient, ds: Datastore) => Promise<T>,
): Promise<T> {
  const ds = shared ? await shared() : await openPluginDatastore(conf.datastore, env);
  try {
    const { IpamClient } = await import('../ipam/ipam-client.js');
    return await fn(new IpamClient(ds), ds);
  } finally {
    if (!shared) await ds.close();
  }
}

/**
 * withIpam holding the per-host IPAM lock (`ipam_lock_file`), as upstream's
 * ADD and DEL do: one host's IPAM calls take turns, so two of them never
 * both claim a new block when the host's last one fills.
 */
async function withLockedIpam<T>(
  conf: CalicoNetConf, env: NodeJS.ProcessEnv, shared: (() => Promise<Datastore>) | undefined,
  fn: (ipam: IpamClient, ds: Datastore) => Promise<T>,
): Promise<T> {
  const { withIpamLock } = await import('../ipam/host-lock.js');
  const path = conf.ipamLockFile ?? env['CALICO_IPAM_LOCK_FILE'] ?? undefined;
  return withIpamLock(path, () => withIpam(conf, env, shared, fn));
}

function isNotFound(e: unknown): boolean {
  return (e as { code?: unknown } | null)?.code === 'CALICO_ERR_NOT_FOUND';
}

/** Options of calicoIpamHandlers. */
export interface CalicoIpamOptions {
  /**
   * An already open datastore to use instead of opening the configured one
   * per call (the calico plugin passes its own: one SQLite open per ADD, not
   * two). It must be the datastore the config names; it is not closed here.
   */
  readonly datastore?: () => Promise<Datastore>;
}

/** Handlers of the plugin; `env` supplies the datastore environment (tests pass their own). */
export function calicoIpamHandlers(env: NodeJS.ProcessEnv = process.env, opts: CalicoIpamOptions = {}): PluginHandlers {
  const shared = opts.datastore;
  return {
    async add(args: CmdArgs): Promise<CniResult> {
      const conf = parseCalicoNetConf(args.config);
      const ipamConf = parseIpamConf(conf);
      checkNodenameFile(conf);
      const nodename = determineNodename(conf);
      const handleId = handleIdFor(conf.name, args.containerId);
      const attrs: Record<string, string> = { node: nodename, timestamp: new Date().toISOString() };
      const pod = args.args.get('K8S_POD_NAME');
      const namespace = args.args.get('K8S_POD_NAMESPACE');
      if (pod) { attrs['pod'] = pod; attrs['namespace'] = namespace ?? 'default'; }
      // CNI_ARGS `IP=<addr>` asks for that exact address (returned as /32 or /128).
      const explicit = args.args.get('IP') ?? args.args.get('ip');
      return withLockedIpam(conf, env, shared, async (ipam) => {
        if (explicit) {
          const a = await ipam.assignIP({ ip: explicit, handleId, attrs, hostname: nodename });
          return { cniVersion: args.cniVersion, ips: [{ address: `${a.ip}/${a.ip.includes(':') ? 128 : 32}` }] };
        }
        // As Calico, every ADD allocates (a repeated ADD for one container adds
        // to its handle; DEL releases them all). Addresses carry the block's prefix.
        const got = await ipam.autoAssign({
          num4: ipamConf.assignIpv4 ? 1 : 0, num6: ipamConf.assignIpv6 ? 1 : 0, handleId, attrs, hostname: nodename,
          ipv4Pools: ipamConf.ipv4Pools, ipv6Pools: ipamConf.ipv6Pools,
          // Pool namespaceSelectors match the pod's stored Namespace (read only if some pool has one).
          ...(pod && namespace ? { namespace } : {}),
        });
        return { cniVersion: args.cniVersion, ips: [...got.ipv4, ...got.ipv6].map((a) => ({ address: a.cidr })) };
      });
    },

    async del(args: CmdArgs): Promise<void> {
      const conf = parseCalicoNetConf(args.config);
      const ipamConf = parseIpamConf(conf);
      const pod = args.args.get('K8S_POD_NAME');
      const namespace = args.args.get('K8S_POD_NAMESPACE');
      // Calico also releases the pre-v3 handle: the workload ID (`<ns>.<pod>` for k8s, else the container ID).
      const legacy = pod && namespace ? `${namespace}.${pod}` : args.containerId;
      await withLockedIpam(conf, env, shared, async (ipam) => {
        for (const handleId of [handleIdFor(conf.name, args.containerId), legacy]) {
          try {
            await ipam.releaseByHandle(handleId, { releaseEmptyAffineBlocks: ipamConf.releaseEmptyBlocks });
          } catch (e) {
            if (!isNotFound(e)) throw e; // nothing to release: DEL is idempotent
          }
        }
      });
    },

    async check(args: CmdArgs): Promise<void> {
      const conf = parseCalicoNetConf(args.config);
      parseIpamConf(conf);
      const prev = args.config.prevResult === undefined ? undefined : parseResult(args.config.prevResult, args.cniVersion);
      await withIpam(conf, env, shared, async (ipam) => {
        const handleId = handleIdFor(conf.name, args.containerId);
        const held = await ipam.ipsByHandle(handleId).catch((e: unknown) => {
          if (isNotFound(e)) throw new CniError(CNI_ERR_INTERNAL, `no addresses are allocated to ${handleId}`);
          throw e;
        });
        for (const ip of prev?.ips ?? []) {
          const addr = ip.address.split('/')[0]!;
          if (!held.includes(addr)) throw new CniError(CNI_ERR_INTERNAL, `address ${addr} is not allocated to ${handleId}`);
        }
      });
    },

    async status(args: CmdArgs): Promise<void> {
      const conf = parseCalicoNetConf(args.config);
      const ipamConf = parseIpamConf(conf);
      await withIpam(conf, env, shared, async (_ipam, ds) => {
        const { listPools } = await import('../ipam/pools.js');
        const pools = (await listPools(ds)).filter((p) => !p.disabled);
        if (ipamConf.assignIpv4 && !pools.some((p) => p.cidr.version === 4)) throw new CniError(CNI_ERR_PLUGIN_NOT_AVAILABLE, 'no enabled IPv4 pool');
        if (ipamConf.assignIpv6 && !pools.some((p) => p.cidr.version === 6)) throw new CniError(CNI_ERR_PLUGIN_NOT_AVAILABLE, 'no enabled IPv6 pool');
      });
    },

    async gc(args: CmdArgs): Promise<void> {
      const conf = parseCalicoNetConf(args.config);
      const valid = args.config['cni.dev/valid-attachments'];
      const keep = new Set(Array.isArray(valid) ? valid.map((a) => String((a as { containerID?: unknown }).containerID ?? '')) : []);
      await withIpam(conf, env, shared, async (ipam, ds) => {
        const prefix = `${conf.name}.`;
        const { items } = await ds.list({ kind: 'IPAMHandle', namePrefix: prefix });
        for (const e of items) {
          if (keep.has(e.key.name.slice(prefix.length))) continue;
          await ipam.releaseByHandle(e.key.name, { releaseEmptyAffineBlocks: true }).catch((err: unknown) => { if (!isNotFound(err)) throw err; });
        }
      });
    },
  };
}

/** Entry point used by bin/calico-ipam. */
export async function main(io?: PluginIo): Promise<number> {
  return runPlugin(calicoIpamHandlers(io?.env ?? process.env), io);
}
