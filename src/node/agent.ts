/**
 * Agent: calico-node's per-host agent (Felix's daemon), wiring only.
 *
 *   datastore --list/watch--> Syncer --SyncerUpdate--> [FelixConfiguration filter] --> CalcGraph
 *                                                        (invalid: keep last good)       | flush()
 *                                                                                         v
 *   ActiveStatusReport <--record(rev)-- StatusReporter <--onApplied-- ApplyLoop --> IntDataplane
 *   HealthAggregator (/liveness, /readiness)   AgentMetrics (/metrics)
 *
 * Components (lifecycle.ts) start in this order and stop in reverse:
 * datastore, health, metrics, dataplane, calc (graph + apply loop), syncer,
 * [controllers]. So the syncer, the only source of work, stops first and
 * the dataplane is stopped (its programmed state left in place) after the
 * loop has finished its last apply.
 */
import { validateResource } from '../api/index.js';
import { CalcGraph } from '../calc/calc-graph.js';
import type { CalcUpdate } from '../calc/updates.js';
import { loadDatastoreConfig, openDatastore } from '../datastore/config.js';
import type { Datastore } from '../datastore/datastore.js';
import { CalicoError } from '../lib/errors.js';
import { Syncer } from '../syncer/syncer.js';
import { isCalcUpdate, type SyncerUpdate } from '../syncer/syncer-update.js';
import { ApplyLoop } from './apply-loop.js';
import { ClusterCounts } from './cluster-counts.js';
import { calcOverrides, loadAgentConfig, restartRequiredChanges, type AgentConfig, type FelixSpec } from './config.js';
import { defaultDataplaneFactory, type AgentDataplaneMsg, type DataplaneFactory, type IntDataplane, type IpPoolMsg } from './dataplane-port.js';
import { PoolTracker } from './pool-tracker.js';
import { HealthAggregator, serveHealth, type HealthServer } from './health.js';
import { Lifecycle } from './lifecycle.js';
import { createLogger, pinoLevel, type Logger } from './logger.js';
import { AgentMetrics, serveMetrics } from './metrics.js';
import { loadRoutingStarter, routingModeFromEnv, underlayInterfaceFromEnv, type RoutingHandle, type RoutingStarter } from './routing-port.js';
import { applyGcThreshold } from './runtime-tuning.js';
import { StatusReporter } from './status-report.js';

export interface AgentOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** The datastore to use (the caller keeps ownership); default: opened from env as calicoctl does. */
  readonly datastore?: Datastore;
  readonly dataplaneFactory?: DataplaneFactory;
  readonly logger?: Logger;
  /** Inter-node routing (default: src/routing when installed, per CALICO_NETWORKING_BACKEND); null = never. */
  readonly routingStarter?: RoutingStarter | null;
  /** Run the calico-kube-controllers controllers in this process too. */
  readonly runControllers?: boolean;
  readonly nftAvailable?: () => boolean;
  readonly minApplyIntervalMs?: number;
  /** The apply loop gave up (default: log). calico-node's main exits non-zero. */
  readonly onFatal?: (err: unknown) => void;
}

const FC_KIND = 'FelixConfiguration';

/** Reads and validates FelixConfiguration `name`; invalid is a CALICO_ERR_CONFIG naming the resource. */
async function readFelixConfiguration(ds: Datastore, name: string): Promise<FelixSpec | null> {
  const e = await ds.get({ kind: FC_KIND, name });
  if (e === null) return null;
  try {
    return (validateResource(e.value).spec ?? {}) as FelixSpec;
  } catch (err) {
    throw new CalicoError('CALICO_ERR_CONFIG', `FelixConfiguration ${name} is invalid: ${(err as Error).message}`, { cause: err });
  }
}

