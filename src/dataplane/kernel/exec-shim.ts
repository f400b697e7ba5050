import { exec as spawnExec, type ExecInput, type ExecResult } from '../../lib/exec.js';

export type { ExecInput, ExecResult } from '../../lib/exec.js';

/**
 * Exec is the one seam between the drivers and the host: every kernel tool
 * (`nft`, `iptables-save`, `ipset`, `ip`) is run through it, so unit tests
 * swap in a fake and need no root (as Felix's cmdshim does).
 */
export interface Exec {
  /**
   * Runs `cmd args` with `input` on stdin (a string, or pieces streamed with
   * backpressure for big restore inputs). Never throws for a non-zero exit.
   */
  run(cmd: string, args: readonly string[], input?: ExecInput): Promise<ExecResult>;
}

/** Exec over real processes (src/lib/exec.ts), optionally inside a named network namespace. */
export class HostExec implements Exec {
  constructor(private readonly netns?: string, private readonly timeoutMs = 120_000) {}

  run(cmd: string, args: readonly string[], input?: ExecInput): Promise<ExecResult> {
    const opts = input === undefined ? { timeoutMs: this.timeoutMs } : { input, timeoutMs: this.timeoutMs };
    if (this.netns === undefined) return spawnExec(cmd, args, opts);
    return spawnExec('ip', ['netns', 'exec', this.netns, cmd, ...args], opts);
  }

  /** The argv prefix that runs a command inside this Exec's namespace (for long-lived children). */
  argv(cmd: string, args: readonly string[]): [string, string[]] {
    return this.netns === undefined ? [cmd, [...args]] : ['ip', ['netns', 'exec', this.netns, cmd, ...args]];
  }
}
