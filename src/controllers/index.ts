/**
 * The controllers calico-kube-controllers runs, over our datastore:
 *
 *   Namespace ------watch------> ProfileController --CAS--> Profile kns.<ns>
 *   ServiceAccount -watch------> ProfileController --CAS--> Profile ksa.<ns>.<sa>
 *   Pod ------------watch------> PodController -----CAS--> WorkloadEndpoint labels
 *   (timer) ---------------------> runIpamGc ---------------> release leaked IPs
 *
 * Each is watch-driven with a full resync at start, on every relist (e.g.
 * after CALICO_ERR_COMPACTED) and every `resyncIntervalMs`. They run inside
 * the node agent or as their own process; none touches the kernel.
 */
import type { Datastore, ResourceKey } from '../datastore/datastore.js';
import { runIpamGc, type IpamGcResult } from './ipam-gc-controller.js';
import { PodController } from './pod-controller.js';
import { ProfileController } from './profile-controller.js';

export { runIpamGc, type IpamGcOptions, type IpamGcResult } from './ipam-gc-controller.js';
export { endpointLabelsForPod } from './pod-controller.js';
export { reconcileKey, jsonEqual } from './cas-writer.js';

export type ControllerName = 'namespace' | 'serviceaccount' | 'pod' | 'ipam';

export interface ControllerOptions {
  /** Which controllers to run (default all). */
  readonly controllers?: readonly ControllerName[];
  /** Full resync period of the watch-driven controllers (default 5 min; 0 = never). */
  readonly resyncIntervalMs?: number;
  /** IPAM GC period (default 5 min; 0 = only on demand). */
  readonly ipamGcIntervalMs?: number;
  /** Calico's leakGracePeriod (default 15 min). */
  readonly leakGracePeriodMs?: number;
  /** Errors that did not stop the controllers (a failed reconcile is retried at the next resync). */
  readonly onError?: (err: unknown) => void;
}

export interface RunningControllers {
  stop(): Promise<void>;
  /** Resolves when all queued reconciliation work is done (tests, graceful shutdown). */
  idle(): Promise<void>;
  /** One IPAM GC pass now. */
  runIpamGc(): Promise<IpamGcResult>;
}

interface ProfileConverters {
  namespaceToProfile(ns: object): { metadata: { name: string; uid?: string; creationTimestamp?: string }; spec: object };
  serviceAccountToProfile(sa: object): { metadata: { name: string; uid?: string; creationTimestamp?: string }; spec: object };
}

export async function startControllers(ds: Datastore, opts: ControllerOptions = {}): Promise<RunningControllers> {
  const enabled = new Set<ControllerName>(opts.controllers ?? ['namespace', 'serviceaccount', 'pod', 'ipam']);
  const onError = opts.onError ?? ((e: unknown) => { process.stderr.write(`controllers: ${(e as Error)?.message ?? String(e)}\n`); });
  const conv = (await import('../api/k8s/index.js')) as unknown as ProfileConverters;

  const profiles: ProfileController[] = [];
  if (enabled.has('namespace')) {
    profiles.push(new ProfileController(ds, {
      sourceKind: 'Namespace', prefix: 'kns.', convert: conv.namespaceToProfile, onError,
      profileName: (k: ResourceKey) => `kns.${k.name}`,
    }));
  }
  if (enabled.has('serviceaccount')) {
    profiles.push(new ProfileController(ds, {
      sourceKind: 'ServiceAccount', prefix: 'ksa.', convert: conv.serviceAccountToProfile, onError,
      profileName: (k: ResourceKey) => `ksa.${k.namespace || 'default'}.${k.name}`,
    }));
  }
  const pods = enabled.has('pod') ? new PodController(ds, onError) : undefined;

  const started: { stop(): Promise<void> }[] = [];
  try {
    for (const p of profiles) { await p.start(); started.push(p); }
    if (pods) { await pods.start(); started.push(pods); }
  } catch (e) {
    for (const s of started) await s.stop().catch(() => undefined);
    throw e;
  }

  const gc = (): Promise<IpamGcResult> => runIpamGc(ds, opts.leakGracePeriodMs !== undefined ? { leakGracePeriodMs: opts.leakGracePeriodMs } : {});
  const timers: NodeJS.Timeout[] = [];
  const resync = opts.resyncIntervalMs ?? 5 * 60_000;
  if (resync > 0) {
    const t = setInterval(() => { for (const p of profiles) p.resyncNow(); }, resync);
    t.unref();
    timers.push(t);
  }
  const gcEvery = enabled.has('ipam') ? opts.ipamGcIntervalMs ?? 5 * 60_000 : 0;
  let gcRunning: Promise<unknown> = Promise.resolve();
  if (gcEvery > 0) {
    const t = setInterval(() => { gcRunning = gc().catch(onError); }, gcEvery);
    t.unref();
    timers.push(t);
  }

  return {
    async stop() {
      for (const t of timers) clearInterval(t);
      for (const s of started.reverse()) await s.stop();
      await gcRunning;
    },
    async idle() {
      for (const p of profiles) await p.queue.idle();
      if (pods) await pods.queue.idle();
    },
    runIpamGc: gc,
  };
}