export class Agent {
  readonly health = new HealthAggregator();
  readonly metrics: AgentMetrics;
  readonly log: Logger;
  private readonly lifecycle: Lifecycle;
  private readonly counts = new ClusterCounts();
  private readonly pools = new PoolTracker();
  private readonly felixSpecs = new Map<string, FelixSpec>();
  private graph: CalcGraph | undefined;
  private loop: ApplyLoop | undefined;
  private dataplane: IntDataplane | undefined;
  private syncer: Syncer | undefined;
  private reporter: StatusReporter | undefined;
  private healthServer: HealthServer | undefined;
  private metricsServer: HealthServer | undefined;
  private fatal = false;
  private firstApplyDone = false;
  private readonly startedAt = performance.now();

  private constructor(readonly datastore: Datastore, private ownsDatastore: boolean, public config: AgentConfig, private readonly opts: AgentOptions) {
    this.log = opts.logger ?? createLogger(config.logSeverityScreen, { node: config.hostname });
    this.metrics = new AgentMetrics({ processMetrics: config.params['PrometheusProcessMetricsEnabled'] !== false });
    this.lifecycle = new Lifecycle((ev, name) => this.log.debug({ component: name }, `component ${ev}`));
    this.tuneGc(config);
    this.wire();
  }

  /**
   * Loads the configuration (env, then the datastore's FelixConfiguration
   * `default` and `node.<hostname>`): a bad value throws CALICO_ERR_CONFIG
   * before anything touches the kernel.
   */
  static async create(opts: AgentOptions = {}): Promise<Agent> {
    const env = opts.env ?? process.env;
    const envOnly = loadAgentConfig({ env, ...(opts.nftAvailable ? { nftAvailable: opts.nftAvailable } : {}) });
    const ds = opts.datastore ?? await openDatastore(loadDatastoreConfig({ env, defaultConfigFile: null }));
    try {
      const global = await readFelixConfiguration(ds, 'default');
      const perHost = await readFelixConfiguration(ds, `node.${envOnly.hostname}`);
      const config = loadAgentConfig({ env, global, perHost, ...(opts.nftAvailable ? { nftAvailable: opts.nftAvailable } : {}) });
      const agent = new Agent(ds, opts.datastore === undefined, config, opts);
      if (global) agent.felixSpecs.set('default', global);
      if (perHost) agent.felixSpecs.set(`node.${config.hostname}`, perHost);
      return agent;
    } catch (e) {
      if (opts.datastore === undefined) await ds.close().catch(() => undefined);
      throw e;
    }
  }

  get appliedRevision(): number {
    return this.loop?.revision ?? -1;
  }

  get healthPort(): number | undefined {
    return this.healthServer?.port;
  }

  get metricsPort(): number | undefined {
    return this.metricsServer?.port;
  }

  /** Component names in start order. */
  components(): string[] {
    return this.lifecycle.order();
  }

  async start(): Promise<void> {
    this.log.info({ dataplane: this.config.dataplane, ignoredEnv: this.config.ignoredEnv }, 'starting calico-node agent');
    await this.lifecycle.start();
    this.log.info('calico-node agent started');
  }

  async stop(): Promise<void> {
    await this.lifecycle.stop();
    this.log.info('calico-node agent stopped');
  }

  /** Resolves when the apply loop has nothing pending (tests). */
  async idle(): Promise<void> {
    await this.loop?.idle();
  }

