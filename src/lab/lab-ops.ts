/**
 * Changing a running lab like kubectl/calicoctl would: `apply`/`delete -f`
 * any resource (a new Pod is also plumbed: netns, CNI ADD, server; a deleted
 * one is unplumbed with CNI DEL), `label` a Pod or Namespace; then, with
 * --wait, block until every node has programmed the change.
 */
import type { Resource } from '../api/types.js';
import { loadResources } from '../ctl/resource-loader.js';
import type { Datastore } from '../datastore/datastore.js';
import { ResourceClient, resolveKindOf } from '../datastore/resource-client.js';
import { CalicoError, isCalicoError } from '../lib/errors.js';
import { ensureServiceAccount, openLabDatastore } from './lab-cluster.js';
import { addPod, deletePodObject, removePod } from './lab-pods.js';
import { saveState, type LabState } from './lab-state.js';
import { waitProgrammed } from './lab-wait.js';
import { syncStaticRoutes, waitInterNodeRoutes } from './static-routes.js';
import { labelKeyProblem, labelValueProblem, parseTopology, type TopologyPod } from './topology.js';

export interface ChangeOptions {
  readonly wait: boolean;
  readonly timeoutMs?: number;
  readonly log: (line: string) => void;
}

export interface ChangeResult {
  /** One line per resource, calicoctl style (`Successfully applied ...`). */
  readonly lines: string[];
  /** ms until every node had programmed the change (when waited). */
  readonly programmedMs?: number;
}

async function withDatastore<T>(state: LabState, fn: (ds: Datastore, client: ResourceClient) => Promise<T>): Promise<T> {
  const ds = await openLabDatastore(state);
  try {
    return await fn(ds, new ResourceClient(ds));
  } finally {
    await ds.close();
  }
}

const readStdin = async (): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
};

/** A stored-shape v1 Pod as the lab's pod description (validated like a topology entry). */
function podFromResource(state: LabState, r: Resource): TopologyPod {
  const spec = (r.spec ?? {}) as { nodeName?: string; serviceAccountName?: string; containers?: { ports?: unknown[] }[] };
  let node = spec.nodeName;
  if (!node) {
    // Unscheduled: the node with the fewest pods (the lab is its own scheduler).
    const count = (n: string): number => state.pods.filter((p) => p.node === n).length;
    node = [...state.nodes].sort((a, b) => count(a.name) - count(b.name))[0]!.name;
  }
  const topo = parseTopology({
    nodes: state.nodes.map((n) => n.name),
    pods: [{
      namespace: r.metadata.namespace ?? 'default', name: r.metadata.name, node, labels: r.metadata.labels ?? {},
      ...(spec.serviceAccountName ? { serviceAccountName: spec.serviceAccountName } : {}),
      ports: (spec.containers ?? []).flatMap((c) => c.ports ?? []),
    }],
  });
  return topo.pods[0]!;
}

async function finish(ds: Datastore, state: LabState, opts: ChangeOptions, lines: string[], since: number): Promise<ChangeResult> {
  await syncStaticRoutes(ds, state);
  if (!opts.wait) return { lines };
  await waitProgrammed(ds, state, opts.timeoutMs ?? 60_000, () => false, since);
  // A new pod may have opened a new block: wait for every node's route to it too (VXLAN/BGP take a moment).
  await waitInterNodeRoutes(ds, state, opts.timeoutMs ?? 60_000);
  const programmedMs = Date.now() - since;
  return { lines, programmedMs };
}

export async function applyFile(state: LabState, file: string, opts: ChangeOptions): Promise<ChangeResult> {
  const loaded = await loadResources(file, { readStdin });
  return withDatastore(state, async (ds, client) => {
    const lines: string[] = [];
    const since = Date.now();
    for (const { resource } of loaded) {
      if (resource.apiVersion === 'v1' && resource.kind === 'Pod') {
        const pod = podFromResource(state, resource);
        const existing = state.pods.find((p) => p.namespace === pod.namespace && p.name === pod.name);
        const spec = { ...(resource.spec ?? {}), nodeName: existing?.node ?? pod.node };
        await client.apply({ ...resource, spec });
        if (!existing) {
          opts.log(`pod ${pod.namespace}/${pod.name} on ${pod.node}: CNI ADD`);
          const lp = await addPod(state, client, pod, true);
          opts.log(`pod ${pod.namespace}/${pod.name}: ${lp.ips.join(', ')}`);
        } else {
          existing.labels = { ...pod.labels };
          saveState(state);
        }
      } else {
        await client.apply(resource);
        if (resource.apiVersion === 'v1' && resource.kind === 'Namespace') await ensureServiceAccount(client, resource.metadata.name, 'default');
      }
      lines.push(`Successfully applied 1 '${resource.kind}' resource(s) ${resourceId(resource)}`);
    }
    return finish(ds, state, opts, lines, since);
  });
}

