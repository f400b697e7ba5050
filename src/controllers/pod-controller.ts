/**
 * PodController copies Pod label changes onto the pod's WorkloadEndpoints, as
 * calico-kube-controllers' pod controller does in etcd mode: the endpoint's
 * labels become the Pod's labels plus Calico's own
 * (projectcalico.org/namespace, /orchestrator, /serviceaccount).
 *
 * It never creates or deletes endpoints (that is the CNI plugin's job; a
 * workload need not have a stored Pod at all) and never touches endpoints of
 * other orchestrators.
 */
import type { Datastore, KVEntry, WatchEvent } from '../datastore/datastore.js';
import { jsonEqual, reconcileKey, SerialQueue } from './cas-writer.js';
import { KindWatcher } from './kind-watcher.js';

const LABEL_NAMESPACE = 'projectcalico.org/namespace';
const LABEL_ORCHESTRATOR = 'projectcalico.org/orchestrator';
const LABEL_SERVICE_ACCOUNT = 'projectcalico.org/serviceaccount';

interface PodLike {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  spec?: { serviceAccountName?: string };
}

interface WepLike {
  metadata: { name: string; namespace: string; labels?: Record<string, string> };
  spec: { orchestrator?: string; pod?: string; serviceAccountName?: string };
}

/** The labels a k8s WorkloadEndpoint of `pod` in `namespace` should carry. */
export function endpointLabelsForPod(namespace: string, pod: PodLike): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(pod.metadata?.labels ?? {})) if (typeof v === 'string') labels[k] = v;
  labels[LABEL_NAMESPACE] = namespace;
  labels[LABEL_ORCHESTRATOR] = 'k8s';
  const sa = pod.spec?.serviceAccountName ?? '';
  if (sa !== '' && sa.length < 63) labels[LABEL_SERVICE_ACCOUNT] = sa;
  return labels;
}

export class PodController {
  private readonly watcher: KindWatcher<PodLike>;
  readonly queue: SerialQueue;

  constructor(private readonly ds: Datastore, onError: (e: unknown) => void) {
    this.queue = new SerialQueue(onError);
    this.watcher = new KindWatcher<PodLike>(ds, 'Pod', {
      onSnapshot: (items) => this.queue.push(() => this.resync(items)),
      onEvents: (events) => { for (const ev of events) this.queue.push(() => this.onEvent(ev)); },
    });
  }

  async start(): Promise<void> {
    await this.watcher.start();
  }

  async stop(): Promise<void> {
    await this.watcher.stop();
    await this.queue.idle();
  }

  /** Re-reads the Pods and reconciles every k8s endpoint's labels (the workloadEndpoint reconcilerPeriod). */
  resyncNow(): void {
    this.queue.push(async () => this.resync((await this.ds.list<PodLike>({ kind: 'Pod' })).items));
  }

  private async resync(pods: readonly KVEntry<PodLike>[]): Promise<void> {
    const weps = await this.ds.list<WepLike>({ kind: 'WorkloadEndpoint' });
    const byPod = new Map<string, KVEntry<WepLike>[]>();
    for (const w of weps.items) {
      if (w.value.spec.orchestrator !== 'k8s' || !w.value.spec.pod) continue;
      const k = `${w.key.namespace ?? ''}/${w.value.spec.pod}`;
      byPod.set(k, [...(byPod.get(k) ?? []), w]);
    }
    for (const p of pods) {
      const ns = p.key.namespace ?? 'default';
      for (const w of byPod.get(`${ns}/${p.key.name}`) ?? []) await this.syncEndpoint(w.key.name, ns, p.value);
    }
  }

  private async onEvent(ev: WatchEvent<PodLike>): Promise<void> {
    if (ev.type === 'delete') return;
    const ns = ev.key.namespace ?? 'default';
    const weps = await this.ds.list<WepLike>({ kind: 'WorkloadEndpoint', namespace: ns });
    for (const w of weps.items) {
      if (w.value.spec.orchestrator === 'k8s' && w.value.spec.pod === ev.key.name) await this.syncEndpoint(w.key.name, ns, ev.value);
    }
  }

  private async syncEndpoint(name: string, namespace: string, pod: PodLike): Promise<void> {
    const want = endpointLabelsForPod(namespace, pod);
    await reconcileKey<WepLike>(this.ds, { kind: 'WorkloadEndpoint', namespace, name }, (cur) => {
      if (!cur) return null; // gone meanwhile: nothing to label (and nothing to delete)
      if (jsonEqual(cur.value.metadata.labels ?? {}, want)) return cur.value;
      return { ...cur.value, metadata: { ...cur.value.metadata, labels: want } };
    });
  }
}