  private wire(): void {
    const cfg = this.config;
    this.health.registerReporter('calc_graph', { live: true, ready: true });
    this.health.registerReporter('int_dataplane', { live: true, ready: true, timeoutMs: 90_000 });
    this.lifecycle.register({
      name: 'datastore',
      start: () => undefined,
      stop: async () => { if (this.ownsDatastore) await this.datastore.close(); },
    });
    this.lifecycle.register({
      name: 'health',
      start: async () => {
        if (cfg.healthEnabled) this.healthServer = await serveHealth(this.health, cfg.healthHost, cfg.healthPort);
      },
      stop: async () => { await this.healthServer?.close(); },
    });
    this.lifecycle.register({
      name: 'metrics',
      start: async () => {
        if (cfg.prometheusMetricsEnabled) this.metricsServer = await serveMetrics(this.metrics, cfg.prometheusMetricsHost, cfg.prometheusMetricsPort);
      },
      stop: async () => { await this.metricsServer?.close(); },
    });
    this.lifecycle.register({
      name: 'dataplane',
      start: async () => {
        this.dataplane = await (this.opts.dataplaneFactory ?? defaultDataplaneFactory)({ driver: cfg.dataplane, hostname: cfg.hostname, config: cfg, log: this.log.child({ component: 'dataplane' }) });
      },
      stop: async () => { await this.dataplane?.stop(); },
    });
    let heartbeat: NodeJS.Timeout | undefined;
    this.lifecycle.register({
      name: 'calc',
      dependsOn: ['dataplane'],
      start: () => {
        this.startCalc();
        if (cfg.reportingIntervalMs > 0) {
          heartbeat = setInterval(() => void this.reporter?.heartbeat(), cfg.reportingIntervalMs);
          heartbeat.unref();
        }
      },
      stop: async () => {
        if (heartbeat) clearInterval(heartbeat);
        await this.loop?.stop();
      },
    });
    this.lifecycle.register({
      name: 'syncer',
      dependsOn: ['datastore', 'calc'],
      start: async () => {
        this.syncer = new Syncer(this.datastore, {
          onUpdates: (updates, revision) => this.onUpdates(updates, revision),
          onStatus: (s) => {
            this.metrics.setSyncStatus(s);
            if (s === 'ResyncInProgress') this.metrics.resyncsStarted.inc();
            this.log.info({ status: s }, 'datastore sync status');
          },
          onError: (err, retryMs) => this.log.warn({ err: err.message, retryMs }, 'datastore watch failed; relisting'),
        });
        await this.syncer.start();
      },
      stop: () => this.syncer?.stop(),
    });
    const env = this.opts.env ?? process.env;
    const routingMode = this.opts.routingStarter === null ? 'disabled' : routingModeFromEnv(env);
    if (routingMode !== 'disabled') {
      let routing: RoutingHandle | undefined;
      this.lifecycle.register({
        name: 'routing',
        dependsOn: ['datastore'],
        start: async () => {
          const starter = this.opts.routingStarter ?? await loadRoutingStarter();
          if (starter === null) {
            if (routingMode === 'required') throw new CalicoError('CALICO_ERR_UNSUPPORTED', 'CALICO_NETWORKING_BACKEND asks for routing, but src/routing is not installed');
            this.log.info('routing (src/routing) not installed; running without inter-node routing');
            return;
          }
          const underlayInterface = underlayInterfaceFromEnv(env);
          routing = await starter({
            ds: this.datastore, hostname: this.config.hostname, log: this.log.child({ component: 'routing' }),
            ...(underlayInterface !== undefined ? { underlayInterface } : {}),
          });
        },
        stop: () => routing?.stop(),
      });
    }
    if (this.opts.runControllers) {
      let running: { stop(): Promise<void> } | undefined;
      this.lifecycle.register({
        name: 'controllers',
        dependsOn: ['datastore'],
        start: async () => {
          const { startControllers } = await import('../controllers/index.js');
          running = await startControllers(this.datastore, { onError: (e) => this.log.warn({ err: String(e) }, 'controller error') });
        },
        stop: () => running?.stop(),
      });
    }
  }

