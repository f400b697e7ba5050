import { randomBytes } from 'node:crypto';
import type { Resource } from '../api/types.js';
import { kindInfo } from '../api/index.js';
import type { ResourceClient } from '../datastore/resource-client.js';
import { isCalicoError } from '../lib/errors.js';

/**
 * ensureInitialized is what calicoctl's write commands do before writing
 * (clientv3 EnsureInitialized): make sure the global ClusterInformation and
 * the built-in tiers exist. Like calicoctl it never fails the user's command:
 * each missing piece is created if its kind is known, and any error is ignored.
 */
const V3 = 'projectcalico.org/v3';

/** The tiers Calico v3.31 creates: default, and the two admin network policy tiers. */
const BUILTIN_TIERS: readonly { name: string; order: number; defaultAction: string }[] = [
  { name: 'default', order: 1_000_000, defaultAction: 'Deny' },
  { name: 'adminnetworkpolicy', order: 1_000, defaultAction: 'Pass' },
  { name: 'baselineadminnetworkpolicy', order: 10_000_000, defaultAction: 'Pass' },
];

export async function ensureInitialized(client: ResourceClient): Promise<void> {
  const wanted: Resource[] = [];
  if (kindInfo('clusterinformation')) {
    wanted.push({
      apiVersion: V3, kind: 'ClusterInformation', metadata: { name: 'default' },
      spec: { clusterGUID: randomBytes(16).toString('hex'), datastoreReady: true },
    });
  }
  if (kindInfo('tier')) {
    for (const t of BUILTIN_TIERS) {
      wanted.push({ apiVersion: V3, kind: 'Tier', metadata: { name: t.name }, spec: { order: t.order, defaultAction: t.defaultAction } });
    }
  }
  for (const r of wanted) {
    try {
      await client.get(r.kind, r.metadata.name);
      continue;
    } catch (e) {
      if (!isCalicoError(e, 'CALICO_ERR_NOT_FOUND')) continue;
    }
    await client.create(r).catch(() => undefined);
  }
}
