import { createHash } from 'node:crypto';
import type { Rule } from './table.js';

/** The comment prefix that marks a rule as ours, as Felix does. */
export const RULE_HASH_PREFIX = 'cali:';
/** Felix uses 16 characters of a base64 SHA-224. */
const HASH_LEN = 16;

/**
 * Computes the identity hashes of a chain's rules. Each hash covers the chain
 * name, the previous rule's hash and the rule itself (like Felix's
 * RuleHashes), so a fresh process can tell from the comments alone whether the
 * kernel's chain is exactly the one it wants, independent of rule handles.
 */
export function ruleHashes(chainName: string, rules: readonly Rule[]): string[] {
  const out: string[] = [];
  let prev = chainName;
  for (const r of rules) {
    const h = createHash('sha224');
    h.update(prev);
    h.update('\0');
    h.update(r.body);
    h.update('\0');
    h.update(r.comment ?? '');
    prev = h.digest('base64url').slice(0, HASH_LEN);
    out.push(prev);
  }
  return out;
}

/** The comment text written with a rule: `cali:<hash>` or `cali:<hash>; <comment>`, at most `max` bytes. */
export function ruleComment(hash: string, comment: string | undefined, max = 127): string {
  let text = RULE_HASH_PREFIX + hash;
  if (comment) text += `; ${comment.replace(/["\\\r\n]/g, "'")}`;
  while (Buffer.byteLength(text) > max) text = text.slice(0, -1);
  return text;
}

/** Extracts our hash from a kernel rule comment, or '' when the rule is not ours. */
export function hashFromComment(comment: string | undefined): string {
  if (!comment || !comment.startsWith(RULE_HASH_PREFIX)) return '';
  const rest = comment.slice(RULE_HASH_PREFIX.length);
  const end = rest.indexOf(';');
  return end < 0 ? rest : rest.slice(0, end);
}
