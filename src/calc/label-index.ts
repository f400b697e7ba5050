/**
 * LabelIndex: which selectors match which labelled items, kept current as
 * selectors, items and their parents (profiles) change; Felix's InheritIndex.
 *
 * An item's labels are its own labels overlaid on its parents' labels (the
 * profiles' labelsToApply, in profile order: an own label wins, then the first
 * parent that has it). Emits `onMatchStarted(selId, itemId)` /
 * `onMatchStopped(selId, itemId)`; every start has exactly one stop, keyed
 * identically (a deleted selector or item stops all its matches).
 *
 * Indexing (as Felix's label restrictions, extended to ORs): a selector that
 * requires a label (`app == 'x'`, `app in {...}`, `has(app)`, ...), or one of
 * several (`grp == 'a' || role == 'b'`), is only evaluated against items
 * carrying one of them; the others cannot match. Of the keys a selector
 * allows, the one that lets the fewest current items through is used (an AND
 * of namespace scoping and `app == 'x'` scans the app's items, not the
 * namespace). Selectors without a usable key are evaluated against every item.
 */
import { possibleToSatisfy, type Selector, type SelectorNode } from '../selector/index.js';

export type Labels = Readonly<Record<string, string>>;

export interface MatchListener {
  onMatchStarted(selId: string, itemId: string): void;
  onMatchStopped(selId: string, itemId: string): void;
}

interface ItemData {
  readonly labels: Labels;
  readonly parentIds: readonly string[];
  /** Own labels over parents' labels, refreshed when a parent changes. */
  effective: Labels;
}

/**
 * One way an item can satisfy a selector: it carries `label` (with one of
 * `values`, when given). A selector is indexed under a list of alternatives
 * it cannot match without: under each `label SEP value`, or under `label`.
 */
interface Alternative {
  readonly label: string;
  readonly values?: readonly string[];
}

/** How a selector is indexed: under alternatives (one must hold), not at all, or never matching. */
type SelectorKey =
  | { readonly kind: 'alts'; readonly alts: readonly Alternative[] }
  | { readonly kind: 'all' }
  | { readonly kind: 'never' };

interface SelectorData {
  readonly sel: Selector;
  readonly key: SelectorKey;
}

/**
 * Every "option" of a node: lists of alternatives, each list one the node
 * cannot match without (so any one of them may serve as the index key). An
 * AND has the options of all its operands; an OR has one option, the union of
 * the cheapest option of every operand (none if an operand has none).
 */
function optionsOf(node: SelectorNode, cost: (alts: readonly Alternative[]) => number): Alternative[][] {
  switch (node.kind) {
    case 'eq':
      return [[{ label: node.label, values: [node.value] }]];
    case 'in':
      return [[{ label: node.label, values: node.values }]];
    case 'has':
    case 'contains':
    case 'startsWith':
    case 'endsWith':
      return [[{ label: node.label }]];
    case 'and':
      return node.operands.flatMap((op) => optionsOf(op, cost));
    case 'or': {
      const union: Alternative[] = [];
      for (const op of node.operands) {
        const best = cheapest(optionsOf(op, cost), cost);
        if (best === undefined) return [];
        union.push(...best);
      }
      return [union];
    }
    default:
      return [];
  }
}

/** The option with the fewest candidate items now; ties go to the later one (the user's selector follows the namespace scoping the graph ANDs in front). */
function cheapest(options: readonly Alternative[][], cost: (alts: readonly Alternative[]) => number): Alternative[] | undefined {
  let best: Alternative[] | undefined;
  let bestCost = Infinity;
  for (const o of options) {
    const c = cost(o);
    if (c <= bestCost) {
      best = o;
      bestCost = c;
    }
  }
  return best;
}

function addTo<K, V>(m: Map<K, Set<V>>, k: K, v: V): void {
  let s = m.get(k);
  if (!s) m.set(k, (s = new Set()));
  s.add(v);
}

function delFrom<K, V>(m: Map<K, Set<V>>, k: K, v: V): void {
  const s = m.get(k);
  if (!s) return;
  s.delete(v);
  if (s.size === 0) m.delete(k);
}

const SEP = '\u0000';
const NONE: ReadonlySet<string> = new Set();
const NO_LABELS: Labels = Object.freeze({});
const NO_IDS: readonly string[] = Object.freeze([]);

