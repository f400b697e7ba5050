import { randomUUID } from 'node:crypto';
import { kindInfo, kindInfoFor, validateResource } from '../api/index.js';
import type { KindInfo, ObjectMeta, Resource } from '../api/types.js';
import { resourceKeyOf } from '../api/types.js';
import { CalicoError, ValidationError, isCalicoError } from '../lib/errors.js';
import type { Datastore, KVEntry, ResourceKey } from './datastore.js';
import {
  addTierLabel, alternateDefaultTierNames, completeTierOnRead, DEFAULT_TIER, isTieredKind, specTier, tierDeleteRefusal, tieredNameIssue,
} from './resource-client-tiers.js';

const V3 = 'projectcalico.org/v3';

/**
 * ResourceClient is the typed client over any Datastore, as libcalico-go's
 * clientv3 is over its backends: every write validates and defaults the
 * resource first (nothing is written when validation fails), then writes the
 * whole resource with compare-and-swap on the entry's revision.
 *
 * Stored value: the validated resource (apiVersion, kind, metadata without
 * resourceVersion, spec). Read value: the same with
 * `metadata.resourceVersion = String(revision)`.
 *
 * Error messages follow libcalico-go's errors so calicoctl prints what
 * calicoctl prints: `resource does not exist: IPPool(p1) with error: <nil>`,
 * `resource already exists: IPPool(p1)`, `update conflict: IPPool(p1)`.
 */

/** A kind as named on the command line (`ippool`, `NetworkPolicy`, `gnp`) or its KindInfo. */
export type KindRef = string | KindInfo;

export interface ResourceClientOptions {
  /** Clock for creationTimestamp (tests). */
  readonly now?: () => Date;
  /** Attempts for update/apply without a resourceVersion when writers race (default 5, as calicoctl). */
  readonly updateAttempts?: number;
}

export interface ResourceList {
  readonly items: Resource[];
  /** Store revision of the list (calicoctl prints it as the List's metadata.resourceVersion). */
  readonly revision: number;
}

/** The KindInfo for a command-line kind name; CALICO_ERR_UNKNOWN_KIND as calicoctl words it. */
export function resolveKind(kind: KindRef): KindInfo {
  if (typeof kind !== 'string') return kind;
  const info = safeLookup(() => kindInfo(kind));
  if (!info) throw new CalicoError('CALICO_ERR_UNKNOWN_KIND', `resource type '${kind}' is not supported`);
  return info;
}

/** The KindInfo for a document's apiVersion + kind. */
export function resolveKindOf(r: Pick<Resource, 'apiVersion' | 'kind'>): KindInfo {
  const info = safeLookup(() => kindInfoFor(r.apiVersion, r.kind));
  if (!info) {
    throw new CalicoError('CALICO_ERR_UNKNOWN_KIND', `unknown resource type (${r.kind}) and/or version (${r.apiVersion})`);
  }
  return info;
}

function safeLookup(fn: () => KindInfo | undefined): KindInfo | undefined {
  try {
    return fn();
  } catch (e) {
    if (isCalicoError(e, 'CALICO_ERR_UNKNOWN_KIND')) return undefined;
    throw e;
  }
}

/** libcalico-go's ResourceKey.String(): `IPPool(p1)` or `NetworkPolicy(ns/p1)`. */
export function resourceIdentifier(info: KindInfo, name: string, namespace?: string): string {
  return info.namespaced ? `${info.kind}(${namespace ?? ''}/${name})` : `${info.kind}(${name})`;
}

export function notFoundError(id: string): CalicoError {
  return new CalicoError('CALICO_ERR_NOT_FOUND', `resource does not exist: ${id} with error: <nil>`);
}

/** Runs `fn` again while it fails with CALICO_ERR_CONFLICT, at most `attempts` times in all. */
export async function retryOnConflict<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      return await fn();
    } catch (e) {
      if (!isCalicoError(e, 'CALICO_ERR_CONFLICT')) throw e;
      last = e;
      // Short randomised back-off so racing writers spread out.
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 5 * (i + 1))));
    }
  }
  throw last;
}

/** A validated resource ready to write, with its kind and datastore key. */
export interface PreparedResource {
  readonly info: KindInfo;
  readonly key: ResourceKey;
  readonly resource: Resource;
  /** metadata.resourceVersion of the input, if any (the CAS revision for update/delete). */
  readonly resourceVersion: string | undefined;
}

/**
 * Validates and defaults `input` without writing (calicoctl validate, and the
 * all-documents-first check before any write). Throws ValidationError naming
 * `document` and every bad field; CALICO_ERR_UNKNOWN_KIND for unknown kinds.
 */
