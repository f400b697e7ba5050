/**
 * One running set of controllers for one effective configuration. The
 * supervisor (index.ts) starts a new set whenever KubeControllersConfiguration
 * changes what should run, and stops the old one first.
 */
import type { Datastore, ResourceKey } from '../datastore/datastore.js';
import { AutoHostEndpointController, type SelectorEval } from './auto-host-endpoint-controller.js';
import { runIpamGc, type IpamGcResult } from './ipam-gc-controller.js';
import type { EffectiveControllersConfig } from './kube-controllers-config.js';
import { PodController } from './pod-controller.js';
import { ProfileController } from './profile-controller.js';

export interface ControllerSet {
  stop(): Promise<void>;
  idle(): Promise<void>;
  runIpamGc(): Promise<IpamGcResult>;
}

interface ProfileConverters {
  namespaceToProfile(ns: object): { metadata: { name: string; uid?: string; creationTimestamp?: string }; spec: object };
  serviceAccountToProfile(sa: object): { metadata: { name: string; uid?: string; creationTimestamp?: string }; spec: object };
}

export interface ControllerSetOptions {
  readonly onError: (e: unknown) => void;
  /** Compact the datastore every etcdV3CompactionPeriod (etcd only, as upstream). */
  readonly compaction: boolean;
}

async function selectorEval(): Promise<SelectorEval> {
  const { parseSelector } = await import('../selector/index.js');
  const cache = new Map<string, ReturnType<typeof parseSelector> | null>();
  return (sel, labels) => {
    let p = cache.get(sel);
    if (p === undefined) {
      try { p = parseSelector(sel); } catch { p = null; }
      cache.set(sel, p);
    }
    return p ? p.evaluate(labels) : false;
  };
}

export async function startControllerSet(ds: Datastore, cfg: EffectiveControllersConfig, opts: ControllerSetOptions): Promise<ControllerSet> {
  const enabled = new Set(cfg.controllers);
  const { onError } = opts;
  const conv = (await import('../api/k8s/index.js')) as unknown as ProfileConverters;

  const profiles: [ProfileController, number][] = [];
  if (enabled.has('namespace')) {
    profiles.push([new ProfileController(ds, {
      sourceKind: 'Namespace', prefix: 'kns.', convert: conv.namespaceToProfile, onError,
      profileName: (k: ResourceKey) => `kns.${k.name}`,
    }), cfg.namespaceReconcileMs]);
  }
  if (enabled.has('serviceaccount')) {
    profiles.push([new ProfileController(ds, {
      sourceKind: 'ServiceAccount', prefix: 'ksa.', convert: conv.serviceAccountToProfile, onError,
      profileName: (k: ResourceKey) => `ksa.${k.namespace || 'default'}.${k.name}`,
    }), cfg.serviceAccountReconcileMs]);
  }
  const pods = enabled.has('pod') ? new PodController(ds, onError) : undefined;
  const heps = enabled.has('hostendpoint')
    ? new AutoHostEndpointController(ds, cfg.hostEndpoint, await selectorEval(), onError, cfg.nodeReconcileMs)
    : undefined;

  const started: { stop(): Promise<void> }[] = [];
  try {
    for (const [p] of profiles) { await p.start(); started.push(p); }
    if (pods) { await pods.start(); started.push(pods); }
    if (heps) { await heps.start(); started.push(heps); }
  } catch (e) {
    for (const s of started) await s.stop().catch(() => undefined);
    throw e;
  }

  const timers: NodeJS.Timeout[] = [];
  const every = (ms: number, fn: () => void): void => {
    if (ms <= 0) return;
    const t = setInterval(fn, ms);
    t.unref();
    timers.push(t);
  };
  for (const [p, ms] of profiles) every(ms, () => p.resyncNow());
  if (pods) every(cfg.workloadEndpointReconcileMs, () => pods.resyncNow());

  const gc = (): Promise<IpamGcResult> => runIpamGc(ds, { leakGracePeriodMs: cfg.leakGracePeriodMs });
  let gcRunning: Promise<unknown> = Promise.resolve();
  if (enabled.has('ipam')) every(cfg.nodeReconcileMs, () => { gcRunning = gc().catch(onError); });

  // etcd compaction as kube-controllers does it: each tick compacts up to the
  // revision seen at the previous tick, so one period of history stays for watchers.
  if (opts.compaction && ds.compact) {
    let previous = await ds.currentRevision();
    let compacted = 0;
    every(cfg.etcdV3CompactionPeriodMs, () => {
      void (async () => {
        const now = await ds.currentRevision();
        if (previous > compacted) {
          await ds.compact!(previous);
          compacted = previous;
        }
        previous = now;
      })().catch(onError);
    });
  }

  return {
    async stop() {
      for (const t of timers) clearInterval(t);
      for (const s of started.reverse()) await s.stop();
      await gcRunning;
    },
    async idle() {
      for (const [p] of profiles) await p.queue.idle();
      if (pods) await pods.queue.idle();
      if (heps) await heps.queue.idle();
    },
    runIpamGc: gc,
  };
}
