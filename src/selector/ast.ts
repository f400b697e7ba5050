/**
 * Selector AST and its canonical printer (libcalico-go parser/ast.go
 * collectFragments). The printed form is what Calico stores, compares and
 * hashes, so it must match upstream character for character:
 * - `&&`/`||` groups are always parenthesised, `!` is printed with no space;
 * - values are double-quoted unless they contain `"`, then single-quoted;
 * - `in`/`not in` sets are printed sorted (byte order) and de-duplicated;
 * - parentheses in the input leave no node of their own.
 */

export type SelectorNode =
  | AllNode
  | GlobalNode
  | HasNode
  | LabelValueNode
  | LabelSetNode
  | NotNode
  | AndNode
  | OrNode;

/** Matches everything; also what the empty selector parses to. */
export interface AllNode {
  readonly kind: 'all';
}
/** `global()`: matches everything; tells the policy engine the selector is not namespaced. */
export interface GlobalNode {
  readonly kind: 'global';
}
export interface HasNode {
  readonly kind: 'has';
  readonly label: string;
}
export type LabelValueOp = 'eq' | 'ne' | 'contains' | 'startsWith' | 'endsWith';
export interface LabelValueNode {
  readonly kind: LabelValueOp;
  readonly label: string;
  readonly value: string;
}
export interface LabelSetNode {
  readonly kind: 'in' | 'notIn';
  readonly label: string;
  /** Sorted in byte (code point) order, no duplicates. */
  readonly values: readonly string[];
}
export interface NotNode {
  readonly kind: 'not';
  readonly operand: SelectorNode;
}
/** Always has at least two operands; a single operand is never wrapped. */
export interface AndNode {
  readonly kind: 'and';
  readonly operands: readonly SelectorNode[];
}
export interface OrNode {
  readonly kind: 'or';
  readonly operands: readonly SelectorNode[];
}

const VALUE_OP_TEXT: Readonly<Record<LabelValueOp, string>> = {
  eq: ' == ',
  ne: ' != ',
  contains: ' contains ',
  startsWith: ' starts with ',
  endsWith: ' ends with ',
};

/** Calico's canonical string form of a node. */
export function nodeToString(node: SelectorNode): string {
  const out: string[] = [];
  collect(node, out);
  return out.join('');
}

function collect(node: SelectorNode, out: string[]): void {
  switch (node.kind) {
    case 'all':
      out.push('all()');
      return;
    case 'global':
      out.push('global()');
      return;
    case 'has':
      out.push('has(', node.label, ')');
      return;
    case 'eq':
    case 'ne':
    case 'contains':
    case 'startsWith':
    case 'endsWith':
      out.push(node.label, VALUE_OP_TEXT[node.kind], quote(node.value));
      return;
    case 'in':
    case 'notIn':
      out.push(node.label, node.kind === 'in' ? ' in {' : ' not in {', node.values.map(quote).join(', '), '}');
      return;
    case 'not':
      out.push('!');
      collect(node.operand, out);
      return;
    case 'and':
    case 'or': {
      const sep = node.kind === 'and' ? ' && ' : ' || ';
      out.push('(');
      node.operands.forEach((op, i) => {
        if (i > 0) out.push(sep);
        collect(op, out);
      });
      out.push(')');
      return;
    }
  }
}

/** Quotes a literal the way upstream does: `'` only when the value contains `"`. */
export function quote(s: string): string {
  return s.includes('"') ? `'${s}'` : `"${s}"`;
}

/**
 * Compares strings by Unicode code point, which is the same order as Go's
 * byte-wise comparison of their UTF-8 encodings (JS `<` compares UTF-16
 * units, which differs for astral characters).
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs === ys) return x - y;
    // A surrogate (astral code point) sorts after any BMP character.
    return xs ? 1 : -1;
  }
  return a.length - b.length;
}

/** Sorts and de-duplicates set literal values (upstream ConvertToStringSetInPlace). */
export function toSortedSet(values: readonly string[]): string[] {
  const sorted = [...values].sort(compareCodePoints);
  return sorted.filter((v, i) => i === 0 || v !== sorted[i - 1]);
}

/**
 * Returns a copy of the tree with every label key passed through `rename`
 * (upstream PrefixVisitor, used e.g. to turn a namespaceSelector into a
 * selector over `pcns.`-prefixed labels).
 */
export function renameLabels(node: SelectorNode, rename: (label: string) => string): SelectorNode {
  switch (node.kind) {
    case 'all':
    case 'global':
      return node;
    case 'not':
      return { kind: 'not', operand: renameLabels(node.operand, rename) };
    case 'and':
    case 'or':
      return { kind: node.kind, operands: node.operands.map((op) => renameLabels(op, rename)) };
    default:
      return { ...node, label: rename(node.label) };
  }
}
