/**
 * One pod-to-pod path for the packet-cost benchmark, wired as Calico wires
 * pods: a "host" netns routing between two pod namespaces over veths
 * (host side `cali*`, proxy ARP, a /32 route per pod; pod side `eth0` with
 * a /32 address and a default route via 169.254.1.1). Each configuration
 * gets its own path, so switching configurations costs nothing.
 */
import { spawn } from 'node:child_process';
import type { NetnsScope } from '../../test/support/netns.js';
import { inNs } from './kernel.js';
import { CRR_PORT, IPERF_PORT, PROBE_CLIENT, PROBE_SERVER, type ProbePod } from './scenario.js';

export interface PodPath { readonly host: string; readonly client: string; readonly server: string }

async function plugPod(host: string, pod: string, p: ProbePod): Promise<void> {
  await inNs(host, 'ip', ['link', 'add', p.iface, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', pod]);
  await inNs(host, 'ip', ['link', 'set', p.iface, 'up']);
  await inNs(host, 'sysctl', ['-q', '-w', `net.ipv4.conf.${p.iface}.proxy_arp=1`, `net.ipv4.neigh.${p.iface}.proxy_delay=0`, `net.ipv4.conf.${p.iface}.forwarding=1`]);
  await inNs(host, 'ip', ['route', 'add', `${p.ip}/32`, 'dev', p.iface]);
  await inNs(pod, 'ip', ['addr', 'add', `${p.ip}/32`, 'dev', 'eth0']);
  await inNs(pod, 'ip', ['link', 'set', 'eth0', 'up']);
  await inNs(pod, 'ip', ['route', 'add', '169.254.1.1', 'dev', 'eth0', 'scope', 'link']);
  await inNs(pod, 'ip', ['route', 'add', 'default', 'via', '169.254.1.1', 'dev', 'eth0']);
}

/**
 * Builds host + client + server namespaces and starts the servers (iperf3 and
 * connrate, pinned to `cpu`) in the server pod; the scope kills them at cleanup.
 */
export async function makePodPath(scope: NetnsScope, tag: string, connrate: string, cpu: number): Promise<PodPath> {
  const host = await scope.netns(`${tag}h`);
  const client = await scope.netns(`${tag}c`);
  const server = await scope.netns(`${tag}s`);
  await inNs(host, 'sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1']);
  // Proxy ARP answers for 169.254.1.1 only when the host has a route to it: a default route via an uplink (a veth here), as every node has.
  await inNs(host, 'ip', ['link', 'add', 'uplink0', 'type', 'veth', 'peer', 'name', 'uplink1']);
  await inNs(host, 'ip', ['link', 'set', 'uplink0', 'up']);
  await inNs(host, 'ip', ['route', 'add', 'default', 'dev', 'uplink0']);
  await plugPod(host, client, PROBE_CLIENT);
  await plugPod(host, server, PROBE_SERVER);
  for (const args of [['iperf3', '-s', '-p', String(IPERF_PORT)], [connrate, '-s', String(CRR_PORT)]]) {
    const child = spawn('ip', ['netns', 'exec', server, 'taskset', '-c', String(cpu), ...args], { stdio: 'ignore' });
    scope.track(child.pid);
  }
  return { host, client, server };
}

/** TCP throughput client -> server in Gbit/s (iperf3, pinned to `cpu`). */
export async function throughput(path: PodPath, seconds: number, cpu: number): Promise<number> {
  const out = await inNs(path.client, 'taskset', ['-c', String(cpu), 'iperf3', '-c', PROBE_SERVER.ip, '-p', String(IPERF_PORT), '-t', String(seconds), '-J']);
  const j = JSON.parse(out) as { end?: { sum_received?: { bits_per_second?: number } } };
  const bps = j.end?.sum_received?.bits_per_second;
  if (!bps) throw new Error(`iperf3 gave no result: ${out.slice(0, 300)}`);
  return bps / 1e9;
}

/** New TCP connections per second client -> server (connrate, pinned to `cpu`, like the server). */
export async function connectionRate(path: PodPath, connrate: string, seconds: number, cpu: number): Promise<number> {
  const out = await inNs(path.client, 'taskset', ['-c', String(cpu), connrate, '-c', PROBE_SERVER.ip, String(CRR_PORT), String(seconds)]);
  const [rate, errors] = out.trim().split(/\s+/).map(Number);
  if (!rate || errors! > 0) throw new Error(`connrate: ${out.trim()} (rate, errors)`);
  return rate;
}

/** True when a TCP connection to `port` on the server is dropped (a 1 s timeout), false when refused or accepted. */
export async function isDropped(path: PodPath, port: number): Promise<boolean> {
  const { exec } = await import('../../dist/lib/exec.js');
  const r = await exec('ip', ['netns', 'exec', path.client, 'timeout', '1', 'bash', '-c', `exec 3<>/dev/tcp/${PROBE_SERVER.ip}/${port}`]);
  return r.code === 124;
}
