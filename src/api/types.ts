import type { ResourceKey } from '../datastore/datastore.js';

/** Kubernetes-style object metadata, as Calico's v3 resources carry it. */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  resourceVersion?: string;
  uid?: string;
  creationTimestamp?: string;
  generation?: number;
  generateName?: string;
}

/** Any resource: projectcalico.org/v3 kinds, networking.k8s.io/v1 NetworkPolicy, v1 Namespace/Pod. */
export interface Resource<Spec = Record<string, unknown>> {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: Spec;
  status?: unknown;
}

/** What calicoctl and the datastore need to know about a kind. */
export interface KindInfo {
  /** Kind as written in YAML, e.g. `IPPool`, `NetworkPolicy`. */
  readonly kind: string;
  /** e.g. `projectcalico.org/v3`, `networking.k8s.io/v1`, `v1`. */
  readonly apiVersion: string;
  /**
   * Kind used in datastore keys. Equal to `kind` except where two API groups
   * share a kind name: networking.k8s.io/v1 NetworkPolicy is stored as
   * `KubernetesNetworkPolicy`.
   */
  readonly storageKind: string;
  readonly namespaced: boolean;
  /** Lower-case plural, e.g. `ippools`. */
  readonly plural: string;
  /** Names calicoctl accepts for this kind on the command line (lower-case), e.g. `ippool`, `ippools`, `pool`. */
  readonly aliases: readonly string[];
}

/** The datastore key of a resource. */
export function resourceKeyOf(info: KindInfo, r: Resource): ResourceKey {
  return info.namespaced
    ? { kind: info.storageKind, namespace: r.metadata.namespace ?? 'default', name: r.metadata.name }
    : { kind: info.storageKind, name: r.metadata.name };
}
