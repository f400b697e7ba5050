/**
 * A one-node Felix test bed for the felix-* e2e scenarios, in the spirit of
 * upstream felix/fv's infrastructure + workload + connectivity.Checker:
 *
 *   ext netns (an outside host) --veth uplink--> node netns (bin/calico-node)
 *                                                  |-- cali veths --> pod netns (real CNI plugin)
 *
 * The node runs the real agent on a temp SQLite datastore; pods are made by
 * bin/calico (CNI ADD) from v1 Pod objects, and each runs the lab's
 * pod-server (TCP + UDP echo) on the ports asked for. The ext host and the
 * node itself can run servers too (host endpoint scenarios). Resources are
 * written through the ResourceClient (validation and defaults as calicoctl),
 * and every change is followed by waitForConvergence, so a check never races
 * the agent. Connectivity is checked with real TCP handshakes, UDP echoes and
 * ICMP echo (busybox ping), all in parallel, and reported as one table of
 * mismatches, like upstream's CheckConnectivity.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { exec, execChecked } from '../../dist/lib/exec.js';
import { SqliteDatastore } from '../../dist/datastore/sqlite/sqlite-datastore.js';
import { ResourceClient, resolveKindOf, type KindRef } from '../../dist/datastore/resource-client.js';
import { waitForConvergence } from '../../dist/node/convergence.js';
import { POD_SERVER } from '../../dist/lab/lab-paths.js';
import type { Resource } from '../../dist/api/types.js';
import { NetnsScope } from './netns.js';
import type { ProberRequest, ProberResponse, ProberTarget } from './felix-prober.js';

/** felix-prober.js beside this module (dist-test/test/support/). */
const PROBER_MAIN = join(import.meta.dirname, 'felix-prober.js');

interface Prober {
  ask(timeoutMs: number, targets: readonly ProberTarget[]): Promise<boolean[]>;
  stop(): void;
}

export const REPO = resolve(import.meta.dirname, '../../..');
export const API = 'projectcalico.org/v3';
export type Dataplane = 'nftables' | 'iptables';
export type Protocol = 'TCP' | 'UDP' | 'ICMP';

export interface FelixPodSpec {
  readonly namespace: string;
  readonly name: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly serviceAccountName?: string;
  /** Container ports declared on the Pod (named ports come from these). */
  readonly ports?: readonly { name?: string; containerPort: number; protocol?: 'TCP' | 'UDP' }[];
  /** Ports the pod's server listens on (TCP and UDP); default: the declared container ports. */
  readonly serve?: readonly number[];
}

export interface FelixNodeOptions {
  /** Short tag for netns names (a few letters). */
  readonly tag: string;
  readonly dataplane: Dataplane;
  readonly namespaces: readonly { name: string; labels?: Readonly<Record<string, string>> }[];
  readonly pods: readonly FelixPodSpec[];
  /** Give pods an IPv6 address too (a second pool) and enable Felix's IPv6 support. */
  readonly ipv6?: boolean;
  /** Ports served on the node's own addresses and on the ext host. */
  readonly hostServe?: readonly number[];
  readonly extServe?: readonly number[];
  /** Extra FELIX_* environment for the agent. */
  readonly env?: Readonly<Record<string, string>>;
}

/** Something that can send probes: a pod (`ns/name`), `host` (the node itself) or `ext` (outside host). */
export interface FelixEndpoint {
  readonly id: string;
  readonly netns: string;
  readonly ip: string;
  readonly ip6?: string;
}

export interface Expectation {
  readonly from: string;
  /** An endpoint id (its IPv4 or, with ipv6, IPv6 address) or an IP literal. */
  readonly to: string;
  readonly port?: number;
  readonly protocol?: Protocol;
  readonly ipv6?: boolean;
  readonly expect: boolean;
  /** Why this verdict is expected (shown on a mismatch). */
  readonly why?: string;
}