export async function deleteFile(state: LabState, file: string, opts: ChangeOptions): Promise<ChangeResult> {
  const loaded = await loadResources(file, { readStdin });
  return withDatastore(state, async (ds, client) => {
    const lines: string[] = [];
    const since = Date.now();
    for (const { resource } of loaded) {
      const ns = resource.metadata.namespace;
      if (resource.apiVersion === 'v1' && resource.kind === 'Pod') {
        const lp = state.pods.find((p) => p.namespace === (ns ?? 'default') && p.name === resource.metadata.name);
        if (lp) {
          opts.log(`pod ${lp.namespace}/${lp.name}: CNI DEL`);
          await removePod(state, lp);
        }
        await deletePodObject(client, ns ?? 'default', resource.metadata.name);
      } else {
        if (resource.apiVersion === 'v1' && resource.kind === 'Namespace') {
          // As the API server's namespace deletion: the namespace's pods go with it.
          for (const lp of state.pods.filter((p) => p.namespace === resource.metadata.name)) {
            opts.log(`pod ${lp.namespace}/${lp.name}: CNI DEL (namespace deleted)`);
            await removePod(state, lp);
            await deletePodObject(client, lp.namespace, lp.name);
          }
        }
        await client.delete(resolveKindOf(resource), resource.metadata.name, { namespace: ns });
      }
      lines.push(`Successfully deleted 1 '${resource.kind}' resource(s) ${resourceId(resource)}`);
    }
    return finish(ds, state, opts, lines, since);
  });
}

function resourceId(r: Resource): string {
  return r.metadata.namespace ? `${r.metadata.namespace}/${r.metadata.name}` : r.metadata.name;
}

/** `k=v` sets, `k-` removes; kubectl's rules for an existing key without --overwrite. */
export function applyLabelArgs(current: Record<string, string>, args: readonly string[], overwrite: boolean, what: string): Record<string, string> {
  if (args.length === 0) throw new CalicoError('CALICO_ERR_USAGE', 'at least one label update is required (k=v or k-)');
  const out = { ...current };
  for (const a of args) {
    if (a.endsWith('-') && !a.includes('=')) {
      const k = a.slice(0, -1);
      if (labelKeyProblem(k)) throw new CalicoError('CALICO_ERR_USAGE', `invalid label key ${JSON.stringify(k)}: ${labelKeyProblem(k)}`);
      delete out[k];
      continue;
    }
    const eq = a.indexOf('=');
    if (eq <= 0) throw new CalicoError('CALICO_ERR_USAGE', `invalid label update ${JSON.stringify(a)}: want key=value or key-`);
    const k = a.slice(0, eq);
    const v = a.slice(eq + 1);
    const kp = labelKeyProblem(k);
    if (kp) throw new CalicoError('CALICO_ERR_USAGE', `invalid label key ${JSON.stringify(k)}: ${kp}`);
    const vp = labelValueProblem(v);
    if (vp) throw new CalicoError('CALICO_ERR_USAGE', `invalid label value ${JSON.stringify(v)} for ${k}: ${vp}`);
    if (k in current && current[k] !== v && !overwrite) {
      throw new CalicoError('CALICO_ERR_CONFLICT', `${what}: '${k}' already has a value (${current[k]}), and --overwrite is false`);
    }
    out[k] = v;
  }
  return out;
}

export async function labelResource(state: LabState, kind: 'pod' | 'namespace', target: string, args: readonly string[], overwrite: boolean, opts: ChangeOptions): Promise<ChangeResult> {
  return withDatastore(state, async (ds, client) => {
    let namespace: string | undefined;
    let name = target;
    if (kind === 'pod') {
      const slash = target.indexOf('/');
      namespace = slash > 0 ? target.slice(0, slash) : 'default';
      name = slash > 0 ? target.slice(slash + 1) : target;
    }
    let current: Resource;
    try {
      current = await client.get(kind === 'pod' ? 'Pod' : 'Namespace', name, { namespace });
    } catch (e) {
      if (isCalicoError(e, 'CALICO_ERR_NOT_FOUND')) throw new CalicoError('CALICO_ERR_NOT_FOUND', `${kind}s "${name}" not found${namespace ? ` in namespace ${namespace}` : ''}`);
      throw e;
    }
    const what = kind === 'pod' ? `pod/${name}` : `namespace/${name}`;
    const labels = applyLabelArgs(current.metadata.labels ?? {}, args, overwrite, what);
    if (kind === 'namespace') labels['kubernetes.io/metadata.name'] = name; // the API server keeps it
    const since = Date.now();
    await client.update({ ...current, metadata: { ...current.metadata, labels } });
    if (kind === 'pod') {
      const lp = state.pods.find((p) => p.namespace === namespace && p.name === name);
      if (lp) { lp.labels = labels; saveState(state); }
    }
    return finish(ds, state, opts, [`${what} labeled`], since);
  });
}
