/**
 * The controllers calico-kube-controllers runs, over our datastore:
 *
 *   KubeControllersConfiguration default --watch--> which controllers run, their periods; status.runningConfig
 *   Namespace ------watch------> ProfileController --CAS--> Profile kns.<ns>
 *   ServiceAccount -watch------> ProfileController --CAS--> Profile ksa.<ns>.<sa>
 *   Pod ------------watch------> PodController -----CAS--> WorkloadEndpoint labels
 *   Node -----------watch------> AutoHostEndpointController --CAS--> HostEndpoint <node>-auto-hep
 *   (timer) ---------------------> runIpamGc ---------------> release leaked IPs
 *
 * Each is watch-driven with a full resync at start, on every relist (e.g.
 * after CALICO_ERR_COMPACTED) and every reconcilerPeriod. A change to the
 * configuration that changes what runs restarts the controllers with the new
 * settings. They run inside the node agent or as their own process; none
 * touches the kernel.
 */
import type { Datastore, KVEntry } from '../datastore/datastore.js';
import { isCalicoError } from '../lib/errors.js';
import { jsonEqual, reconcileKey, SerialQueue } from './cas-writer.js';
import { startControllerSet, type ControllerSet } from './controller-set.js';
import type { IpamGcResult } from './ipam-gc-controller.js';
import { KindWatcher } from './kind-watcher.js';
import {
  defaultKubeControllersConfiguration, effectiveConfig, KCC_NAME, KIND_KUBE_CONTROLLERS_CONFIGURATION, runningConfigOf,
  type ControllerName, type ControllerOverrides, type EffectiveControllersConfig,
} from './kube-controllers-config.js';

export { runIpamGc, type IpamGcOptions, type IpamGcResult } from './ipam-gc-controller.js';
export { endpointLabelsForPod } from './pod-controller.js';
export { reconcileKey, jsonEqual } from './cas-writer.js';
export { autoHostEndpointName, desiredHostEndpoints, expectedIpsOf, isAutoHostEndpoint } from './auto-host-endpoint-controller.js';
export {
  defaultKubeControllersConfiguration, effectiveConfig, runningConfigOf,
  type ControllerName, type EffectiveControllersConfig, type AutoHostEndpointConfig,
} from './kube-controllers-config.js';

export interface ControllerOptions {
  /** Which controllers to run; overrides the configuration's sections. */
  readonly controllers?: readonly ControllerName[];
  /** Full resync period of namespace/serviceaccount/pod (0 = never); overrides their reconcilerPeriod. */
  readonly resyncIntervalMs?: number;
  /** IPAM GC period (0 = only on demand); overrides controllers.node.reconcilerPeriod. */
  readonly ipamGcIntervalMs?: number;
  /** Overrides controllers.node.leakGracePeriod (default 15 min). */
  readonly leakGracePeriodMs?: number;
  /** Overrides controllers.node.hostEndpoint.autoCreate. */
  readonly autoHostEndpoints?: boolean;
  /**
   * Follow KubeControllersConfiguration `default` (creating it with upstream's
   * defaults when missing) and write its status. Default true; false runs on
   * the options and built-in defaults only.
   */
  readonly useKubeControllersConfiguration?: boolean;
  /** The environment variables behind the overrides, reported in status.environmentVars. */
  readonly environmentVars?: Readonly<Record<string, string>>;
  /** Run etcd compaction every etcdV3CompactionPeriod (the datastore is etcd). */
  readonly etcdCompaction?: boolean;
  /** Errors that did not stop the controllers (a failed reconcile is retried at the next resync). */
  readonly onError?: (err: unknown) => void;
}

export interface RunningControllers {
  stop(): Promise<void>;
  /** Resolves when all queued reconciliation work is done (tests, graceful shutdown). */
  idle(): Promise<void>;
  /** One IPAM GC pass now. */
  runIpamGc(): Promise<IpamGcResult>;
  /** The configuration the controllers run with now. */
  config(): EffectiveControllersConfig;
}

