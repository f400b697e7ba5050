/**
 * Public API of the resource layer: kind lookup, YAML/JSON codec, full
 * validation with Calico's defaults, and datastore keys. Importing this
 * module registers every kind.
 */
import './kinds/index.js';
import { CalicoError } from '../lib/errors.js';
import { unknownKindReason } from './codec/decode.js';
import type { ResourceKey } from '../datastore/datastore.js';
import { allKindDefinitions, kindDefinition, kindDefinitionByName } from './registry.js';
import { resourceKeyOf, type KindInfo, type Resource } from './types.js';

export * from './types.js';
export { Issues } from './validate/issues.js';
export { decodeResources } from './codec/decode.js';
export { encodeResources, type EncodeOptions } from './codec/encode.js';
export { validateResource, validateResourceUpdate } from './validate-resource.js';
export type * from './kinds/types.js';
export { parseCidr, parseIp, parsePort, formatPort, type ParsedCidr, type ParsedIp, type Port } from './validate/net.js';
export { parseAsNumber } from './kinds/common-fields.js';
export { parseGoDuration, formatGoDuration, canonicalGoDuration } from './validate/go-duration.js';
export { parsePeerIP } from './kinds/bgp-peer.js';
export { BGP_DEFAULTS, communityProblem } from './kinds/bgp-configuration.js';
export { ipPoolOverlapIssue } from './kinds/ip-pool.js';

/** A kind as named on the calicoctl command line (case-insensitive; singular, plural or alias). */
export function kindInfo(nameOrAlias: string): KindInfo | undefined {
  return kindDefinitionByName(nameOrAlias)?.info;
}

/** A kind as written in a document's apiVersion + kind. */
export function kindInfoFor(apiVersion: string, kind: string): KindInfo | undefined {
  return kindDefinition(apiVersion, kind)?.info;
}

export function allKinds(): readonly KindInfo[] {
  return allKindDefinitions().map((d) => d.info);
}

/** The datastore key of `r` (kind = KindInfo.storageKind). */
export function resourceKey(r: Resource): ResourceKey {
  const info = kindInfoFor(r.apiVersion, r.kind);
  if (!info) throw new CalicoError('CALICO_ERR_UNKNOWN_KIND', unknownKindReason(r.kind, r.apiVersion));
  return resourceKeyOf(info, r);
}

// Kubernetes -> Calico conversions (libcalico-go conversion.go), public for acceptance suites.
export { convertK8sNetworkPolicy, namespaceToProfile, serviceAccountToProfile } from './k8s/index.js';
