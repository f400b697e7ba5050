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
 * Indexing (as Felix's label restrictions): a selector that requires a label
 * (`app == 'x'`, `app in {...}`, `has(app)`, ...) is only evaluated against
 * items carrying that label (with one of the required values); the others
 * cannot match. Selectors without such a restriction are evaluated against
 * every item.
 */
import { possibleToSatisfy, type Selector } from '../selector/index.js';

export type Labels = Readonly<Record<string, string>>;

export interface MatchListener {
  onMatchStarted(selId: string, itemId: string): void;
  onMatchStopped(selId: string, itemId: string): void;
}

interface ItemData {
  readonly labels: Labels;
  readonly parentIds: readonly string[];
  /** Own labels over parents' labels, refreshed when a parent changes. */
  effective: Record<string, string>;
}

/** How a selector is indexed: by required values of a label, by a required label, not at all, or never matching. */
type SelectorKey =
  | { readonly kind: 'values'; readonly label: string; readonly values: readonly string[] }
  | { readonly kind: 'present'; readonly label: string }
  | { readonly kind: 'all' }
  | { readonly kind: 'never' };

interface SelectorData {
  readonly sel: Selector;
  readonly key: SelectorKey;
}

function selectorKey(sel: Selector): SelectorKey {
  let best: SelectorKey = { kind: 'all' };
  for (const [label, r] of sel.labelRestrictions()) {
    if (!possibleToSatisfy(r)) return { kind: 'never' };
    if (r.mustHaveOneOfValues !== undefined) {
      if (best.kind !== 'values' || r.mustHaveOneOfValues.length < best.values.length) {
        best = { kind: 'values', label, values: r.mustHaveOneOfValues };
      }
    } else if (r.mustBePresent && best.kind === 'all') {
      best = { kind: 'present', label };
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

export class LabelIndex {
  private readonly selectors = new Map<string, SelectorData>();
  private readonly items = new Map<string, ItemData>();
  private readonly parentLabels = new Map<string, Labels>();
  private readonly childrenOfParent = new Map<string, Set<string>>();
  private readonly matchesBySel = new Map<string, Set<string>>();
  private readonly matchesByItem = new Map<string, Set<string>>();
  /** Items by `label SEP value` and by label, over effective labels. */
  private readonly itemsByLabelValue = new Map<string, Set<string>>();
  private readonly itemsByLabel = new Map<string, Set<string>>();
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
    const data: SelectorData = { sel, key: selectorKey(sel) };
    this.selectors.set(selId, data);
    this.indexSelector(selId, data.key);
    const candidates = this.candidateItems(data.key);
    for (const itemId of [...(this.matchesBySel.get(selId) ?? [])]) {
      if (!candidates.has(itemId)) this.stop(selId, itemId);
    }
    for (const itemId of candidates) this.reconcile(selId, data.sel, itemId, this.items.get(itemId)!);
  }

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
    return this.matchesBySel.get(selId) ?? new Set();
  }

  selectorsMatching(itemId: string): ReadonlySet<string> {
    return this.matchesByItem.get(itemId) ?? new Set();
  }

  /** The item's effective labels: own labels over its parents' (a copy). */
  effectiveLabels(itemId: string): Record<string, string> {
    const item = this.items.get(itemId);
    return item ? { ...item.effective } : {};
  }

  private merge(item: ItemData): Record<string, string> {
    const out: Record<string, string> = {};
    for (let i = item.parentIds.length - 1; i >= 0; i--) {
      const p = this.parentLabels.get(item.parentIds[i]!);
      if (p) Object.assign(out, p);
    }
    return Object.assign(out, item.labels);
  }

  private indexItem(itemId: string, labels: Labels): void {
    for (const [k, v] of Object.entries(labels)) {
      addTo(this.itemsByLabelValue, k + SEP + v, itemId);
      addTo(this.itemsByLabel, k, itemId);
    }
  }

  private unindexItem(itemId: string, labels: Labels): void {
    for (const [k, v] of Object.entries(labels)) {
      delFrom(this.itemsByLabelValue, k + SEP + v, itemId);
      delFrom(this.itemsByLabel, k, itemId);
    }
  }

  private indexSelector(selId: string, key: SelectorKey): void {
    if (key.kind === 'values') for (const v of key.values) addTo(this.selsByLabelValue, key.label + SEP + v, selId);
    else if (key.kind === 'present') addTo(this.selsByLabel, key.label, selId);
    else if (key.kind === 'all') this.unindexedSels.add(selId);
  }

  private unindexSelector(selId: string, key: SelectorKey): void {
    if (key.kind === 'values') for (const v of key.values) delFrom(this.selsByLabelValue, key.label + SEP + v, selId);
    else if (key.kind === 'present') delFrom(this.selsByLabel, key.label, selId);
    else if (key.kind === 'all') this.unindexedSels.delete(selId);
  }

  private candidateItems(key: SelectorKey): Set<string> {
    switch (key.kind) {
      case 'never':
        return new Set();
      case 'all':
        return new Set(this.items.keys());
      case 'present':
        return new Set(this.itemsByLabel.get(key.label) ?? []);
      case 'values': {
        const out = new Set<string>();
        for (const v of key.values) for (const i of this.itemsByLabelValue.get(key.label + SEP + v) ?? []) out.add(i);
        return out;
      }
    }
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
    addTo(this.matchesByItem, itemId, selId);
    this.listener.onMatchStarted(selId, itemId);
  }

  private stop(selId: string, itemId: string): void {
    delFrom(this.matchesBySel, selId, itemId);
    delFrom(this.matchesByItem, itemId, selId);
    this.listener.onMatchStopped(selId, itemId);
  }
}
