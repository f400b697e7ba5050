import { Worker } from 'node:worker_threads';
import { CalicoError } from '../../../lib/errors.js';
import type { KernelDiff, TableDigests } from './kernel-digest.js';

/**
 * Runs one background kernel read in a worker thread (kernel-read-worker.ts):
 * `argv` lists the table as JSON; the worker parses and compares it with the
 * believed digests and answers with the differing objects only.
 */
export function readDiffInWorker(argv: [string, string[]], believed: TableDigests): Promise<KernelDiff> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./kernel-read-worker.js', import.meta.url), { workerData: { argv, believed } });
    let settled = false;
    w.once('message', (m: { ok: boolean; diff?: KernelDiff; error?: string }) => {
      settled = true;
      if (m.ok && m.diff) resolve(m.diff);
      else reject(new CalicoError('CALICO_ERR_KERNEL', m.error ?? 'background nft read failed'));
      void w.terminate();
    });
    w.once('error', (e) => { if (!settled) { settled = true; reject(new CalicoError('CALICO_ERR_KERNEL', `background nft read: ${e.message}`, { cause: e })); } });
    w.once('exit', (code) => { if (!settled) { settled = true; reject(new CalicoError('CALICO_ERR_KERNEL', `background nft read worker exited ${code}`)); } });
  });
}