  private startCalc(): void {
    const cfg = this.config;
    const dp = this.dataplane!;
    this.graph = new CalcGraph({ hostname: cfg.hostname });
    this.reporter = new StatusReporter(this.datastore, cfg.hostname, cfg.dataplane, (e) => this.log.warn({ err: String(e) }, 'status report write failed'));
    this.loop = new ApplyLoop(dp, {
      minApplyIntervalMs: this.opts.minApplyIntervalMs ?? 50,
      resyncIntervalMs: cfg.dataplaneRefreshIntervalMs,
      onTick: () => this.reportDataplaneHealth(),
      onApplyStart: (messages) => this.log.debug({ messages }, 'dataplane apply starting'),
      onApplied: (revision, info) => {
        if (info.kernelTouched) {
          this.metrics.applyTime.observe(info.durationMs / 1000);
          this.metrics.msgBatchSize.observe(info.messages);
          if (!this.firstApplyDone) this.metrics.initialResyncTime.set((performance.now() - this.startedAt) / 1000);
          this.log.debug({ revision, ms: Math.round(info.durationMs), messages: info.messages }, 'dataplane applied');
        }
        this.firstApplyDone = true;
        this.metrics.appliedRevision.set(revision);
        this.reportDataplaneHealth();
        void this.reporter?.record(revision);
      },
      onFailure: (err, n, retryMs) => {
        this.metrics.applyFailures.inc();
        this.log.error({ err: String(err), consecutive: n, retryMs }, 'dataplane apply failed; will retry');
      },
      onFatal: (err) => {
        this.fatal = true;
        this.reportDataplaneHealth();
        this.log.fatal({ err: String(err) }, 'dataplane apply keeps failing; giving up');
        this.opts.onFatal?.(err);
      },
      onResync: (err, ms) => {
        if (err) this.log.warn({ err: String(err), ms: Math.round(ms) }, 'dataplane resync failed');
        else this.log.debug({ ms: Math.round(ms) }, 'dataplane resynced');
      },
    });
    this.loop.start();
    // Env overrides of calc-relevant params go in as the node's own FelixConfiguration.
    if (Object.keys(calcOverrides(cfg)).length > 0) this.graph.onUpdate(this.nodeFelixUpdate());
    this.health.report('calc_graph', { live: true, ready: false });
    this.reportDataplaneHealth();
  }

  private reportDataplaneHealth(): void {
    this.health.report('int_dataplane', { live: !this.fatal, ready: !this.fatal && this.firstApplyDone });
  }

  private nodeFelixUpdate(): CalcUpdate {
    const name = `node.${this.config.hostname}`;
    const spec = { ...(this.felixSpecs.get(name) ?? {}), ...calcOverrides(this.config) };
    return { kind: FC_KIND, key: { kind: FC_KIND, name }, value: { metadata: { name }, spec } };
  }

  private onUpdates(updates: readonly SyncerUpdate[], revision: number): void {
    const graph = this.graph!;
    const t0 = performance.now();
    try {
      const poolMsgs: IpPoolMsg[] = [];
      for (const u of updates) {
        this.counts.onUpdate(u);
        this.metrics.calcUpdatesProcessed.inc({ type: u.kind });
        if (u.kind === FC_KIND) this.onFelixConfiguration(u);
        else if (u.kind === 'IPPool') this.pools.onUpdate(u.key.name, u.value, poolMsgs);
        else if (isCalcUpdate(u)) graph.onUpdate(u);
        if (u.kind === 'InSync') this.health.report('calc_graph', { live: true, ready: true });
      }
      const msgs: AgentDataplaneMsg[] = [...poolMsgs, ...graph.flush()];
      this.metrics.calcUpdateTime.observe((performance.now() - t0) / 1000);
      this.metrics.calcOutputEvents.inc(msgs.length);
      for (const m of msgs) this.metrics.messages.inc({ type: m.kind });
      this.refreshGauges(graph);
      this.loop!.push(msgs, revision);
    } catch (e) {
      // A throw from the graph is a broken invariant: crash loudly.
      this.health.report('calc_graph', { live: false, ready: false });
      this.log.fatal({ err: String(e) }, 'calculation graph failed');
      this.opts.onFatal?.(e);
    }
  }

  private refreshGauges(graph: CalcGraph): void {
    const s = graph.stats();
    this.metrics.activeLocalEndpoints.set(s.localEndpoints);
    this.metrics.activeLocalPolicies.set(s.activePolicies);
    this.metrics.activeLocalIpSets.set(s.activeIpSets);
    this.metrics.clusterNumHosts.set(this.counts.count('Node'));
    this.metrics.clusterNumWorkloadEndpoints.set(this.counts.count('WorkloadEndpoint'));
    this.metrics.clusterNumHostEndpoints.set(this.counts.count('HostEndpoint'));
    this.metrics.clusterNumPolicies.set(this.counts.count('policy'));
    this.metrics.clusterNumProfiles.set(this.counts.count('Profile'));
    this.metrics.clusterNumTiers.set(this.counts.count('Tier'));
  }

