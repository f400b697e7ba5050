import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { CalicoError } from '../../../lib/errors.js';
import type { Exec } from '../../kernel/exec-shim.js';
import { canonicalAddr, canonicalIpText } from '../ip-canon.js';

/**
 * Felix marks the routes it programs with `proto 80` (RTPROT 80, its
 * "felix" protocol in /etc/iproute2/rt_protos.d); we use the same number so
 * a fresh agent recognises its routes and never touches others.
 */
export const CALICO_ROUTE_PROTOCOL = 80;

/** One route through an interface (to a local workload, or via a gateway such as a VXLAN peer). */
export interface Route {
  /** Destination CIDR; a bare address means /32 or /128. */
  readonly dst: string;
  readonly gateway?: string;
  readonly onlink?: boolean;
  readonly src?: string;
}

export interface RouteTableOptions {
  readonly ipVersion: 4 | 6;
  readonly exec: Exec;
  /** Route protocol marking our routes (default 80). */
  readonly protocol?: number;
  /** Routing table (default `main`). */
  readonly table?: string;
}

export interface RouteApplyResult {
  readonly commands: number;
  /** Destinations whose command failed (e.g. the interface does not exist yet); retried next apply. */
  readonly failed: readonly string[];
  /** Destinations skipped because a route of another owner holds them. */
  readonly conflicts: readonly string[];
  readonly readKernel: boolean;
  readonly durationMs: number;
}

interface Target { readonly dev: string; readonly route: Route }
interface KernelRoute { readonly dev: string; readonly gateway?: string; readonly onlink: boolean; readonly src?: string }

/** Canonical destination as `ip -j route` prints it (host routes without /32 or /128). */
export function canonicalDst(dst: string): string {
  if (dst === 'default') return dst;
  if (/\/0$/.test(dst)) return 'default';
  return canonicalIpText(dst);
}

function sameRoute(k: KernelRoute | undefined, t: Target): boolean {
  return !!k && k.dev === t.dev && (k.gateway ?? '') === (t.route.gateway ? canonicalAddr(t.route.gateway) : '') &&
    k.onlink === !!t.route.onlink && (k.src ?? '') === (t.route.src ? canonicalAddr(t.route.src) : '');
}

/**
 * RouteTable keeps the routes of our protocol in one routing table equal to
 * the desired per-interface routes, like Felix's routetable: read with
 * `ip -j route show table T`, apply with one `ip -force -batch -`, mark and
 * sweep (any route of our protocol that is not desired is deleted, with
 * `proto` in the delete so only ours can match). Routes of other protocols
 * are never changed: a desired destination already held by one is reported
 * as a conflict instead of replaced. When two interfaces claim the same
 * destination the lexically first interface wins (deterministic).
 */
export class RouteTable {
  private readonly exec: Exec;
  readonly ipVersion: 4 | 6;
  readonly protocol: number;
  readonly table: string;
  private readonly byIface = new Map<string, Map<string, Route>>();
  private kernel: { ours: Map<string, KernelRoute>; foreign: Set<string> } | undefined;
  private dirty = new Set<string>();
  /** The last batch sent (for logs and tests). */
  lastBatch = '';

  constructor(opts: RouteTableOptions) {
    this.exec = opts.exec;
    this.ipVersion = opts.ipVersion;
    this.protocol = opts.protocol ?? CALICO_ROUTE_PROTOCOL;
    this.table = opts.table ?? 'main';
  }

  /** Replaces all desired routes through one interface. */
  setRoutes(iface: string, routes: readonly Route[]): void {
    const old = this.byIface.get(iface);
    for (const d of old?.keys() ?? []) this.dirty.add(d);
    const next = new Map<string, Route>();
    for (const r of routes) {
      const v = isIP(r.dst.split('/')[0] ?? '');
      if (v !== this.ipVersion && r.dst !== 'default') {
        throw new CalicoError('CALICO_ERR_VALIDATION', `route ${r.dst} is not IPv${this.ipVersion}`);
      }
      const d = canonicalDst(r.dst);
      next.set(d, r);
      this.dirty.add(d);
    }
    if (next.size) this.byIface.set(iface, next); else this.byIface.delete(iface);
  }

  removeInterface(iface: string): void {
    this.setRoutes(iface, []);
  }

