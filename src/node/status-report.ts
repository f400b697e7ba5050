/**
 * ActiveStatusReport: the per-node record, in the datastore, of what the
 * agent's dataplane has applied. Named after Felix's model.ActiveStatusReportKey
 * (Felix writes `time`, `uptime` and `first_update` there); we add
 * `appliedRevision`, the syncer revision whose state the kernel now holds.
 *
 * Key: { kind: 'ActiveStatusReport', name: <node name> }. Not an API kind:
 * calicoctl does not show it; tools read it through waitForConvergence().
 */
import type { Datastore, ResourceKey } from '../datastore/datastore.js';
import { isCalicoError } from '../lib/errors.js';
import { STATUS_REPORT_KIND } from '../syncer/syncer.js';

export interface ActiveStatusReport {
  readonly hostname: string;
  /** RFC 3339 time of the write. */
  readonly time: string;
  /** Seconds since the agent started. */
  readonly uptime: number;
  /** True on the first report after an agent start. */
  readonly firstUpdate: boolean;
  /** Every datastore change up to this revision is programmed in this node's dataplane. */
  readonly appliedRevision: number;
  readonly dataplane: string;
}

export function statusReportKey(node: string): ResourceKey {
  return { kind: STATUS_REPORT_KIND, name: node };
}

export async function readStatusReport(ds: Datastore, node: string): Promise<ActiveStatusReport | null> {
  const e = await ds.get<ActiveStatusReport>(statusReportKey(node));
  return e === null ? null : e.value;
}

/**
 * StatusReporter writes the report with compare-and-swap. `record(rev)` is
 * cheap to call after every apply: writes are coalesced (one in flight, the
 * latest pending revision follows), a revision not above the stored one is
 * not written, and a conflict (someone else wrote) is re-read and retried.
 */
export class StatusReporter {
  private readonly started = Date.now();
  private first = true;
  private inFlight: Promise<void> | undefined;
  private pending: number | undefined;
  private lastWritten = -1;
  /** Number of datastore writes made (tests, metrics). */
  writes = 0;

  constructor(private readonly ds: Datastore, private readonly hostname: string, private readonly dataplane: string,
    private readonly onError: (e: unknown) => void = () => undefined) {}

  /** Records `revision` (async, coalesced). The returned promise settles when it (or a later one) is written. */
  record(revision: number): Promise<void> {
    if (revision <= this.lastWritten && !this.first) return Promise.resolve();
    this.pending = Math.max(this.pending ?? -1, revision);
    if (this.inFlight === undefined) this.inFlight = this.drain().finally(() => { this.inFlight = undefined; });
    return this.inFlight;
  }

  /**
   * Rewrites the report with a fresh `time`/`uptime` (Felix re-reports every
   * reportingInterval so that tools can tell a live agent from a dead one).
   * No-op before the first report.
   */
  async heartbeat(): Promise<void> {
    if (this.lastWritten < 0 || this.inFlight !== undefined) return;
    try {
      await this.write(this.lastWritten, true);
    } catch (e) {
      this.onError(e);
    }
  }

  private async drain(): Promise<void> {
    while (this.pending !== undefined) {
      const rev = this.pending;
      this.pending = undefined;
      try {
        await this.write(rev);
      } catch (e) {
        this.onError(e);
      }
    }
  }

  private report(rev: number): ActiveStatusReport {
    return {
      hostname: this.hostname,
      time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      uptime: Math.round((Date.now() - this.started) / 1000),
      firstUpdate: this.first,
      appliedRevision: rev,
      dataplane: this.dataplane,
    };
  }

  private async write(rev: number, force = false): Promise<void> {
    const key = statusReportKey(this.hostname);
    for (let attempt = 0; attempt < 5; attempt++) {
      const cur = await this.ds.get<ActiveStatusReport>(key);
      // A restarted agent may list at a revision below its previous report: the report always says
      // what THIS dataplane holds now, so it may go down on the first write after a start.
      if (!force && cur !== null && cur.value.appliedRevision === rev && !this.first) { this.lastWritten = rev; return; }
      try {
        if (cur === null) await this.ds.create(key, this.report(rev));
        else await this.ds.update(key, this.report(rev), cur.revision);
        this.writes++;
        this.first = false;
        this.lastWritten = rev;
        return;
      } catch (e) {
        if (!isCalicoError(e, 'CALICO_ERR_CONFLICT') && !isCalicoError(e, 'CALICO_ERR_ALREADY_EXISTS') && !isCalicoError(e, 'CALICO_ERR_NOT_FOUND')) throw e;
      }
    }
  }
}
