/**
 * LinuxDataplane does what cni-plugin/pkg/dataplane/linux does in the kernel,
 * through `ip -batch` and `nsenter` (two spawns per IPv4 ADD, three with IPv6):
 *
 *   host netns                              workload netns (CNI_NETNS)
 *   caliXXXXXXXXXXX  <-------- veth -------->  eth0
 *   mac ee:ee:ee:ee:ee:ee                      <pod IP>/32, /128
 *   proxy_arp=1, proxy_delay=0,                169.254.1.1 dev eth0 scope link
 *   forwarding=1, route_localnet=1,            default via 169.254.1.1 dev eth0
 *   accept_ra=0 (v6: proxy_ndp, forwarding)    (v6: default via the host LL address)
 *   <pod IP>/32 dev caliXXX scope link
 *
 * Host-side sysctls are written straight to /proc/sys (this process is in the
 * host netns). Invariant: on any failure the host veth (and with it the peer
 * and the host routes) is deleted before the error propagates.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { exec as realExec, type ExecResult, type ExecOptions } from '../lib/exec.js';
import { CalicoError } from '../lib/errors.js';
import { ipFamily } from './spec.js';

/** Calico's fixed host-side MAC: the kernel need not generate (and persist) one per veth. */
export const HOST_VETH_MAC = 'ee:ee:ee:ee:ee:ee';
/** The dummy IPv4 next hop inside every workload; host proxy ARP answers for it. */
export const IPV4_GATEWAY = '169.254.1.1';
/** EUI-64 link-local address of HOST_VETH_MAC: the workload's IPv6 next hop. */
export const IPV6_GATEWAY = 'fe80::ecee:eeff:feee:eeee';
export const DEFAULT_ROUTES: readonly string[] = ['0.0.0.0/0', '::/0'];

