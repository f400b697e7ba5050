import { parseSelector, SelectorParseError } from '../../selector/index.js';
import { custom, type Spec } from './schema.js';

/**
 * A selector-valued string field (validator.go `selector` tag): it must parse
 * with Calico's selector parser. The reason is the parser's own message.
 */
export function selectorField(opts: { readonly forbidGlobal?: string } = {}): Spec {
  return custom('string', (value) => {
    if (typeof value !== 'string') return `expected string, got ${Array.isArray(value) ? 'array' : typeof value}`;
    const problem = selectorProblem(value);
    if (problem) return problem;
    if (opts.forbidGlobal && value.includes('global(')) return opts.forbidGlobal;
    return undefined;
  });
}

/** The reason `text` is not a valid selector, or undefined when it parses. */
export function selectorProblem(text: string): string | undefined {
  try {
    parseSelector(text);
    return undefined;
  } catch (e) {
    if (e instanceof SelectorParseError) return e.message;
    throw e;
  }
}