export function prepareResource(input: Resource, document?: string): PreparedResource {
  const info = resolveKindOf(input);
  const meta = input.metadata ?? ({} as ObjectMeta);
  const resourceVersion = meta.resourceVersion === undefined || meta.resourceVersion === '' ? undefined : String(meta.resourceVersion);
  if (!info.namespaced && meta.namespace) {
    throw new ValidationError([{ path: 'metadata.namespace', value: meta.namespace, reason: `namespace should not be specified for a non-namespaced resource. ${info.kind} is not a namespaced resource` }], document);
  }
  // The whole metadata is checked (a misspelt field is an error), then only the
  // user-settable part is kept (calicoctl prepareMetadataForCreate): name,
  // namespace, labels, annotations. uid, creationTimestamp etc. come from the store.
  const validated = validateResource(input, document);
  const vm = validated.metadata;
  const cleanMeta: ObjectMeta = { name: vm.name };
  if (info.namespaced) cleanMeta.namespace = vm.namespace || 'default';
  if (vm.labels !== undefined) cleanMeta.labels = vm.labels;
  if (vm.annotations !== undefined) cleanMeta.annotations = vm.annotations;
  validated.metadata = cleanMeta;
  if (isTieredKind(validated.apiVersion, validated.kind)) {
    const issue = tieredNameIssue(validated.metadata.name, specTier(validated));
    if (issue) throw new ValidationError([issue], document);
    addTierLabel(validated);
  }
  return { info, key: resourceKeyOf(info, validated), resource: validated, resourceVersion };
}

export class ResourceClient {
  private readonly now: () => Date;
  private readonly updateAttempts: number;

  constructor(readonly datastore: Datastore, opts: ResourceClientOptions = {}) {
    this.now = opts.now ?? (() => new Date());
    this.updateAttempts = opts.updateAttempts ?? 5;
  }

  /** See prepareResource. */
  prepare(input: Resource, document?: string): PreparedResource {
    return prepareResource(input, document);
  }

  /** Creates; CALICO_ERR_ALREADY_EXISTS if present. Sets uid and creationTimestamp. */
  async create(input: Resource): Promise<Resource> {
    const p = this.prepare(input);
    await this.checkTierExists(p);
    const stored: Resource = {
      ...p.resource,
      metadata: { ...p.resource.metadata, uid: randomUUID(), creationTimestamp: rfc3339(this.now()) },
    };
    const entry = await this.mapErrors(p, () => this.datastore.create(p.key, stored));
    return toResource(entry);
  }

  /**
   * Replaces an existing resource (calicoctl replace). With
   * metadata.resourceVersion: only if it is still current, else
   * CALICO_ERR_CONFLICT. Without: read the current revision and CAS on it,
   * retrying on conflict. uid and creationTimestamp are kept from the store.
   */
  async update(input: Resource): Promise<Resource> {
    const p = this.prepare(input);
    if (p.resourceVersion !== undefined) {
      const cur = await this.getEntry(p.info, p.key);
      if (String(cur.revision) !== p.resourceVersion) throw this.conflict(p);
      return this.writeUpdate(p, cur);
    }
    return retryOnConflict(async () => this.writeUpdate(p, await this.getEntry(p.info, p.key)), this.updateAttempts);
  }

  /** Creates, or updates when it exists (calicoctl apply). */
  async apply(input: Resource): Promise<Resource> {
    const withoutRv: Resource = { ...input, metadata: { ...input.metadata } };
    delete withoutRv.metadata.resourceVersion;
    try {
      return await this.create(withoutRv);
    } catch (e) {
      if (!isCalicoError(e, 'CALICO_ERR_ALREADY_EXISTS')) throw e;
    }
    return this.update(input);
  }

  /** Deletes; with `resourceVersion`, only if it is current (CALICO_ERR_CONFLICT otherwise). Returns what was deleted. */
  async delete(kind: KindRef, name: string, opts: { namespace?: string | undefined; resourceVersion?: string | undefined } = {}): Promise<Resource> {
    const info = resolveKind(kind);
    const entry = await this.findEntry(info, name, opts.namespace);
    if (info.kind === 'Tier' && info.apiVersion === V3) {
      const refusal = await tierDeleteRefusal(name, async (k, namePrefix) =>
        (await this.datastore.list({ kind: k, namePrefix })).items.map((e) => e.value as Resource));
      if (refusal) throw new CalicoError('CALICO_ERR_UNSUPPORTED', `operation ${refusal.operation} is not supported on ${name}: ${refusal.reason}`);
    }
    const p = { info, key: entry.key };
    const rev = opts.resourceVersion ? Number(opts.resourceVersion) : undefined;
    if (rev !== undefined && rev !== entry.revision) throw this.conflict(p);
    await this.mapErrors(p, () => this.datastore.delete(entry.key, rev ?? entry.revision));
    return toResource(entry);
  }

  /** One resource; CALICO_ERR_NOT_FOUND if absent. Default-tier policies are found as `foo` or `default.foo`. */
  async get(kind: KindRef, name: string, opts: { namespace?: string | undefined } = {}): Promise<Resource> {
    return toResource(await this.findEntry(resolveKind(kind), name, opts.namespace));
  }

