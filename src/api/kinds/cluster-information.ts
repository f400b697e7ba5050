import { bool, object, string } from '../validate/schema.js';
import { calicoKind, defineKind } from './define-kind.js';

/**
 * ClusterInformation (projectcalico.org/v3): cluster-wide facts written by
 * the system (`default`): clusterGUID, clusterType, calicoVersion,
 * datastoreReady, variant. No defaults on write.
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
});
