/**
 * ApplyLoop: Felix's int_dataplane main loop, reduced to what the agent
 * owns. Calc batches (with the syncer revision they bring the state to) are
 * handed to the dataplane with `onMessages`; `apply()` programs the kernel.
 *
 * - Never applies before the graph's InSync message has been delivered.
 * - One apply at a time. Batches arriving during an apply are held and
 *   delivered after it, and the next apply waits at least `minApplyIntervalMs`
 *   after the previous one started, so under load batches grow instead of
 *   applies queueing up.
 * - A failed apply is retried with exponential backoff (base..max); after
 *   `maxConsecutiveFailures` the loop reports a fatal error (the agent exits:
 *   crash loudly rather than limp on with a half-programmed kernel).
 * - Every `resyncIntervalMs` (Felix's nftables/iptablesRefreshInterval) the
 *   dataplane re-reads the kernel and repairs (`resync()`), serialized with applies.
 * - `onApplied(revision)` after each successful apply; a revision that came
 *   with no messages is reported without touching the kernel.
 */
import type { AgentDataplaneMsg, ApplyStats, IntDataplane } from './dataplane-port.js';

export interface ApplyLoopOptions {
  readonly minApplyIntervalMs?: number;
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
  readonly maxConsecutiveFailures?: number;
  /** 0 = no periodic resync. */
  readonly resyncIntervalMs?: number;
  onApplied?(revision: number, info: { durationMs: number; messages: number; stats: ApplyStats | void; kernelTouched: boolean }): void;
  onFailure?(err: unknown, consecutive: number, retryInMs: number): void;
  onFatal?(err: unknown): void;
  onResync?(err: unknown | null, durationMs: number): void;
  /** An apply of `messages` delivered messages is starting. */
  onApplyStart?(messages: number): void;
  /** Called every loop turn (liveness). */
  onTick?(): void;
}

export class ApplyLoop {
  private held: AgentDataplaneMsg[] = [];
  private delivered = 0;
  private inSync = false;
  private pendingRevision = -1;
  private appliedRevision = -1;
  private running = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private lastApplyStart = 0;
  private failures = 0;
  private resyncDue = false;
  private idleWaiters: (() => void)[] = [];
  private readonly minInterval: number;
  private resyncInterval: number;

  constructor(private readonly dp: IntDataplane, private readonly opts: ApplyLoopOptions = {}) {
    this.minInterval = opts.minApplyIntervalMs ?? 50;
    this.resyncInterval = opts.resyncIntervalMs ?? 0;
  }

  get revision(): number {
    return this.appliedRevision;
  }

  get isInSync(): boolean {
    return this.inSync;
  }

  /** Hands over one calc flush and the revision it reflects. Cheap: schedules the work. */
  push(msgs: readonly AgentDataplaneMsg[], revision: number): void {
    if (this.stopped) return;
    for (const m of msgs) {
      if (m.kind === 'InSync') this.inSync = true;
      this.held.push(m);
    }
    if (!this.running) this.deliverHeld();
    this.pendingRevision = Math.max(this.pendingRevision, revision);
    this.schedule();
  }

  /** Changes the periodic resync interval (FelixConfiguration updates). */
  setResyncInterval(ms: number): void {
    this.resyncInterval = ms;
    this.armResync();
  }

  start(): void {
    this.armResync();
  }

  /** Resolves when nothing is pending or running (tests). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.resyncTimer) clearTimeout(this.resyncTimer);
    while (this.running) await new Promise((r) => setTimeout(r, 5));
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private isIdle(): boolean {
    return !this.running && this.timer === undefined && (!this.inSync || (this.delivered === 0 && this.pendingRevision <= this.appliedRevision && !this.resyncDue));
  }

  private deliverHeld(): void {
    if (this.held.length === 0) return;
    const batch = this.held;
    this.held = [];
    this.dp.onMessages(batch);
    this.delivered += batch.length;
  }

  private armResync(): void {
    if (this.resyncTimer) clearTimeout(this.resyncTimer);
    this.resyncTimer = undefined;
    if (this.stopped || this.resyncInterval <= 0) return;
    this.resyncTimer = setTimeout(() => {
      this.resyncTimer = undefined;
      this.resyncDue = true;
      this.schedule();
      this.armResync();
    }, this.resyncInterval);
    this.resyncTimer.unref?.();
  }

  private schedule(delayMs?: number): void {
    if (this.stopped || this.running || this.timer !== undefined || !this.inSync) return;
    const needed = this.delivered > 0 || this.pendingRevision > this.appliedRevision || this.resyncDue;
    if (!needed) return this.notifyIdle();
    const wait = delayMs ?? Math.max(0, this.lastApplyStart + this.minInterval - Date.now());
    this.timer = setTimeout(() => { this.timer = undefined; void this.turn(); }, wait);
  }

  private notifyIdle(): void {
    if (this.isIdle()) for (const w of this.idleWaiters.splice(0)) w();
  }

  private async turn(): Promise<void> {
    if (this.stopped) return;
    this.running = true;
    this.opts.onTick?.();
    let retryIn: number | undefined;
    try {
      if (this.resyncDue) {
        this.resyncDue = false;
        const t0 = performance.now();
        try {
          await this.dp.resync();
          this.opts.onResync?.(null, performance.now() - t0);
        } catch (e) {
          this.opts.onResync?.(e, performance.now() - t0);
        }
      }
      const revision = this.pendingRevision;
      const messages = this.delivered;
      if (messages === 0) {
        if (revision > this.appliedRevision) {
          this.appliedRevision = revision;
          this.opts.onApplied?.(revision, { durationMs: 0, messages: 0, stats: undefined, kernelTouched: false });
        }
      } else {
        this.lastApplyStart = Date.now();
        this.opts.onApplyStart?.(messages);
        const t0 = performance.now();
        try {
          const stats = await this.dp.apply();
          this.delivered -= messages;
          this.failures = 0;
          this.appliedRevision = Math.max(this.appliedRevision, revision);
          this.opts.onApplied?.(this.appliedRevision, { durationMs: performance.now() - t0, messages, stats, kernelTouched: true });
        } catch (e) {
          this.failures++;
          const max = this.opts.maxConsecutiveFailures ?? 10;
          retryIn = Math.min((this.opts.retryBaseMs ?? 100) * 2 ** (this.failures - 1), this.opts.retryMaxMs ?? 10_000);
          this.opts.onFailure?.(e, this.failures, retryIn);
          if (this.failures >= max) {
            this.stopped = true;
            this.opts.onFatal?.(e);
          }
        }
      }
    } finally {
      this.running = false;
      this.deliverHeld();
    }
    this.schedule(retryIn);
    this.notifyIdle();
  }
}
