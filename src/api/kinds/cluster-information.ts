import type { Resource } from '../types.js';
import type { Issues } from '../validate/issues.js';
import { bool, object, string } from '../validate/schema.js';
import { calicoKind, defineKind } from './define-kind.js';

/**
 * ClusterInformation (projectcalico.org/v3): cluster-wide facts written by
 * the system (`default`): clusterGUID, clusterType, calicoVersion,
 * datastoreReady, variant. A singleton: libcalico-go refuses any other
 * name. No defaults on write.
 */
export const clusterInformationKind = defineKind({
  info: calicoKind('ClusterInformation', 'clusterinformations', false, [
    'clusterinformation', 'clusterinformations', 'clusterinfo', 'clusterinfos',
  ]),
  spec: object({
    clusterGUID: string(),
    clusterType: string(),
    calicoVersion: string(),
    datastoreReady: bool(),
    variant: string(),
  }),
  validate: (r: Resource, issues: Issues) => {
    if (r.metadata.name !== 'default') {
      issues.add('metadata.name', 'Cannot create a Cluster Information resource with a name other than "default"', r.metadata.name);
    }
  },
});
