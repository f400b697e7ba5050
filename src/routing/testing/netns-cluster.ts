/**
 * TEST SUPPORT (not used by production code): a small cluster of node
 * network namespaces on an underlay, for routing's e2e and interop tests.
 * - underlay netns `<prefix>-ul` with bridge(s) `br0` (10.0.0.0/24, router
 *   .254) and, for CrossSubnet, `br1` (10.0.1.0/24, router .254); the
 *   underlay forwards between them like a router;
 * - node netns `<prefix>-<node>` with `eth0` on a bridge, forwarding on,
 *   default route via the router;
 * - pods made by hand as the CNI plugin makes them: an address from IPAM
 *   (handle `pod.<name>`), a veth `cali<...>` in the node with a /32 route,
 *   proxy ARP, and the pod's default route via 169.254.1.1.
 * Everything it creates carries the per-run prefix and is removed by
 * `cleanup()`.
 */
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Datastore } from '../../datastore/datastore.js';
import { exec, execChecked } from '../../lib/exec.js';
import { IpamClient } from '../../ipam/ipam-client.js';

export interface TestNode {
  readonly name: string;
  readonly netns: string;
  readonly ip: string;
  readonly cidr: string;
  readonly subnet: 0 | 1;
}

export interface TestPod {
  readonly name: string;
  readonly node: TestNode;
  readonly netns: string;
  readonly ip: string;
  readonly hostVeth: string;
}

export class NetnsCluster {
  readonly prefix: string;
  readonly underlay: string;
  readonly dir: string;
  readonly nodes: TestNode[] = [];
  readonly pods: TestPod[] = [];
  private readonly namespaces: string[] = [];
  private readonly pids: number[] = [];
  private bridges = 0;

  constructor(tag = 'r') {
    this.prefix = `ct${tag}${randomBytes(2).toString('hex')}`;
    this.underlay = `${this.prefix}-ul`;
    this.dir = mkdtempSync(join(tmpdir(), `${this.prefix}-`));
  }

