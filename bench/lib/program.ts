/**
 * Programs a scenario the way the agent does, minus the datastore: the real
 * CalcGraph (for one node) turns resources into the dataplane model, and the
 * real createIntDataplane programs it into a namespace's kernel.
 *
 * IPv4 only and without the per-interface sysctl pass: the scenario's filler
 * endpoints have no interfaces (the kernel dispatches on names), and the raw
 * `nft -f` / `iptables-restore` baselines load rules only.
 */
import { performance } from 'node:perf_hooks';
import { CalcGraph } from '../../dist/calc/calc-graph.js';
import type { CalcUpdate } from '../../dist/calc/updates.js';
import { createIntDataplane, type IntDataplane } from '../../dist/dataplane/int-dataplane.js';
import type { Driver } from './kernel.js';

export interface Programmed {
  readonly graph: CalcGraph;
  readonly dataplane: IntDataplane;
  /** CalcGraph updates + flush. */
  readonly calcMs: number;
  /** First apply (kernel read, diff, batch). */
  readonly applyMs: number;
  readonly totalMs: number;
}

export function benchDataplane(driver: Driver, netns: string, hostname: string): IntDataplane {
  return createIntDataplane({ driver, hostname, netns, ipv6: false, sysctls: false, iptablesBackend: 'nft' });
}

/** From nothing to a programmed kernel; the caller stops the dataplane. */
export async function programScenario(driver: Driver, netns: string, hostname: string, updates: readonly CalcUpdate[]): Promise<Programmed> {
  const t0 = performance.now();
  const graph = new CalcGraph({ hostname });
  graph.onUpdates(updates);
  const msgs = graph.flush();
  const t1 = performance.now();
  const dataplane = benchDataplane(driver, netns, hostname);
  dataplane.onMessages(msgs);
  await dataplane.apply();
  const t2 = performance.now();
  return { graph, dataplane, calcMs: t1 - t0, applyMs: t2 - t1, totalMs: t2 - t0 };
}
