/**
 * Inter-node routing for one node (started by the agent, src/node):
 * VXLAN programmed directly (as Felix's VXLAN manager), BGP through BIRD 2
 * (as calico-node's confd + BIRD), the MTU file for the CNI plugin, and the
 * IPIP refusal. It watches its own inputs (IPPools, Nodes, IPAM blocks,
 * FelixConfiguration, BGPConfiguration, BGPPeer, BGPFilter) rather than
 * taking routes from the calc graph: see DESIGN.md.
 */
import type { Datastore } from '../datastore/datastore.js';
import { CalicoError } from '../lib/errors.js';
import { BirdDaemon, birdInput, defaultBirdRunDir, DEFAULT_RUN_DIR, renderBirdConfig, DEFAULT_SECRETS_DIR, type BgpSession } from '../bgp/index.js';
import { ResourceCache } from './resource-cache.js';
import { parseBlocks, parseFelixConfig, parseNodes, parsePools, type BlockView, type FelixRoutingConfig, type NodeView, type PoolView } from './routing-model.js';
import { computeVxlanPlan, vxlanPools, type VxlanPlan } from './vxlan-plan.js';
import { findUnderlayInterface, interfaceMtu, VxlanKernel } from './vxlan-kernel.js';
import { ensureVtepAddress } from './vtep.js';
import { computeMtu, DEFAULT_MTU_FILE, writeMtuFile, type MtuDecision } from './mtu.js';

export { computeVxlanPlan, vtepMacFor, VXLAN_DEVICE, VXLAN_DEVICE_V6, type VxlanPlan, type PlannedRoute, type VtepNeighbor } from './vxlan-plan.js';
export { VXLAN_ROUTE_PROTO } from './vxlan-kernel.js';
export { computeMtu, DEFAULT_MTU_FILE, VXLAN_OVERHEAD_V4, VXLAN_OVERHEAD_V6 } from './mtu.js';
export { vxlanHandle } from './vtep.js';

/** The subset of a pino logger routing uses. */
export interface RoutingLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export type NetworkingBackend = 'bird' | 'vxlan' | 'none';

export interface RoutingOptions {
  readonly ds: Datastore;
  readonly hostname: string;
  /** Program the kernel (and run BIRD) inside this network namespace; default: the current one. */
  readonly netns?: string;
  /** The underlay interface; default: the one holding the Node's IPv4 address, else the default route's. */
  readonly underlayInterface?: string;
  readonly log?: RoutingLogger;
  /** CALICO_NETWORKING_BACKEND: `bird` (BIRD + VXLAN pools, default), `vxlan` (no BIRD), `none`. */
  readonly backend?: NetworkingBackend;
  /** BIRD's config, socket (bird.ctl), pid and log; default $CALICO_RUN_DIR, else /var/run/calico (host netns) or /var/run/calico/netns/<name>. */
  readonly runDir?: string;
  /** Where the pod MTU is written for the CNI plugin; null = do not write. Default $CALICO_MTU_FILE or /var/lib/calico/mtu. */
  readonly mtuFile?: string | null;
  /** BGP password files: <secretsDir>/<secret>/<key>. Default $CALICO_BGP_SECRETS_DIR or /etc/calico/bgp-secrets. */
  readonly secretsDir?: string;
  /** Periodic full resync (ms); default 10 s. */
  readonly resyncMs?: number;
}

export interface RoutingStatus {
  readonly backend: NetworkingBackend;
  readonly vxlan: VxlanPlan;
  readonly vxlanV6: VxlanPlan;
  readonly vtepAddress?: string;
  readonly vtepAddressV6?: string;
  readonly podMtu?: number;
  /** Configuration problems (e.g. IPIP pools this kernel cannot carry). */
  readonly problems: readonly string[];
  readonly lastError?: string;
  readonly reconciles: number;
  readonly birdConfig?: string;
  readonly birdSocket?: string;
}

export interface RoutingHandle {
  stop(): Promise<void>;
  status(): RoutingStatus;
  /** BIRD's sessions (empty with the vxlan backend). */
  bgpSessions(): Promise<BgpSession[]>;
  /** Waits until routing has seen every datastore write made so far, then reconciles (tests, and after a known change). */
  resync(): Promise<void>;
}

/** WorkloadEndpoints: BGPPeers with localWorkloadSelector peer with this node's workloads. */
const KINDS = ['IPPool', 'Node', 'IPAMBlock', 'FelixConfiguration', 'BGPConfiguration', 'BGPPeer', 'BGPFilter', 'WorkloadEndpoint'] as const;

/** The message routing reports for IPIP pools: this kernel has no ipip module. */
export function ipipProblem(p: PoolView): string {
  return `IPPool ${p.name}: ipipMode ${p.ipipMode} is not supported: this kernel lacks the ipip module; use vxlanMode instead (pool not routed by IPIP)`;
}

