/**
 * Selector tokenizer, a port of libcalico-go/lib/selector/tokenizer.
 *
 * Behaviour that matters for compatibility (and is easy to get wrong):
 * - Only space and tab are whitespace; anything else unexpected is an error.
 * - Operator words (`contains`, `starts with`, `ends with`, `in`, `not in`)
 *   are only recognised directly after a label, so a label may itself be
 *   called `contains`. Multi-word operators may be written with any amount of
 *   whitespace between the words, including none (`startswith`, `notin`).
 * - `has(`, `all(` and `global(` are recognised as prefixes before a label
 *   is tried, so `has (x)` is a label `has` followed by `(`.
 * - String literals have no escapes: they end at the next matching quote.
 *
 * Every token records the offset where it starts, so parse errors can point
 * at the offending character.
 */

export type TokenKind =
  | 'label'
  | 'string'
  | 'lbrace'
  | 'rbrace'
  | 'comma'
  | 'eq'
  | 'ne'
  | 'in'
  | 'not'
  | 'notIn'
  | 'contains'
  | 'startsWith'
  | 'endsWith'
  | 'all'
  | 'has'
  | 'lparen'
  | 'rparen'
  | 'and'
  | 'or'
  | 'global'
  | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** Label name, string literal contents or has() label; '' otherwise. */
  readonly value: string;
  /** Offset in the input where the token starts. */
  readonly pos: number;
}

/** Longest label key the tokenizer accepts, as upstream's MaxLabelLength. */
export const MAX_LABEL_LENGTH = 512;

/** A selector syntax failure (tokenizer or parser): reason plus the offset it refers to. */
export class ParseFailure extends Error {
  readonly position: number;
  readonly reason: string;
  constructor(reason: string, position: number) {
    super(`${reason} (at position ${position})`);
    this.reason = reason;
    this.position = position;
    this.name = 'ParseFailure';
  }
}

/** True for the characters allowed in a label key: [a-zA-Z0-9_./-]. */
export function isIdentifierChar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) || // a-z
    (c >= 0x41 && c <= 0x5a) || // A-Z
    (c >= 0x30 && c <= 0x39) || // 0-9
    c === 0x5f || // _
    c === 0x2e || // .
    c === 0x2f || // /
    c === 0x2d // -
  );
}

/** True if `label` is a complete, valid selector label key (upstream ValidLabel). */
export function isValidSelectorLabel(label: string): boolean {
  if (label.length === 0 || label.length > MAX_LABEL_LENGTH) return false;
  for (let i = 0; i < label.length; i++) {
    if (!isIdentifierChar(label.charCodeAt(i))) return false;
  }
  return true;
}

/** Tokenizes a selector; always ends with an `eof` token. Throws ParseFailure. */
export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  const n = input.length;
  let i = 0;
  for (;;) {
    i = skipWhitespace(input, i);
    if (i >= n) {
      tokens.push({ kind: 'eof', value: '', pos: n });
      return tokens;
    }
    const start = i;
    const lastKind: TokenKind = tokens.length > 0 ? tokens[tokens.length - 1]!.kind : 'eof';
    const c = input[i];
    switch (c) {
      case '(':
        tokens.push({ kind: 'lparen', value: '', pos: start });
        i++;
        break;
      case ')':
        tokens.push({ kind: 'rparen', value: '', pos: start });
        i++;
        break;
      case '"':
      case "'": {
        const end = input.indexOf(c, i + 1);
        if (end === -1) throw new ParseFailure('unterminated string', start);
        tokens.push({ kind: 'string', value: input.slice(i + 1, end), pos: start });
        i = end + 1;
        break;
      }
      case '{':
        tokens.push({ kind: 'lbrace', value: '', pos: start });
        i++;
        break;
      case '}':
        tokens.push({ kind: 'rbrace', value: '', pos: start });
        i++;
        break;
      case ',':
        tokens.push({ kind: 'comma', value: '', pos: start });
        i++;
        break;
      case '=':
        if (input.startsWith('==', i)) {
          tokens.push({ kind: 'eq', value: '', pos: start });
          i += 2;
        } else {
          throw new ParseFailure('expected ==', start);
        }
        break;
      case '!':
        if (input.startsWith('!=', i)) {
          tokens.push({ kind: 'ne', value: '', pos: start });
          i += 2;
        } else {
          tokens.push({ kind: 'not', value: '', pos: start });
          i++;
        }
        break;
      case '&':
        if (input.startsWith('&&', i)) {
          tokens.push({ kind: 'and', value: '', pos: start });
          i += 2;
        } else {
          throw new ParseFailure('expected &&', start);
        }
        break;
      case '|':
        if (input.startsWith('||', i)) {
          tokens.push({ kind: 'or', value: '', pos: start });
          i += 2;
        } else {
          throw new ParseFailure('expected ||', start);
        }
        break;
      default:
        i = tokenizeWord(input, i, lastKind, tokens);
    }
  }
}

