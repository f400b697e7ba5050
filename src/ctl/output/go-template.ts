import { CalicoError } from '../../lib/errors.js';
import { goValue } from './kind-columns.js';

/**
 * renderGoTemplate runs the subset of Go's text/template that calicoctl's
 * `-o go-template=...` users write: field chains (`.ObjectMeta.Name`,
 * `.Spec.CIDR`, `$`, `.`), `range` / `if` / `with` (with `else`) / `end`,
 * string and number literals, pipes, and the functions join,
 * joinAndTruncate, len, index, printf (%s %d %v %q), eq, ne, not, and, or.
 *
 * Data is the JSON form of the resources; a Go field name matches the JSON
 * key case-insensitively (`CIDR` -> `cidr`, `IPIPMode` -> `ipipMode`), with
 * `ObjectMeta`/`ListMeta` -> `metadata` and `APIVersion` -> `apiVersion`.
 */

type Node =
  | { readonly t: 'text'; readonly text: string }
  | { readonly t: 'print'; readonly pipe: string }
  | { readonly t: 'block'; readonly kind: 'range' | 'if' | 'with'; readonly pipe: string; readonly body: Node[]; readonly alt: Node[] };

function templateError(msg: string): CalicoError {
  return new CalicoError('CALICO_ERR_USAGE', `template: get: ${msg}`);
}

/** Splits into text and actions, honouring `{{-` and `-}}` whitespace trimming. */
function lex(src: string): ({ text: string } | { action: string })[] {
  const out: ({ text: string } | { action: string })[] = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    if (open < 0) {
      out.push({ text: src.slice(i) });
      break;
    }
    let text = src.slice(i, open);
    let start = open + 2;
    if (src.startsWith('- ', start) || src[start] === '-' && /\s/.test(src[start + 1] ?? '')) {
      text = text.trimEnd();
      start++;
    }
    out.push({ text });
    const close = src.indexOf('}}', start);
    if (close < 0) throw templateError('unclosed action');
    let action = src.slice(start, close);
    let next = close + 2;
    if (/\s-$/.test(action)) {
      action = action.slice(0, -1);
      while (next < src.length && /\s/.test(src[next]!)) next++;
    }
    out.push({ action: action.trim() });
    i = next;
  }
  return out;
}

function parse(src: string): Node[] {
  const tokens = lex(src);
  let pos = 0;
  const parseList = (stopAt: readonly string[]): { nodes: Node[]; stop: string } => {
    const nodes: Node[] = [];
    while (pos < tokens.length) {
      const tok = tokens[pos++]!;
      if ('text' in tok) {
        if (tok.text) nodes.push({ t: 'text', text: tok.text });
        continue;
      }
      const a = tok.action;
      if (a.startsWith('/*')) continue;
      const word = a.split(/\s+/, 1)[0]!;
      if (stopAt.includes(word)) return { nodes, stop: word };
      if (word === 'range' || word === 'if' || word === 'with') {
        const pipe = a.slice(word.length).trim();
        const body = parseList(['else', 'end']);
        let alt: Node[] = [];
        if (body.stop === 'else') alt = parseList(['end']).nodes;
        nodes.push({ t: 'block', kind: word, pipe, body: body.nodes, alt });
        continue;
      }
      if (word === 'end' || word === 'else') throw templateError(`unexpected {{${word}}}`);
      nodes.push({ t: 'print', pipe: a });
    }
    if (stopAt.length) throw templateError(`unexpected EOF, expected {{${stopAt.join('}} or {{')}}}`);
    return { nodes, stop: '' };
  };
  return parseList([]).nodes;
}

/** Splits a pipeline into commands and each command into arguments (quotes respected). */
function words(s: string): string[] {
  const out: string[] = [];
  const re = /"(?:[^"\\]|\\.)*"|`[^`]*`|\(|\)|\||[^\s()|]+/g;
  for (const m of s.matchAll(re)) out.push(m[0]);
  return out;
}

function field(obj: unknown, name: string): unknown {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return undefined;
  const o = obj as Record<string, unknown>;
  const want = name === 'ObjectMeta' || name === 'ListMeta' ? 'metadata' : name.toLowerCase();
  const key = Object.keys(o).find((k) => k.toLowerCase() === want);
  return key === undefined ? undefined : o[key];
}

function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/** Go's fmt `%v` in a template: strings raw, maps as map[k:v], missing as empty. */
function show(v: unknown): string {
  if (v === undefined) return '';
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    return `map[${Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => `${k}:${show(x)}`).join(' ')}]`;
  }
  if (Array.isArray(v)) return `[${v.map(show).join(' ')}]`;
  return goValue(v);
}

