/**
 * One lab pod's whole life: the v1 Pod object, its netns, CNI ADD through the
 * real plugin, its server; and the reverse. Every step is recorded in
 * state.json before the next, so an interrupted add is cleaned by `down`.
 */
import { randomBytes } from 'node:crypto';
import type { ResourceClient } from '../datastore/resource-client.js';
import { isCalicoError } from '../lib/errors.js';
import { exec } from '../lib/exec.js';
import { ensureServiceAccount, podResource } from './lab-cluster.js';
import { podNetns, saveState, type LabPod, type LabState } from './lab-state.js';
import { cniAdd, cniDel, startPodServer, stopPodServer } from './pod-plumbing.js';
import type { TopologyPod } from './topology.js';
import { createNetns, deleteNetns } from './underlay.js';

/** Creates the Pod object (unless `stored`), the pod netns, its interface (CNI ADD) and server. */
export async function addPod(state: LabState, client: ResourceClient, pod: TopologyPod, stored = false): Promise<LabPod> {
  const node = state.nodes.find((n) => n.name === pod.node);
  if (!node) throw new Error(`pod ${pod.namespace}/${pod.name}: no node ${pod.node} in this lab`);
  await ensureServiceAccount(client, pod.namespace, pod.serviceAccountName ?? 'default');
  if (!stored) await client.apply(podResource(pod));
  const lp: LabPod = {
    namespace: pod.namespace, name: pod.name, node: pod.node,
    netns: podNetns(state.prefix, pod.namespace, pod.name),
    containerId: randomBytes(32).toString('hex'),
    ips: [], labels: { ...pod.labels }, ports: pod.ports,
  };
  await createNetns(lp.netns);
  state.pods.push(lp);
  saveState(state);
  lp.ips = await cniAdd(state, node, lp);
  saveState(state);
  if (lp.ips.some((a) => a.includes(':'))) await waitIpv6Settled(lp.netns);
  lp.serverPid = await startPodServer(state, lp);
  saveState(state);
  return lp;
}

/**
 * A fresh IPv6 address is "tentative" until duplicate address detection ends
 * (about a second); connections from or to it fail until then, so a pod is
 * not reported ready before its addresses (and link-locals) have settled.
 */
async function waitIpv6Settled(netns: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = await exec('ip', ['-n', netns, '-6', 'addr', 'show', 'tentative']);
    if (r.code === 0 && r.stdout.trim() === '') return;
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** Stops the server, CNI DEL, removes the netns and the state entry (the Pod object is the caller's). */
export async function removePod(state: LabState, lp: LabPod): Promise<void> {
  const node = state.nodes.find((n) => n.name === lp.node);
  await stopPodServer(lp);
  if (node) await cniDel(state, node, lp);
  await deleteNetns(lp.netns);
  const i = state.pods.indexOf(lp);
  if (i >= 0) state.pods.splice(i, 1);
  saveState(state);
}

/** Deletes the stored Pod object; absent is fine. */
export async function deletePodObject(client: ResourceClient, namespace: string, name: string): Promise<void> {
  try {
    await client.delete('Pod', name, { namespace });
  } catch (e) {
    if (!isCalicoError(e, 'CALICO_ERR_NOT_FOUND')) throw e;
  }
}

/** Runs `fn` over `items` with at most `limit` in flight; the first failure rejects after in-flight ones settle. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const i = next++;
      try { out[i] = await fn(items[i]!); } catch (e) { failure ??= e; }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure;
  return out;
}
