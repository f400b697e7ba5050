/**
 * IntDataplane: the Linux policy dataplane the node agent drives (Felix's
 * InternalDataplane, felix/dataplane/linux/int_dataplane.go).
 *
 *   onMessages(msgs)   cheap: folds model messages into the managers, marks dirty
 *   apply()            resolution pass (managers render their dirty objects into
 *                      the writer), then programming pass (the writer sends the
 *                      delta: one nftables transaction per family, or ipset
 *                      creates -> iptables-restore --noflush -> ipset deletes)
 *   resync()           re-read the kernel and repair anything changed behind our back
 *   stop()             ends helper processes; the ruleset stays (a restarted agent adopts it)
 *
 * The first apply removes the other dataplane's leftovers (switch-over) and
 * sets the sysctls a node needs.
 */
import { performance } from 'node:perf_hooks';
import { HostExec, type Exec } from './kernel/exec-shim.js';
import { NftSession, type NftTransport } from './kernel/nft-session.js';
import type { DataplaneMsg, DataplaneSink, ModelConfig } from './model/types.js';
import { AllowSetsManager } from './managers/allow-sets.js';
import { EndpointManager } from './managers/endpoint-manager.js';
import { readInterfaceAddrs } from './managers/interface-addrs.js';
import { IpSetsManager } from './managers/ipsets-manager.js';
import { NftWriter } from './managers/nft-writer.js';
import { PolicyManager } from './managers/policy-manager.js';
import { isIpPoolMsg, type IpPoolInfo, type IpPoolMsg } from './managers/pool-msg.js';
import type { RulesetWriter } from './managers/ruleset-writer.js';
import { applySysctls } from './managers/sysctls.js';
import type { Family } from './rules/ir.js';
import { staticChains } from './rules/static-chains.js';

export type { IpPoolInfo, IpPoolMsg } from './managers/pool-msg.js';

/** pino-compatible subset. */
export interface DataplaneLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export type DataplaneDriver = 'nftables' | 'iptables';

export interface IntDataplaneOptions {
  readonly driver: DataplaneDriver;
  readonly hostname: string;
  /** Program the ruleset inside this named network namespace (tests, the lab's nodes). */
  readonly netns?: string;
  /** Pools known at start (more arrive as IpPoolMsg). Their keys are their CIDRs. */
  readonly natOutgoingPools?: readonly IpPoolInfo[];
  readonly log?: DataplaneLogger;
  /** iptables only: FelixConfiguration iptablesBackend (default auto-detect). */
  readonly iptablesBackend?: 'auto' | 'legacy' | 'nft';
  /** Program IPv6 too (default true; a ConfigUpdate with ipv6Support false turns it off). */
  readonly ipv6?: boolean;
  /** Set ip_forward and per-interface sysctls (default true). */
  readonly sysctls?: boolean;
  /**
   * Compile runs of allow-only policies into set lookups (default true);
   * false walks every policy chain, as Felix does.
   */
  readonly compileAllowRuns?: boolean;
  /** Seams for tests: the command runner and the nft transport. */
  readonly exec?: Exec;
  readonly nftTransport?: NftTransport;
}

export interface ApplyStats {
  readonly durationMs: number;
  /** nft commands or iptables-restore/ipset lines sent. */
  readonly commands: number;
  /** Whether the kernel was (re)read (first apply, resync, after a failed batch). */
  readonly readKernel: boolean;
  readonly activeWorkloadEndpoints: number;
  readonly activePolicies: number;
  readonly activeIpSets: number;
}

export interface IntDataplane extends DataplaneSink {
  readonly driver: DataplaneDriver;
  onMessages(msgs: readonly (DataplaneMsg | IpPoolMsg)[]): void;
  apply(): Promise<ApplyStats>;
  resync(): Promise<ApplyStats>;
  stop(): Promise<void>;
}

const noLog: DataplaneLogger = { debug() {}, info() {}, warn() {}, error() {} };