function backendFromEnv(): NetworkingBackend {
  const v = (process.env['CALICO_NETWORKING_BACKEND'] ?? '').toLowerCase();
  return v === 'vxlan' || v === 'none' ? v : 'bird';
}

export async function startRouting(opts: RoutingOptions): Promise<RoutingHandle> {
  const r = new Routing(opts);
  await r.start();
  return {
    stop: () => r.stop(),
    status: () => r.status(),
    bgpSessions: () => r.bgpSessions(),
    resync: () => r.resync(),
  };
}

class Routing {
  private readonly cache: ResourceCache;
  private readonly kernel: VxlanKernel;
  private readonly backend: NetworkingBackend;
  private readonly bird: BirdDaemon | undefined;
  private readonly mtuFile: string | null;
  private timer: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private st: RoutingStatus;

  constructor(private readonly opts: RoutingOptions) {
    this.backend = opts.backend ?? backendFromEnv();
    this.kernel = new VxlanKernel(opts.netns);
    const explicit = opts.runDir ?? process.env['CALICO_RUN_DIR'];
    const runDir = explicit ?? defaultBirdRunDir(opts.netns);
    const perNetns = explicit === undefined && runDir !== DEFAULT_RUN_DIR;
    this.bird = this.backend === 'bird' ? new BirdDaemon(runDir, opts.netns, opts.hostname, perNetns) : undefined;
    this.mtuFile = opts.mtuFile === undefined ? (process.env['CALICO_MTU_FILE'] ?? DEFAULT_MTU_FILE) : opts.mtuFile;
    this.cache = new ResourceCache({
      ds: opts.ds, kinds: KINDS, onChange: () => this.schedule(),
      onError: (e) => opts.log?.warn({ err: e.message }, 'routing watch failed; relisting'),
    });
    this.st = { backend: this.backend, vxlan: { enabled: false, routes: [], neighbors: [] }, vxlanV6: { enabled: false, routes: [], neighbors: [] }, problems: [], reconciles: 0,
      ...(this.bird ? { birdSocket: this.bird.paths.socket } : {}) };
  }

  async start(): Promise<void> {
    if (this.backend === 'none') return;
    await this.cache.start();
    await this.reconcileNow();
    this.timer = setInterval(() => this.schedule(), this.opts.resyncMs ?? 10_000);
    this.timer.unref();
  }

  status(): RoutingStatus { return this.st; }

  async resync(): Promise<void> {
    await this.cache.catchUp();
    await this.reconcileNow();
  }

  async bgpSessions(): Promise<BgpSession[]> {
    return this.bird ? this.bird.sessions() : [];
  }

