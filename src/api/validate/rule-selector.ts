import { tokenize } from '../../selector/index.js';
import type { Spec } from './schema.js';
import { selectorField, selectorProblem } from './selector-field.js';

export { selectorProblem };

/**
 * Selector checks used by rules and policies: syntax through the selector
 * parser (validator.go validateSelector) and Calico's rules for `global()`,
 * which may only appear, alone, as an EntityRule namespaceSelector.
 */

export const GLOBAL_SELECTOR = 'global()';
/** validator.go globalSelectorEntRule. */
export const GLOBAL_SELECTOR_ENTITY_RULE_ONLY = `${GLOBAL_SELECTOR} can only be used in an EntityRule namespaceSelector`;
/** validator.go globalSelectorOnly. */
export const GLOBAL_SELECTOR_ALONE = `${GLOBAL_SELECTOR} cannot be combined with other selectors`;

/** A selector-valued string field. */
export const selectorSpec: Spec = selectorField();

/**
 * True when a namespaceSelector that mentions `global(` is anything other
 * than exactly the one `global()` term (validateEntityRule tokenises it and
 * wants one global token followed by the end).
 */
export function globalSelectorMisused(namespaceSelector: string): boolean {
  if (!namespaceSelector.includes('global(') || namespaceSelector === GLOBAL_SELECTOR) return false;
  let kinds: string[];
  try {
    kinds = tokenize(namespaceSelector).map((t) => t.kind);
  } catch {
    return true;
  }
  return kinds.length > 2 || kinds[0] !== 'global';
}

/** True when a selector contains `global()` textually (the check Calico applies outside namespaceSelector). */
export function mentionsGlobal(selector: string): boolean {
  return selector.includes(GLOBAL_SELECTOR);
}
