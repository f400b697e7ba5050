/**
 * Programs a VxlanPlan into the kernel (optionally inside a network
 * namespace): the vxlan.calico device, its VTEP address, ARP (neigh) and
 * FDB entries, and routes marked with our own protocol (VXLAN_ROUTE_PROTO).
 * Read, diff, apply; only our device's entries and our protocol's routes are
 * ever removed.
 */
import { exec, execChecked } from '../lib/exec.js';
import { CalicoError } from '../lib/errors.js';
import type { PlannedRoute, VxlanPlan } from './vxlan-plan.js';
import { vxlanDevice } from './vxlan-plan.js';

/**
 * Route protocol of routing's routes. Not Felix's 80: the dataplane's
 * RouteTable sweeps every proto-80 route in table main, so ours must differ.
 */
export const VXLAN_ROUTE_PROTO = 81;

export interface VxlanDeviceParams {
  readonly vni: number;
  readonly port: number;
  readonly mtu: number;
  readonly mac: string;
  /** Our VTEP address (no prefix). */
  readonly address: string;
  readonly parentInterface: string;
  readonly localUnderlayIp: string;
  /** 4: vxlan.calico over IPv4; 6: vxlan-v6.calico over IPv6. */
  readonly family: 4 | 6;
}

export class VxlanKernel {
  constructor(private readonly netns?: string) {}

  private ipArgs(args: readonly string[]): string[] {
    return this.netns ? ['-n', this.netns, ...args] : [...args];
  }

  private async ip(args: readonly string[]): Promise<string> {
    return execChecked('ip', this.ipArgs(args));
  }

  private async ipJson<T>(args: readonly string[]): Promise<T[]> {
    const r = await exec('ip', this.ipArgs(['-j', ...args]));
    if (r.code !== 0) return [];
    return JSON.parse(r.stdout.trim() || '[]') as T[];
  }

  /** Creates or fixes the VXLAN device; recreates it when VNI, port, parent or local address differ. */
  async ensureDevice(p: VxlanDeviceParams): Promise<void> {
    const dev = vxlanDevice(p.family);
    const plen = p.family === 4 ? 32 : 128;
    const fam = p.family === 4 ? 'inet' : 'inet6';
    type Link = { ifname: string; mtu: number; address: string; operstate: string; flags?: string[];
      linkinfo?: { info_data?: { id?: number; port?: number; local?: string; local6?: string; link?: string } } };
    const links = await this.ipJson<Link>(['-d', 'link', 'show', 'dev', dev]);
    const cur = links[0];
    const data = cur?.linkinfo?.info_data;
    const parents = await this.ipJson<{ ifindex: number; ifname: string }>(['link', 'show', 'dev', p.parentInterface]);
    if (parents.length === 0) throw new CalicoError('CALICO_ERR_KERNEL', `underlay interface ${p.parentInterface} not found`);
    const stale = cur && (data?.id !== p.vni || data?.port !== p.port || (data?.local ?? data?.local6) !== p.localUnderlayIp);
    if (stale) await this.ip(['link', 'del', dev]);
    if (!cur || stale) {
      await this.ip(['link', 'add', dev, 'mtu', String(p.mtu), 'address', p.mac, 'type', 'vxlan', 'id', String(p.vni),
        'dstport', String(p.port), 'local', p.localUnderlayIp, 'dev', p.parentInterface, 'nolearning']);
    } else {
      if (cur.mtu !== p.mtu) await this.ip(['link', 'set', dev, 'mtu', String(p.mtu)]);
      if (cur.address.toLowerCase() !== p.mac) await this.ip(['link', 'set', dev, 'address', p.mac]);
    }
    type Addr = { addr_info: { family: string; local: string; prefixlen: number; scope?: string }[] };
    const addrs = ((await this.ipJson<Addr>(['addr', 'show', 'dev', dev]))[0]?.addr_info ?? []).filter((a) => a.family === fam && a.scope !== 'link');
    for (const a of addrs) {
      if (!(a.local === p.address && a.prefixlen === plen)) await this.ip(['addr', 'del', `${a.local}/${a.prefixlen}`, 'dev', dev]);
    }
    if (!addrs.some((a) => a.local === p.address && a.prefixlen === plen)) {
      await this.ip(['addr', 'add', `${p.address}/${plen}`, 'dev', dev, ...(p.family === 6 ? ['nodad'] : [])]);
    }
    await this.ip(['link', 'set', dev, 'up']);
  }

  async removeDevice(family: 4 | 6 = 4): Promise<void> {
    const dev = vxlanDevice(family);
    const links = await this.ipJson<{ ifname: string }>(['link', 'show', 'dev', dev]);
    if (links.length > 0) await this.ip(['link', 'del', dev]);
  }

