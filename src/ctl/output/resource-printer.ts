import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { encodeResources } from '../../api/index.js';
import type { Resource } from '../../api/types.js';
import { CalicoError } from '../../lib/errors.js';
import type { ActionOutput } from '../config-command.js';
import { renderGoTemplate } from './go-template.js';
import { kindColumns, type ColumnContext } from './kind-columns.js';
import { renderCalicoctlTable } from './table.js';

/**
 * The `calicoctl get -o ...` printers (calicoctl common/printer.go):
 *  - yaml / json: one result prints as itself (a resource, or a `<Kind>List`
 *    for a get without names); several results print as a sequence.
 *  - ps / wide / custom-columns: one table per result, each followed by a
 *    blank line, columns as calicoctl's resourcemgr defines them.
 *  - go-template / go-template-file: the template over the list of results.
 */

export type OutputFormat =
  | { readonly kind: 'yaml' }
  | { readonly kind: 'json' }
  | { readonly kind: 'table'; readonly wide: boolean; readonly headings?: readonly string[] | undefined; readonly printNamespace: boolean }
  | { readonly kind: 'template'; readonly template: string };

/** Parses `-o`; CALICO_ERR_USAGE with calicoctl's wording for anything else. */
export function parseOutputFormat(output: string, printNamespace: boolean): OutputFormat {
  switch (output) {
    case 'yaml':
    case 'yml':
      return { kind: 'yaml' };
    case 'json':
      return { kind: 'json' };
    case 'ps':
      return { kind: 'table', wide: false, printNamespace };
    case 'wide':
      return { kind: 'table', wide: true, printNamespace };
  }
  const eq = output.indexOf('=');
  const key = eq < 0 ? output : output.slice(0, eq);
  const value = eq < 0 ? '' : output.slice(eq + 1);
  if (key === 'custom-columns') {
    if (value === '') throw new CalicoError('CALICO_ERR_USAGE', 'need to specify at least one column');
    // calicoctl passes no namespace flag for custom columns: the user lists NAMESPACE if wanted.
    return { kind: 'table', wide: false, headings: value.split(','), printNamespace: false };
  }
  if (key === 'go-template') {
    if (value === '') throw new CalicoError('CALICO_ERR_USAGE', 'need to specify a template');
    return { kind: 'template', template: value };
  }
  if (key === 'go-template-file') {
    if (value === '') throw new CalicoError('CALICO_ERR_USAGE', 'need to specify a template file');
    try {
      return { kind: 'template', template: readFileSync(value, 'utf8') };
    } catch (e) {
      throw new CalicoError('CALICO_ERR_USAGE', `open ${value}: ${(e as Error).message}`);
    }
  }
  throw new CalicoError('CALICO_ERR_USAGE', `unrecognized output format '${output}'`);
}

/** Go struct order for one resource in JSON: kind, apiVersion, metadata, spec, status. */
function ordered(r: Resource): Record<string, unknown> {
  const o: Record<string, unknown> = { kind: r.kind, apiVersion: r.apiVersion, metadata: r.metadata };
  for (const [k, v] of Object.entries(r)) if (!(k in o) && v !== undefined) o[k] = v;
  return o;
}

function encodeOne(out: ActionOutput, format: 'yaml' | 'json'): string {
  if (out.type === 'resource') return encodeResources([out.resource], format);
  return encodeResources(out.items, format, {
    list: true, resourceVersion: String(out.revision), kind: out.info.kind, apiVersion: out.info.apiVersion,
  });
}

function listDoc(out: Extract<ActionOutput, { type: 'list' }>): Record<string, unknown> {
  return JSON.parse(encodeOne(out, 'json')) as Record<string, unknown>;
}

export function printOutputs(outputs: readonly ActionOutput[], format: OutputFormat, columnContext: ColumnContext): string {
  // calicoctl runs the template over the slice of results (a List per get without names).
  if (format.kind === 'template') return renderGoTemplate(format.template, outputs.map((o) => (o.type === 'resource' ? ordered(o.resource) : listDoc(o))));
  if (format.kind === 'yaml' || format.kind === 'json') {
    if (outputs.length === 1) return encodeOne(outputs[0]!, format.kind);
    const docs = outputs.map((o) => (o.type === 'resource' ? ordered(o.resource) : listDoc(o)));
    if (format.kind === 'json') return `${JSON.stringify(docs, null, 2)}\n`;
    return outputs.length === 0 ? '[]\n' : stringify(docs, { sortMapEntries: true, indentSeq: false, lineWidth: 0, minContentWidth: 0 });
  }
  let text = '';
  for (const o of outputs) {
    const kind = o.type === 'resource' ? o.resource.kind : o.info.kind;
    const items = o.type === 'resource' ? [o.resource] : o.items;
    text += renderKindTable(kind, items, format, columnContext) + '\n';
  }
  return text;
}

function renderKindTable(kind: string, items: readonly Resource[], format: Extract<OutputFormat, { kind: 'table' }>, c: ColumnContext): string {
  const cols = kindColumns(kind);
  let headings = [...(format.headings ?? (format.wide ? cols.wide : cols.headings))];
  if (format.printNamespace && cols.columns['NAMESPACE']) headings = ['NAMESPACE', ...headings];
  for (const h of headings) {
    if (!cols.columns[h]) {
      throw new CalicoError('CALICO_ERR_USAGE', `unknown heading ${h}, valid values are: ${Object.keys(cols.columns).join(', ')}`);
    }
  }
  return renderCalicoctlTable(headings, items.map((r) => headings.map((h) => cols.columns[h]!(r, c))));
}