interface KccLike {
  apiVersion?: string;
  kind?: string;
  metadata?: Record<string, unknown>;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

const KCC_KEY = { kind: KIND_KUBE_CONTROLLERS_CONFIGURATION, name: KCC_NAME };

export async function startControllers(ds: Datastore, opts: ControllerOptions = {}): Promise<RunningControllers> {
  const onError = opts.onError ?? ((e: unknown) => { process.stderr.write(`controllers: ${(e as Error)?.message ?? String(e)}\n`); });
  const overrides: ControllerOverrides = {
    controllers: opts.controllers, resyncIntervalMs: opts.resyncIntervalMs, ipamGcIntervalMs: opts.ipamGcIntervalMs,
    leakGracePeriodMs: opts.leakGracePeriodMs, autoHostEndpoints: opts.autoHostEndpoints,
  };
  const setOpts = { onError, compaction: opts.etcdCompaction ?? false };
  if (opts.useKubeControllersConfiguration === false) {
    const eff = effectiveConfig(null, overrides);
    const set = await startControllerSet(ds, eff, setOpts);
    return { ...set, config: () => eff };
  }
  const sup = new ConfiguredControllers(ds, overrides, opts.environmentVars ?? {}, setOpts);
  await sup.start();
  return sup;
}

/**
 * Follows KubeControllersConfiguration `default`: (re)starts the controller
 * set when the effective configuration changes and keeps status.runningConfig
 * current. A missing resource is created with upstream's defaults.
 */
class ConfiguredControllers implements RunningControllers {
  private current: ControllerSet | undefined;
  private eff: EffectiveControllersConfig | undefined;
  private readonly queue: SerialQueue;
  private readonly watcher: KindWatcher<KccLike>;

  constructor(
    private readonly ds: Datastore,
    private readonly overrides: ControllerOverrides,
    private readonly environmentVars: Readonly<Record<string, string>>,
    private readonly setOpts: { onError: (e: unknown) => void; compaction: boolean },
  ) {
    this.queue = new SerialQueue(setOpts.onError);
    const relevant = (items: readonly { key: { name: string } }[]): boolean => items.some((i) => i.key.name === KCC_NAME);
    this.watcher = new KindWatcher<KccLike>(ds, KIND_KUBE_CONTROLLERS_CONFIGURATION, {
      onSnapshot: () => this.queue.push(() => this.apply()),
      onEvents: (events) => { if (relevant(events)) this.queue.push(() => this.apply()); },
    });
  }

  async start(): Promise<void> {
    await this.apply();
    await this.watcher.start();
  }

  private async readOrCreate(): Promise<KVEntry<KccLike> | null> {
    const cur = await this.ds.get<KccLike>(KCC_KEY);
    if (cur) return cur;
    try {
      await this.ds.create(KCC_KEY, defaultKubeControllersConfiguration());
    } catch (e) {
      if (!isCalicoError(e, 'CALICO_ERR_ALREADY_EXISTS')) throw e;
    }
    return this.ds.get<KccLike>(KCC_KEY);
  }

  private async apply(): Promise<void> {
    const entry = await this.readOrCreate();
    const spec = entry?.value.spec ?? null;
    const eff = effectiveConfig(spec, this.overrides);
    if (!this.current || !jsonEqual(eff, this.eff)) {
      const old = this.current;
      this.current = undefined;
      if (old) await old.stop();
      this.current = await startControllerSet(this.ds, eff, this.setOpts);
      this.eff = eff;
    }
    await this.writeStatus(spec, eff);
  }

  private async writeStatus(spec: Record<string, unknown> | null, eff: EffectiveControllersConfig): Promise<void> {
    const status: Record<string, unknown> = { runningConfig: runningConfigOf(eff, spec) };
    if (Object.keys(this.environmentVars).length) status['environmentVars'] = { ...this.environmentVars };
    await reconcileKey<KccLike>(this.ds, KCC_KEY, (cur) => {
      if (!cur) return null;
      if (jsonEqual(cur.value.status ?? {}, status)) return cur.value;
      return { ...cur.value, status };
    });
  }

  async stop(): Promise<void> {
    await this.watcher.stop();
    await this.queue.idle();
    await this.current?.stop();
    this.current = undefined;
  }

  async idle(): Promise<void> {
    await this.queue.idle();
    await this.current?.idle();
  }

  runIpamGc(): Promise<IpamGcResult> {
    if (!this.current) return Promise.reject(new Error('controllers are not running'));
    return this.current.runIpamGc();
  }

  config(): EffectiveControllersConfig {
    return this.eff!;
  }
}