export class LabelIndex {
  private readonly selectors = new Map<string, SelectorData>();
  private readonly items = new Map<string, ItemData>();
  private readonly parentLabels = new Map<string, Labels>();
  private readonly childrenOfParent = new Map<string, Set<string>>();
  private readonly matchesBySel = new Map<string, Set<string>>();
  /**
   * Selectors matching each item, as arrays: an item matches a handful of
   * selectors, and a small Set costs ~4x the memory of an array (10k
   * endpoints x 10 policies: 4.4 MB as Sets).
   */
  private readonly matchesByItem = new Map<string, string[]>();
  /** Items by `label SEP value`, over effective labels. */
  private readonly itemsByLabelValue = new Map<string, Set<string>>();
  /**
   * The values each label has on some item: `has(label)` unions their
   * buckets. (Not a second item set per label: that doubled the index.)
   */
  private readonly valuesByLabel = new Map<string, Set<string>>();
  /** Selectors by the index key they require. */
  private readonly selsByLabelValue = new Map<string, Set<string>>();
  private readonly selsByLabel = new Map<string, Set<string>>();
  private readonly unindexedSels = new Set<string>();

  constructor(private readonly listener: MatchListener) {}

  /** Adds, replaces (null removes) a selector. */
  updateSelector(selId: string, sel: Selector | null): void {
    const old = this.selectors.get(selId);
    if (old !== undefined && sel !== null && old.sel.toString() === sel.toString()) return;
    if (old !== undefined) this.unindexSelector(selId, old.key);
    if (sel === null) {
      if (old === undefined) return;
      this.selectors.delete(selId);
      for (const itemId of [...(this.matchesBySel.get(selId) ?? [])]) this.stop(selId, itemId);
      return;
    }
    const data: SelectorData = { sel, key: this.selectorKey(sel) };
    this.selectors.set(selId, data);
    this.indexSelector(selId, data.key);
    const candidates = this.candidateItems(data.key);
    const had = this.matchesBySel.get(selId);
    if (had !== undefined) {
      for (const itemId of [...had]) if (!candidates.has(itemId)) this.stop(selId, itemId);
    }
    for (const itemId of candidates.keys()) this.reconcile(selId, data.sel, itemId, this.items.get(itemId)!);
  }

  /**
   * The cheapest way to index `sel`, judged by how many items each candidate
   * key would scan now (as Felix's label index picks its scan strategy).
   */
  private selectorKey(sel: Selector): SelectorKey {
    for (const r of sel.labelRestrictions().values()) if (!possibleToSatisfy(r)) return { kind: 'never' };
    const best = cheapest(optionsOf(sel.ast, this.cost), this.cost);
    return best === undefined ? { kind: 'all' } : { kind: 'alts', alts: best };
  }

  /** Upper bound of the items a list of alternatives lets through. */
  private readonly cost = (alts: readonly Alternative[]): number => {
    let n = 0;
    for (const a of alts) {
      for (const v of a.values ?? this.valuesByLabel.get(a.label) ?? NONE) n += this.itemsByLabelValue.get(a.label + SEP + v)?.size ?? 0;
    }
    return n;
  };

  /** Adds, replaces (labels null removes) an item. */
  updateItem(itemId: string, labels: Labels | null, parentIds: readonly string[] = []): void {
    const old = this.items.get(itemId);
    if (old !== undefined) {
      for (const p of old.parentIds) delFrom(this.childrenOfParent, p, itemId);
      this.unindexItem(itemId, old.effective);
    }
    if (labels === null) {
      if (old === undefined) return;
      this.items.delete(itemId);
      for (const selId of [...(this.matchesByItem.get(itemId) ?? [])]) this.stop(selId, itemId);
      return;
    }
    const item: ItemData = { labels, parentIds: [...parentIds], effective: {} };
    item.effective = this.merge(item);
    this.items.set(itemId, item);
    for (const p of item.parentIds) addTo(this.childrenOfParent, p, itemId);
    this.indexItem(itemId, item.effective);
    this.reconcileItem(itemId, item);
  }

  /** Adds, replaces (null removes) a parent's labels; re-evaluates its children. */
  updateParent(parentId: string, labels: Labels | null): void {
    if (labels === null) this.parentLabels.delete(parentId);
    else this.parentLabels.set(parentId, labels);
    for (const itemId of this.childrenOfParent.get(parentId) ?? []) {
      const item = this.items.get(itemId)!;
      this.unindexItem(itemId, item.effective);
      item.effective = this.merge(item);
      this.indexItem(itemId, item.effective);
      this.reconcileItem(itemId, item);
    }
  }

  itemsMatching(selId: string): ReadonlySet<string> {
    return this.matchesBySel.get(selId) ?? NONE;
  }

  selectorsMatching(itemId: string): readonly string[] {
    return this.matchesByItem.get(itemId) ?? NO_IDS;
  }

