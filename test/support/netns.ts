import { randomBytes } from 'node:crypto';
import { exec, execChecked } from '../../dist/lib/exec.js';

/**
 * NetnsScope creates network namespaces with a per-run prefix and removes
 * them (and any process it started inside them) in `cleanup()`, which tests
 * call from `after()`/`finally` even when they fail.
 */
export class NetnsScope {
  readonly prefix: string;
  private readonly namespaces: string[] = [];
  private readonly pids: number[] = [];

  constructor(tag = 't') {
    this.prefix = `ct${tag}${randomBytes(2).toString('hex')}`;
  }

  /** Creates `<prefix>-<name>` with loopback up; returns its full name. */
  async netns(name: string): Promise<string> {
    const full = `${this.prefix}-${name}`;
    await execChecked('ip', ['netns', 'add', full]);
    this.namespaces.push(full);
    await execChecked('ip', ['-n', full, 'link', 'set', 'lo', 'up']);
    return full;
  }

  /** Runs a command inside a namespace. */
  run(ns: string, cmd: string, args: readonly string[], input?: string) {
    return exec('ip', ['netns', 'exec', ns, cmd, ...args], input === undefined ? {} : { input });
  }

  /** Remembers a PID to kill at cleanup. */
  track(pid: number | undefined): void {
    if (pid !== undefined) this.pids.push(pid);
  }

  async cleanup(): Promise<void> {
    for (const pid of this.pids.splice(0)) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    }
    for (const ns of this.namespaces.splice(0).reverse()) {
      await exec('ip', ['netns', 'del', ns]);
    }
  }
}

/** True when running as root with `ip netns` available (e2e tests skip otherwise). */
export async function canUseNetns(): Promise<boolean> {
  if (process.getuid?.() !== 0) return false;
  try {
    return (await exec('ip', ['netns', 'list'])).code === 0;
  } catch {
    return false;
  }
}
