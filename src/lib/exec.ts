import { spawn } from 'node:child_process';
import type { Writable } from 'node:stream';
import { CalicoError } from './errors.js';

/** Result of running one external command. */
export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * What a command reads on stdin: one string, or pieces (e.g. restore lines)
 * produced lazily and written in chunks as the command consumes them, so a
 * large input never exists as one joined string. An async producer may also
 * hold the input back (e.g. a restore's COMMIT until something else is done).
 */
export type ExecInput = string | Iterable<string> | AsyncIterable<string>;

export interface ExecOptions {
  /** Written to the command's stdin, then stdin is closed. */
  readonly input?: string;
  /** Extra environment (merged over process.env). */
  readonly env?: Readonly<Record<string, string>>;
  /** Kill the command after this many ms (default 60 s). */
  readonly timeoutMs?: number;
}

/** ExecOptions whose input may also be streamed pieces (the string form stays ExecOptions). */
export interface ExecStreamOptions extends Omit<ExecOptions, 'input'> {
  readonly input?: ExecInput;
}

/** Pieces are gathered into writes of about this many characters. */
const CHUNK = 64 * 1024;

/**
 * Writes `pieces` to `stdin` in chunks, waiting for 'drain' whenever the pipe
 * is full (backpressure), then closes it. Stops quietly if the command closes
 * its stdin early (it exited: its exit code tells what happened).
 */
async function writeStreamed(stdin: Writable, pieces: Iterable<string> | AsyncIterable<string>): Promise<void> {
  let closed = false;
  let wake: (() => void) | undefined;
  const onGone = (): void => { closed = true; wake?.(); };
  stdin.on('close', onGone);
  stdin.on('error', onGone);
  const flush = async (chunk: string): Promise<void> => {
    if (closed || stdin.write(chunk)) return;
    await new Promise<void>((resolve) => {
      const done = (): void => { stdin.off('drain', done); wake = undefined; resolve(); };
      wake = done;
      stdin.once('drain', done);
    });
  };
  try {
    let buf = '';
    if (Symbol.asyncIterator in pieces) {
      // Async producers hand over bigger pieces; whatever is gathered is sent before waiting on the next.
      const it = pieces[Symbol.asyncIterator]();
      for (;;) {
        if (closed) break;
        const next = it.next();
        if (buf.length > 0) { const c = buf; buf = ''; await flush(c); }
        const r = await next;
        if (r.done) break;
        buf += r.value;
        if (buf.length >= CHUNK) { const c = buf; buf = ''; await flush(c); }
      }
      if (closed) await it.return?.();
    } else {
      for (const p of pieces) {
        if (closed) break;
        buf += p;
        if (buf.length >= CHUNK) { const c = buf; buf = ''; await flush(c); }
      }
    }
    if (!closed) stdin.end(buf);
  } finally {
    stdin.off('close', onGone);
  }
}

/** Runs a command without a shell and collects its output. Never throws for a non-zero exit. */
export function exec(cmd: string, args: readonly string[], opts: ExecStreamOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: opts.env ? { ...process.env, ...opts.env } : process.env,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let failed: unknown;
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new CalicoError('CALICO_ERR_KERNEL', `cannot run ${cmd}: ${e.message}`, { cause: e }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (failed !== undefined) {
        reject(failed);
        return;
      }
      resolve({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
    child.stdin.on('error', () => { /* the command may exit before reading stdin */ });
    const input = opts.input ?? '';
    if (typeof input === 'string') {
      child.stdin.end(input);
      return;
    }
    // A producer that throws must not leave a half-fed command applying half an input.
    writeStreamed(child.stdin, input).catch((e: unknown) => {
      failed = e;
      child.kill('SIGKILL');
    });
  });
}

/** Runs a command and throws CALICO_ERR_KERNEL (with its stderr) on a non-zero exit. */
export async function execChecked(cmd: string, args: readonly string[], opts: ExecStreamOptions = {}): Promise<string> {
  const r = await exec(cmd, args, opts);
  if (r.code !== 0) {
    throw new CalicoError('CALICO_ERR_KERNEL', `${cmd} ${args.join(' ')} failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  }
  return r.stdout;
}