  /** Makes neighbour (ARP/NDP) and FDB entries on the family's VXLAN device exactly the plan's neighbours. */
  async syncNeighbors(plan: VxlanPlan, family: 4 | 6 = 4): Promise<number> {
    const dev = vxlanDevice(family);
    let changes = 0;
    type Neigh = { dst: string; lladdr?: string; state?: string[] };
    const want = new Map(plan.neighbors.map((n) => [n.ip, n.mac]));
    for (const n of await this.ipJson<Neigh>([`-${family}`, 'neigh', 'show', 'dev', dev])) {
      if (want.get(n.dst) !== n.lladdr?.toLowerCase()) { await exec('ip', this.ipArgs(['neigh', 'del', n.dst, 'dev', dev])); changes++; }
      else want.delete(n.dst);
    }
    for (const [ip, mac] of want) { await this.ip(['neigh', 'replace', ip, 'lladdr', mac, 'dev', dev, 'nud', 'permanent']); changes++; }

    type Fdb = { mac: string; dst?: string; ifname?: string };
    const wantFdb = new Map(plan.neighbors.map((n) => [n.mac, n.underlayIp]));
    const bridge = (args: readonly string[]): string[] => (this.netns ? ['-n', this.netns, ...args] : [...args]);
    const r = await exec('bridge', bridge(['-j', 'fdb', 'show', 'dev', dev]));
    const fdb = r.code === 0 ? (JSON.parse(r.stdout.trim() || '[]') as Fdb[]) : [];
    for (const f of fdb) {
      if (!f.dst) continue; // the device's own entries
      const mac = f.mac.toLowerCase();
      if (wantFdb.get(mac) === f.dst) { wantFdb.delete(mac); continue; }
      await exec('bridge', bridge(['fdb', 'del', mac, 'dev', dev, 'dst', f.dst]));
      changes++;
    }
    for (const [mac, dst] of wantFdb) {
      await execChecked('bridge', bridge(['fdb', 'replace', mac, 'dev', dev, 'dst', dst, 'self', 'permanent']));
      changes++;
    }
    return changes;
  }

  /** Makes our-protocol routes of the family in table main exactly `routes`; returns how many commands ran. */
  async syncRoutes(routes: readonly PlannedRoute[], family: 4 | 6 = 4): Promise<number> {
    type KRoute = { dst: string; gateway?: string; dev?: string; flags?: string[] };
    const have = new Map<string, KRoute>();
    for (const r of await this.ipJson<KRoute>([`-${family}`, 'route', 'show', 'table', 'main', 'proto', String(VXLAN_ROUTE_PROTO)])) have.set(r.dst, r);
    let changes = 0;
    const wanted = new Set<string>();
    for (const r of routes) {
      wanted.add(r.dst);
      const k = have.get(r.dst);
      if (k && k.gateway === r.gateway && k.dev === r.dev && (k.flags ?? []).includes('onlink') === r.onlink) continue;
      const args = [`-${family}`, 'route', 'replace', r.dst, 'via', r.gateway, 'dev', r.dev, 'proto', String(VXLAN_ROUTE_PROTO)];
      if (r.onlink) args.push('onlink');
      await this.ip(args);
      changes++;
    }
    for (const dst of have.keys()) {
      if (wanted.has(dst)) continue;
      await exec('ip', this.ipArgs([`-${family}`, 'route', 'del', dst, 'proto', String(VXLAN_ROUTE_PROTO)]));
      changes++;
    }
    return changes;
  }
}

/** The MTU of an interface (in the namespace), or undefined. */
export async function interfaceMtu(ifname: string, netns?: string): Promise<number | undefined> {
  const r = await exec('ip', [...(netns ? ['-n', netns] : []), '-j', 'link', 'show', 'dev', ifname]);
  if (r.code !== 0) return undefined;
  const l = (JSON.parse(r.stdout.trim() || '[]') as { mtu?: number }[])[0];
  return l?.mtu;
}

/**
 * The interface holding `ip` (an underlay address), else the default route's
 * device, else undefined.
 */
export async function findUnderlayInterface(ip: string | undefined, netns?: string): Promise<string | undefined> {
  const pre = netns ? ['-n', netns] : [];
  if (ip) {
    const r = await exec('ip', [...pre, '-j', 'addr', 'show']);
    if (r.code === 0) {
      for (const l of JSON.parse(r.stdout.trim() || '[]') as { ifname: string; addr_info?: { local: string }[] }[]) {
        if ((l.addr_info ?? []).some((a) => a.local === ip)) return l.ifname;
      }
    }
  }
  const d = await exec('ip', [...pre, '-4', '-j', 'route', 'show', 'default']);
  if (d.code === 0) {
    const first = (JSON.parse(d.stdout.trim() || '[]') as { dev?: string }[])[0];
    if (first?.dev) return first.dev;
  }
  return undefined;
}
