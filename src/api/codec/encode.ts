import { Document, Scalar, visit, type Pair } from 'yaml';
import { goYamlKeyCompare, goYamlNeedsQuotes } from './go-yaml-style.js';
import { kindDefinition } from '../registry.js';
import type { Resource } from '../types.js';

export interface EncodeOptions {
  /** Always wrap in a `<Kind>List` (calicoctl `get` without a name), even for 0 or 1 items. */
  readonly list?: boolean;
  /** `metadata.resourceVersion` of the list (the datastore revision the list was read at). */
  readonly resourceVersion?: string;
  /** Kind and apiVersion of the items, so an empty list still reads `<Kind>List`. */
  readonly kind?: string;
  readonly apiVersion?: string;
}

const V3 = 'projectcalico.org/v3';

/**
 * encodeResources renders resources as calicoctl `get -o yaml|json` does: one
 * resource as the object itself; several (or `list: true`) as a
 * `<Kind>List` (plain `List` when kinds are mixed) with apiVersion
 * projectcalico.org/v3 for Calico kinds, `items` and `metadata.resourceVersion`.
 * YAML keys are sorted in go-yaml's order (calicoctl converts through a JSON map); JSON keeps
 * Go's struct order: kind, apiVersion, metadata, spec, status, and inside
 * spec/status the order the kind's schema declares (Go's).
 */
export function encodeResources(rs: readonly Resource[], format: 'yaml' | 'json', opts: EncodeOptions = {}): string {
  const asList = opts.list === true || rs.length !== 1;
  const doc = asList ? listOf(rs, opts) : ordered(rs[0]!);
  if (format === 'json') return `${JSON.stringify(doc, null, 2)}\n`;
  // YAML 1.1 rules for quoting, so readers using go-yaml (calicoctl, kubectl) get strings back:
  // `"yes"`, `"on"`, `"10:20"` and timestamps are quoted, as calicoctl quotes creationTimestamp.
  // Keys in go-yaml's order (`rack9` before `rack10`), as calicoctl prints them.
  const yamlDoc = new Document(doc, { version: '1.1', sortMapEntries: byGoYamlKey });
  visit(yamlDoc, {
    Scalar(key, node) {
      if (key !== 'key' && typeof node.value === 'string' && goYamlNeedsQuotes(node.value)) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
  return yamlDoc.toString({ indentSeq: false, lineWidth: 0, minContentWidth: 0 });
}

function byGoYamlKey(a: Pair, b: Pair): number {
  const ak = a.key instanceof Scalar ? a.key.value : a.key;
  const bk = b.key instanceof Scalar ? b.key.value : b.key;
  return goYamlKeyCompare(String(ak), String(bk));
}

/** ObjectMeta's Go field order, which calicoctl's JSON output follows. */
const META_ORDER = [
  'name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp',
  'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields',
];

function orderedMeta(m: Resource['metadata']): Record<string, unknown> {
  const src = m as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of META_ORDER) if (src[k] !== undefined) out[k] = src[k];
  for (const [k, v] of Object.entries(src)) if (!(k in out) && v !== undefined) out[k] = v;
  return out;
}

function ordered(r: Resource): Record<string, unknown> {
  // spec/status fields in Go struct order (the kind's schema declares them in that order).
  const src = kindDefinition(r.apiVersion, r.kind)?.ordered?.(r) ?? r;
  const o: Record<string, unknown> = { kind: r.kind, apiVersion: r.apiVersion, metadata: orderedMeta(r.metadata) };
  for (const [k, v] of Object.entries(src)) if (!(k in o) && v !== undefined) o[k] = v;
  return o;
}

function listOf(rs: readonly Resource[], opts: EncodeOptions): Record<string, unknown> {
  const kinds = new Set(rs.map((r) => `${r.apiVersion}/${r.kind}`));
  let kind = 'List';
  let apiVersion = V3;
  if (rs.length === 0 && opts.kind) {
    kind = `${opts.kind}List`;
    apiVersion = opts.apiVersion ?? V3;
  } else if (kinds.size === 1) {
    kind = `${rs[0]!.kind}List`;
    apiVersion = rs[0]!.apiVersion;
  }
  const resourceVersion = opts.resourceVersion ?? maxResourceVersion(rs);
  return { kind, apiVersion, metadata: { resourceVersion }, items: rs.map(ordered) };
}

function maxResourceVersion(rs: readonly Resource[]): string {
  let max = -1;
  for (const r of rs) {
    const n = Number(r.metadata.resourceVersion);
    if (Number.isInteger(n) && n > max) max = n;
  }
  return max >= 0 ? String(max) : '';
}
