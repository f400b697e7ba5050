/**
 * `calico-lab probe`: real connection attempts from each source pod's netns
 * to each destination pod's IP, one prober process per source pod, all in
 * parallel (dist/lab/prober-main.js). Pairs are ordered; a pod is not probed
 * against itself unless named as both --from and --to.
 */
import { isIPv6 } from 'node:net';
import { exec } from '../lib/exec.js';
import { CalicoError } from '../lib/errors.js';
import { PROBER } from './lab-paths.js';
import type { LabPod, LabState } from './lab-state.js';
import type { ProbeOutcome, ProbeTarget } from './prober-main.js';

export type ProbeProtocol = 'TCP' | 'UDP';

export interface ProbeOptions {
  readonly port: number;
  readonly protocol: ProbeProtocol;
  /** `ns/pod` filters; absent = every pod. */
  readonly from?: readonly string[];
  readonly to?: readonly string[];
  readonly timeoutMs?: number;
  /** Probe destinations' IPv6 addresses instead of IPv4. */
  readonly ipv6?: boolean;
}

export interface ProbeResult {
  readonly from: string;
  readonly to: string;
  readonly port: number;
  readonly protocol: ProbeProtocol;
  readonly connected: boolean;
  /** The destination address tried. */
  readonly ip: string;
}

export const podId = (p: Pick<LabPod, 'namespace' | 'name'>): string => `${p.namespace}/${p.name}`;

function select(state: LabState, ids: readonly string[] | undefined, flag: string): LabPod[] {
  if (ids === undefined || ids.length === 0) return state.pods;
  return ids.map((id) => {
    const p = state.pods.find((x) => podId(x) === id);
    if (!p) throw new CalicoError('CALICO_ERR_NOT_FOUND', `${flag} ${id}: no such pod in lab ${state.name} (pods: ${state.pods.map(podId).join(', ') || 'none'})`);
    return p;
  });
}

export async function probeLab(state: LabState, opts: ProbeOptions): Promise<ProbeResult[]> {
  if (!Number.isInteger(opts.port) || opts.port < 1 || opts.port > 65535) throw new CalicoError('CALICO_ERR_USAGE', '--port: must be 1-65535');
  const sources = select(state, opts.from, '--from');
  const dests = select(state, opts.to, '--to');
  const explicitSelf = (opts.from?.length ?? 0) > 0 && (opts.to?.length ?? 0) > 0;
  const timeoutMs = opts.timeoutMs ?? 1000;
  const perSource = await Promise.all(sources.map(async (src): Promise<ProbeResult[]> => {
    const targets: ProbeTarget[] = [];
    for (const d of dests) {
      if (d === src && !explicitSelf) continue;
      const ip = d.ips.find((a) => isIPv6(a) === (opts.ipv6 === true));
      if (ip === undefined) continue;
      targets.push({ to: podId(d), ip, port: opts.port, protocol: opts.protocol });
    }
    if (targets.length === 0) return [];
    const r = await exec('ip', ['netns', 'exec', src.netns, process.execPath, PROBER], {
      input: JSON.stringify({ timeoutMs, targets }), timeoutMs: timeoutMs + 15_000,
    });
    if (r.code !== 0) throw new CalicoError('CALICO_ERR_KERNEL', `prober in ${podId(src)} failed: ${r.stderr.trim()}`);
    const outcomes = JSON.parse(r.stdout) as ProbeOutcome[];
    return outcomes.map((o) => ({ from: podId(src), to: o.to, port: o.port, protocol: o.protocol, connected: o.connected, ip: o.ip }));
  }));
  return perSource.flat();
}

/** Reachability matrix: rows are sources, columns destinations; `.` connected, `X` not, `-` not probed. */
export function renderMatrix(results: readonly ProbeResult[]): string {
  const rows = [...new Set(results.map((r) => r.from))];
  const cols = [...new Set(results.map((r) => r.to))];
  const all = [...new Set([...rows, ...cols])].sort();
  const cell = new Map(results.map((r) => [`${r.from}|${r.to}`, r.connected ? '.' : 'X']));
  const width = Math.max('from \\ to'.length, ...all.map((s) => s.length));
  const colW = all.map((c) => Math.max(1, c.length));
  const lines = [['from \\ to'.padEnd(width), ...all.map((c, i) => c.padEnd(colW[i]!))].join('  ')];
  for (const r of all) {
    if (!rows.includes(r)) continue;
    lines.push([r.padEnd(width), ...all.map((c, i) => (cell.get(`${r}|${c}`) ?? '-').padEnd(colW[i]!))].join('  ').trimEnd());
  }
  const ok = results.filter((r) => r.connected).length;
  const head = results[0] ? `${results[0].protocol}/${results[0].port}` : '';
  lines.push(`${head}: ${ok}/${results.length} connected ('.' connected, 'X' blocked, '-' not probed)`);
  return `${lines.join('\n')}\n`;
}