  /** Every resource of a kind; `namespace` undefined = all namespaces; `name` = just that one (or none). */
  async list(kind: KindRef, opts: { namespace?: string | undefined; name?: string | undefined } = {}): Promise<ResourceList> {
    const info = resolveKind(kind);
    if (opts.name !== undefined) {
      const revision = await this.datastore.currentRevision();
      try {
        return { items: [await this.get(info, opts.name, opts)], revision };
      } catch (e) {
        if (isCalicoError(e, 'CALICO_ERR_NOT_FOUND')) return { items: [], revision };
        throw e;
      }
    }
    const res = await this.datastore.list({ kind: info.storageKind, namespace: info.namespaced ? opts.namespace : undefined });
    return { items: res.items.map(toResource), revision: res.revision };
  }

  private async findEntry(info: KindInfo, name: string, namespace: string | undefined): Promise<KVEntry> {
    const ns = info.namespaced ? namespace || 'default' : undefined;
    const candidates = [name, ...(isTieredKind(info.apiVersion, info.kind) ? alternateDefaultTierNames(name) : [])];
    for (const n of candidates) {
      const entry = await this.datastore.get({ kind: info.storageKind, namespace: ns, name: n });
      // A default-tier alias must really be a default-tier policy.
      if (entry && (n === name || specTier(entry.value as Resource) === DEFAULT_TIER)) return entry;
    }
    throw notFoundError(resourceIdentifier(info, name, ns));
  }

  private async getEntry(info: KindInfo, key: ResourceKey): Promise<KVEntry> {
    const entry = await this.datastore.get(key);
    if (!entry) throw notFoundError(resourceIdentifier(info, key.name, key.namespace));
    return entry;
  }

  private async writeUpdate(p: PreparedResource, cur: KVEntry): Promise<Resource> {
    const old = (cur.value as Resource).metadata;
    // Stored metadata wins except labels and annotations (calicoctl mergeMetadataForUpdate).
    const metadata: ObjectMeta = { ...old };
    delete metadata.labels;
    delete metadata.annotations;
    if (p.resource.metadata.labels !== undefined) metadata.labels = p.resource.metadata.labels;
    if (p.resource.metadata.annotations !== undefined) metadata.annotations = p.resource.metadata.annotations;
    const entry = await this.mapErrors(p, () => this.datastore.update(p.key, { ...p.resource, metadata }, cur.revision));
    return toResource(entry);
  }

  /** Policies may only be created in a tier that exists; the default tier always counts as existing. */
  private async checkTierExists(p: PreparedResource): Promise<void> {
    if (!isTieredKind(p.info.apiVersion, p.info.kind)) return;
    const tier = specTier(p.resource);
    if (tier === DEFAULT_TIER) return;
    const tierInfo = safeLookup(() => kindInfo('tier'));
    if (!tierInfo) return;
    if (!(await this.datastore.get({ kind: tierInfo.storageKind, name: tier }))) throw notFoundError(`Tier(${tier})`);
  }

  private conflict(p: Pick<PreparedResource, 'info' | 'key'>): CalicoError {
    return new CalicoError('CALICO_ERR_CONFLICT', `update conflict: ${resourceIdentifier(p.info, p.key.name, p.key.namespace)}`);
  }

  /** Rewords the datastore's errors the way libcalico-go words them, keeping the code. */
  private async mapErrors<T>(p: Pick<PreparedResource, 'info' | 'key'>, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      const id = resourceIdentifier(p.info, p.key.name, p.key.namespace);
      if (isCalicoError(e, 'CALICO_ERR_ALREADY_EXISTS')) throw new CalicoError(e.code, `resource already exists: ${id}`, { cause: e });
      if (isCalicoError(e, 'CALICO_ERR_NOT_FOUND')) throw new CalicoError(e.code, notFoundError(id).message, { cause: e });
      if (isCalicoError(e, 'CALICO_ERR_CONFLICT')) throw new CalicoError(e.code, `update conflict: ${id}`, { cause: e });
      throw e;
    }
  }
}

/** The API object for a stored entry: metadata in Kubernetes order with resourceVersion = revision. */
export function toResource(entry: KVEntry): Resource {
  const v = structuredClone(entry.value) as Resource;
  // Values written by other components may carry less metadata: the key is the truth for identity.
  const m: Partial<ObjectMeta> = v.metadata ?? {};
  const metadata: ObjectMeta = { name: m.name ?? entry.key.name };
  if (m.namespace === undefined && entry.key.namespace !== undefined) m.namespace = entry.key.namespace;
  if (m.namespace !== undefined) metadata.namespace = m.namespace;
  if (m.uid !== undefined) metadata.uid = m.uid;
  metadata.resourceVersion = String(entry.revision);
  if (m.creationTimestamp !== undefined) metadata.creationTimestamp = m.creationTimestamp;
  if (m.generation !== undefined) metadata.generation = m.generation;
  if (m.labels !== undefined) metadata.labels = m.labels;
  if (m.annotations !== undefined) metadata.annotations = m.annotations;
  const out: Resource = { apiVersion: v.apiVersion, kind: v.kind, metadata };
  if (v.spec !== undefined) out.spec = v.spec;
  if (v.status !== undefined) out.status = v.status;
  if (isTieredKind(out.apiVersion, out.kind)) completeTierOnRead(out);
  return out;
}

/** Kubernetes metav1.Time form: RFC 3339, second precision, `Z`. */
function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
