/**
 * One BIRD 2 daemon per node: its config, control socket, pid file and log
 * live in the node's run directory; it runs inside the node's network
 * namespace when one is given. `apply(text)` writes the config only when
 * the text changed, checks it with `bird -p` first (a bad config never
 * replaces a good one), starts BIRD if needed and otherwise reloads it with
 * `birdc configure`, as confd does. A BIRD left running by an earlier agent
 * (its socket answers) is adopted, so an agent restart does not drop
 * sessions.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec } from '../lib/exec.js';
import { CalicoError } from '../lib/errors.js';
import { parseBirdProtocols, type BgpSession } from './birdc-status.js';

export const BIRD_BINARY = '/usr/sbin/bird';
export const BIRDC_BINARY = '/usr/sbin/birdc';

export const DEFAULT_RUN_DIR = '/var/run/calico';

function inodeOf(path: string): number | undefined {
  try { return statSync(path).ino; } catch { return undefined; }
}

/** The `ip netns` name of the namespace with this inode, if it has one. */
function netnsNameOf(ino: number): string | undefined {
  let names: string[];
  try { names = readdirSync('/run/netns'); } catch { return undefined; }
  return names.sort().find((n) => inodeOf(join('/run/netns', n)) === ino);
}

/**
 * Where a node's BIRD lives when $CALICO_RUN_DIR is not set: Calico's
 * /var/run/calico, except inside a named network namespace (`ip netns`,
 * several nodes on one machine as in the lab), where it is
 * /var/run/calico/netns/<name>, so two nodes never share one BIRD.
 * `calicoctl node status` run in the same namespace finds the same path.
 */
export function defaultBirdRunDir(netns?: string): string {
  if (netns) return join(DEFAULT_RUN_DIR, 'netns', netns);
  const mine = inodeOf('/proc/self/ns/net');
  const name = mine === undefined ? undefined : netnsNameOf(mine);
  return name ? join(DEFAULT_RUN_DIR, 'netns', name) : DEFAULT_RUN_DIR;
}

export interface BirdPaths {
  readonly config: string;
  readonly socket: string;
  readonly pidFile: string;
  readonly log: string;
  /** The node name of the BIRD behind the socket (guards against two nodes sharing a run dir). */
  readonly owner: string;
}

export function birdPaths(runDir: string): BirdPaths {
  return { config: join(runDir, 'bird.cfg'), socket: join(runDir, 'bird.ctl'), pidFile: join(runDir, 'bird.pid'), log: join(runDir, 'bird.log'), owner: join(runDir, 'bird.node') };
}

/** Runs birdc against a socket; CALICO_ERR_KERNEL when BIRD does not answer. */
export async function birdc(socket: string, args: readonly string[]): Promise<string> {
  const r = await exec(BIRDC_BINARY, ['-s', socket, ...args], { timeoutMs: 10_000 });
  if (r.code !== 0 || /Unable to connect|Cannot connect/i.test(r.stdout + r.stderr)) {
    throw new CalicoError('CALICO_ERR_KERNEL', `BIRD is not answering on ${socket}: ${(r.stderr || r.stdout).trim()}`);
  }
  return r.stdout;
}

/** BGP sessions as `birdc show protocols` reports them. */
export async function birdSessions(socket: string): Promise<BgpSession[]> {
  return parseBirdProtocols(await birdc(socket, ['show', 'protocols']));
}

/** True when the config binds BGP listening sockets to the node address (BGPConfiguration bindMode NodeIP). */
const strictBind = (text: string): boolean => /^\s*strict bind on;/m.test(text);

export class BirdDaemon {
  readonly paths: BirdPaths;
  private lastText: string | undefined;
  private pid: number | undefined;
  private exited: Promise<void> | undefined;

  /**
   * `removeOnStop`: delete the run directory after BIRD stops (for the
   * per-namespace default directories, which would otherwise pile up).
   */
  constructor(private readonly runDir: string, private readonly netns?: string, private readonly nodeName?: string,
    private readonly removeOnStop = false) {
    this.paths = birdPaths(runDir);
    mkdirSync(runDir, { recursive: true });
  }