export const NODE = 'felix-node';
const POOL4 = '10.247.0.0/24';
const POOL6 = 'fd00:247::/120';
const UPLINK4 = { node: '192.168.247.1', ext: '192.168.247.2' };
const UPLINK6 = { node: 'fd00:2470::1', ext: 'fd00:2470::2' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class FelixNode {
  readonly endpoints = new Map<string, FelixEndpoint>();
  readonly ds: SqliteDatastore;
  readonly client: ResourceClient;
  private agent: { child: ChildProcess; log: string[]; exited: Promise<number | null> } | undefined;
  private readonly probers = new Map<string, Prober>();

  private constructor(
    readonly opts: FelixNodeOptions,
    readonly scope: NetnsScope,
    readonly dir: string,
    readonly dbPath: string,
    readonly hostNetns: string,
    readonly extNetns: string,
  ) {
    this.ds = SqliteDatastore.open(dbPath);
    this.client = new ResourceClient(this.ds);
  }

  /** Builds the whole bed (netns, datastore, pods, servers, agent) and waits until the agent is in sync. */
  static async start(opts: FelixNodeOptions): Promise<FelixNode> {
    const scope = new NetnsScope(opts.tag);
    const dir = mkdtempSync(join(tmpdir(), `calico-felix-${opts.tag}-`));
    let node: FelixNode | undefined;
    try {
      const host = await scope.netns('node');
      const ext = await scope.netns('ext');
      node = new FelixNode(opts, scope, dir, join(dir, 'calico.db'), host, ext);
      await node.setUp();
      return node;
    } catch (e) {
      if (node) await node.stop();
      else { await scope.cleanup(); rmSync(dir, { recursive: true, force: true }); }
      throw e;
    }
  }

  private async setUp(): Promise<void> {
    const { hostNetns: host, extNetns: ext, opts } = this;
    const binDir = join(this.dir, 'bin');
    mkdirSync(binDir);
    symlinkSync(join(REPO, 'bin/calico'), join(binDir, 'calico'));
    symlinkSync(join(REPO, 'bin/calico-ipam'), join(binDir, 'calico-ipam'));

    // The uplink: node eth0 <-> ext eth0, with v4 and v6 addresses; the ext host routes the pools via the node.
    await execChecked('ip', ['-n', host, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ext]);
    for (const [ns, a4, a6] of [[host, UPLINK4.node, UPLINK6.node], [ext, UPLINK4.ext, UPLINK6.ext]] as const) {
      await execChecked('ip', ['-n', ns, 'addr', 'add', `${a4}/24`, 'dev', 'eth0']);
      await execChecked('ip', ['-n', ns, '-6', 'addr', 'add', `${a6}/64`, 'dev', 'eth0', 'nodad']);
      await execChecked('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
    }
    // The node's default route points at the ext host: besides being realistic, the pods' gateway
    // 169.254.1.1 must be routable on the node for proxy ARP on the cali veths to answer.
    await execChecked('ip', ['-n', host, 'route', 'add', 'default', 'via', UPLINK4.ext]);
    await execChecked('ip', ['-n', host, '-6', 'route', 'add', 'default', 'via', UPLINK6.ext]);
    await execChecked('ip', ['-n', ext, 'route', 'add', POOL4, 'via', UPLINK4.node]);
    await execChecked('ip', ['-n', ext, '-6', 'route', 'add', POOL6, 'via', UPLINK6.node]);
    for (const [k, v] of [['net.ipv4.ip_forward', '1'], ['net.ipv6.conf.all.forwarding', '1']]) {
      await execChecked('ip', ['netns', 'exec', host, 'sysctl', '-qw', `${k}=${v}`]);
    }
    this.endpoints.set('host', { id: 'host', netns: host, ip: UPLINK4.node, ip6: UPLINK6.node });
    this.endpoints.set('ext', { id: 'ext', netns: ext, ip: UPLINK4.ext, ip6: UPLINK6.ext });

    await this.apply({ apiVersion: API, kind: 'IPPool', metadata: { name: 'pool4' }, spec: { cidr: POOL4, blockSize: 26, ipipMode: 'Never', vxlanMode: 'Never', natOutgoing: false } });
    if (opts.ipv6) await this.apply({ apiVersion: API, kind: 'IPPool', metadata: { name: 'pool6' }, spec: { cidr: POOL6, blockSize: 122, ipipMode: 'Never', vxlanMode: 'Never', natOutgoing: false } });
    for (const ns of opts.namespaces) {
      await this.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns.name, labels: { ...ns.labels, 'kubernetes.io/metadata.name': ns.name } } });
      await this.ensureServiceAccount(ns.name, 'default');
    }
    await Promise.all([
      this.serve('host', host, opts.hostServe ?? []),
      this.serve('ext', ext, opts.extServe ?? []),
    ]);
    for (const p of opts.pods) await this.addPod(p, binDir);

    this.agent = this.startAgent();
    await this.converge();
  }

  private async ensureServiceAccount(namespace: string, name: string): Promise<void> {
    if ((await this.client.list('ServiceAccount', { namespace, name })).items.length > 0) return;
    await this.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });
  }

  private async addPod(p: FelixPodSpec, binDir: string): Promise<void> {
    const sa = p.serviceAccountName ?? 'default';
    await this.ensureServiceAccount(p.namespace, sa);
    await this.apply({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: p.name, namespace: p.namespace, labels: { ...p.labels } },
      spec: {
        nodeName: NODE, serviceAccountName: sa,
        containers: [{ name: 'server', ports: (p.ports ?? []).map((x) => ({ ...x, protocol: x.protocol ?? 'TCP' })) }],
      },
    });
    const netns = await this.scope.netns(`${p.namespace}-${p.name}`.slice(0, 20));
    const conf = {
      cniVersion: '1.0.0', name: 'k8s-pod-network', type: 'calico', nodename: NODE, mtu: 1400,
      datastore_type: 'sqlite', datastore_path: this.dbPath, log_level: 'error',
      ipam: { type: 'calico-ipam', assign_ipv4: 'true', assign_ipv6: this.opts.ipv6 ? 'true' : 'false' }, policy: { type: 'k8s' },
    };
    const r = await exec('ip', ['netns', 'exec', this.hostNetns, join(REPO, 'bin/calico')], {
      input: JSON.stringify(conf),
      env: {
        CNI_COMMAND: 'ADD', CNI_IFNAME: 'eth0', CNI_PATH: binDir, CNI_NETNS: `/var/run/netns/${netns}`,
        CNI_CONTAINERID: `ctr-${p.namespace}-${p.name}-0001`, CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=${p.namespace};K8S_POD_NAME=${p.name}`,
      },
    });
    assert.equal(r.code, 0, `CNI ADD ${p.namespace}/${p.name}: ${r.stdout}${r.stderr}`);
    const ips = ((JSON.parse(r.stdout) as { ips: { address: string }[] }).ips).map((x) => x.address.split('/')[0]!);
    const ip = ips.find((a) => isIP(a) === 4);
    assert.ok(ip, `pod ${p.namespace}/${p.name} got an IPv4 address: ${ips.join(',')}`);
    const ip6 = ips.find((a) => isIP(a) === 6);
    if (this.opts.ipv6) assert.ok(ip6, `pod ${p.namespace}/${p.name} got an IPv6 address: ${ips.join(',')}`);
    const id = `${p.namespace}/${p.name}`;
    this.endpoints.set(id, { id, netns, ip, ...(ip6 ? { ip6 } : {}) });
    await this.serve(id, netns, p.serve ?? (p.ports ?? []).map((x) => x.containerPort));
  }

  /** Starts the lab's pod-server (TCP and UDP echo, v4 and v6) in a netns and waits for "ready". */
  private async serve(id: string, netns: string, ports: readonly number[]): Promise<void> {
    if (ports.length === 0) return;
    const child = spawn('ip', ['netns', 'exec', netns, process.execPath, POD_SERVER, id, ...ports.map(String)], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.scope.track(child.pid);
    let out = '';
    await new Promise<void>((res, rej) => {
      const t = setTimeout(() => rej(new Error(`server in ${id} not ready: ${out}`)), 10_000);
      child.stdout!.setEncoding('utf8').on('data', (d: string) => { out += d; if (out.includes('ready')) { clearTimeout(t); res(); } });
      child.stderr!.setEncoding('utf8').on('data', (d: string) => { out += d; });
      child.on('exit', (c) => { clearTimeout(t); rej(new Error(`server in ${id} exited ${c}: ${out}`)); });
    });
  }

  private startAgent() {
    const env: Record<string, string> = {
      PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      CALICO_NODENAME: NODE, DATASTORE_TYPE: 'sqlite', CALICO_DATASTORE_PATH: this.dbPath, CALICO_DATAPLANE: this.opts.dataplane,
      CALICO_NETWORKING_BACKEND: 'none', FELIX_LOGSEVERITYSCREEN: 'info',
      // Health on: with it off (Felix's default) and the SQLite datastore, calico-node currently
      // exits 0 after its first apply (nothing ref'd keeps its event loop alive; a src/node bug).
      FELIX_HEALTHENABLED: 'true', FELIX_IPV6SUPPORT: this.opts.ipv6 ? 'true' : 'false',
      ...this.opts.env,
    };
    const child = spawn('ip', ['netns', 'exec', this.hostNetns, process.execPath, join(REPO, 'bin/calico-node')], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    this.scope.track(child.pid);
    const log: string[] = [];
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { log.push(d); if (log.length > 500) log.shift(); });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    return { child, log, exited };
  }

  /** Whether the agent process is still running. */
  agentRunning(): boolean {
    return this.agent !== undefined && this.agent.child.exitCode === null && this.agent.child.signalCode === null;
  }

  /** The last lines the agent logged (for failure messages). */
  agentLog(lines = 30): string {
    return (this.agent?.log ?? []).join('').split('\n').slice(-lines).join('\n');
  }

  endpoint(id: string): FelixEndpoint {
    const e = this.endpoints.get(id);
    if (!e) throw new Error(`no endpoint ${id} (have ${[...this.endpoints.keys()].join(', ')})`);
    return e;
  }

  /** Writes resources in order (calicoctl apply semantics); returns the datastore revision after the last. */
  async apply(...resources: readonly object[]): Promise<number> {
    for (const r of resources) await this.client.apply(r as Resource);
    return this.ds.currentRevision();
  }

  /** Deletes a resource; `kind` as calicoctl names it, or a KindInfo (e.g. for networking.k8s.io NetworkPolicy). */
  async remove(kind: KindRef, name: string, namespace?: string): Promise<void> {
    await this.client.delete(kind, name, namespace === undefined ? {} : { namespace });
  }

  /**
   * Applies `resources`, waits for the agent, runs `body`, then deletes them
   * (in reverse order, also when `body` fails) and waits again, so scenarios
   * sharing one bed do not leak policy into each other.
   */
  async withResources(resources: readonly object[], body: () => Promise<void>): Promise<void> {
    const applied: { kind: KindRef; name: string; namespace?: string }[] = [];
    try {
      for (const r of resources) {
        const res = r as Resource;
        await this.client.apply(res);
        applied.push({ kind: resolveKindOf(res), name: res.metadata.name, ...(res.metadata.namespace ? { namespace: res.metadata.namespace } : {}) });
      }
      await this.converge();
      await body();
    } finally {
      for (const a of applied.reverse()) await this.remove(a.kind, a.name, a.namespace);
      await this.converge();
    }
  }

  /** Waits until the agent reports it has applied everything written so far. */
  async converge(timeoutMs = 30_000): Promise<void> {
    const rev = await this.ds.currentRevision();
    try {
      await waitForConvergence(this.ds, [NODE], rev, timeoutMs);
    } catch (e) {
      throw new Error(`${(e as Error).message}\nagent exit code: ${this.agent?.child.exitCode}\nagent log tail:\n${this.agentLog()}`);
    }
  }

  /** Applies, then waits for the agent to program it. */
  async applyAndConverge(...resources: readonly object[]): Promise<void> {
    await this.apply(...resources);
    await this.converge();
  }

  private target(e: Expectation): string {
    if (isIP(e.to)) return e.to;
    const ep = this.endpoint(e.to);
    if (!e.ipv6) return ep.ip;
    assert.ok(ep.ip6, `${e.to} has no IPv6 address`);
    return ep.ip6;
  }

  /** One round of probes: the observed verdict for each expectation, in order. */
  async probe(exps: readonly Expectation[], timeoutMs = 1000): Promise<boolean[]> {
    const out = new Array<boolean>(exps.length).fill(false);
    const bySource = new Map<string, number[]>();
    exps.forEach((e, i) => bySource.set(e.from, [...(bySource.get(e.from) ?? []), i]));
    await Promise.all([...bySource].map(async ([from, idxs]) => {
      const targets = idxs.map((i) => ({ ip: this.target(exps[i]!), port: exps[i]!.port ?? 8080, protocol: exps[i]!.protocol ?? 'TCP' }));
      const connected = await this.prober(from).ask(timeoutMs, targets);
      idxs.forEach((i, k) => { out[i] = connected[k] === true; });
    }));
    return out;
  }

  /** The long-lived prober in an endpoint's netns (test/support/felix-prober.ts), started on first use. */
  private prober(from: string): Prober {
    let p = this.probers.get(from);
    if (p) return p;
    const child = spawn('ip', ['netns', 'exec', this.endpoint(from).netns, process.execPath, PROBER_MAIN], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.scope.track(child.pid);
    const waiting = new Map<number, (r: ProberResponse) => void>();
    let buf = '';
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const res = JSON.parse(buf.slice(0, nl)) as ProberResponse;
        buf = buf.slice(nl + 1);
        waiting.get(res.id)?.(res);
        waiting.delete(res.id);
      }
    });
    let nextId = 0;
    p = {
      ask: (timeoutMs, targets) => new Promise<boolean[]>((res, rej) => {
        const id = nextId++;
        const guard = setTimeout(() => rej(new Error(`prober in ${from} did not answer: ${err}`)), timeoutMs + 15_000);
        waiting.set(id, (r) => { clearTimeout(guard); res(r.connected); });
        const req: ProberRequest = { id, timeoutMs, targets };
        child.stdin!.write(JSON.stringify(req) + '\n');
      }),
      stop: () => { child.stdin!.end(); child.kill('SIGKILL'); },
    };
    this.probers.set(from, p);
    return p;
  }

  /**
   * Asserts every expectation, like upstream's cc.CheckConnectivity(): probes
   * all at once, re-probes only the mismatches (up to `rounds` times, with
   * growing timeouts, so a packet lost once does not decide), then fails with
   * one table of what differed.
   */
  async expectConnectivity(exps: readonly Expectation[], rounds = 3): Promise<void> {
    let pending = exps.map((_, i) => i);
    let seen: boolean[] = [];
    for (let round = 0; round < rounds && pending.length > 0; round++) {
      if (round > 0) await sleep(300);
      // Short first timeout (a handshake between netns takes well under 10 ms); only the
      // mismatches are probed again, with longer timeouts, so a slow moment cannot decide.
      const got = await this.probe(pending.map((i) => exps[i]!), 300 * 3 ** round);
      seen = new Array<boolean>(exps.length);
      pending.forEach((i, k) => { seen[i] = got[k]!; });
      pending = pending.filter((i) => seen[i] !== exps[i]!.expect);
    }
    if (pending.length === 0) return;
    const line = (i: number) => {
      const e = exps[i]!;
      const what = `${e.from} -> ${e.to}${e.ipv6 ? ' (v6)' : ''} ${e.protocol ?? 'TCP'}${e.protocol === 'ICMP' ? '' : `/${e.port ?? 8080}`}`;
      return `  ${what}: expected ${e.expect ? 'connected' : 'blocked'}, got ${seen[i] ? 'connected' : 'blocked'}${e.why ? ` (${e.why})` : ''}`;
    };
    assert.fail(`${this.opts.dataplane}: connectivity differs:\n${pending.map(line).join('\n')}`);
  }

  /**
   * A long-lived UDP flow (one socket, one source port) from an endpoint to
   * a pod-server: a datagram every 100 ms; `replies()` counts echoes so far.
   * Conntrack keeps an established flow's verdict across policy changes.
   */
  startUdpFlow(from: string, to: string, port: number): UdpFlow {
    const src = this.endpoint(from);
    const ip = this.target({ from, to, port, expect: true });
    const js = `const s=require('dgram').createSocket(${JSON.stringify(isIP(ip) === 6 ? 'udp6' : 'udp4')});let n=0;`
      + `s.on('message',()=>{n++});s.on('error',()=>{});`
      + `setInterval(()=>{s.send('x',${port},${JSON.stringify(ip)});process.stdout.write(n+'\\n')},100);`;
    const child = spawn('ip', ['netns', 'exec', src.netns, process.execPath, '-e', js], { stdio: ['ignore', 'pipe', 'ignore'] });
    this.scope.track(child.pid);
    let last = 0;
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      const lines = d.trim().split('\n');
      last = Number(lines[lines.length - 1]) || last;
    });
    return { replies: () => last, stop: () => { child.kill('SIGKILL'); } };
  }

  /** `calicoctl explain ... -o json` against this node's datastore. */
  async explain(from: string, to: string, port: number, protocol = 'TCP'): Promise<ExplainJson> {
    const r = await exec(process.execPath, [join(REPO, 'bin/calicoctl'), 'explain', '--from', from, '--to', to, '--protocol', protocol, '--port', String(port), '-o', 'json'], {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', DATASTORE_TYPE: 'sqlite', CALICO_DATASTORE_PATH: this.dbPath },
      timeoutMs: 20_000,
    });
    assert.equal(r.code, 0, `calicoctl explain: ${r.stderr}`);
    return JSON.parse(r.stdout) as ExplainJson;
  }

  /**
   * Relabels a pod's WorkloadEndpoint (what the pod controller does when a
   * Pod's labels change); returns once the agent has applied it.
   */
  async relabelWorkload(podId: string, labels: Readonly<Record<string, string>>): Promise<void> {
    const [namespace, pod] = podId.split('/') as [string, string];
    const weps = (await this.client.list('WorkloadEndpoint', { namespace })).items;
    const wep = weps.find((w) => (w.spec as { pod?: string }).pod === pod);
    assert.ok(wep, `no WorkloadEndpoint for ${podId}`);
    const keep = Object.fromEntries(Object.entries(wep.metadata.labels ?? {}).filter(([k]) => k.startsWith('projectcalico.org/')));
    await this.client.update({ ...wep, metadata: { ...wep.metadata, labels: { ...keep, ...labels } } });
    await this.converge();
  }

  /** Runs a command in the node netns (for reading the kernel state). */
  async inNode(cmd: string, args: readonly string[]): Promise<string> {
    const r = await exec('ip', ['netns', 'exec', this.hostNetns, cmd, ...args]);
    return r.stdout + r.stderr;
  }

  /** Stops the agent (SIGTERM, then SIGKILL), removes every netns and process, the datastore and the temp dir. */
  async stop(): Promise<void> {
    for (const p of this.probers.values()) p.stop();
    this.probers.clear();
    const a = this.agent;
    if (a && a.child.exitCode === null) {
      a.child.kill('SIGTERM');
      await Promise.race([a.exited, sleep(5000)]);
    }
    try { await this.ds.close(); } catch { /* already closed */ }
    await this.scope.cleanup();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface UdpFlow {
  replies(): number;
  stop(): void;
}

/** One direction of `calicoctl explain -o json`: the deciding step, flattened. */
export interface ExplainDirection {
  readonly allowed: boolean;
  readonly tier: string | null;
  /** `ns/name` or `name` (kind prefixed unless NetworkPolicy/GlobalNetworkPolicy). */
  readonly policy: string | null;
  readonly profile: string | null;
  readonly ruleIndex: number | null;
  readonly action: string;
  readonly decision: { readonly by: string };
}

export interface ExplainJson {
  readonly verdict: 'Allow' | 'Deny';
  readonly allowed: boolean;
  readonly pendingAllowed: boolean;
  readonly egress: ExplainDirection | null;
  readonly ingress: ExplainDirection | null;
}
