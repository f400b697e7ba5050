/**
 * Garbage-collector tuning from Felix's parameters, applied to V8.
 *
 * `GoGCThreshold` (default 40) is Go's GOGC: how far (in percent) the heap
 * may grow past the live data before the next collection. V8's nearest knob
 * is `--heap-growing-percent` (heap limit after a GC = live x (1 + p/100)),
 * which it reads at every GC, so it can be set (and changed) while running.
 * Without it V8 lets a heap with a high allocation rate grow up to ~4x its
 * live size: the agent's start-up resync at 10k endpoints x 1k policies
 * peaked at ~300 MB of heap for ~145 MB live (RSS ~410 MB); with 40 it
 * peaks at ~220 MB (RSS ~330 MB), at the cost of more frequent collections.
 *
 * Not mapped: `-1` (Go: GC off, only sensible with a memory limit) keeps V8's
 * default growth, V8 cannot turn its collector off; `GoMemoryLimitMB` (a soft
 * limit in Go) has no V8 equivalent, whose only heap limit aborts the process.
 */
import { setFlagsFromString } from 'node:v8';

/** The `--heap-growing-percent` for a GoGCThreshold, or null for V8's default growth. */
export function heapGrowingPercentFor(goGCThreshold: number): number | null {
  if (!Number.isFinite(goGCThreshold) || goGCThreshold < 0) return null;
  // V8 reads 0 as "use the default"; Go's 0 means "collect as often as possible".
  return Math.max(1, Math.round(goGCThreshold));
}

let applied: number | null | undefined;

/**
 * Applies the threshold to this process (idempotent; the last call wins).
 * Returns the V8 percent now in force, or null for V8's default growth.
 */
export function applyGcThreshold(goGCThreshold: number): number | null {
  const percent = heapGrowingPercentFor(goGCThreshold);
  if (percent === applied) return percent;
  // 0 restores V8's own (dynamic) growing factor.
  setFlagsFromString(`--heap-growing-percent=${percent ?? 0}`);
  applied = percent;
  return percent;
}