function joinItems(items: unknown, sep: string, max = 0): string {
  let list: string[];
  if (Array.isArray(items)) list = items.map(show);
  else if (items && typeof items === 'object') list = Object.entries(items).map(([k, v]) => `${k}=${show(v)}`).sort();
  else if (items === undefined || items === null) return '';
  else list = [show(items)];
  const s = list.join(sep);
  return max > 0 && s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

function printf(format: string, args: unknown[]): string {
  let i = 0;
  return format.replace(/%[sdvq%]/g, (m) => {
    if (m === '%%') return '%';
    const a = args[i++];
    return m === '%q' ? JSON.stringify(show(a)) : show(a);
  });
}

const FUNCS: Readonly<Record<string, (...a: unknown[]) => unknown>> = {
  join: (items, sep) => joinItems(items, String(sep)),
  joinAndTruncate: (items, sep, max) => joinItems(items, String(sep), Number(max)),
  len: (v) => (Array.isArray(v) || typeof v === 'string' ? v.length : v && typeof v === 'object' ? Object.keys(v).length : 0),
  index: (v, ...keys) => keys.reduce((acc: unknown, k) => (Array.isArray(acc) ? acc[Number(k)] : field(acc, String(k)) ?? (acc as Record<string, unknown> | undefined)?.[String(k)]), v),
  printf: (f, ...a) => printf(String(f), a),
  eq: (a, ...b) => b.some((x) => show(x) === show(a)),
  ne: (a, b) => show(a) !== show(b),
  not: (a) => !truthy(a),
  and: (...a) => a.reduce((acc, x) => (truthy(acc) ? x : acc)),
  or: (...a) => a.reduce((acc, x) => (truthy(acc) ? acc : x)),
};

interface Scope {
  readonly dot: unknown;
  readonly root: unknown;
}

function evalArg(tok: string, s: Scope): unknown {
  if (tok.startsWith('"')) return JSON.parse(tok) as string;
  if (tok.startsWith('`')) return tok.slice(1, -1);
  if (/^-?\d+(\.\d+)?$/.test(tok)) return Number(tok);
  if (tok === 'true' || tok === 'false') return tok === 'true';
  if (tok === 'nil') return null;
  if (tok === '.') return s.dot;
  if (tok === '$') return s.root;
  if (tok.startsWith('$.')) return tok.slice(2).split('.').reduce(field, s.root);
  if (tok.startsWith('.')) return tok.slice(1).split('.').reduce(field, s.dot);
  throw templateError(`function "${tok}" not defined`);
}

function evalPipe(pipe: string, s: Scope): unknown {
  const ws = words(pipe);
  let value: unknown;
  let first = true;
  let i = 0;
  while (i < ws.length) {
    const cmd: string[] = [];
    while (i < ws.length && ws[i] !== '|') cmd.push(ws[i++]!);
    i++; // skip '|'
    if (cmd.length === 0) throw templateError(`missing command in "${pipe}"`);
    const [head, ...rest] = cmd as [string, ...string[]];
    const fn = FUNCS[head];
    if (fn) {
      const args = rest.map((t) => evalArg(t, s));
      if (!first) args.push(value);
      value = fn(...args);
    } else {
      if (/^[a-zA-Z_]\w*$/.test(head) && !['true', 'false', 'nil'].includes(head)) throw templateError(`function "${head}" not defined`);
      if (rest.length) throw templateError(`can't give argument to non-function ${head}`);
      value = evalArg(head, s);
    }
    first = false;
  }
  return value;
}

function exec(nodes: readonly Node[], s: Scope): string {
  let out = '';
  for (const n of nodes) {
    if (n.t === 'text') out += n.text;
    else if (n.t === 'print') out += show(evalPipe(n.pipe, s));
    else {
      const v = evalPipe(n.pipe, s);
      if (n.kind === 'if') out += exec(truthy(v) ? n.body : n.alt, s);
      else if (n.kind === 'with') out += truthy(v) ? exec(n.body, { ...s, dot: v }) : exec(n.alt, s);
      else {
        const items = Array.isArray(v) ? v : v && typeof v === 'object' ? Object.values(v) : [];
        out += items.length ? items.map((item) => exec(n.body, { ...s, dot: item })).join('') : exec(n.alt, s);
      }
    }
  }
  return out;
}

export function renderGoTemplate(template: string, data: unknown): string {
  return exec(parse(template), { dot: data, root: data });
}
