/**
 * `calicoctl node status`: as upstream's node/status.go, reports whether
 * the calico-node agent runs and, when BIRD runs, the IPv4 and IPv6 BGP
 * sessions from `birdc show protocols` in calicoctl's bordered table.
 * The BIRD control socket is --bird-socket, else $CALICO_BIRD_SOCKET, else
 * $CALICO_RUN_DIR/bird.ctl, else routing's default run directory
 * (/var/run/calico/bird.ctl in the host's network namespace; in another
 * namespace, e.g. `ip netns exec <lab node> calicoctl node status`,
 * /var/run/calico/netns/<name>/bird.ctl).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { CtlContext } from '../context.js';
import { birdSessions, defaultBirdRunDir, type BgpSession } from '../../bgp/index.js';
import { CommandFailed } from './report.js';

/** olekukonko/tablewriter as calicoctl uses it: borders, centred upper-case headers, cells left-aligned. */
export function renderBorderedTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const sep = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const head = `|${headers.map((h, i) => {
    const pad = widths[i]! - h.length;
    const left = Math.floor(pad / 2);
    return ` ${' '.repeat(left)}${h}${' '.repeat(pad - left)} `;
  }).join('|')}|`;
  const body = rows.map((r) => `|${r.map((c, i) => ` ${c.padEnd(widths[i]!)} `).join('|')}|`);
  return [sep, head, sep, ...body, sep].join('\n') + '\n';
}

/** One family's section: "IPv4 BGP status" and the table, or "No IPv4 peers found.". */
export function renderPeerSection(sessions: readonly BgpSession[], version: 4 | 6): string {
  const mine = sessions.filter((s) => s.ipVersion === version);
  let out = `\nIPv${version} BGP status\n`;
  if (mine.length === 0) return `${out}No IPv${version} peers found.\n`;
  out += renderBorderedTable(['PEER ADDRESS', 'PEER TYPE', 'STATE', 'SINCE', 'INFO'],
    mine.map((s) => [s.peerAddress, s.peerType, s.state, s.since, s.info]));
  return out;
}

export function birdSocketPath(env: NodeJS.ProcessEnv, flag?: string, runDir: () => string = () => defaultBirdRunDir()): string {
  return flag ?? env['CALICO_BIRD_SOCKET'] ?? join(env['CALICO_RUN_DIR'] ?? runDir(), 'bird.ctl');
}

/** True when a calico-node agent process runs on this host (its command line names calico-node). */
export function agentRunning(procDir = '/proc'): boolean {
  let pids: string[];
  try { pids = readdirSync(procDir).filter((p) => /^\d+$/.test(p)); } catch { return false; }
  for (const pid of pids) {
    try {
      const cmd = readFileSync(join(procDir, pid, 'cmdline'), 'utf8');
      if (cmd.split('\0').some((a) => /(^|\/)calico-node(\.js)?$/.test(a))) return true;
    } catch { /* gone */ }
  }
  return false;
}

export interface NodeStatusDeps {
  readonly sessions: (socket: string) => Promise<BgpSession[]>;
  readonly agentRunning: () => boolean;
  readonly isRoot: () => boolean;
}

const realDeps: NodeStatusDeps = { sessions: birdSessions, agentRunning: () => agentRunning(), isRoot: () => process.getuid?.() === 0 };

export async function nodeStatus(ctx: CtlContext, socket: string, deps: NodeStatusDeps = realDeps): Promise<void> {
  // Upstream prints these on stdout and exits 1; main also reports the failure on stderr.
  if (!deps.isRoot()) {
    ctx.stdout('This command must be run as root.\n');
    throw new CommandFailed('This command must be run as root.');
  }
  let sessions: BgpSession[] | undefined;
  try { sessions = await deps.sessions(socket); } catch { sessions = undefined; }
  if (sessions === undefined && !deps.agentRunning()) {
    ctx.stdout('Calico process is not running.\n');
    throw new CommandFailed('Calico process is not running.');
  }
  ctx.stdout('Calico process is running.\n');
  if (sessions === undefined) {
    ctx.stdout('\nNone of the BGP backend processes (BIRD or GoBGP) are running.\n');
    return;
  }
  ctx.stdout(renderPeerSection(sessions, 4));
  ctx.stdout(renderPeerSection(sessions, 6));
  ctx.stdout('\n');
}

export function registerNodeCommand(program: Command, ctx: CtlContext): void {
  const node = program.command('node').description('Calico node management: status of the node\'s BGP sessions.');
  node.command('status')
    .description('View the current status of a Calico node.')
    .option('--bird-socket <PATH>', 'BIRD control socket (default $CALICO_BIRD_SOCKET, $CALICO_RUN_DIR/bird.ctl, /var/run/calico/bird.ctl).')
    .action(async (opts: { birdSocket?: string }) => {
      await nodeStatus(ctx, birdSocketPath(ctx.env ?? process.env, opts.birdSocket));
    });
}
