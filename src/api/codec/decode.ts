import { parseAllDocuments } from 'yaml';
import { ValidationError } from '../../lib/errors.js';
import { kindDefinition } from '../registry.js';
import type { Resource } from '../types.js';
import { goScalarString, isPlainObject } from '../validate/schema.js';

/**
 * decodeResources reads YAML or JSON text holding one or more documents
 * (`---` separated), expanding `List` / `<Kind>List` documents into their
 * items. It checks structure only (an object with apiVersion, kind,
 * metadata.name, of a registered kind); field validation is
 * `validateResource`'s job. Like calicoctl, a document may also be a YAML or
 * JSON sequence of resources. The first bad document throws a ValidationError
 * naming it, e.g. `policies.yaml document 2 (NetworkPolicy foo)`.
 *
 * YAML is read with the YAML 1.2 core schema: unlike go-yaml's 1.1 rules,
 * `yes`/`on` stay strings and `6040:6050` is never a base-60 number.
 */
export function decodeResources(text: string, source?: string): Resource[] {
  const out: Resource[] = [];
  const docs = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: true });
  // A stream with a single empty document still yields an array here.
  const list = Array.isArray(docs) ? docs : [docs];
  let n = 0;
  for (const doc of list) {
    n++;
    const where = documentName(source, n);
    if (doc.errors.length) {
      const e = doc.errors[0]!;
      // With prettyErrors the first line reads e.g. `Unexpected , in flow map at line 1, column 9:`.
      const first = e.message.split('\n')[0]!.replace(/:$/, '');
      throw new ValidationError([{ path: '', reason: `YAML/JSON syntax error: ${first}` }], where);
    }
    if (doc.contents === null) continue; // empty document (e.g. a trailing `---`)
    const value: unknown = doc.toJS({ maxAliasCount: 1000 });
    if (value === null || value === undefined) continue;
    decodeOne(value, where, out, undefined);
  }
  return out;
}

function documentName(source: string | undefined, n: number): string {
  return source ? `${source} document ${n}` : `document ${n}`;
}

function describe(where: string, v: Record<string, unknown>): string {
  const kind = typeof v.kind === 'string' ? v.kind : undefined;
  const meta = isPlainObject(v.metadata) ? v.metadata : undefined;
  const name = meta && typeof meta.name === 'string' ? meta.name : undefined;
  if (kind && name) return `${where} (${kind} ${name})`;
  if (kind) return `${where} (${kind})`;
  return where;
}

interface ListDefaults {
  readonly apiVersion: string | undefined;
  readonly kind: string | undefined;
}

const NO_DEFAULTS: ListDefaults = { apiVersion: undefined, kind: undefined };

function decodeOne(value: unknown, where: string, out: Resource[], inherit: ListDefaults | undefined): void {
  if (Array.isArray(value) && inherit === undefined) {
    // calicoctl also accepts a document that is a sequence of resources (`- apiVersion: ...`).
    value.forEach((item, i) => decodeOne(item, `${where} item ${i + 1}`, out, NO_DEFAULTS));
    return;
  }
  if (!isPlainObject(value)) {
    throw new ValidationError([{ path: '', reason: 'resource must be an object', value }], where);
  }
  const v: Record<string, unknown> = { ...value };
  if (inherit) {
    if (v.apiVersion === undefined && inherit.apiVersion) v.apiVersion = inherit.apiVersion;
    if (v.kind === undefined && inherit.kind) v.kind = inherit.kind;
  }
  const name = describe(where, v);
  if (typeof v.apiVersion !== 'string' || v.apiVersion === '') {
    throw new ValidationError([{ path: 'apiVersion', reason: 'apiVersion is required' }], name);
  }
  if (typeof v.kind !== 'string' || v.kind === '') {
    throw new ValidationError([{ path: 'kind', reason: 'kind is required' }], name);
  }
  if (v.kind === 'List' || (v.kind.endsWith('List') && !kindDefinition(v.apiVersion, v.kind))) {
    if (v.items !== undefined && v.items !== null && !Array.isArray(v.items)) {
      throw new ValidationError([{ path: 'items', reason: 'items must be a list' }], name);
    }
    const itemKind = v.kind === 'List' ? undefined : v.kind.slice(0, -'List'.length);
    if (itemKind && !kindDefinition(v.apiVersion, itemKind)) {
      throw new ValidationError([{ path: 'kind', reason: unknownKindReason(v.kind, v.apiVersion) }], name);
    }
    const items = (v.items ?? []) as unknown[];
    items.forEach((item, i) => decodeOne(item, `${where} item ${i + 1}`, out, { apiVersion: v.apiVersion as string, kind: itemKind }));
    return;
  }
  if (!kindDefinition(v.apiVersion, v.kind)) {
    throw new ValidationError([{ path: 'kind', reason: unknownKindReason(v.kind, v.apiVersion) }], name);
  }
  if (!isPlainObject(v.metadata)) {
    throw new ValidationError([{ path: 'metadata', reason: 'metadata is required' }], name);
  }
  // ObjectMeta name/namespace are Go strings: calicoctl's decoder turns `name: 123` into "123".
  for (const f of ['name', 'namespace']) {
    const x = v.metadata[f];
    if (typeof x === 'number' || typeof x === 'boolean') v.metadata[f] = goScalarString(x);
  }
  if (typeof v.metadata.name !== 'string' || v.metadata.name === '') {
    throw new ValidationError([{ path: 'metadata.name', reason: 'name is required' }], name);
  }
  out.push(v as unknown as Resource);
}

/** calicoctl's wording (resourcemgr newResource) for a kind it does not know. */
export function unknownKindReason(kind: string, apiVersion: string): string {
  return `unknown resource type (${kind}) and/or version (${apiVersion})`;
}
