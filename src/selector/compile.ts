/**
 * Compiles a selector AST once into a tree of closures. Evaluation then
 * costs one call per node and a property read per label: no AST walk, no
 * switch on node kinds, no allocation.
 *
 * Label inheritance: Calico endpoints inherit labels from their profiles
 * (and namespaces). Rather than merging maps, the compiled function takes
 * the endpoint's own labels plus an optional ordered list of parent label
 * maps; a label missing from `labels` is looked up in each parent in turn
 * and the first parent that has it wins (as Felix's label index does).
 *
 * A label is "present" only if it is an own string-valued property, so keys
 * like `constructor` or `__proto__` never leak in from Object.prototype.
 */
import type { SelectorNode } from './ast.js';

export type Labels = Readonly<Record<string, string>>;
export type ParentLabels = readonly Labels[] | undefined;
export type CompiledSelector = (labels: Labels, parents: ParentLabels) => boolean;

const hasOwn = Object.prototype.hasOwnProperty;

/** Value of `key` in `labels` or, failing that, the first parent holding it. */
export function lookupLabel(labels: Labels, parents: ParentLabels, key: string): string | undefined {
  if (hasOwn.call(labels, key)) {
    const v = labels[key];
    if (typeof v === 'string') return v;
  }
  if (parents !== undefined) {
    for (let i = 0; i < parents.length; i++) {
      const p = parents[i]!;
      if (hasOwn.call(p, key)) {
        const v = p[key];
        if (typeof v === 'string') return v;
      }
    }
  }
  return undefined;
}

const alwaysTrue: CompiledSelector = () => true;

export function compileNode(node: SelectorNode): CompiledSelector {
  switch (node.kind) {
    case 'all':
    case 'global':
      return alwaysTrue;
    case 'has': {
      const k = node.label;
      return (l, p) => lookupLabel(l, p, k) !== undefined;
    }
    case 'eq': {
      const k = node.label;
      const want = node.value;
      return (l, p) => lookupLabel(l, p, k) === want;
    }
    case 'ne': {
      const k = node.label;
      const want = node.value;
      // Absent label: != is true (upstream LabelNeValueNode).
      return (l, p) => lookupLabel(l, p, k) !== want;
    }
    case 'contains': {
      const k = node.label;
      const want = node.value;
      return (l, p) => {
        const v = lookupLabel(l, p, k);
        return v !== undefined && v.includes(want);
      };
    }
    case 'startsWith': {
      const k = node.label;
      const want = node.value;
      return (l, p) => {
        const v = lookupLabel(l, p, k);
        return v !== undefined && v.startsWith(want);
      };
    }
    case 'endsWith': {
      const k = node.label;
      const want = node.value;
      return (l, p) => {
        const v = lookupLabel(l, p, k);
        return v !== undefined && v.endsWith(want);
      };
    }
    case 'in':
    case 'notIn': {
      const k = node.label;
      const isIn = node.kind === 'in';
      const values = node.values;
      if (values.length === 1) {
        const only = values[0]!;
        return isIn
          ? (l, p) => lookupLabel(l, p, k) === only
          : (l, p) => lookupLabel(l, p, k) !== only;
      }
      const set = new Set(values);
      // Absent label: `in` is false, `not in` is true.
      return isIn
        ? (l, p) => {
            const v = lookupLabel(l, p, k);
            return v !== undefined && set.has(v);
          }
        : (l, p) => {
            const v = lookupLabel(l, p, k);
            return v === undefined || !set.has(v);
          };
    }
    case 'not': {
      const inner = compileNode(node.operand);
      return (l, p) => !inner(l, p);
    }
    case 'and':
    case 'or':
      return compileJunction(node.kind, node.operands.map(compileNode));
  }
}

/** Short-circuiting &&/||; unrolled for the common two- and three-operand cases. */
function compileJunction(kind: 'and' | 'or', fns: CompiledSelector[]): CompiledSelector {
  if (kind === 'and') {
    if (fns.length === 2) {
      const [a, b] = fns as [CompiledSelector, CompiledSelector];
      return (l, p) => a(l, p) && b(l, p);
    }
    if (fns.length === 3) {
      const [a, b, c] = fns as [CompiledSelector, CompiledSelector, CompiledSelector];
      return (l, p) => a(l, p) && b(l, p) && c(l, p);
    }
    return (l, p) => {
      for (let i = 0; i < fns.length; i++) if (!fns[i]!(l, p)) return false;
      return true;
    };
  }
  if (fns.length === 2) {
    const [a, b] = fns as [CompiledSelector, CompiledSelector];
    return (l, p) => a(l, p) || b(l, p);
  }
  if (fns.length === 3) {
    const [a, b, c] = fns as [CompiledSelector, CompiledSelector, CompiledSelector];
    return (l, p) => a(l, p) || b(l, p) || c(l, p);
  }
  return (l, p) => {
    for (let i = 0; i < fns.length; i++) if (fns[i]!(l, p)) return true;
    return false;
  };
}