/** Kernel access the dataplane needs; tests inject fakes. */
export interface KernelShim {
  exec(cmd: string, args: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Writes a sysctl of the current (host) netns, e.g. `net/ipv4/conf/cali1/proxy_arp`. */
  writeSysctl(key: string, value: string): void;
  /** True if a link of this name exists in the current (host) netns. */
  hostLinkExists(name: string): boolean;
}

export const realKernel: KernelShim = {
  exec: realExec,
  writeSysctl: (key, value) => writeFileSync(`/proc/sys/${key}`, value),
  // /proc/sys/net follows this process's netns even where /sys was not remounted for it (nsenter). A link
  // has an IPv4 conf directory there (any MTU >= 68) or an IPv6 one: a stat or two instead of reading
  // every link's counters from /proc/self/net/dev.
  hostLinkExists: (name) => /^[^/\s]+$/.test(name) && !['.', '..', 'all', 'default'].includes(name) &&
    (existsSync(`/proc/sys/net/ipv4/conf/${name}`) || existsSync(`/proc/sys/net/ipv6/conf/${name}`)),
};

export interface NetworkingRequest {
  readonly netns: string;
  readonly ifName: string;
  readonly hostVethName: string;
  /** 0 = kernel default. */
  readonly mtu: number;
  readonly numQueues: number;
  /** Workload addresses as CIDRs; the mask is forced to /32 or /128 as Calico does. */
  readonly addresses: readonly string[];
  /** Destinations routed via the host (default 0.0.0.0/0 and ::/0). */
  readonly routes: readonly string[];
  readonly allowIpForwarding: boolean;
  /** Container MAC; random locally administered when absent. */
  readonly containerMac?: string | undefined;
}

export interface NetworkingResult {
  readonly hostVethName: string;
  readonly containerMac: string;
  /** Addresses as configured (host-length masks). */
  readonly addresses: readonly string[];
}

/** `10.0.0.5/26` -> `10.0.0.5/32`; `fd00::5/64` -> `fd00::5/128`. */
export function hostCidr(cidr: string): string {
  const ip = cidr.split('/')[0] ?? cidr;
  return `${ip}/${ipFamily(ip) === 4 ? 32 : 128}`;
}

/** A random unicast, locally administered MAC, as the kernel would pick. */
export function randomMac(): string {
  const b = randomBytes(6);
  b[0] = ((b[0] ?? 0) & 0xfe) | 0x02;
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

function kernelError(what: string, r: ExecResult): CalicoError {
  return new CalicoError('CALICO_ERR_KERNEL', `${what}: ${(r.stderr || r.stdout).trim() || `exit ${r.code}`}`);
}

/**
 * Runs `ip -batch -` in the workload netns, after a prelude of sysctl writes
 * (keys relative to /proc/sys; `{if}` stands for `ifName`). One spawn: the
 * writes are shell builtins, and the interface name reaches the script only
 * as "$1", never spliced into it.
 */
async function inNetns(k: KernelShim, netns: string, ifName: string, batch: readonly string[], sysctls: readonly (readonly [string, string])[] = [], json = false): Promise<ExecResult> {
  const writes = sysctls.map(([key, v], i) => `echo ${v} > "/proc/sys/${key.replace('{if}', '$1')}" || exit ${10 + i}`);
  const script = [...writes, `exec ip ${json ? '-j ' : ''}-batch -`].join('\n');
  return k.exec('nsenter', [`--net=${netns}`, 'sh', '-c', script, 'calico-cni', ifName], { input: batch.join('\n') + '\n' });
}

/**
 * doNetworking creates the veth pair, addresses, routes and sysctls of one
 * workload. A stale host veth of the same name is removed first (retried ADD).
 */
export async function doNetworking(req: NetworkingRequest, k: KernelShim = realKernel): Promise<NetworkingResult> {
  const addresses = req.addresses.map(hostCidr);
  const hasV4 = addresses.some((a) => ipFamily(a) === 4);
  const hasV6 = addresses.some((a) => ipFamily(a) === 6);
  const host = req.hostVethName;
  const mac = req.containerMac ?? randomMac();

  await deleteHostVeth(host, k); // a stale one of a retried ADD

  const mtu = req.mtu > 0 ? ` mtu ${req.mtu}` : '';
  const q = req.numQueues > 1 ? ` numtxqueues ${req.numQueues} numrxqueues ${req.numQueues}` : '';
  const create = `link add ${host}${mtu}${q} address ${HOST_VETH_MAC} type veth peer name ${req.ifName}${mtu}${q} address ${mac} netns ${req.netns}`;
  const hostUp = [`link set dev ${host} up`, ...addresses.map((a) => `route add ${a} dev ${host} scope link`)];
  // IPv4 only: the host side is finished in the same spawn as the veth (up, with its routes, while
  // the peer is still down and so nothing can flow). IPv6 routes must wait for the disable_ipv6=0
  // sysctl below, so with IPv6 the host side is finished in a last spawn instead.
  const hostInFirst = !hasV6;
  const first = hostInFirst ? [create, ...hostUp] : [create];
  const r1 = await k.exec('ip', ['-batch', '-'], { input: first.join('\n') + '\n' });
  if (r1.code !== 0) {
    const failed = failedBatchLine(r1);
    if (failed === 1) throw kernelError(`creating veth ${host} <-> ${req.ifName}`, r1);
    await deleteHostVeth(host, k).catch(() => undefined);
    throw hostUpError(host, addresses, r1);
  }

  try {
    setHostSysctls(host, hasV4, hasV6, k);

    const sysctls: [string, string][] = [];
    if (hasV4) sysctls.push(['net/ipv4/ip_forward', req.allowIpForwarding ? '1' : '0']);
    if (hasV6) {
      sysctls.push(['net/ipv6/conf/all/disable_ipv6', '0'], ['net/ipv6/conf/default/disable_ipv6', '0'],
        ['net/ipv6/conf/lo/disable_ipv6', '0'], ['net/ipv6/conf/{if}/accept_dad', '0'],
        ['net/ipv6/conf/all/forwarding', req.allowIpForwarding ? '1' : '0']);
    }
    const ifn = req.ifName;
    const batch = [`link set dev ${ifn} up`];
    for (const a of addresses) batch.push(`addr add ${a} dev ${ifn}${ipFamily(a) === 6 ? ' nodad' : ''}`);
    if (hasV4) {
      batch.push(`route add ${IPV4_GATEWAY}/32 dev ${ifn} scope link`);
      for (const r of req.routes.filter((d) => ipFamily(d) === 4)) batch.push(`route add ${r} via ${IPV4_GATEWAY} dev ${ifn}`);
    }
    if (hasV6) {
      for (const r of req.routes.filter((d) => ipFamily(d) === 6)) batch.push(`route add ${r} via ${IPV6_GATEWAY} dev ${ifn}`);
    }
    const cont = await inNetns(k, req.netns, ifn, batch, sysctls);
    if (cont.code !== 0) throw kernelError(`configuring ${ifn} in ${req.netns}`, cont);

    if (!hostInFirst) {
      const up = await k.exec('ip', ['-batch', '-'], { input: hostUp.join('\n') + '\n' });
      if (up.code !== 0) throw hostUpError(host, addresses, up);
    }
  } catch (e) {
    await deleteHostVeth(host, k).catch(() => undefined);
    throw e;
  }
  return { hostVethName: host, containerMac: mac, addresses };
}

/** The 1-based line of an `ip -batch` input that failed ("Command failed -:N"); 0 if not said. */
function failedBatchLine(r: ExecResult): number {
  const m = /Command failed -:(\d+)/.exec(r.stderr);
  return m ? Number(m[1]) : 0;
}

/** Bringing the host veth up or routing to the workload failed; "File exists" means another interface has the route. */
function hostUpError(host: string, addresses: readonly string[], r: ExecResult): CalicoError {
  const msg = (r.stderr || r.stdout).trim();
  if (/File exists/i.test(msg)) {
    return new CalicoError('CALICO_ERR_KERNEL', `route to ${addresses.join(', ')} already exists for an interface other than '${host}'`);
  }
  return kernelError(`bringing up ${host} and its routes`, r);
}

function setHostSysctls(host: string, v4: boolean, v6: boolean, k: KernelShim): void {
  const set = (key: string, v: string): void => {
    try {
      k.writeSysctl(key, v);
    } catch (e) {
      throw new CalicoError('CALICO_ERR_KERNEL', `failed to set ${key.replaceAll('/', '.')}=${v}: ${(e as Error).message}`, { cause: e });
    }
  };
  if (v4) {
    set(`net/ipv4/conf/${host}/route_localnet`, '1');
    set(`net/ipv4/neigh/${host}/proxy_delay`, '0');
    set(`net/ipv4/conf/${host}/proxy_arp`, '1');
    set(`net/ipv4/conf/${host}/forwarding`, '1');
  }
  if (v6) {
    set(`net/ipv6/conf/${host}/disable_ipv6`, '0');
    set(`net/ipv6/conf/${host}/accept_dad`, '0');
    set(`net/ipv6/conf/${host}/proxy_ndp`, '1');
    set(`net/ipv6/conf/${host}/forwarding`, '1');
  }
  // Upstream only warns when this one fails (IPv6 may be disabled on the host).
  try { k.writeSysctl(`net/ipv6/conf/${host}/accept_ra`, '0'); } catch { /* IPv6 off */ }
}

/**
 * Deletes a host veth (and so its peer and routes); absent is fine, and costs
 * no spawn (a k8s DEL has usually removed it with the workload's interface).
 */
export async function deleteHostVeth(name: string, k: KernelShim = realKernel): Promise<void> {
  if (!k.hostLinkExists(name)) return;
  const r = await k.exec('ip', ['link', 'del', 'dev', name]);
  if (r.code !== 0 && !/Cannot find device|does not exist/i.test(r.stderr)) throw kernelError(`deleting ${name}`, r);
}

/**
 * cleanUpNamespace deletes the workload's interface inside its netns
 * (CleanUpNamespace). A missing netns path or device is not an error.
 */
export async function cleanUpNamespace(netns: string, ifName: string, k: KernelShim = realKernel): Promise<void> {
  if (netns === '' || !existsSync(netns)) return;
  const r = await k.exec('nsenter', [`--net=${netns}`, 'ip', 'link', 'del', 'dev', ifName]);
  if (r.code !== 0 && !/Cannot find device|does not exist/i.test(r.stderr)) throw kernelError(`deleting ${ifName} in ${netns}`, r);
}

interface IpAddrJson { ifname?: string; address?: string; operstate?: string; flags?: string[]; addr_info?: { local?: string; prefixlen?: number; family?: string }[] }
interface IpRouteJson { dst?: string; gateway?: string; dev?: string; scope?: string; table?: string }

function parseJsonLines<T>(text: string): T[][] {
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as T[]);
}

/**
 * Routes of the main table. (`ip route show table main root ::/0` lists no
 * IPv6 routes on iproute2 6.1, so the queries ask for all tables and the
 * main one is picked here: its entries carry no `table` field.)
 */
function mainTable<T extends { table?: string }>(routes: T[]): T[] {
  return routes.filter((r) => r.table === undefined || r.table === 'main');
}

function normDst(dst: string | undefined): string {
  if (!dst) return '';
  if (dst === 'default') return 'default';
  return dst.includes('/') ? dst : `${dst}/${ipFamily(dst) === 4 ? 32 : 128}`;
}

/**
 * checkNetworking verifies what doNetworking built (CNI CHECK): the workload
 * interface with each address and its default routes, the host veth up with
 * a route to each address. Throws CALICO_ERR_KERNEL describing the first gap.
 */
export async function checkNetworking(req: NetworkingRequest, k: KernelShim = realKernel): Promise<void> {
  const addresses = req.addresses.map(hostCidr);
  if (!existsSync(req.netns)) throw new CalicoError('CALICO_ERR_KERNEL', `netns ${req.netns} does not exist`);
  const cont = await inNetns(k, req.netns, req.ifName, [`addr show dev ${req.ifName}`, 'route show table all root 0.0.0.0/0', 'route show table all root ::/0'], [], true);
  if (cont.code !== 0) throw kernelError(`reading ${req.ifName} in ${req.netns}`, cont);
  const [addrs = [], routes4 = [], routes6 = []] = parseJsonLines<IpAddrJson & IpRouteJson>(cont.stdout);
  const link = addrs[0];
  if (!link) throw new CalicoError('CALICO_ERR_KERNEL', `interface ${req.ifName} not found in ${req.netns}`);
  if (req.containerMac && link.address?.toLowerCase() !== req.containerMac.toLowerCase()) {
    throw new CalicoError('CALICO_ERR_KERNEL', `${req.ifName} has MAC ${link.address ?? '?'}, expected ${req.containerMac}`);
  }
  const have = new Set((link.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`));
  for (const a of addresses) {
    if (!have.has(a)) throw new CalicoError('CALICO_ERR_KERNEL', `${req.ifName} in ${req.netns} lacks address ${a}`);
  }
  const contRoutes = mainTable([...routes4, ...routes6]);
  for (const fam of [4, 6] as const) {
    if (!addresses.some((a) => ipFamily(a) === fam)) continue;
    const gw = fam === 4 ? IPV4_GATEWAY : IPV6_GATEWAY;
    for (const dst of req.routes.filter((d) => ipFamily(d) === fam)) {
      const want = dst === '0.0.0.0/0' || dst === '::/0' ? 'default' : normDst(dst);
      if (!contRoutes.some((r) => normDst(r.dst) === want && r.gateway === gw && r.dev === req.ifName)) {
        throw new CalicoError('CALICO_ERR_KERNEL', `route ${dst} via ${gw} missing in ${req.netns}`);
      }
    }
  }
  const host = await k.exec('ip', ['-j', '-batch', '-'], { input: `link show dev ${req.hostVethName}\nroute show table all root 0.0.0.0/0 dev ${req.hostVethName}\nroute show table all root ::/0 dev ${req.hostVethName}\n` });
  if (host.code !== 0) throw kernelError(`host veth ${req.hostVethName}`, host);
  const [hl = [], hr4 = [], hr6 = []] = parseJsonLines<IpAddrJson & IpRouteJson>(host.stdout);
  const hostLink = hl[0];
  if (!hostLink || !(hostLink.flags ?? []).includes('UP')) throw new CalicoError('CALICO_ERR_KERNEL', `host veth ${req.hostVethName} is not up`);
  const hostDsts = new Set(mainTable([...hr4, ...hr6]).map((r) => normDst(r.dst)));
  for (const a of addresses) {
    if (!hostDsts.has(a)) throw new CalicoError('CALICO_ERR_KERNEL', `host route ${a} dev ${req.hostVethName} missing`);
  }
}
