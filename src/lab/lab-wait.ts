/**
 * "Every node has programmed the change": first the controllers' work is
 * visible in the datastore (each Namespace has its Profile kns.<ns> with the
 * namespace's labels; each Pod's WorkloadEndpoints carry the Pod's labels),
 * then every agent's ActiveStatusReport has reached the store's revision
 * (waitForConvergence). Without the first step a label change would count as
 * programmed before the controller had even copied it.
 */
import { namespaceToProfile, serviceAccountToProfile } from '../api/k8s/index.js';
import { endpointLabelsForPod, jsonEqual } from '../controllers/index.js';
import type { Datastore } from '../datastore/datastore.js';
import { CalicoError } from '../lib/errors.js';
import { waitForConvergence } from '../node/convergence.js';
import type { LabState } from './lab-state.js';

interface Meta { metadata?: { name?: string; namespace?: string; labels?: Record<string, string> } }
interface WepValue extends Meta { spec?: { pod?: string; orchestrator?: string } }

/** The first thing the controllers still owe, or undefined when they are caught up. */
export async function controllersLag(ds: Datastore): Promise<string | undefined> {
  for (const e of (await ds.list({ kind: 'Namespace' })).items) {
    const want = namespaceToProfile(e.value as object);
    const have = await ds.get({ kind: 'Profile', name: want.metadata.name });
    const haveLabels = (have?.value as { spec?: { labelsToApply?: unknown } } | undefined)?.spec?.labelsToApply;
    if (!have || !jsonEqual(haveLabels ?? {}, want.spec.labelsToApply ?? {})) return `Profile ${want.metadata.name}`;
  }
  for (const e of (await ds.list({ kind: 'ServiceAccount' })).items) {
    const want = serviceAccountToProfile(e.value as object);
    const have = await ds.get({ kind: 'Profile', name: want.metadata.name });
    const haveLabels = (have?.value as { spec?: { labelsToApply?: unknown } } | undefined)?.spec?.labelsToApply;
    if (!have || !jsonEqual(haveLabels ?? {}, want.spec.labelsToApply ?? {})) return `Profile ${want.metadata.name}`;
  }
  const weps = (await ds.list({ kind: 'WorkloadEndpoint' })).items.map((e) => e.value as WepValue);
  for (const e of (await ds.list({ kind: 'Pod' })).items) {
    const pod = e.value as Meta;
    const ns = e.key.namespace ?? 'default';
    const want = endpointLabelsForPod(ns, pod);
    for (const w of weps) {
      if (w.metadata?.namespace !== ns || w.spec?.pod !== e.key.name || w.spec?.orchestrator !== 'k8s') continue;
      if (!jsonEqual(w.metadata?.labels ?? {}, want)) return `WorkloadEndpoint ${ns}/${w.metadata?.name ?? '?'}`;
    }
  }
  return undefined;
}

/**
 * Waits until the controllers and every node's agent have caught up with the
 * datastore; returns ms elapsed since `since` (the time of the change's first write).
 */
export async function waitProgrammed(ds: Datastore, state: LabState, timeoutMs: number, aborted: () => boolean = () => false, since = Date.now()): Promise<number> {
  const start = since;
  const deadline = start + timeoutMs;
  for (;;) {
    if (aborted()) throw new CalicoError('CALICO_ERR_USAGE', 'interrupted');
    const lag = await controllersLag(ds);
    if (lag === undefined) break;
    if (Date.now() >= deadline) throw new CalicoError('CALICO_ERR_DATASTORE', `timed out after ${timeoutMs} ms waiting for the controllers (${lag} not updated; see calico-node-${state.nodes[0]?.name}.log)`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const rev = await ds.currentRevision();
  // In slices, so an interrupted `up` stops waiting within a second.
  for (;;) {
    if (aborted()) throw new CalicoError('CALICO_ERR_USAGE', 'interrupted');
    const slice = Math.min(1000, deadline - Date.now());
    try {
      await waitForConvergence(ds, state.nodes.map((n) => n.name), rev, Math.max(1, slice));
      return Date.now() - start;
    } catch (e) {
      if (Date.now() >= deadline) throw e;
    }
  }
}

/** Per node: whether its agent has applied everything up to the store's current revision. */
export async function nodesInSync(ds: Datastore, state: LabState): Promise<Map<string, { inSync: boolean; appliedRevision: number | null }>> {
  const rev = await ds.currentRevision();
  const out = new Map<string, { inSync: boolean; appliedRevision: number | null }>();
  for (const n of state.nodes) {
    try {
      const r = await waitForConvergence(ds, [n.name], rev, 300, { pollMs: 50 });
      out.set(n.name, { inSync: true, appliedRevision: r[n.name] ?? null });
    } catch {
      const report = await ds.get<{ appliedRevision?: number }>({ kind: 'ActiveStatusReport', name: n.name });
      out.set(n.name, { inSync: false, appliedRevision: report?.value.appliedRevision ?? null });
    }
  }
  return out;
}
