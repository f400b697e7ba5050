/**
 * Runs bench/lib/agent-main.js (the real agent) inside a netns as its own
 * process and reports, with the parent's clock, when each datastore revision
 * has been applied to the kernel. Registered for cleanup on SIGINT.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Driver } from './kernel.js';
import { onCleanup, repoRoot } from './harness.js';

interface Waiter { rev: number; resolve: (t: number) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }

export class AgentProcess {
  readonly startedAt = performance.now();
  /** Highest revision the agent reported as applied, and when (parent clock). */
  applied = -1;
  appliedAt = 0;
  private readonly child: ChildProcess;
  private readonly waiters: Waiter[] = [];
  private readonly stderr: string[] = [];
  private readonly exited: Promise<number | null>;
  private readonly unregister: () => void;

  constructor(netns: string, opts: { db: string; node: string; driver: Driver }) {
    const main = join(repoRoot(), 'dist-test/bench/lib/agent-main.js');
    this.child = spawn('ip', ['netns', 'exec', netns, process.execPath, main], {
      env: { ...process.env, BENCH_DB: opts.db, BENCH_NODE: opts.node, BENCH_DRIVER: opts.driver },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.unregister = onCleanup(() => this.stop());
    let buf = '';
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      const now = performance.now();
      buf += d;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        const m = JSON.parse(line) as { applied: number };
        if (m.applied > this.applied) { this.applied = m.applied; this.appliedAt = now; }
      }
      for (const w of [...this.waiters]) if (this.applied >= w.rev) this.settle(w, () => w.resolve(this.appliedAt));
    });
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => { this.stderr.push(d); if (this.stderr.length > 200) this.stderr.shift(); });
    this.exited = new Promise((r) => this.child.on('exit', (code) => {
      for (const w of [...this.waiters]) this.settle(w, () => w.reject(new Error(`agent exited (${code}): ${this.logTail()}`)));
      r(code);
    }));
  }

  get pid(): number { return this.child.pid ?? -1; }

  logTail(): string { return this.stderr.join('').slice(-2000); }

  /** Resolves with the parent-clock time at which revision `rev` (or later) was reported applied. */
  waitFor(rev: number, timeoutMs = 600_000): Promise<number> {
    if (this.applied >= rev) return Promise.resolve(this.appliedAt);
    return new Promise((resolve, reject) => {
      const w: Waiter = { rev, resolve, reject, timer: setTimeout(() => this.settle(w, () => reject(new Error(`revision ${rev} not applied in ${timeoutMs} ms (at ${this.applied}): ${this.logTail()}`))), timeoutMs) };
      this.waiters.push(w);
    });
  }

  /** Resident set size in MB (VmRSS), read from /proc. */
  rssMb(): number {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
    if (!m) throw new Error('no VmRSS');
    return Number(m[1]) / 1024;
  }

  async stop(): Promise<void> {
    this.unregister();
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const t = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await this.exited;
      clearTimeout(t);
    }
  }

  private settle(w: Waiter, f: () => void): void {
    const i = this.waiters.indexOf(w);
    if (i < 0) return;
    this.waiters.splice(i, 1);
    clearTimeout(w.timer);
    f();
  }
}

/** RSS in MB of `pid` (any process). */
export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) / 1024;
}