  private async netns(name: string): Promise<string> {
    await execChecked('ip', ['netns', 'add', name]);
    this.namespaces.push(name);
    await execChecked('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    return name;
  }

  async ns(ns: string, cmd: string, args: readonly string[]): Promise<string> {
    return execChecked('ip', ['netns', 'exec', ns, cmd, ...args]);
  }

  /** Creates the underlay with `subnets` bridges (1 or 2). */
  async setupUnderlay(subnets: 1 | 2): Promise<void> {
    await this.netns(this.underlay);
    await this.ns(this.underlay, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
    for (let i = 0; i < subnets; i++) {
      await execChecked('ip', ['-n', this.underlay, 'link', 'add', `br${i}`, 'type', 'bridge']);
      await execChecked('ip', ['-n', this.underlay, 'addr', 'add', `10.0.${i}.254/24`, 'dev', `br${i}`]);
      await execChecked('ip', ['-n', this.underlay, 'link', 'set', `br${i}`, 'up']);
    }
    this.bridges = subnets;
  }

  async addNode(name: string, subnet: 0 | 1, host: number): Promise<TestNode> {
    if (subnet >= this.bridges) throw new Error(`no underlay subnet ${subnet}`);
    const netns = await this.netns(`${this.prefix}-${name}`);
    const outer = `${this.prefix}${name}`.slice(0, 15);
    await execChecked('ip', ['-n', this.underlay, 'link', 'add', outer, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
    await execChecked('ip', ['-n', this.underlay, 'link', 'set', outer, 'master', `br${subnet}`, 'up']);
    const ip = `10.0.${subnet}.${host}`;
    await execChecked('ip', ['-n', netns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
    await execChecked('ip', ['-n', netns, 'link', 'set', 'eth0', 'up']);
    await execChecked('ip', ['-n', netns, 'route', 'add', 'default', 'via', `10.0.${subnet}.254`]);
    await this.ns(netns, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
    const n: TestNode = { name, netns, ip, cidr: `${ip}/24`, subnet };
    this.nodes.push(n);
    return n;
  }

  /** The Node resource for a test node (spec.bgp.ipv4Address, hostname label). */
  nodeResource(n: TestNode, labels: Record<string, string> = {}, bgp: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      apiVersion: 'projectcalico.org/v3', kind: 'Node',
      metadata: { name: n.name, labels: { 'kubernetes.io/hostname': n.name, ...labels } },
      spec: { bgp: { ipv4Address: n.cidr, ...bgp } },
    };
  }

  /** A pod on `node`: its address from IPAM (auto-assigned, or exactly `ip`, e.g. one borrowed from another node's block). */
  async addPod(ds: Datastore, node: TestNode, name: string, ip0?: string): Promise<TestPod> {
    const ipam = new IpamClient(ds);
    const attrs = { node: node.name, pod: name, namespace: 'default' };
    const ip = ip0 !== undefined
      ? (await ipam.assignIP({ ip: ip0, handleId: `pod.${name}`, hostname: node.name, attrs })).ip
      : (await ipam.autoAssign({ num4: 1, handleId: `pod.${name}`, hostname: node.name, attrs })).ipv4[0]!.ip;
    const netns = await this.netns(`${this.prefix}-${name}`);
    const hostVeth = `cali${randomBytes(5).toString('hex')}`.slice(0, 15);
    await execChecked('ip', ['-n', node.netns, 'link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
    await execChecked('ip', ['-n', node.netns, 'link', 'set', hostVeth, 'up']);
    await this.ns(node.netns, 'sysctl', ['-qw', `net.ipv4.conf.${hostVeth}.proxy_arp=1`]);
    await execChecked('ip', ['-n', node.netns, 'route', 'add', `${ip}/32`, 'dev', hostVeth, 'scope', 'link']);
    await execChecked('ip', ['-n', netns, 'addr', 'add', `${ip}/32`, 'dev', 'eth0']);
    await execChecked('ip', ['-n', netns, 'link', 'set', 'eth0', 'up']);
    await execChecked('ip', ['-n', netns, 'route', 'add', '169.254.1.1', 'dev', 'eth0', 'scope', 'link']);
    await execChecked('ip', ['-n', netns, 'route', 'add', 'default', 'via', '169.254.1.1', 'dev', 'eth0']);
    const p: TestPod = { name, node, netns, ip, hostVeth };
    this.pods.push(p);
    return p;
  }

  /** Removes a pod: its veth, netns and IPAM handle. */
  async deletePod(ds: Datastore, p: TestPod): Promise<void> {
    await exec('ip', ['-n', p.node.netns, 'link', 'del', p.hostVeth]);
    await exec('ip', ['netns', 'del', p.netns]);
    const i = this.namespaces.indexOf(p.netns);
    if (i >= 0) this.namespaces.splice(i, 1);
    await new IpamClient(ds).releaseByHandle(`pod.${p.name}`);
  }

  /** Starts a TCP echo-once server on port in the pod; resolves when it listens. */
  async tcpServer(p: TestPod, port: number): Promise<void> {
    const script = `require('net').createServer((s)=>{s.on('data',(d)=>{s.end('echo:'+d)})}).listen(${port},'0.0.0.0',()=>console.log('ready'))`;
    const child = spawn('ip', ['netns', 'exec', p.netns, process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    if (child.pid !== undefined) this.pids.push(child.pid);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('server did not start')), 10_000);
      child.stdout.once('data', () => { clearTimeout(t); resolve(); });
      child.once('exit', () => { clearTimeout(t); reject(new Error('server exited')); });
    });
  }

  /** A TCP exchange from pod `from` to `ip:port`; returns the reply or throws. */
  async tcpProbe(from: TestPod, ip: string, port: number, timeoutMs = 3000): Promise<string> {
    const script = `const s=require('net').connect(${port},'${ip}',()=>s.write('hi'));let b='';s.on('data',(d)=>b+=d);s.on('end',()=>{console.log(b);process.exit(0)});s.on('error',(e)=>{console.error(e.message);process.exit(2)});setTimeout(()=>{console.error('timeout');process.exit(3)},${timeoutMs})`;
    const r = await exec('ip', ['netns', 'exec', from.netns, process.execPath, '-e', script], { timeoutMs: timeoutMs + 5000 });
    if (r.code !== 0) throw new Error(`tcp ${from.name} -> ${ip}:${port} failed: ${r.stderr.trim()}`);
    return r.stdout.trim();
  }

  /** Retries tcpProbe until it succeeds or the deadline passes. */
  async tcpEventually(from: TestPod, ip: string, port: number, deadlineMs = 20_000): Promise<string> {
    const end = Date.now() + deadlineMs;
    let last: unknown;
    while (Date.now() < end) {
      try { return await this.tcpProbe(from, ip, port, 1500); } catch (e) { last = e; }
      await new Promise((r) => setTimeout(r, 300));
    }
    throw last instanceof Error ? last : new Error(String(last));
  }

  /**
   * Captures on an underlay bridge until one packet matches `filter` (true)
   * or `ms` pass (false). Resolves `ready` once tcpdump listens.
   */
  capture(bridge: string, filter: string, ms: number): { ready: Promise<void>; matched: Promise<boolean> } {
    const child = spawn('ip', ['netns', 'exec', this.underlay, 'tcpdump', '-l', '-n', '-c', '1', '-i', bridge, filter], { stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid !== undefined) this.pids.push(child.pid);
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    const ready = new Promise<void>((resolve) => {
      child.stderr.on('data', (d: Buffer) => { if (d.toString().includes('listening')) resolve(); });
      setTimeout(resolve, 3000);
    });
    const matched = new Promise<boolean>((resolve) => {
      const t = setTimeout(() => { child.kill('SIGTERM'); }, ms);
      child.once('exit', () => { clearTimeout(t); resolve(out.trim().length > 0); });
    });
    return { ready, matched };
  }

  /** Starts a process (argv) inside a netns; it is killed at cleanup. */
  spawnIn(ns: string, argv: readonly string[]): number {
    const child = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: 'ignore' });
    if (child.pid === undefined) throw new Error(`cannot start ${argv[0]}`);
    this.pids.push(child.pid);
    return child.pid;
  }

  async cleanup(): Promise<void> {
    for (const pid of this.pids.splice(0)) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
    // BIRD daemons started by routing in these namespaces die with their pids (routing.stop); kill leftovers by netns.
    for (const ns of this.namespaces.splice(0).reverse()) {
      const pids = await exec('ip', ['netns', 'pids', ns]);
      for (const p of pids.stdout.split('\n').map((x) => Number.parseInt(x, 10)).filter((x) => x > 0)) {
        try { process.kill(p, 'SIGKILL'); } catch { /* gone */ }
      }
      await exec('ip', ['netns', 'del', ns]);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