class LinuxDataplane implements IntDataplane {
  readonly driver: DataplaneDriver;
  private readonly exec: Exec;
  private readonly log: DataplaneLogger;
  private readonly ipsets = new IpSetsManager();
  private readonly policies = new PolicyManager();
  private readonly endpoints = new EndpointManager();
  private readonly allowSets: AllowSetsManager;
  private config: ModelConfig | null = null;
  private staticDirty = true;
  private families: readonly Family[] = [];
  private writer: RulesetWriter | null = null;
  private started = false;
  private readonly sysctlsDone = new Set<string>();
  /** Host endpoints changed since interface addresses were last read. */
  private hostEndpointsChanged = true;
  /** Endpoints or families changed, or a sysctl could not be written yet. */
  private sysctlsPending = true;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: IntDataplaneOptions) {
    this.driver = opts.driver;
    this.exec = opts.exec ?? new HostExec(opts.netns);
    this.log = opts.log ?? noLog;
    this.endpoints.onJumpTargetChange = (chain) => this.policies.chainReferenceChanged(chain);
    this.allowSets = new AllowSetsManager({
      policy: (key) => this.policies.policy(key),
      ipSetMembers: (id) => this.ipsets.members(id),
    }, opts.compileAllowRuns !== false);
    for (const p of opts.natOutgoingPools ?? []) this.ipsets.onMessage({ kind: 'IpPoolUpdate', id: p.cidr, pool: p });
  }

  onMessages(msgs: readonly (DataplaneMsg | IpPoolMsg)[]): void {
    for (const m of msgs) {
      if (m.kind === 'ConfigUpdate') {
        this.config = m.config;
        this.staticDirty = true;
        const fc = m.config.felixConfiguration;
        this.policies.setLogPrefix(typeof fc['logPrefix'] === 'string' && fc['logPrefix'] !== '' ? fc['logPrefix'] : undefined);
        continue;
      }
      if (m.kind === 'InSync') continue;
      this.ipsets.onMessage(m);
      if (isIpPoolMsg(m)) continue;
      this.policies.onMessage(m);
      this.allowSets.onMessage(m);
      this.endpoints.onMessage(m);
      if (m.kind === 'WorkloadEndpointUpdate' || m.kind === 'WorkloadEndpointRemove') this.sysctlsPending = true;
      if (m.kind === 'HostEndpointUpdate' || m.kind === 'HostEndpointRemove') this.hostEndpointsChanged = true;
    }
  }

  apply(): Promise<ApplyStats> {
    return this.serialized(() => this.applyNow(false));
  }

  resync(): Promise<ApplyStats> {
    return this.serialized(() => this.applyNow(true));
  }

  async stop(): Promise<void> {
    await this.queue.catch(() => undefined);
    await this.writer?.close();
    this.writer = null;
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async createWriter(): Promise<RulesetWriter> {
    if (this.opts.driver === 'nftables') {
      const transport = this.opts.nftTransport ?? new NftSession(this.opts.netns === undefined ? { exec: this.exec } : { netns: this.opts.netns, exec: this.exec });
      return new NftWriter({ transport, exec: this.exec });
    }
    const { createIptWriter } = await import('./managers/ipt-writer.js');
    return createIptWriter({ exec: this.exec, backend: this.opts.iptablesBackend ?? 'auto', log: this.log });
  }

  private async applyNow(resync: boolean): Promise<ApplyStats> {
    const t0 = performance.now();
    const w = this.writer ?? (this.writer = await this.createWriter());
    if (!this.started) {
      await w.removeOtherDataplane();
      this.started = true;
      this.log.info({ driver: this.driver }, 'removed the other dataplane\'s leftovers');
    }
    const fams: Family[] = this.opts.ipv6 === false || this.config?.ipv6Support === false ? [4] : [4, 6];
    if (fams.join() !== this.families.join()) {
      this.families = fams;
      w.setFamilies(fams);
      this.ipsets.markAllDirty();
      this.policies.markAllDirty();
      this.endpoints.markAllDirty();
      this.allowSets.markAllDirty(fams);
      this.staticDirty = true;
      this.sysctlsPending = true;
    }
    if (this.staticDirty) {
      for (const f of fams) {
        const sc = staticChains(w.chainName, this.config, f);
        const append = this.config?.felixConfiguration['chainInsertMode'] === 'Append';
        for (const h of sc.hooks) w.setHookChain(f, h, append);
        for (const c of sc.chains) w.updateChain(f, [c.table], c.chain);
      }
      this.staticDirty = false;
    }
    if ((this.hostEndpointsChanged || resync) && this.endpoints.needsInterfaceAddrs()) {
      this.endpoints.setInterfaceAddrs(await readInterfaceAddrs(this.exec));
    }
    this.hostEndpointsChanged = false;
    // Resolution pass: sets, then policies/profiles, then endpoints (the writer orders the kernel batch).
    this.ipsets.completeDeferredWork(w, fams);
    // Compiled allow-only runs follow policy and set changes; some endpoints need re-rendering.
    const changed = this.allowSets.update(w);
    this.endpoints.markDirty(changed.endpoints);
    this.endpoints.markDirtyForPolicies(changed.policies);
    this.endpoints.completeDeferredWork(w, fams, this.allowSets);
    this.allowSets.flush(w);
    // Policies last: only chains some endpoint chain jumps to are programmed.
    this.policies.completeDeferredWork(w, fams, (f, chain) => this.endpoints.isJumpTarget(f, chain));
    // Programming pass.
    const r = resync ? await w.resync() : await w.apply();
    if (this.opts.sysctls !== false && (this.sysctlsPending || resync)) {
      // A resync rewrites them all (repairing a change behind our back); a failure never fails the apply.
      if (resync) this.sysctlsDone.clear();
      try {
        this.sysctlsPending = !(await applySysctls(this.exec, fams, this.endpoints.workloadInterfaces(), this.sysctlsDone, this.log));
      } catch (e) {
        this.sysctlsPending = true;
        this.log.warn({ err: String(e) }, 'sysctls could not be written');
      }
    }
    const stats: ApplyStats = {
      durationMs: performance.now() - t0,
      commands: r.commands,
      readKernel: r.readKernel,
      activeWorkloadEndpoints: this.endpoints.activeWorkloadEndpoints,
      activePolicies: this.policies.activePolicies,
      activeIpSets: this.ipsets.activeIpSets,
    };
    if (r.commands > 0) this.log.debug({ ...stats, resync }, 'dataplane applied');
    return stats;
  }
}

/** Creates the policy dataplane for this node; nothing touches the kernel until apply(). */
export function createIntDataplane(opts: IntDataplaneOptions): IntDataplane {
  return new LinuxDataplane(opts);
}
