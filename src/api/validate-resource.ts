import { CalicoError, ValidationError } from '../lib/errors.js';
import { unknownKindReason } from './codec/decode.js';
import { kindDefinition } from './registry.js';
import type { Resource } from './types.js';
import { Issues } from './validate/issues.js';
import { objectMetaSchema } from './validate/metadata.js';
import { isPlainObject, stripNulls } from './validate/schema.js';

const TOP_LEVEL = new Set(['apiVersion', 'kind', 'metadata', 'spec', 'status']);

/**
 * validateResource fully validates one resource (envelope, ObjectMeta, then
 * the kind's own rules), reporting every problem at once as a
 * ValidationError, then fills Calico's defaults. It works on a deep copy
 * with JSON nulls removed and never mutates `input`.
 *
 * YAML numbers and booleans in Go string fields (label values, a container
 * ID) become strings first, as calicoctl's sigs.k8s.io/yaml decoding does.
 *
 * A namespaced resource without a namespace gets `default` (calicoctl's
 * default when neither the file nor `-n` names one); a cluster-scoped one
 * has any namespace dropped, as calicoctl ignores it.
 */
export function validateResource(input: unknown, document?: string): Resource {
  if (!isPlainObject(input)) {
    throw new ValidationError([{ path: '', reason: 'resource must be an object' }], document);
  }
  const apiVersion = input.apiVersion;
  const kind = input.kind;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || !apiVersion || !kind) {
    const issues = new Issues();
    if (typeof apiVersion !== 'string' || !apiVersion) issues.add('apiVersion', 'apiVersion is required');
    if (typeof kind !== 'string' || !kind) issues.add('kind', 'kind is required');
    issues.throwIfAny(document);
  }
  const def = kindDefinition(apiVersion as string, kind as string);
  if (!def) {
    const where = document ? `${document}: ` : '';
    throw new CalicoError('CALICO_ERR_UNKNOWN_KIND', `${where}${unknownKindReason(String(kind), String(apiVersion))}`);
  }
  const r = structuredClone(stripNulls(input)) as Record<string, unknown>;
  const issues = new Issues();
  const extra = def.extraTopLevelFields ?? [];
  for (const k of Object.keys(r)) if (!TOP_LEVEL.has(k) && !extra.includes(k)) issues.add(k, `unknown field "${k}"`);
  if (!isPlainObject(r.metadata)) {
    issues.add('metadata', 'required field is missing');
    issues.throwIfAny(document ?? String(kind));
  }
  // calicoctl's decoder turns YAML numbers/booleans in Go string fields into strings.
  const meta = objectMetaSchema.coerce(r.metadata) as Record<string, unknown>;
  r.metadata = meta;
  def.coerce?.(r as unknown as Resource);
  objectMetaSchema.check(meta, 'metadata', issues);
  if (typeof meta.name !== 'string' || meta.name === '') issues.add('metadata.name', 'name is required');
  const docName = document ?? `${String(kind)} ${typeof meta.name === 'string' ? meta.name : ''}`.trim();
  if (!def.info.namespaced) delete meta.namespace;
  else if (meta.namespace === undefined || meta.namespace === '') meta.namespace = 'default';
  if (issues.empty) def.validate(r as unknown as Resource, issues);
  else {
    // Still report the kind's own problems alongside envelope ones, when the envelope is usable.
    if (typeof meta.name === 'string') def.validate(r as unknown as Resource, issues);
  }
  issues.throwIfAny(docName);
  const out = r as unknown as Resource;
  def.applyDefaults(out);
  return out;
}

/**
 * validateResourceUpdate validates `input` as an update of the stored
 * resource `old`: everything validateResource checks, plus the kind's
 * update-only rules (libcalico-go: an IPPool's CIDR and blockSize cannot be
 * modified). Returns the validated, defaulted new resource.
 */
export function validateResourceUpdate(old: Resource, input: unknown, document?: string): Resource {
  const updated = validateResource(input, document);
  const def = kindDefinition(updated.apiVersion, updated.kind);
  if (!def?.validateUpdate) return updated;
  const issues = new Issues();
  def.validateUpdate(old, updated, issues);
  issues.throwIfAny(document ?? `${updated.kind} ${updated.metadata.name}`);
  return updated;
}
