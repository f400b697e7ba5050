/**
 * ClusterCounts: cluster-wide resource counts for Felix's felix_cluster_num_*
 * gauges, kept from the syncer stream (existence by `value !== null`).
 */
import { keyString } from '../datastore/datastore.js';
import type { SyncerUpdate } from '../syncer/syncer-update.js';

const POLICY_KINDS = new Set(['NetworkPolicy', 'GlobalNetworkPolicy']);

export class ClusterCounts {
  private readonly byKind = new Map<string, Set<string>>();

  onUpdate(u: SyncerUpdate): void {
    if (u.kind === 'InSync') return;
    const bucket = POLICY_KINDS.has(u.kind) ? 'policy' : u.kind;
    let s = this.byKind.get(bucket);
    if (!s) this.byKind.set(bucket, (s = new Set()));
    const k = keyString(u.key);
    if (u.value === null) s.delete(k);
    else s.add(k);
  }

  count(kind: 'Node' | 'WorkloadEndpoint' | 'HostEndpoint' | 'policy' | 'Profile' | 'Tier'): number {
    return this.byKind.get(kind)?.size ?? 0;
  }
}
