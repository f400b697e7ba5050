/**
 * The public Selector: parsed once, compiled once, shared. parseSelector
 * caches by input text because the same selector strings repeat across
 * thousands of policies; Selector objects are immutable, so sharing is safe.
 */
import { createHash } from 'node:crypto';
import { CalicoError } from '../lib/errors.js';
import { nodeToString, renameLabels, type SelectorNode } from './ast.js';
import { compilePlain, compileWithParents, type CompiledPlainSelector, type CompiledSelector, type Labels } from './compile.js';
import { labelRestrictions, type LabelRestriction } from './label-restrictions.js';
import { ParseFailure, parseToAst } from './parser.js';

/** Invalid selector text. `position` is the 0-based offset the error refers to. */
export class SelectorParseError extends CalicoError {
  readonly position: number;
  readonly selector: string;
  /** The reason without the position/selector decoration. */
  readonly reason: string;
  constructor(selector: string, position: number, reason: string) {
    super('CALICO_ERR_SELECTOR_PARSE', `invalid selector ${JSON.stringify(selector)}: ${reason} at position ${position}`);
    this.name = 'SelectorParseError';
    this.selector = selector;
    this.position = position;
    this.reason = reason;
  }

  /** Two lines: the selector and a caret under the offending character. */
  pointer(): string {
    return `${this.selector}\n${' '.repeat(this.position)}^`;
  }
}

export interface Selector {
  /** True if the label map matches. Missing labels are absent (not ""). */
  evaluate(labels: Readonly<Record<string, string>>): boolean;
  /**
   * Like evaluate, with Calico label inheritance: a label not in `labels` is
   * taken from the first parent map (e.g. profiles, in order) that has it.
   */
  evaluateWithParents(
    labels: Readonly<Record<string, string>>,
    parents: readonly Readonly<Record<string, string>>[],
  ): boolean;
  /** Calico's canonical form, character for character as libcalico-go String(). */
  toString(): string;
  readonly ast: SelectorNode;
  /** Calico's UniqueID: "s:" + base64url(SHA-224("s:" + canonical form)). */
  uniqueId(): string;
  /** Lower-bound label restrictions (upstream LabelRestrictions). */
  labelRestrictions(): ReadonlyMap<string, LabelRestriction>;
  /** True if the selector is exactly `all()` (or was empty). */
  readonly isAll: boolean;
}

class CompiledSelectorImpl implements Selector {
  readonly ast: SelectorNode;
  readonly isAll: boolean;
  private readonly canonical: string;
  /** Compiled eagerly: evaluate() is the hot path. */
  readonly evaluate: CompiledPlainSelector;
  /** Compiled on first use of evaluateWithParents(). */
  private withParents: CompiledSelector | undefined;
  private id: string | undefined;
  private restrictions: ReadonlyMap<string, LabelRestriction> | undefined;

  constructor(ast: SelectorNode) {
    this.ast = ast;
    this.canonical = nodeToString(ast);
    this.evaluate = compilePlain(ast);
    this.isAll = ast.kind === 'all';
  }

  evaluateWithParents(labels: Labels, parents: readonly Labels[]): boolean {
    if (this.withParents === undefined) this.withParents = compileWithParents(this.ast);
    return this.withParents(labels, parents.length === 0 ? undefined : parents);
  }

  toString(): string {
    return this.canonical;
  }

  uniqueId(): string {
    if (this.id === undefined) this.id = makeUniqueId('s', this.canonical);
    return this.id;
  }

  labelRestrictions(): ReadonlyMap<string, LabelRestriction> {
    if (this.restrictions === undefined) this.restrictions = labelRestrictions(this.ast);
    return this.restrictions;
  }
}

/** libcalico-go hash.MakeUniqueID: prefix + ":" + base64url(SHA-224(prefix + ":" + content)). */
export function makeUniqueId(prefix: string, content: string): string {
  const digest = createHash('sha224').update(`${prefix}:${content}`, 'utf8').digest('base64url');
  return `${prefix}:${digest}`;
}

/** Bounded cache, evicting the least recently used entry. */
const CACHE_LIMIT = 10_000;
const cache = new Map<string, Selector>();

/**
 * Parses (and compiles) a selector. The empty or all-whitespace selector is
 * `all()`. Throws SelectorParseError with the offending position.
 */
export function parseSelector(text: string): Selector {
  const hit = cache.get(text);
  if (hit !== undefined) {
    // Refresh recency: Map iteration order is insertion order.
    cache.delete(text);
    cache.set(text, hit);
    return hit;
  }
  let ast: SelectorNode;
  try {
    ast = parseToAst(text);
  } catch (e) {
    if (e instanceof ParseFailure) throw new SelectorParseError(text, e.position, e.reason);
    throw e;
  }
  const sel = new CompiledSelectorImpl(ast);
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(text, sel);
  return sel;
}

/**
 * A new selector with `prefix` prepended to every label key (upstream
 * PrefixVisitor), e.g. `prefixSelectorLabels(parseSelector('team == "a"'), 'pcns.')`
 * gives `pcns.team == "a"`.
 */
export function prefixSelectorLabels(sel: Selector, prefix: string): Selector {
  return new CompiledSelectorImpl(deepFreeze(renameLabels(sel.ast, (l) => prefix + l)));
}

function deepFreeze(node: SelectorNode): SelectorNode {
  if (node.kind === 'not') deepFreeze(node.operand);
  if (node.kind === 'and' || node.kind === 'or') {
    node.operands.forEach(deepFreeze);
    Object.freeze(node.operands);
  }
  return Object.freeze(node);
}

/** Null if the selector parses, else the parse error (upstream selector.Validate). */
export function validateSelector(text: string): SelectorParseError | null {
  try {
    parseSelector(text);
    return null;
  } catch (e) {
    if (e instanceof SelectorParseError) return e;
    throw e;
  }
}

/**
 * Canonical form of a selector, or the trimmed input unchanged if it does
 * not parse (upstream selector.Normalise).
 */
export function normaliseSelector(text: string): string {
  const trimmed = text.trim();
  try {
    return parseSelector(trimmed).toString();
  } catch (e) {
    if (e instanceof SelectorParseError) return trimmed;
    throw e;
  }
}
