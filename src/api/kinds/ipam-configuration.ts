import type { Resource } from '../types.js';
import type { Issues } from '../validate/issues.js';
import { bool, enumOf, int, object } from '../validate/schema.js';
import { calicoKind, defineKind, specOf } from './define-kind.js';

/**
 * IPAMConfiguration (projectcalico.org/v3): the cluster's IPAM settings, a
 * singleton named `default` (calicoctl `ipam configure`, `ipamconfig`).
 * strictAffinity: no borrowing of addresses from other nodes' blocks;
 * maxBlocksPerHost: 0 = unlimited. v3.31's fields plus the later optional
 * autoAllocateBlocks, kubeVirtVMAddressPersistence and ipCooldownSeconds, so
 * current docs examples load. strictAffinity is always written (no
 * omitempty in Go), so it defaults to false.
 */
export const ipamConfigurationSpecSchema = object({
  strictAffinity: bool(),
  maxBlocksPerHost: int({
    max: 2147483647,
    check: (v) => (v < 0 ? 'must be greater than or equal to 0' : undefined),
  }),
  autoAllocateBlocks: bool(),
  kubeVirtVMAddressPersistence: enumOf(['Enabled', 'Disabled']),
  ipCooldownSeconds: int({ min: 0, max: 1200 }),
});

function validateIPAMConfiguration(r: Resource, issues: Issues): void {
  if (r.metadata.name !== 'default') issues.add('metadata.name', 'Cannot create a IPAMConfiguration resource with a name other than "default"', r.metadata.name);
}

export const ipamConfigurationKind = defineKind({
  info: calicoKind('IPAMConfiguration', 'ipamconfigurations', false, [
    'ipamconfiguration', 'ipamconfigurations', 'ipamconfig', 'ipamconfigs',
  ]),
  spec: ipamConfigurationSpecSchema,
  validate: validateIPAMConfiguration,
  defaults: (r) => {
    const spec = specOf(r);
    if (spec.strictAffinity === undefined) spec.strictAffinity = false;
  },
});
