/**
 * IpamGcController releases IP allocations whose workload is gone, as
 * calico-kube-controllers' IPAM controller does, on a timer (and on demand).
 *
 * Liveness of a handle, decided from the datastore alone:
 *   `<network>.<containerID>`  live while some WorkloadEndpoint has that
 *        containerID; or, for a pod allocation (pod/namespace attributes),
 *        while the Pod is stored and has no endpoint of another container yet
 *        (an ADD still in flight; the grace period covers the rest).
 *   tunnel handles (`ipip-tunnel-addr-<node>`, `vxlan-tunnel-addr-<node>`,
 *        `wireguard-tunnel-addr-<node>`)  live while the Node exists.
 *   anything else  live: never release what we cannot account for.
 */
import type { Datastore } from '../datastore/datastore.js';

export interface IpamGcOptions {
  /** Allocations younger than this are left alone (Calico's leakGracePeriod; default 15 min). */
  readonly leakGracePeriodMs?: number;
  /** Also hand back blocks that became empty. Default true. */
  readonly releaseEmptyBlocks?: boolean;
}

export interface IpamGcResult {
  readonly released: readonly { ip: string; handleId: string }[];
  readonly blocksReleased: readonly string[];
}

interface WepLike { spec?: { containerID?: string; pod?: string; orchestrator?: string } }

const TUNNEL_HANDLE = /^(ipip|vxlan|vxlan-v6|wireguard|wireguard-v6)-tunnel-addr-(.+)$/;

type GcFn = (ds: Datastore, isLive: (handleId: string, attrs: Readonly<Record<string, string>>) => Promise<boolean>,
  opts: { gracePeriodMs?: number; releaseEmptyBlocks?: boolean }) => Promise<IpamGcResult>;

/** Runs one GC pass with helper E's garbageCollect and the liveness rules above. */
export async function runIpamGc(ds: Datastore, opts: IpamGcOptions = {}): Promise<IpamGcResult> {
  const { garbageCollect } = (await import('../ipam/index.js')) as unknown as { garbageCollect: GcFn };
  const weps = (await ds.list<WepLike>({ kind: 'WorkloadEndpoint' })).items;
  const liveContainers = new Set<string>();
  const podEndpoints = new Map<string, Set<string>>();
  for (const w of weps) {
    const cid = w.value.spec?.containerID;
    if (cid) liveContainers.add(cid);
    if (w.value.spec?.pod) {
      const k = `${w.key.namespace ?? ''}/${w.value.spec.pod}`;
      podEndpoints.set(k, (podEndpoints.get(k) ?? new Set()).add(cid ?? ''));
    }
  }
  const isLive = async (handleId: string, attrs: Readonly<Record<string, string>>): Promise<boolean> => {
    const tunnel = TUNNEL_HANDLE.exec(handleId);
    if (tunnel) return (await ds.get({ kind: 'Node', name: attrs['node'] || tunnel[2]! })) !== null;
    const dot = handleId.indexOf('.');
    if (dot <= 0) return true;
    const cid = handleId.slice(dot + 1);
    if (liveContainers.has(cid)) return true;
    const pod = attrs['pod'];
    if (pod) {
      const ns = attrs['namespace'] || 'default';
      const others = podEndpoints.get(`${ns}/${pod}`);
      if (others && others.size > 0) return false; // the pod's endpoint belongs to another container now
      return (await ds.get({ kind: 'Pod', namespace: ns, name: pod })) !== null;
    }
    return false;
  };
  return garbageCollect(ds, isLive, {
    gracePeriodMs: opts.leakGracePeriodMs ?? 15 * 60_000,
    releaseEmptyBlocks: opts.releaseEmptyBlocks ?? true,
  });
}
