/**
 * Adding and removing a lab pod the way a container runtime does: a netns for
 * the pod, then the real `calico` CNI plugin exec'd INSIDE the node's netns
 * (so the host side of the veth lands in the node), with the network config
 * on stdin and CNI_* in the environment; then the pod's server. DEL runs the
 * plugin with the same identifiers, then removes the netns.
 */
import { join } from 'node:path';
import { exec } from '../lib/exec.js';
import { CalicoError } from '../lib/errors.js';
import { BIN_DIR, POD_SERVER } from './lab-paths.js';
import type { LabNode, LabPod, LabState } from './lab-state.js';
import { spawnDetached, stopProcess } from './processes.js';

export const CNI_NETWORK_NAME = 'k8s-pod-network';
export const POD_MTU = 1450;

/**
 * The network config a kubelet on `node` would hand the plugin (the lab's
 * datastore, calico-ipam, k8s policy). The explicit `mtu` means the plugin
 * never reads the machine's /var/lib/calico/mtu (src/cni/netconf.ts reads it
 * only when the config has none); 1450 fits VXLAN over the 1500-byte underlay.
 */
export function cniNetConf(state: LabState, node: string): Record<string, unknown> {
  const datastore = state.datastore === 'etcd' && state.etcd
    ? { datastore_type: 'etcdv3', etcd_endpoints: state.etcd.endpoints.join(',') }
    : { datastore_type: 'sqlite', datastore_path: state.sqlitePath };
  return {
    cniVersion: '1.0.0', name: CNI_NETWORK_NAME, type: 'calico', nodename: node, mtu: POD_MTU,
    log_level: 'warning', ...datastore,
    ipam: { type: 'calico-ipam', assign_ipv4: 'true', assign_ipv6: state.ipv6 ? 'true' : 'false' },
    policy: { type: 'k8s' },
  };
}

interface CniResult { code: number; out: Record<string, unknown>; stderr: string }

async function runCni(state: LabState, node: LabNode, pod: LabPod, command: 'ADD' | 'DEL'): Promise<CniResult> {
  const r = await exec('ip', ['netns', 'exec', node.netns, process.execPath, join(BIN_DIR, 'calico')], {
    input: JSON.stringify(cniNetConf(state, node.name)),
    env: {
      CNI_COMMAND: command, CNI_CONTAINERID: pod.containerId, CNI_NETNS: `/var/run/netns/${pod.netns}`,
      CNI_IFNAME: 'eth0', CNI_PATH: BIN_DIR,
      CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=${pod.namespace};K8S_POD_NAME=${pod.name};K8S_POD_INFRA_CONTAINER_ID=${pod.containerId}`,
    },
    timeoutMs: 60_000,
  });
  let out: Record<string, unknown> = {};
  try { out = r.stdout.trim() ? JSON.parse(r.stdout) as Record<string, unknown> : {}; } catch { out = { raw: r.stdout }; }
  return { code: r.code, out, stderr: r.stderr };
}

/** CNI ADD for a pod whose netns exists; returns the pod's IPs (no prefix length). */
export async function cniAdd(state: LabState, node: LabNode, pod: LabPod): Promise<string[]> {
  const r = await runCni(state, node, pod, 'ADD');
  if (r.code !== 0) {
    const msg = typeof r.out['msg'] === 'string' ? `${r.out['msg']}${r.out['details'] ? `: ${String(r.out['details'])}` : ''}` : (r.stderr.trim() || JSON.stringify(r.out));
    throw new CalicoError('CALICO_ERR_KERNEL', `CNI ADD of pod ${pod.namespace}/${pod.name} on ${node.name} failed: ${msg}`);
  }
  const ips = (r.out['ips'] as { address?: string }[] | undefined) ?? [];
  return ips.map((i) => (i.address ?? '').split('/')[0] ?? '').filter((a) => a !== '');
}

/** CNI DEL (idempotent: anything already gone counts as success). */
export async function cniDel(state: LabState, node: LabNode, pod: LabPod): Promise<void> {
  const r = await runCni(state, node, pod, 'DEL');
  if (r.code !== 0) {
    throw new CalicoError('CALICO_ERR_KERNEL', `CNI DEL of pod ${pod.namespace}/${pod.name} failed: ${String(r.out['msg'] ?? r.stderr.trim())}`);
  }
}

/** Every port a pod's server answers on (over both TCP and UDP). */
export function serverPorts(pod: Pick<LabPod, 'ports'>): number[] {
  return [...new Set(pod.ports.map((p) => p.containerPort))].sort((a, b) => a - b);
}

export async function startPodServer(state: LabState, pod: LabPod): Promise<number> {
  return spawnDetached({
    netns: pod.netns,
    command: process.execPath,
    args: [POD_SERVER, `${pod.namespace}/${pod.name}`, ...serverPorts(pod).map(String)],
    logFile: join(state.stateDir, `pod-${pod.namespace}.${pod.name}.log`),
    readyLine: 'ready',
  });
}

export async function stopPodServer(pod: LabPod): Promise<void> {
  if (pod.serverPid !== undefined) await stopProcess(pod.serverPid, 'pod-server.js', 1000);
}
