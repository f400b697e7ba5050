/**
 * Recursive-descent selector parser, a port of libcalico-go parser.go.
 *
 * Grammar and precedence (lowest first), as upstream:
 *   or   := and ( '||' and )*
 *   and  := op ( '&&' op )*
 *   op   := '!'* ( has(l) | all() | global() | l OP "v" | l [not] in {"v",...} | '(' or ')' )
 * Leading `!`s collapse to one boolean (an even number vanishes), and `!`
 * binds tighter than any operator: `!a == "b"` is `!(a == "b")`.
 * A set literal may be empty (`{}`) and may end with a trailing comma.
 */
import type { SelectorNode, LabelValueOp } from './ast.js';
import { toSortedSet } from './ast.js';
import { ParseFailure, tokenize, type Token, type TokenKind } from './tokenizer.js';

/** A parse failure with the offset it refers to; wrapped in SelectorParseError by the public API. */
export { ParseFailure };

const VALUE_OPS: Partial<Record<TokenKind, LabelValueOp>> = {
  eq: 'eq',
  ne: 'ne',
  contains: 'contains',
  startsWith: 'startsWith',
  endsWith: 'endsWith',
};

/** Parses selector text into a frozen AST. Throws ParseFailure. */
export function parseToAst(text: string): SelectorNode {
  const tokens = tokenize(text);
  if (tokens[0]!.kind === 'eof') return freeze({ kind: 'all' });
  const p = new Parser(tokens);
  const node = p.parseOr();
  const rest = p.peek();
  if (rest.kind !== 'eof') {
    throw new ParseFailure(`unexpected content at end of selector: ${describe(rest)}`, rest.pos);
  }
  return freeze(node);
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  /** The tokenizer always ends with `eof`, so peeking never runs off the end. */
  peek(offset = 0): Token {
    const idx = Math.min(this.i + offset, this.tokens.length - 1);
    return this.tokens[idx]!;
  }

  private next(): Token {
    const t = this.peek();
    if (this.i < this.tokens.length - 1) this.i++;
    return t;
  }

  parseOr(): SelectorNode {
    const operands = [this.parseAnd()];
    while (this.peek().kind === 'or') {
      this.next();
      operands.push(this.parseAnd());
    }
    return operands.length === 1 ? operands[0]! : { kind: 'or', operands };
  }

  private parseAnd(): SelectorNode {
    const operands = [this.parseOperation()];
    while (this.peek().kind === 'and') {
      this.next();
      operands.push(this.parseOperation());
    }
    return operands.length === 1 ? operands[0]! : { kind: 'and', operands };
  }

  private parseOperation(): SelectorNode {
    let negated = false;
    while (this.peek().kind === 'not') {
      negated = !negated;
      this.next();
    }
    const node = this.parseUnnegated();
    return negated ? { kind: 'not', operand: node } : node;
  }

  private parseUnnegated(): SelectorNode {
    const tok = this.next();
    switch (tok.kind) {
      case 'has':
        return { kind: 'has', label: tok.value };
      case 'all':
        return { kind: 'all' };
      case 'global':
        return { kind: 'global' };
      case 'label':
        return this.parseLabelOperation(tok);
      case 'lparen': {
        const inner = this.parseOr();
        const close = this.peek();
        if (close.kind !== 'rparen') throw new ParseFailure(`expected ), found ${describe(close)}`, close.pos);
        this.next();
        return inner;
      }
      default:
        throw new ParseFailure(`unexpected ${describe(tok)}`, tok.pos);
    }
  }

  private parseLabelOperation(label: Token): SelectorNode {
    const op = this.next();
    const valueOp = VALUE_OPS[op.kind];
    if (valueOp !== undefined) {
      const lit = this.next();
      if (lit.kind !== 'string') throw new ParseFailure(`expected string, found ${describe(lit)}`, lit.pos);
      return { kind: valueOp, label: label.value, value: lit.value };
    }
    if (op.kind === 'in' || op.kind === 'notIn') {
      const brace = this.next();
      if (brace.kind !== 'lbrace') throw new ParseFailure(`expected set literal, found ${describe(brace)}`, brace.pos);
      const values: string[] = [];
      while (this.peek().kind === 'string') {
        values.push(this.next().value);
        if (this.peek().kind !== 'comma') break;
        this.next();
      }
      const close = this.peek();
      if (close.kind !== 'rbrace') throw new ParseFailure(`expected }, found ${describe(close)}`, close.pos);
      this.next();
      return { kind: op.kind, label: label.value, values: toSortedSet(values) };
    }
    if (op.kind === 'eof') throw new ParseFailure('unexpected end of string looking for op', op.pos);
    throw new ParseFailure(`expected an operator after label ${JSON.stringify(label.value)}, found ${describe(op)}`, op.pos);
  }
}

const TOKEN_TEXT: Readonly<Record<TokenKind, string>> = {
  label: 'label',
  string: 'string',
  lbrace: '{',
  rbrace: '}',
  comma: ',',
  eq: '==',
  ne: '!=',
  in: 'in',
  not: '!',
  notIn: 'not in',
  contains: 'contains',
  startsWith: 'starts with',
  endsWith: 'ends with',
  all: 'all()',
  has: 'has()',
  lparen: '(',
  rparen: ')',
  and: '&&',
  or: '||',
  global: 'global()',
  eof: 'end of selector',
};

function describe(t: Token): string {
  if (t.kind === 'label') return `label ${JSON.stringify(t.value)}`;
  if (t.kind === 'string') return `string ${JSON.stringify(t.value)}`;
  if (t.kind === 'eof') return TOKEN_TEXT.eof;
  return `'${TOKEN_TEXT[t.kind]}'`;
}

/** Deep-freezes a freshly built AST so shared (cached) selectors cannot be mutated. */
function freeze(node: SelectorNode): SelectorNode {
  switch (node.kind) {
    case 'not':
      freeze(node.operand);
      break;
    case 'and':
    case 'or':
      node.operands.forEach(freeze);
      Object.freeze(node.operands);
      break;
    case 'in':
    case 'notIn':
      Object.freeze(node.values);
      break;
    default:
      break;
  }
  return Object.freeze(node);
}
