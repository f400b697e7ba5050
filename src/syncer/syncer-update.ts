/**
 * SyncerUpdate: what the syncer emits. The calc graph's own inputs
 * (`CalcUpdate`, including the one `InSync` marker) plus the resources that
 * routing and the agent read but the policy graph does not (Node, IPPool,
 * IPAM blocks and block affinities), like Felix's syncer forwarding
 * HostIPKey/IPPoolKey/BlockKey to the route and VXLAN resolvers.
 *
 * `value === null` means absent: deleted, or present but invalid (then
 * `invalid` carries the validation message, so a consumer that must keep the
 * last good value, e.g. the agent for FelixConfiguration, can tell the two apart).
 */
import type { ResourceKey } from '../datastore/datastore.js';
import type { Resource } from '../api/types.js';
import type { CalcUpdate } from '../calc/updates.js';

/** Update kinds the syncer adds to CalcUpdate's for routing/agent consumers. */
export type ExtraUpdateKind = 'Node' | 'IPPool' | 'IPAMBlock' | 'BlockAffinity';

export interface ExtraUpdate {
  readonly kind: ExtraUpdateKind;
  readonly key: ResourceKey;
  /** Node and IPPool: the validated v3 resource. IPAMBlock/BlockAffinity: the stored object as IPAM writes it. */
  readonly value: Resource | Readonly<Record<string, unknown>> | null;
}

/** Present (non-empty) only on a null update caused by an invalid stored value. */
export interface InvalidNote {
  readonly invalid?: string;
}

export type SyncerUpdate = (CalcUpdate | ExtraUpdate) & InvalidNote;

/** Felix's syncer status values (api.SyncStatus). */
export type SyncStatus = 'WaitForDatastore' | 'ResyncInProgress' | 'InSync';

/** True for the updates the calc graph consumes (everything but the extra kinds). */
export function isCalcUpdate(u: SyncerUpdate): u is CalcUpdate & InvalidNote {
  return !EXTRA_KINDS.has(u.kind);
}

const EXTRA_KINDS: ReadonlySet<string> = new Set<ExtraUpdateKind>(['Node', 'IPPool', 'IPAMBlock', 'BlockAffinity']);
