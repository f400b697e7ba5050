/**
 * LabelIndex: which selectors match which labelled items, kept current as
 * selectors, items and their parents (profiles) change; Felix's InheritIndex.
 *
 * An item's labels are its own labels overlaid on its parents' labels (the
 * profiles' labelsToApply, in profile order: an own label wins, then the first
 * parent that has it). Emits `onMatchStarted(selId, itemId)` /
 * `onMatchStopped(selId, itemId)`; every start has exactly one stop, keyed
 * identically (a deleted selector or item stops all its matches).
 */
import type { Selector } from '../selector/index.js';

export type Labels = Readonly<Record<string, string>>;

export interface MatchListener {
  onMatchStarted(selId: string, itemId: string): void;
  onMatchStopped(selId: string, itemId: string): void;
}

interface ItemData {
  readonly labels: Labels;
  readonly parentIds: readonly string[];
  /** Resolved parent label maps, refreshed when a parent changes. */
  parents: Labels[];
}

const EMPTY: Labels = Object.freeze({});

export class LabelIndex {
  private readonly selectors = new Map<string, Selector>();
  private readonly items = new Map<string, ItemData>();
  private readonly parentLabels = new Map<string, Labels>();
  private readonly childrenOfParent = new Map<string, Set<string>>();
  private readonly matchesBySel = new Map<string, Set<string>>();
  private readonly matchesByItem = new Map<string, Set<string>>();

  constructor(private readonly listener: MatchListener) {}

  /** Adds, replaces (null removes) a selector. */
  updateSelector(selId: string, sel: Selector | null): void {
    const old = this.selectors.get(selId);
    if (sel === null) {
      if (old === undefined) return;
      this.selectors.delete(selId);
      for (const itemId of [...(this.matchesBySel.get(selId) ?? [])]) this.stop(selId, itemId);
      return;
    }
    if (old !== undefined && old.toString() === sel.toString()) return;
    this.selectors.set(selId, sel);
    for (const [itemId, item] of this.items) this.reconcile(selId, sel, itemId, item);
  }

  /** Adds, replaces (labels null removes) an item. */
  updateItem(itemId: string, labels: Labels | null, parentIds: readonly string[] = []): void {
    const old = this.items.get(itemId);
    if (old !== undefined) {
      for (const p of old.parentIds) {
        const kids = this.childrenOfParent.get(p);
        kids?.delete(itemId);
        if (kids?.size === 0) this.childrenOfParent.delete(p);
      }
    }
    if (labels === null) {
      if (old === undefined) return;
      this.items.delete(itemId);
      for (const selId of [...(this.matchesByItem.get(itemId) ?? [])]) this.stop(selId, itemId);
      return;
    }
    const item: ItemData = { labels, parentIds: [...parentIds], parents: [] };
    item.parents = this.resolveParents(item.parentIds);
    this.items.set(itemId, item);
    for (const p of item.parentIds) {
      let kids = this.childrenOfParent.get(p);
      if (!kids) this.childrenOfParent.set(p, (kids = new Set()));
      kids.add(itemId);
    }
    for (const [selId, sel] of this.selectors) this.reconcile(selId, sel, itemId, item);
  }

  /** Adds, replaces (null removes) a parent's labels; re-evaluates its children. */
  updateParent(parentId: string, labels: Labels | null): void {
    if (labels === null) this.parentLabels.delete(parentId);
    else this.parentLabels.set(parentId, labels);
    for (const itemId of this.childrenOfParent.get(parentId) ?? []) {
      const item = this.items.get(itemId)!;
      item.parents = this.resolveParents(item.parentIds);
      for (const [selId, sel] of this.selectors) this.reconcile(selId, sel, itemId, item);
    }
  }

  itemsMatching(selId: string): ReadonlySet<string> {
    return this.matchesBySel.get(selId) ?? new Set();
  }

  selectorsMatching(itemId: string): ReadonlySet<string> {
    return this.matchesByItem.get(itemId) ?? new Set();
  }

  /** The item's effective labels: parents (last first) overlaid by own labels. */
  effectiveLabels(itemId: string): Record<string, string> {
    const item = this.items.get(itemId);
    if (!item) return {};
    const out: Record<string, string> = {};
    for (let i = item.parents.length - 1; i >= 0; i--) Object.assign(out, item.parents[i]);
    return Object.assign(out, item.labels);
  }

  private resolveParents(ids: readonly string[]): Labels[] {
    return ids.map((p) => this.parentLabels.get(p) ?? EMPTY);
  }

  private reconcile(selId: string, sel: Selector, itemId: string, item: ItemData): void {
    const matches = sel.evaluateWithParents(item.labels, item.parents);
    const had = this.matchesBySel.get(selId)?.has(itemId) ?? false;
    if (matches && !had) this.start(selId, itemId);
    else if (!matches && had) this.stop(selId, itemId);
  }

  private start(selId: string, itemId: string): void {
    let a = this.matchesBySel.get(selId);
    if (!a) this.matchesBySel.set(selId, (a = new Set()));
    a.add(itemId);
    let b = this.matchesByItem.get(itemId);
    if (!b) this.matchesByItem.set(itemId, (b = new Set()));
    b.add(selId);
    this.listener.onMatchStarted(selId, itemId);
  }

  private stop(selId: string, itemId: string): void {
    const a = this.matchesBySel.get(selId)!;
    a.delete(itemId);
    if (a.size === 0) this.matchesBySel.delete(selId);
    const b = this.matchesByItem.get(itemId)!;
    b.delete(selId);
    if (b.size === 0) this.matchesByItem.delete(itemId);
    this.listener.onMatchStopped(selId, itemId);
  }
}
