/**
 * Processes the lab starts inside its netns (agents, pod servers, probers),
 * each by `ip netns exec <netns> <cmd>` (ip execs in place, so the PID is the
 * command's own). Long-lived ones are detached (own process group, so a
 * Ctrl-C to `calico-lab up` reaches only `up`, whose cleanup stops them) and
 * log to a file in the lab's state dir. They are stopped only by their PID,
 * and only after checking /proc/<pid>/cmdline still names what we started.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { CalicoError } from '../lib/errors.js';

export interface DetachedOptions {
  /** Run inside this netns (`ip netns exec`); absent = in the caller's netns. */
  readonly netns?: string;
  readonly cwd?: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly logFile: string;
  /** Resolve only when the process prints this line on stdout (e.g. "ready"); otherwise at spawn. */
  readonly readyLine?: string;
  readonly readyTimeoutMs?: number;
}

/** Starts a detached process in a netns; resolves with its PID (after its ready line, when asked). */
export function spawnDetached(opts: DetachedOptions): Promise<number> {
  const log = openSync(opts.logFile, 'a');
  try {
    const [cmd, args] = opts.netns !== undefined
      ? ['ip', ['netns', 'exec', opts.netns, opts.command, ...opts.args]] as const
      : [opts.command, opts.args] as const;
    const where = opts.netns ?? 'the host netns';
    const child = spawn(cmd, args, {
      detached: true,
      ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
      stdio: ['ignore', opts.readyLine !== undefined ? 'pipe' : log, log],
      env: { ...process.env, ...opts.env },
    });
    const pid = child.pid;
    if (pid === undefined) {
      return Promise.reject(new CalicoError('CALICO_ERR_KERNEL', `cannot start ${opts.command} in ${where}`));
    }
    child.unref();
    if (opts.readyLine === undefined) return Promise.resolve(pid);
    const stdout = child.stdout!;
    return new Promise<number>((resolve, reject) => {
      let buf = '';
      const fail = (why: string): void => {
        clearTimeout(timer);
        stdout.destroy();
        try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
        reject(new CalicoError('CALICO_ERR_KERNEL', `${opts.command} in ${where} ${why} (log: ${opts.logFile})`));
      };
      const timer = setTimeout(() => fail('did not become ready'), opts.readyTimeoutMs ?? 15_000);
      stdout.on('data', (b: Buffer) => {
        buf += b.toString();
        if (buf.split('\n').includes(opts.readyLine!)) {
          clearTimeout(timer);
          // The process writes nothing after its ready line; closing our end lets `up` exit.
          stdout.destroy();
          (stdout as unknown as { unref?: () => void }).unref?.();
          resolve(pid);
        }
      });
      child.on('exit', (code, sig) => fail(`exited (${code ?? sig}) before it was ready`));
    });
  } finally {
    closeSync(log);
  }
}

/** Whether `pid` runs and its command line contains `marker` (guards against PID reuse). */
export function isOurs(pid: number, marker: string): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    return cmdline.includes(marker);
  } catch {
    return false;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // A zombie (state Z) has exited; only its parent's wait is missing.
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; only if the PID is still ours. Resolves when it is gone. */
export async function stopProcess(pid: number, marker: string, graceMs = 3000): Promise<void> {
  if (!isOurs(pid, marker)) return;
  try { process.kill(pid, 'SIGTERM'); } catch { return; }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  const hard = Date.now() + 2000;
  while (Date.now() < hard && isAlive(pid)) await new Promise((r) => setTimeout(r, 25));
}
