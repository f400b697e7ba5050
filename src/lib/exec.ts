import { spawn } from 'node:child_process';
import { CalicoError } from './errors.js';

/** Result of running one external command. */
export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ExecOptions {
  /** Written to the command's stdin, then stdin is closed. */
  readonly input?: string;
  /** Extra environment (merged over process.env). */
  readonly env?: Readonly<Record<string, string>>;
  /** Kill the command after this many ms (default 60 s). */
  readonly timeoutMs?: number;
}

/** Runs a command without a shell and collects its output. Never throws for a non-zero exit. */
export function exec(cmd: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: opts.env ? { ...process.env, ...opts.env } : process.env,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new CalicoError('CALICO_ERR_KERNEL', `cannot run ${cmd}: ${e.message}`, { cause: e }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
    child.stdin.on('error', () => { /* the command may exit before reading stdin */ });
    child.stdin.end(opts.input ?? '');
  });
}

/** Runs a command and throws CALICO_ERR_KERNEL (with its stderr) on a non-zero exit. */
export async function execChecked(cmd: string, args: readonly string[], opts: ExecOptions = {}): Promise<string> {
  const r = await exec(cmd, args, opts);
  if (r.code !== 0) {
    throw new CalicoError('CALICO_ERR_KERNEL', `${cmd} ${args.join(' ')} failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  }
  return r.stdout;
}
