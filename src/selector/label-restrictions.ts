/**
 * Lower-bound label restrictions implied by a selector (upstream
 * Node.LabelRestrictions): for `a == "b" && has(c)`, label `a` must be
 * present with value `b` and `c` must be present. The calculation graph uses
 * these to index selectors by label and skip endpoints that cannot match.
 */
import type { SelectorNode } from './ast.js';
import { toSortedSet } from './ast.js';

export interface LabelRestriction {
  /** The label must be present, e.g. `has(a)` or `a == "x"`. */
  readonly mustBePresent: boolean;
  /** The label must be absent, e.g. `!has(a)`. */
  readonly mustBeAbsent: boolean;
  /**
   * If set, the label must have one of these values. `undefined` means no
   * value restriction is known; an empty array means the selector can never
   * match (e.g. `a == "x" && a == "y"`).
   */
  readonly mustHaveOneOfValues: readonly string[] | undefined;
}

type Mutable = { mustBePresent: boolean; mustBeAbsent: boolean; mustHaveOneOfValues: string[] | undefined };
type RestrictionMap = Map<string, Mutable>;

/** Restrictions keyed by label; an empty map when the selector restricts nothing. */
export function labelRestrictions(node: SelectorNode): ReadonlyMap<string, LabelRestriction> {
  return restrictionsOf(node) ?? new Map();
}

/** True unless the restriction is self-contradictory. */
export function possibleToSatisfy(r: LabelRestriction): boolean {
  if (r.mustBePresent && r.mustBeAbsent) return false;
  return !(r.mustHaveOneOfValues !== undefined && r.mustHaveOneOfValues.length === 0);
}

function one(label: string, r: Mutable): RestrictionMap {
  return new Map([[label, r]]);
}

function restrictionsOf(node: SelectorNode): RestrictionMap | undefined {
  switch (node.kind) {
    case 'eq':
      return one(node.label, { mustBePresent: true, mustBeAbsent: false, mustHaveOneOfValues: [node.value] });
    case 'in':
      return one(node.label, { mustBePresent: true, mustBeAbsent: false, mustHaveOneOfValues: [...node.values] });
    case 'has':
    case 'contains':
    case 'startsWith':
    case 'endsWith':
      return one(node.label, { mustBePresent: true, mustBeAbsent: false, mustHaveOneOfValues: undefined });
    case 'not':
      // Only !has() can be inverted: !(a == "b") does not require a to be absent.
      if (node.operand.kind === 'has') {
        return one(node.operand.label, { mustBePresent: false, mustBeAbsent: true, mustHaveOneOfValues: undefined });
      }
      return undefined;
    case 'and':
      return andRestrictions(node.operands);
    case 'or':
      return orRestrictions(node.operands);
    default:
      return undefined;
  }
}

function andRestrictions(operands: readonly SelectorNode[]): RestrictionMap | undefined {
  const lr: RestrictionMap = new Map();
  for (const op of operands) {
    for (const [label, r] of restrictionsOf(op) ?? []) {
      const base = lr.get(label) ?? { mustBePresent: false, mustBeAbsent: false, mustHaveOneOfValues: undefined };
      base.mustBePresent ||= r.mustBePresent;
      base.mustBeAbsent ||= r.mustBeAbsent;
      if (base.mustHaveOneOfValues === undefined) {
        base.mustHaveOneOfValues = r.mustHaveOneOfValues;
      } else if (r.mustHaveOneOfValues !== undefined) {
        const other = new Set(r.mustHaveOneOfValues);
        base.mustHaveOneOfValues = base.mustHaveOneOfValues.filter((v) => other.has(v));
      }
      lr.set(label, base);
    }
  }
  return lr.size === 0 ? undefined : lr;
}

function orRestrictions(operands: readonly SelectorNode[]): RestrictionMap | undefined {
  const lr = restrictionsOf(operands[0]!) ?? new Map<string, Mutable>();
  for (const op of operands.slice(1)) {
    const opLR = restrictionsOf(op);
    for (const [label, r] of [...lr]) {
      const opr = opLR?.get(label);
      r.mustBePresent = r.mustBePresent && (opr?.mustBePresent ?? false);
      if (!r.mustBePresent || r.mustHaveOneOfValues === undefined || opr?.mustHaveOneOfValues === undefined) {
        // At least one side is has(label) (or absent), so no value limit.
        r.mustHaveOneOfValues = undefined;
      } else {
        r.mustHaveOneOfValues = toSortedSet([...r.mustHaveOneOfValues, ...opr.mustHaveOneOfValues]);
      }
      r.mustBeAbsent = r.mustBeAbsent && (opr?.mustBeAbsent ?? false);
      if (r.mustBePresent || r.mustBeAbsent) lr.set(label, r);
      else lr.delete(label);
    }
  }
  return lr.size === 0 ? undefined : lr;
}
