/**
 * Calico's selector language: parser, compiled evaluator, canonical printer.
 * See DESIGN.md in this folder.
 */
export {
  parseSelector,
  validateSelector,
  normaliseSelector,
  makeUniqueId,
  prefixSelectorLabels,
  SelectorParseError,
  type Selector,
} from './selector.js';
export {
  nodeToString,
  type SelectorNode,
  type AllNode,
  type GlobalNode,
  type HasNode,
  type LabelValueNode,
  type LabelValueOp,
  type LabelSetNode,
  type NotNode,
  type AndNode,
  type OrNode,
} from './ast.js';
export { lookupLabel, type Labels } from './compile.js';
export { labelRestrictions, possibleToSatisfy, type LabelRestriction } from './label-restrictions.js';
export { validateLabelKey, validateLabelValue, validateDns1123Subdomain } from './label-key.js';
export { tokenize, isValidSelectorLabel, MAX_LABEL_LENGTH, type Token, type TokenKind } from './tokenizer.js';
