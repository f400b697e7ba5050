/**
 * The FALLBACK routing between nodes (until calico-node's VXLAN/BGP routing
 * is used with `--network vxlan|bgp`): all nodes share one L2 underlay, and
 * every node gets a static route for each block affine to another node, via
 * that node's underlay address. Derived from the BlockAffinity objects in
 * the datastore, so it follows IPAM exactly. The routes carry their own
 * protocol number (LAB_ROUTE_PROTO), so a sync replaces only the lab's own
 * routes and never Felix's (proto 80) or the CNI plugin's.
 */
import type { Datastore } from '../datastore/datastore.js';
import { exec } from '../lib/exec.js';
import { CalicoError } from '../lib/errors.js';
import type { LabState } from './lab-state.js';

export const LAB_ROUTE_PROTO = '201';

interface AffinityValue { spec?: { node?: string; cidr?: string; state?: string; deleted?: boolean } }

/** block CIDR -> owning node, for blocks affine to nodes of this lab. */
export async function blockOwners(ds: Datastore, state: LabState): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const names = new Set(state.nodes.map((n) => n.name));
  for (const e of (await ds.list({ kind: 'BlockAffinity' })).items) {
    const spec = (e.value as AffinityValue).spec ?? {};
    if (!spec.cidr || !spec.node || !names.has(spec.node) || spec.deleted || spec.state === 'pendingDeletion') continue;
    out.set(spec.cidr, spec.node);
  }
  return out;
}

async function currentLabRoutes(netns: string, family: '-4' | '-6'): Promise<Map<string, string>> {
  const r = await exec('ip', [family, '-n', netns, '-j', 'route', 'show', 'proto', LAB_ROUTE_PROTO]);
  if (r.code !== 0) throw new CalicoError('CALICO_ERR_KERNEL', `ip route show in ${netns}: ${r.stderr.trim()}`);
  const out = new Map<string, string>();
  for (const rt of JSON.parse(r.stdout || '[]') as { dst: string; gateway?: string }[]) out.set(rt.dst, rt.gateway ?? '');
  return out;
}

/** Makes every node's lab routes exactly the remote nodes' blocks; returns how many routes changed. */
export async function syncStaticRoutes(ds: Datastore, state: LabState): Promise<number> {
  if (state.network !== 'static') return 0;
  const owners = await blockOwners(ds, state);
  let changed = 0;
  for (const node of state.nodes) {
    for (const family of ['-4', '-6'] as const) {
      if (family === '-6' && !state.ipv6) continue;
      const want = new Map<string, string>();
      for (const [cidr, owner] of owners) {
        const isV6 = cidr.includes(':');
        if (owner === node.name || isV6 !== (family === '-6')) continue;
        const via = state.nodes.find((n) => n.name === owner);
        const gw = isV6 ? via?.underlayIPv6 : via?.underlayIPv4;
        if (gw) want.set(normalise(cidr), gw);
      }
      const have = await currentLabRoutes(node.netns, family);
      for (const [dst, gw] of want) {
        if (have.get(dst) === gw) continue;
        await ipRoute(node.netns, family, ['replace', dst, 'via', gw, 'dev', 'eth0', 'proto', LAB_ROUTE_PROTO]);
        changed++;
      }
      for (const dst of have.keys()) {
        if (want.has(dst)) continue;
        await ipRoute(node.netns, family, ['del', dst, 'proto', LAB_ROUTE_PROTO]);
        changed++;
      }
    }
  }
  return changed;
}

/** `ip -j route` prints a host route without its /32 or /128; blocks are never host routes, but keep keys comparable. */
function normalise(cidr: string): string {
  return cidr.endsWith('/32') || cidr.endsWith('/128') ? cidr.split('/')[0]! : cidr;
}

async function ipRoute(netns: string, family: '-4' | '-6', args: readonly string[]): Promise<void> {
  const r = await exec('ip', [family, '-n', netns, 'route', ...args]);
  if (r.code !== 0) throw new CalicoError('CALICO_ERR_KERNEL', `ip route ${args.join(' ')} in ${netns}: ${r.stderr.trim()}`);
}

/**
 * Remote blocks a node has no route for yet (`node: cidr`), whatever made the
 * route (our static ones, VXLAN via vxlan.calico, BIRD): what `up` and
 * `apply` wait on before calling the lab ready, since BGP sessions take a
 * few seconds to come up after the agents start.
 */
export async function missingInterNodeRoutes(ds: Datastore, state: LabState): Promise<string[]> {
  const owners = await blockOwners(ds, state);
  const missing: string[] = [];
  for (const node of state.nodes) {
    for (const [cidr, owner] of owners) {
      if (owner === node.name) continue;
      const isV6 = cidr.includes(':');
      if (isV6 && !state.ipv6) continue;
      const r = await exec('ip', [isV6 ? '-6' : '-4', '-n', node.netns, '-j', 'route', 'show', 'exact', cidr]);
      const routes = r.code === 0 ? JSON.parse(r.stdout || '[]') as { type?: string }[] : [];
      if (!routes.some((rt) => rt.type === undefined || rt.type === 'unicast')) missing.push(`${node.name}: ${cidr}`);
    }
  }
  return missing;
}

export async function waitInterNodeRoutes(ds: Datastore, state: LabState, timeoutMs: number, aborted: () => boolean = () => false): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (aborted()) throw new CalicoError('CALICO_ERR_USAGE', 'interrupted');
    const missing = await missingInterNodeRoutes(ds, state);
    if (missing.length === 0) return;
    if (Date.now() >= deadline) {
      throw new CalicoError('CALICO_ERR_KERNEL', `timed out after ${timeoutMs} ms waiting for routes between nodes (network ${state.network}): missing ${missing.join(', ')}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