  /**
   * FelixConfiguration: only `default` and `node.<this host>` matter. An
   * invalid one (syncer validation, or a value this agent cannot use) is
   * reported and ignored: the graph and the dataplane keep the last good one.
   */
  private onFelixConfiguration(u: SyncerUpdate & { kind: 'FelixConfiguration' }): void {
    const name = u.key.name;
    const nodeName = `node.${this.config.hostname}`;
    if (name !== 'default' && name !== nodeName) return;
    if (u.invalid !== undefined) return this.rejectFelixConfiguration(name, u.invalid);
    const next = new Map(this.felixSpecs);
    if (u.value === null) next.delete(name);
    else next.set(name, (u.value.spec ?? {}) as FelixSpec);
    let cfg: AgentConfig;
    try {
      cfg = loadAgentConfig({
        env: this.opts.env ?? process.env, global: next.get('default') ?? null, perHost: next.get(nodeName) ?? null,
        ...(this.opts.nftAvailable ? { nftAvailable: this.opts.nftAvailable } : {}),
      });
    } catch (e) {
      return this.rejectFelixConfiguration(name, (e as Error).message);
    }
    const restart = restartRequiredChanges(this.config, cfg);
    if (restart.length > 0) this.log.warn({ params: restart }, 'FelixConfiguration changed parameters that take effect when calico-node restarts');
    this.felixSpecs.clear();
    for (const [k, v] of next) this.felixSpecs.set(k, v);
    const old = this.config;
    // Only live parameters change now; the rest (dataplane, ports) keep their start values until a restart.
    const refresh = (old.dataplane === 'nftables' ? cfg.params['NftablesRefreshInterval'] : cfg.params['IptablesRefreshInterval']) as number;
    this.config = { ...old, params: cfg.params, sources: cfg.sources, logSeverityScreen: cfg.logSeverityScreen, dataplaneRefreshIntervalMs: refresh, reportingIntervalMs: cfg.reportingIntervalMs };
    if (cfg.logSeverityScreen !== old.logSeverityScreen && this.opts.logger === undefined) this.log.level = pinoLevel(cfg.logSeverityScreen);
    if (refresh !== old.dataplaneRefreshIntervalMs) this.loop?.setResyncInterval(refresh);
    if (cfg.params['GoGCThreshold'] !== old.params['GoGCThreshold']) this.tuneGc(cfg);
    const graph = this.graph!;
    if (name === nodeName && Object.keys(calcOverrides(cfg)).length > 0) graph.onUpdate(this.nodeFelixUpdate());
    else graph.onUpdate(u as CalcUpdate);
  }

  /** GoGCThreshold -> V8's heap growth (live; see runtime-tuning.ts). */
  private tuneGc(cfg: AgentConfig): void {
    const threshold = cfg.params['GoGCThreshold'] as number;
    const percent = applyGcThreshold(threshold);
    this.log.debug({ goGCThreshold: threshold, heapGrowingPercent: percent }, 'garbage collector tuned');
    if (cfg.params['GoMemoryLimitMB'] !== -1) this.log.info({ goMemoryLimitMB: cfg.params['GoMemoryLimitMB'] }, 'GoMemoryLimitMB has no V8 equivalent; ignored');
  }

  private rejectFelixConfiguration(name: string, reason: string): void {
    this.metrics.configErrors.inc();
    this.log.error({ resource: `FelixConfiguration/${name}`, reason }, 'invalid FelixConfiguration ignored; keeping the last good configuration');
  }
}

/** Creates and starts an agent. */
export async function startAgent(opts: AgentOptions = {}): Promise<Agent> {
  const a = await Agent.create(opts);
  await a.start();
  return a;
}
