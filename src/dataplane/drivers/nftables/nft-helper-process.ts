import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { CalicoError } from '../../../lib/errors.js';
import { onChildEnd, stopChild } from '../../kernel/child-end.js';

/** What the helper answered for one frame. */
export interface HelperReply {
  /** nft_run_cmd_from_buffer's return: 0 = applied (or listed). */
  readonly rc: number;
  readonly out: string;
  readonly err: string;
}

interface Waiter {
  readonly resolve: (r: HelperReply) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** Commands are written to the pipe in pieces of about this many characters. */
const CHUNK = 64 * 1024;

/**
 * One running libnftables helper (see nft-helper.ts) and its framing. One
 * frame at a time (the caller serializes). A frame's commands are streamed
 * to stdin in 64 KiB pieces honouring backpressure, so a full load never
 * exists as one string in this process. If the helper dies it is restarted
 * at the next frame; the frame in flight fails (callers re-read the kernel).
 */
export class NftHelperProcess {
  private child: ChildProcessWithoutNullStreams | null = null;
  private buf: Buffer = Buffer.alloc(0);
  private waiter: Waiter | null = null;
  /** Number of times the helper was (re)started. */
  starts = 0;

  constructor(private readonly argv: readonly [string, readonly string[]], private readonly timeoutMs: number) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async run(mode: 'R' | 'L', commands: readonly string[]): Promise<HelperReply> {
    const child = this.ensure();
    let bytes = 0;
    for (const c of commands) bytes += Buffer.byteLength(c) + 1;
    const reply = new Promise<HelperReply>((resolve, reject) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), this.timeoutMs);
      this.waiter = { resolve, reject, timer };
    });
    let piece = `${mode} ${bytes}\n`;
    for (const c of commands) {
      piece += `${c}\n`;
      if (piece.length >= CHUNK) { await this.write(child, piece); piece = ''; }
    }
    if (piece) await this.write(child, piece);
    return reply;
  }

  async close(): Promise<void> {
    const c = this.child;
    this.child = null;
    await stopChild(c);
  }

  /** Writes one piece; waits for 'drain' when the pipe is full, or returns when the helper is gone. */
  private write(child: ChildProcessWithoutNullStreams, piece: string): Promise<void> {
    if (child.exitCode !== null || child.stdin.destroyed || child.stdin.write(piece)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => { child.stdin.off('drain', done); child.off('exit', done); resolve(); };
      child.stdin.once('drain', done);
      child.once('exit', done);
    });
  }

  private ensure(): ChildProcessWithoutNullStreams {
    if (this.child && this.child.exitCode === null && !this.child.killed) return this.child;
    const child = spawn(this.argv[0], [...this.argv[1]], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.starts++;
    this.buf = Buffer.alloc(0);
    child.stdout.on('data', (b: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, b]) : b;
      this.parse();
    });
    child.stderr.on('data', () => { /* libnftables reports through its error buffer */ });
    onChildEnd(child, 'nft helper', () => {
      if (this.child === child) this.child = null;
      const w = this.waiter;
      this.waiter = null;
      return w;
    });
    this.child = child;
    return child;
  }

  private parse(): void {
    const w = this.waiter;
    if (!w) return;
    const nl = this.buf.indexOf(10);
    if (nl < 0) return;
    const [rc, ol, el] = this.buf.subarray(0, nl).toString().split(' ').map(Number) as [number, number, number];
    if (this.buf.length < nl + 1 + ol + el) return;
    const out = this.buf.subarray(nl + 1, nl + 1 + ol).toString();
    const err = this.buf.subarray(nl + 1 + ol, nl + 1 + ol + el).toString();
    this.buf = this.buf.subarray(nl + 1 + ol + el);
    this.waiter = null;
    clearTimeout(w.timer);
    w.resolve({ rc, out, err });
  }
}