/** Operators that may follow a label, in the order upstream tries them. */
const LABEL_OPERATORS: ReadonlyArray<{ words: readonly string[]; kind: TokenKind }> = [
  { words: ['contains'], kind: 'contains' },
  { words: ['starts', 'with'], kind: 'startsWith' },
  { words: ['ends', 'with'], kind: 'endsWith' },
  { words: ['not', 'in'], kind: 'notIn' },
  { words: ['in'], kind: 'in' },
];

/** Handles operator words, has()/all()/global() and labels; returns the new offset. */
function tokenizeWord(input: string, i: number, lastKind: TokenKind, tokens: Token[]): number {
  const start = i;
  if (lastKind === 'label') {
    // Directly after a label only an operator may follow.
    for (const op of LABEL_OPERATORS) {
      const end = cutWords(input, i, op.words);
      if (end !== -1) {
        tokens.push({ kind: op.kind, value: '', pos: start });
        return end;
      }
    }
    const prev = tokens[tokens.length - 1]!;
    throw new ParseFailure(`expected operator after label ${JSON.stringify(prev.value)}`, start);
  }
  if (input.startsWith('has(', i)) {
    i = skipWhitespace(input, i + 4);
    const identStart = i;
    const identEnd = cutIdentifier(input, i);
    i = skipWhitespace(input, identEnd);
    if (input[i] !== ')') throw new ParseFailure("no closing ')' after has(", i);
    tokens.push({ kind: 'has', value: input.slice(identStart, identEnd), pos: start });
    return i + 1;
  }
  for (const [prefix, kind] of [
    ['all(', 'all'],
    ['global(', 'global'],
  ] as const) {
    if (input.startsWith(prefix, i)) {
      i = skipWhitespace(input, i + prefix.length);
      if (input[i] !== ')') throw new ParseFailure(`no closing ')' after ${prefix}`, i);
      tokens.push({ kind, value: '', pos: start });
      return i + 1;
    }
  }
  const end = cutIdentifier(input, i);
  tokens.push({ kind: 'label', value: input.slice(i, end), pos: start });
  return end;
}

/**
 * Matches a (possibly multi-word) operator at `i`. Whitespace between words
 * is optional; a word boundary is required only after the last word.
 * Returns the offset after the operator (and trailing whitespace) or -1.
 */
function cutWords(input: string, i: number, words: readonly string[]): number {
  let j = i;
  for (const w of words) {
    if (!input.startsWith(w, j)) return -1;
    j += w.length;
    // Upstream trims whitespace after every word of a multi-word operator
    // (including the last) but not after a single-word one; the boundary
    // check below then sees different text, so mirror that exactly.
    if (words.length > 1) j = skipWhitespace(input, j);
  }
  if (j < input.length && isIdentifierChar(input.charCodeAt(j))) return -1;
  return j;
}

/** Returns the end of the identifier starting at `i`; throws if empty or too long. */
function cutIdentifier(input: string, i: number): number {
  let j = i;
  while (j < input.length && isIdentifierChar(input.charCodeAt(j))) j++;
  if (j === i) throw new ParseFailure('expected identifier', i);
  if (j - i > MAX_LABEL_LENGTH) throw new ParseFailure(`label too long: ${input.slice(i, j)}`, i);
  return j;
}

function skipWhitespace(input: string, i: number): number {
  while (i < input.length) {
    const c = input.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09) break;
    i++;
  }
  return i;
}