  invalidate(): void { this.kernel = undefined; }

  async resync(): Promise<RouteApplyResult> {
    this.kernel = undefined;
    return this.apply();
  }

  private target(dst: string): Target | undefined {
    let best: Target | undefined;
    for (const [dev, routes] of this.byIface) {
      const r = routes.get(dst);
      if (r && (!best || dev < best.dev)) best = { dev, route: r };
    }
    return best;
  }

  private async read(): Promise<{ ours: Map<string, KernelRoute>; foreign: Set<string> }> {
    const r = await this.exec.run('ip', [`-${this.ipVersion}`, '-N', '-j', 'route', 'show', 'table', this.table]);
    if (r.code !== 0) throw new CalicoError('CALICO_ERR_KERNEL', `ip route show failed: ${r.stderr.trim()}`);
    const list = JSON.parse(r.stdout || '[]') as Record<string, unknown>[];
    const ours = new Map<string, KernelRoute>(); const foreign = new Set<string>();
    for (const e of list) {
      if (e['type'] !== undefined && e['type'] !== 'unicast') continue;
      const dst = canonicalDst(String(e['dst']));
      if (String(e['protocol'] ?? 'boot') !== String(this.protocol)) { foreign.add(dst); continue; }
      const flags = (e['flags'] as string[] | undefined) ?? [];
      ours.set(dst, {
        dev: String(e['dev']), onlink: flags.includes('onlink'),
        ...(e['gateway'] === undefined ? {} : { gateway: canonicalAddr(String(e['gateway'])) }),
        ...(e['prefsrc'] === undefined ? {} : { src: canonicalAddr(String(e['prefsrc'])) }),
      });
      this.dirty.add(dst);
    }
    for (const routes of this.byIface.values()) for (const d of routes.keys()) this.dirty.add(d);
    const k = { ours, foreign };
    this.kernel = k;
    return k;
  }

  async apply(): Promise<RouteApplyResult> {
    const t0 = performance.now();
    const readKernel = !this.kernel;
    const k = this.kernel ?? (await this.read());
    const lines: string[] = []; const lineDst: string[] = []; const conflicts: string[] = [];
    const commits = new Map<string, () => void>();
    const P = `proto ${this.protocol} table ${this.table}`;
    for (const dst of [...this.dirty].sort()) {
      const t = this.target(dst); const have = k.ours.get(dst);
      if (!t) {
        if (have) {
          lines.push(`route del ${dst} dev ${have.dev} ${P}`); lineDst.push(dst);
          commits.set(dst, () => { k.ours.delete(dst); });
        }
        continue;
      }
      if (sameRoute(have, t)) continue;
      if (!have && k.foreign.has(dst)) { conflicts.push(dst); continue; }
      const r = t.route;
      let line = `route replace ${dst} dev ${t.dev} ${P}`;
      line += r.gateway ? ` via ${r.gateway}${r.onlink ? ' onlink' : ''}` : ' scope link';
      if (r.src) line += ` src ${r.src}`;
      lines.push(line); lineDst.push(dst);
      commits.set(dst, () => {
        k.ours.set(dst, { dev: t.dev, onlink: !!r.onlink, ...(r.gateway ? { gateway: canonicalAddr(r.gateway) } : {}), ...(r.src ? { src: canonicalAddr(r.src) } : {}) });
      });
    }
    this.dirty = new Set(conflicts);
    const failed: string[] = [];
    if (lines.length) {
      this.lastBatch = `${lines.join('\n')}\n`;
      const res = await this.exec.run('ip', [`-${this.ipVersion}`, '-force', '-batch', '-'], this.lastBatch);
      const bad = new Set<number>();
      for (const m of res.stderr.matchAll(/Command failed -:(\d+)/g)) bad.add(Number(m[1]) - 1);
      if (res.code !== 0 && bad.size === 0) {
        this.kernel = undefined;
        throw new CalicoError('CALICO_ERR_KERNEL', `ip -batch failed: ${res.stderr.trim().slice(0, 2000)}`);
      }
      lineDst.forEach((dst, i) => {
        if (bad.has(i)) { failed.push(dst); this.dirty.add(dst); } else commits.get(dst)?.();
      });
    }
    return { commands: lines.length, failed, conflicts, readKernel, durationMs: performance.now() - t0 };
  }
}
