/**
 * The end of a long-lived nft child process (the `nft -i` session or the
 * libnftables helper): whatever way it ends, the batch in flight is failed
 * once with CALICO_ERR_KERNEL, because nft may or may not have applied it.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { CalicoError } from '../../lib/errors.js';

/** A batch waiting for the child's answer. */
export interface InFlight {
  readonly timer: NodeJS.Timeout;
  readonly reject: (e: Error) => void;
}

/**
 * Watches `child` for exit or spawn errors. `ended()` is called first (the
 * owner forgets the child and hands over its batch in flight, if any), then
 * that batch is rejected naming `what` ("nft session", "nft helper").
 */
export function onChildEnd(child: ChildProcessWithoutNullStreams, what: string, ended: () => InFlight | null): void {
  child.stdin.on('error', () => { /* reported through 'exit' */ });
  const died = (why: string): void => {
    const p = ended();
    if (!p) return;
    clearTimeout(p.timer);
    p.reject(new CalicoError('CALICO_ERR_KERNEL', `${what} ended during a batch (${why}); the batch may or may not be applied`));
  };
  child.on('exit', (code, signal) => died(`exit ${code ?? signal}`));
  child.on('error', (e) => died(e.message));
}

/** Ends a child by closing its stdin; SIGKILL if it has not exited within 2 s. */
export async function stopChild(c: ChildProcessWithoutNullStreams | null): Promise<void> {
  if (!c || c.exitCode !== null) return;
  const gone = new Promise<void>((res) => c.once('exit', () => res()));
  c.stdin.end();
  const t = setTimeout(() => c.kill('SIGKILL'), 2000);
  await gone;
  clearTimeout(t);
}
