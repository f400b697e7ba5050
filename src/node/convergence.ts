/**
 * waitForConvergence: resolves once every named node's agent has programmed
 * its dataplane with all datastore changes up to `revision`, read from the
 * nodes' ActiveStatusReport records (src/node/status-report.ts).
 *
 * `revision` is best taken from a write (KVEntry.revision of create/update,
 * the value transact() returns) or from ds.currentRevision() after writing.
 * Agents do not record revisions that only their own status reports made
 * (that would make every report trigger another), so when `revision` is or
 * follows such a report the target is lowered to the last other write at or
 * before it, found by replaying the watch history between the lowest
 * recorded revision and `revision` (if that history is compacted, the target
 * stays `revision`, which the next real change lets the agents reach).
 */
import type { Datastore } from '../datastore/datastore.js';
import { CalicoError } from '../lib/errors.js';
import { STATUS_REPORT_KIND } from '../syncer/syncer.js';
import { readStatusReport } from './status-report.js';

export interface ConvergenceOptions {
  /** Poll interval for the status reports (default 25 ms). */
  readonly pollMs?: number;
}

/** Node name -> applied revision, as read when convergence was reached. */
export type ConvergenceResult = Record<string, number>;

export async function waitForConvergence(
  ds: Datastore,
  nodes: readonly string[],
  revision: number,
  timeoutMs: number,
  opts: ConvergenceOptions = {},
): Promise<ConvergenceResult> {
  const deadline = Date.now() + timeoutMs;
  const pollMs = opts.pollMs ?? 25;
  let target: number | undefined;
  for (;;) {
    const applied: Record<string, number | null> = {};
    for (const n of nodes) applied[n] = (await readStatusReport(ds, n))?.appliedRevision ?? null;
    const values = Object.values(applied);
    if (values.every((v) => v !== null)) {
      const lowest = Math.min(...(values as number[]));
      if (lowest >= revision) return applied as ConvergenceResult;
      target ??= await effectiveTarget(ds, lowest, revision, Math.max(1, deadline - Date.now()));
      if (lowest >= target) return applied as ConvergenceResult;
    }
    if (Date.now() >= deadline) {
      const lagging = nodes.filter((n) => applied[n] === null || (applied[n] as number) < (target ?? revision));
      throw new CalicoError('CALICO_ERR_DATASTORE', `timed out after ${timeoutMs} ms waiting for nodes to apply revision ${target ?? revision}: ${
        lagging.map((n) => `${n} at ${applied[n] ?? 'no report'}`).join(', ')}`);
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/**
 * The highest revision in (from, revision] written by anything other than a
 * status report, or `from` when there is none: what "converged at `revision`" means.
 */
async function effectiveTarget(ds: Datastore, from: number, revision: number, timeoutMs: number): Promise<number> {
  if ((await ds.currentRevision()) < revision) return revision;
  return new Promise<number>((resolve) => {
    let best = from;
    let done = false;
    const finish = (v: number): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      void w.close().catch(() => undefined);
      resolve(v);
    };
    const timer = setTimeout(() => finish(revision), timeoutMs);
    const w = ds.watch({ afterRevision: from }, {
      onEvents: (events) => {
        let reached = false;
        for (const e of events) {
          if (e.revision > revision) { reached = true; break; }
          if (e.key.kind !== STATUS_REPORT_KIND) best = Math.max(best, e.revision);
          if (e.revision === revision) reached = true;
        }
        if (reached) finish(best);
      },
      // History gone (CALICO_ERR_COMPACTED) or watch failed: no lowering is provable.
      onError: () => finish(revision),
    });
  });
}
