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
 * A label is "present" only if its value is a string, so keys like
 * `constructor` or `__proto__` never leak in from Object.prototype.
 */
import type { SelectorNode } from './ast.js';

export type Labels = Readonly<Record<string, string>>;
export type ParentLabels = readonly Labels[] | undefined;
export type CompiledSelector = (labels: Labels, parents: ParentLabels) => boolean;
/** The no-inheritance fast path: one argument, plain property reads. */
export type CompiledPlainSelector = (labels: Labels) => boolean;

/**
 * Value of `key` in `labels` or, failing that, the first parent holding it.
 * A plain `typeof === 'string'` test is enough to ignore prototype members:
 * Object.prototype has no string-valued properties. Kept tiny so V8 inlines it.
 */
export function lookupLabel(labels: Labels, parents: ParentLabels, key: string): string | undefined {
  const v = labels[key];
  if (typeof v === 'string') return v;
  return parents === undefined ? undefined : lookupParents(parents, key);
}

function lookupParents(parents: readonly Labels[], key: string): string | undefined {
  for (let i = 0; i < parents.length; i++) {
    const v = parents[i]![key];
    if (typeof v === 'string') return v;
  }
  return undefined;
}

const alwaysTrue = (): boolean => true;

/** The string operators, shared by both compiled trees (label value first, literal second). */
const STRING_MATCHERS: Readonly<Record<'contains' | 'startsWith' | 'endsWith', (v: string, want: string) => boolean>> = {
  contains: (v, want) => v.includes(want),
  startsWith: (v, want) => v.startsWith(want),
  endsWith: (v, want) => v.endsWith(want),
};

export function compileWithParents(node: SelectorNode): CompiledSelector {
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
    case 'contains':
    case 'startsWith':
    case 'endsWith': {
      const k = node.label;
      const want = node.value;
      const matches = STRING_MATCHERS[node.kind];
      return (l, p) => {
        const v = lookupLabel(l, p, k);
        return v !== undefined && matches(v, want);
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
      if (values.length === 2) {
        // Small sets are the common case (e.g. role in {"db", "cache"}): compare directly.
        const [a, b] = values as [string, string];
        return isIn
          ? (l, p) => {
              const v = lookupLabel(l, p, k);
              return v === a || v === b;
            }
          : (l, p) => {
              const v = lookupLabel(l, p, k);
              return v !== a && v !== b;
            };
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
      const inner = compileWithParents(node.operand);
      return (l, p) => !inner(l, p);
    }
    case 'and':
    case 'or':
      return compileJunction(node.kind, node.operands.map(compileWithParents));
  }
}

/** Short-circuiting &&/||; unrolled for the common two- and three-operand cases. */
function compileJunction(kind: 'and' | 'or', fns: CompiledSelector[]): CompiledSelector {
  if (fns.length === 2) {
    const [a, b] = fns as [CompiledSelector, CompiledSelector];
    return kind === 'and' ? (l, p) => a(l, p) && b(l, p) : (l, p) => a(l, p) || b(l, p);
  }
  if (fns.length === 3) {
    const [a, b, c] = fns as [CompiledSelector, CompiledSelector, CompiledSelector];
    return kind === 'and' ? (l, p) => a(l, p) && b(l, p) && c(l, p) : (l, p) => a(l, p) || b(l, p) || c(l, p);
  }
  // One loop for both: stop at the first operand whose result is `and`'s false / `or`'s true.
  const stopAt = kind === 'or';
  return (l, p) => {
    for (let i = 0; i < fns.length; i++) if (fns[i]!(l, p) === stopAt) return stopAt;
    return !stopAt;
  };
}

/**
 * Compiles the tree used by evaluate() when there are no parents. Half the
 * cost of the inheritance-aware tree: one argument and a bare property read
 * per label. `l[k] === want` needs no typeof guard because `want` is a
 * string and prototype members never are.
 */
export function compilePlain(node: SelectorNode): CompiledPlainSelector {
  switch (node.kind) {
    case 'all':
    case 'global':
      return alwaysTrue;
    case 'has': {
      const k = node.label;
      return (l) => typeof l[k] === 'string';
    }
    case 'eq': {
      const k = node.label;
      const want = node.value;
      return (l) => l[k] === want;
    }
    case 'ne': {
      const k = node.label;
      const want = node.value;
      return (l) => l[k] !== want;
    }
    case 'contains':
    case 'startsWith':
    case 'endsWith': {
      const k = node.label;
      const want = node.value;
      const matches = STRING_MATCHERS[node.kind];
      return (l) => {
        const v = l[k];
        return typeof v === 'string' && matches(v, want);
      };
    }
    case 'in':
    case 'notIn': {
      const k = node.label;
      const isIn = node.kind === 'in';
      const values = node.values;
      if (values.length === 1) {
        const only = values[0]!;
        return isIn ? (l) => l[k] === only : (l) => l[k] !== only;
      }
      if (values.length === 2) {
        const [a, b] = values as [string, string];
        return isIn
          ? (l) => {
              const v = l[k];
              return v === a || v === b;
            }
          : (l) => {
              const v = l[k];
              return v !== a && v !== b;
            };
      }
      const set = new Set(values);
      return isIn
        ? (l) => {
            const v = l[k];
            return typeof v === 'string' && set.has(v);
          }
        : (l) => {
            const v = l[k];
            return typeof v !== 'string' || !set.has(v);
          };
    }
    case 'not': {
      const inner = compilePlain(node.operand);
      return (l) => !inner(l);
    }
    case 'and':
    case 'or':
      return compilePlainJunction(node.kind, node.operands.map(compilePlain));
  }
}

function compilePlainJunction(kind: 'and' | 'or', fns: CompiledPlainSelector[]): CompiledPlainSelector {
  if (fns.length === 2) {
    const [a, b] = fns as [CompiledPlainSelector, CompiledPlainSelector];
    return kind === 'and' ? (l) => a(l) && b(l) : (l) => a(l) || b(l);
  }
  if (fns.length === 3) {
    const [a, b, c] = fns as [CompiledPlainSelector, CompiledPlainSelector, CompiledPlainSelector];
    return kind === 'and' ? (l) => a(l) && b(l) && c(l) : (l) => a(l) || b(l) || c(l);
  }
  const stopAt = kind === 'or';
  return (l) => {
    for (let i = 0; i < fns.length; i++) if (fns[i]!(l) === stopAt) return stopAt;
    return !stopAt;
  };
}
