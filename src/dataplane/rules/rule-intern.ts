/**
 * One shared object per distinct rendered rule. Endpoint chains repeat the
 * same rules (mark clears, returns, compiled run lookups, jumps to shared
 * policy chains) for every endpoint; the drivers keep every chain's rules, so
 * without this each endpoint would hold its own copies of the same text.
 * Rendered rules are never mutated, so sharing them is safe.
 */
import type { Rule } from '../drivers/table.js';

/** Bound on distinct rules remembered; past it the table starts over (sharing is only an optimisation). */
const MAX_DISTINCT = 200_000;

/** body -> comment ('' for none) -> the shared rule. */
const table = new Map<string, Map<string, Rule>>();
let size = 0;

export function internRule(r: Rule): Rule {
  const comment = r.comment ?? '';
  let byComment = table.get(r.body);
  const hit = byComment?.get(comment);
  if (hit && hit.comment === r.comment) return hit;
  if (size >= MAX_DISTINCT) { table.clear(); size = 0; byComment = undefined; }
  if (!byComment) table.set(r.body, (byComment = new Map()));
  byComment.set(comment, r);
  size++;
  return r;
}