  private schedule(): void {
    if (this.stopped || this.debounce) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      this.reconcileNow().catch(() => { /* recorded in status */ });
    }, 50);
  }

  /** Serialised: a call during a run makes exactly one more run afterwards. */
  async reconcileNow(): Promise<void> {
    if (this.running) { this.again = true; return this.running; }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.reconcile();
          const { lastError: _drop, ...rest } = this.st;
          this.st = rest;
        } catch (e) {
          this.st = { ...this.st, lastError: (e as Error).message };
          this.opts.log?.error({ err: (e as Error).message }, 'routing reconcile failed; retrying on the next change or resync');
        }
      } while (this.again && !this.stopped);
    })().finally(() => { this.running = undefined; });
    return this.running;
  }

  private async reconcile(): Promise<void> {
    if (this.stopped) return;
    const { hostname } = this.opts;
    const pools = parsePools(this.cache.get('IPPool'));
    const nodes = parseNodes(this.cache.get('Node'));
    const blocks = parseBlocks(this.cache.get('IPAMBlock'));
    const felix = parseFelixConfig(this.cache.get('FelixConfiguration'), hostname);
    const problems = pools.filter((p) => p.ipipMode !== 'Never').map(ipipProblem);
    // VXLAN and BGP are independent: a failure in one must not hold back the other.
    const failures: string[] = [];
    const local = nodes.get(hostname);
    if (!local) {
      // Not registered (yet): no underlay address to route from. Touch neither the kernel nor the MTU file.
      const problem = `Node ${hostname} does not exist: routing waits for it`;
      if (!this.st.problems.includes(problem)) this.opts.log?.warn({ problem }, 'routing configuration problem');
      this.st = { ...this.st, problems: [...problems, problem], reconciles: this.st.reconciles + 1 };
      return;
    }
    const underlay = this.opts.underlayInterface ?? await findUnderlayInterface(local?.ipv4 ?? local?.ipv6, this.opts.netns);
    const underlayMtu = underlay ? await interfaceMtu(underlay, this.opts.netns) : undefined;
    const vxPools = { 4: felix.vxlanEnabled === false ? [] : vxlanPools(pools, 4), 6: felix.vxlanEnabled === false ? [] : vxlanPools(pools, 6) };
    const mtu = underlayMtu ? computeMtu(underlayMtu, felix, vxPools[4].length > 0, vxPools[6].length > 0) : undefined;
    if (mtu && this.mtuFile) writeMtuFile(this.mtuFile, mtu.podMtu);

    // VXLAN, per address family (vxlan.calico over IPv4, vxlan-v6.calico over IPv6).
    let plan: VxlanPlan = { enabled: false, routes: [], neighbors: [] };
    let planV6: VxlanPlan = { enabled: false, routes: [], neighbors: [] };
    let vtep: { address: string; mac: string } | undefined;
    let vtepV6: { address: string; mac: string } | undefined;
    for (const family of [4, 6] as const) {
      try {
        const r = await this.syncVxlanFamily(family, { pools, nodes, blocks, felix, vxPools: vxPools[family], underlay, mtu });
        if (family === 4) { plan = r.plan; vtep = r.vtep; } else { planV6 = r.plan; vtepV6 = r.vtep; }
      } catch (e) {
        failures.push(`IPv${family} VXLAN: ${(e as Error).message}`);
      }
    }

    // BGP
    let birdConfig: string | undefined;
    if (this.bird) try {
      const res = birdInput({
        hostname, pools, nodes, blocks, bgpConfigurations: this.cache.get('BGPConfiguration'),
        bgpPeers: this.cache.get('BGPPeer'), bgpFilters: this.cache.get('BGPFilter'),
        workloadEndpoints: this.cache.get('WorkloadEndpoint'),
        secretsDir: this.opts.secretsDir ?? process.env['CALICO_BGP_SECRETS_DIR'] ?? DEFAULT_SECRETS_DIR,
      });
      problems.push(...res.problems);
      if (res.input) {
        birdConfig = renderBirdConfig(res.input);
        if (await this.bird.apply(birdConfig)) this.opts.log?.info({ peers: res.input.peers.length }, 'BIRD configuration applied');
      }
    } catch (e) {
      failures.push(`BGP: ${(e as Error).message}`);
    }
    for (const p of problems) if (!this.st.problems.includes(p)) this.opts.log?.error({ problem: p }, 'routing configuration problem');
    this.st = {
      backend: this.backend, vxlan: plan, vxlanV6: planV6, problems, reconciles: this.st.reconciles + 1,
      ...(vtep ? { vtepAddress: vtep.address } : {}), ...(vtepV6 ? { vtepAddressV6: vtepV6.address } : {}), ...(mtu ? { podMtu: mtu.podMtu } : {}),
      ...(birdConfig !== undefined ? { birdConfig } : {}), ...(this.bird ? { birdSocket: this.bird.paths.socket } : {}),
    };
    if (failures.length > 0) throw new CalicoError('CALICO_ERR_KERNEL', failures.join('; '));
  }

  /** One family's VXLAN: VTEP address, device, neighbours, routes; or everything removed when unused. */
  private async syncVxlanFamily(family: 4 | 6, c: {
    pools: readonly PoolView[]; nodes: ReadonlyMap<string, NodeView>; blocks: readonly BlockView[]; felix: FelixRoutingConfig;
    vxPools: readonly PoolView[]; underlay: string | undefined; mtu: MtuDecision | undefined;
  }): Promise<{ plan: VxlanPlan; vtep?: { address: string; mac: string } }> {
    const { hostname, ds } = this.opts;
    const local = c.nodes.get(hostname);
    const localIp = family === 4 ? local?.ipv4 : local?.ipv6;
    // Without the Node's address of this family there is no VTEP for it (but a stale one is released).
    const vtep = local && (localIp || c.vxPools.length === 0) ? await ensureVtepAddress(ds, hostname, localIp ? c.vxPools : [], family) : undefined;
    if (c.vxPools.length > 0 && vtep && c.underlay && localIp && c.mtu) {
      const plan = computeVxlanPlan({ hostname, pools: c.pools, nodes: c.nodes, blocks: c.blocks, underlayInterface: c.underlay, family,
        ...(c.felix.vxlanEnabled !== undefined ? { vxlanEnabled: c.felix.vxlanEnabled } : {}) });
      await this.kernel.ensureDevice({ family, vni: c.felix.vxlanVNI, port: c.felix.vxlanPort, mtu: family === 4 ? c.mtu.vxlanMtu : c.mtu.vxlanMtuV6,
        mac: vtep.mac, address: vtep.address, parentInterface: c.underlay, localUnderlayIp: localIp });
      await this.kernel.syncNeighbors(plan, family);
      await this.kernel.syncRoutes(plan.routes, family);
      return { plan, vtep };
    }
    await this.kernel.syncRoutes([], family);
    await this.kernel.removeDevice(family);
    return { plan: { enabled: false, routes: [], neighbors: [] } };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
    await this.cache.stop();
    await this.running;
    await this.bird?.stop();
  }
}