  /**
   * The item's effective labels: own labels over its parents'. The index never
   * mutates it (a change replaces it), so callers may keep it; they must not
   * mutate it either.
   */
  effectiveLabels(itemId: string): Labels {
    return this.items.get(itemId)?.effective ?? NO_LABELS;
  }

  /** Own labels over parents' labels; the own labels object itself when no parent adds one. */
  private merge(item: ItemData): Labels {
    let out: Record<string, string> | undefined;
    for (let i = item.parentIds.length - 1; i >= 0; i--) {
      const p = this.parentLabels.get(item.parentIds[i]!);
      if (p === undefined) continue;
      for (const k in p) {
        if (Object.hasOwn(item.labels, k)) continue;
        out ??= {};
        out[k] = p[k]!;
      }
    }
    return out === undefined ? item.labels : Object.assign(out, item.labels);
  }


  private indexItem(itemId: string, labels: Labels): void {
    for (const [k, v] of Object.entries(labels)) {
      const key = k + SEP + v;
      if (!this.itemsByLabelValue.has(key)) addTo(this.valuesByLabel, k, v);
      addTo(this.itemsByLabelValue, key, itemId);
    }
  }

  private unindexItem(itemId: string, labels: Labels): void {
    for (const [k, v] of Object.entries(labels)) {
      const key = k + SEP + v;
      delFrom(this.itemsByLabelValue, key, itemId);
      if (!this.itemsByLabelValue.has(key)) delFrom(this.valuesByLabel, k, v);
    }
  }

  private indexSelector(selId: string, key: SelectorKey): void {
    if (key.kind === 'all') this.unindexedSels.add(selId);
    if (key.kind !== 'alts') return;
    for (const a of key.alts) {
      if (a.values === undefined) addTo(this.selsByLabel, a.label, selId);
      else for (const v of a.values) addTo(this.selsByLabelValue, a.label + SEP + v, selId);
    }
  }

  private unindexSelector(selId: string, key: SelectorKey): void {
    if (key.kind === 'all') this.unindexedSels.delete(selId);
    if (key.kind !== 'alts') return;
    for (const a of key.alts) {
      if (a.values === undefined) delFrom(this.selsByLabel, a.label, selId);
      else for (const v of a.values) delFrom(this.selsByLabelValue, a.label + SEP + v, selId);
    }
  }

  /** Items the key lets through (the live item map itself for an unindexed selector: callers only read it). */
  private candidateItems(key: SelectorKey): ReadonlySet<string> | ReadonlyMap<string, unknown> {
    if (key.kind === 'all') return this.items;
    const out = new Set<string>();
    if (key.kind === 'never') return out;
    for (const a of key.alts) {
      for (const v of a.values ?? this.valuesByLabel.get(a.label) ?? NONE) {
        const b = this.itemsByLabelValue.get(a.label + SEP + v);
        if (b !== undefined) for (const i of b) out.add(i);
      }
    }
    return out;
  }

  /** Re-evaluates one item against every selector that could match it; stops the rest. */
  private reconcileItem(itemId: string, item: ItemData): void {
    const candidates = new Set<string>(this.unindexedSels);
    for (const [k, v] of Object.entries(item.effective)) {
      for (const s of this.selsByLabelValue.get(k + SEP + v) ?? []) candidates.add(s);
      for (const s of this.selsByLabel.get(k) ?? []) candidates.add(s);
    }
    for (const selId of [...(this.matchesByItem.get(itemId) ?? [])]) {
      if (!candidates.has(selId)) this.stop(selId, itemId);
    }
    for (const selId of candidates) this.reconcile(selId, this.selectors.get(selId)!.sel, itemId, item);
  }

  private reconcile(selId: string, sel: Selector, itemId: string, item: ItemData): void {
    const matches = sel.evaluate(item.effective);
    const had = this.matchesBySel.get(selId)?.has(itemId) ?? false;
    if (matches && !had) this.start(selId, itemId);
    else if (!matches && had) this.stop(selId, itemId);
  }

  private start(selId: string, itemId: string): void {
    addTo(this.matchesBySel, selId, itemId);
    const sels = this.matchesByItem.get(itemId);
    if (sels === undefined) this.matchesByItem.set(itemId, [selId]);
    else sels.push(selId);
    this.listener.onMatchStarted(selId, itemId);
  }

  private stop(selId: string, itemId: string): void {
    delFrom(this.matchesBySel, selId, itemId);
    const sels = this.matchesByItem.get(itemId);
    if (sels !== undefined) {
      const i = sels.indexOf(selId);
      if (i >= 0) {
        sels[i] = sels[sels.length - 1]!;
        sels.pop();
      }
      if (sels.length === 0) this.matchesByItem.delete(itemId);
    }
    this.listener.onMatchStopped(selId, itemId);
  }
}