  /** Makes BIRD run `text`; returns true when it (re)loaded. */
  async apply(text: string): Promise<boolean> {
    const running = await this.answering();
    if (running && text === this.lastText) return false;
    const tmp = `${this.paths.config}.new-${process.pid}`;
    writeFileSync(tmp, text);
    const check = await exec(BIRD_BINARY, ['-p', '-c', tmp], { timeoutMs: 10_000 });
    if (check.code !== 0) {
      throw new CalicoError('CALICO_ERR_CONFIG', `rendered BIRD config does not parse: ${(check.stderr || check.stdout).trim()}`);
    }
    const previous = running && existsSync(this.paths.config) ? readFileSync(this.paths.config, 'utf8') : undefined;
    renameSync(tmp, this.paths.config);
    if (running && previous !== undefined && strictBind(previous) !== strictBind(text) && this.pid !== undefined) {
      // bindMode changed. BIRD 2.0.12 opens the new listening socket while the old one is still bound: an
      // address bind and a wildcard bind of the same port collide (EADDRINUSE), leaving passive sessions
      // with "No listening socket". A restart rebinds cleanly (kernel routes persist meanwhile).
      const pid = this.pid;
      this.pid = undefined;
      await this.kill(pid);
      await this.start();
    } else if (running) {
      const out = await birdc(this.paths.socket, ['configure']);
      if (!/Reconfigur|Reconfiguration/i.test(out)) throw new CalicoError('CALICO_ERR_CONFIG', `birdc configure: ${out.trim()}`);
    } else {
      await this.start();
    }
    this.lastText = text;
    return true;
  }

  private async answering(): Promise<boolean> {
    if (!existsSync(this.paths.socket)) return false;
    try {
      await birdc(this.paths.socket, ['show', 'status']);
      const owner = existsSync(this.paths.owner) ? readFileSync(this.paths.owner, 'utf8').trim() : '';
      if (this.nodeName !== undefined && owner !== '' && owner !== this.nodeName) {
        throw new CalicoError('CALICO_ERR_CONFIG', `the BIRD on ${this.paths.socket} belongs to node ${owner}, not ${this.nodeName}: give each node its own CALICO_RUN_DIR`);
      }
      if (this.pid === undefined && existsSync(this.paths.pidFile)) {
        const pid = Number.parseInt(readFileSync(this.paths.pidFile, 'utf8').trim(), 10);
        if (Number.isInteger(pid) && pid > 0) this.pid = pid; // adopted from an earlier agent
      }
      return true;
    } catch (e) {
      if (e instanceof CalicoError && e.code === 'CALICO_ERR_CONFIG') throw e;
      return false;
    }
  }

  private async start(): Promise<void> {
    rmSync(this.paths.socket, { force: true });
    const args = ['-f', '-c', this.paths.config, '-s', this.paths.socket, '-P', this.paths.pidFile];
    const [cmd, argv] = this.netns ? ['ip', ['netns', 'exec', this.netns, BIRD_BINARY, ...args]] : [BIRD_BINARY, args];
    if (this.nodeName !== undefined) writeFileSync(this.paths.owner, `${this.nodeName}\n`);
    const fd = openSync(this.paths.log, 'a');
    const child = spawn(cmd, argv, { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    this.pid = child.pid;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.once('exit', () => { if (this.pid === child.pid) this.pid = undefined; });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (await this.answering()) return;
      if (this.pid === undefined) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const log = existsSync(this.paths.log) ? readFileSync(this.paths.log, 'utf8').split('\n').slice(-5).join('\n') : '';
    throw new CalicoError('CALICO_ERR_KERNEL', `BIRD did not start (see ${this.paths.log}): ${log.trim()}`);
  }

  async sessions(): Promise<BgpSession[]> {
    return birdSessions(this.paths.socket);
  }

  /** Stops the BIRD this object started or adopted (by its PID) and waits for it. */
  async stop(): Promise<void> {
    const pid = this.pid;
    this.pid = undefined;
    this.lastText = undefined;
    if (pid !== undefined) await this.kill(pid);
    if (this.removeOnStop) rmSync(this.runDir, { recursive: true, force: true });
  }

  private async kill(pid: number): Promise<void> {
    try { process.kill(pid, 'SIGTERM'); } catch { return; }
    if (this.exited) {
      await Promise.race([this.exited, new Promise((r) => setTimeout(r, 5000))]);
      return;
    }
    for (let i = 0; i < 50; i++) {
      try { process.kill(pid, 0); } catch { return; }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
