/**
 * Property tests over random selectors and label maps: the compiled
 * evaluators (plain and inheritance-aware) agree with a direct AST
 * interpretation, and the canonical form round-trips with the same meaning.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSelector, type SelectorNode } from './index.js';

/** Small deterministic PRNG (mulberry32) so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = ['a', 'b', 'x/y', 'k8s-app', 'constructor'];
const VALUES = ['', 'v', 'vv', 'w', "q'", 'q"'];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

function lit(r: () => number): string {
  const v = pick(r, VALUES);
  return v.includes('"') ? `'${v}'` : `"${v}"`;
}

function randomSelector(r: () => number, depth: number): string {
  const choice = Math.floor(r() * (depth > 0 ? 12 : 9));
  const k = pick(r, KEYS);
  switch (choice) {
    case 0: return `${k} == ${lit(r)}`;
    case 1: return `${k} != ${lit(r)}`;
    case 2: return `has(${k})`;
    case 3: return `${k} in {${[lit(r), lit(r), lit(r)].slice(0, 1 + Math.floor(r() * 3)).join(', ')}}`;
    case 4: return `${k} not in {${[lit(r), lit(r)].slice(0, Math.floor(r() * 3)).join(',')}}`;
    case 5: return `${k} contains ${lit(r)}`;
    case 6: return `${k} starts with ${lit(r)}`;
    case 7: return `${k} endswith ${lit(r)}`;
    case 8: return pick(r, ['all()', 'global()', '!all()']);
    case 9: return `(${randomSelector(r, depth - 1)} && ${randomSelector(r, depth - 1)})`;
    case 10: return `${randomSelector(r, depth - 1)} || ${randomSelector(r, depth - 1)}`;
    default: return `!(${randomSelector(r, depth - 1)})`;
  }
}

function randomLabels(r: () => number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of KEYS) if (r() < 0.5) out[k] = pick(r, VALUES);
  return out;
}

/** Reference semantics straight from the AST (upstream Node.Evaluate). */
function interpret(n: SelectorNode, get: (k: string) => string | undefined): boolean {
  switch (n.kind) {
    case 'all':
    case 'global': return true;
    case 'has': return get(n.label) !== undefined;
    case 'eq': return get(n.label) === n.value;
    case 'ne': return get(n.label) !== n.value;
    case 'contains': { const v = get(n.label); return v !== undefined && v.includes(n.value); }
    case 'startsWith': { const v = get(n.label); return v !== undefined && v.startsWith(n.value); }
    case 'endsWith': { const v = get(n.label); return v !== undefined && v.endsWith(n.value); }
    case 'in': { const v = get(n.label); return v !== undefined && n.values.includes(v); }
    case 'notIn': { const v = get(n.label); return v === undefined || !n.values.includes(v); }
    case 'not': return !interpret(n.operand, get);
    case 'and': return n.operands.every((o) => interpret(o, get));
    case 'or': return n.operands.some((o) => interpret(o, get));
  }
}

test('compiled evaluators agree with the AST and survive canonicalisation', () => {
  const r = rng(12345);
  for (let i = 0; i < 1500; i++) {
    const text = randomSelector(r, 3);
    const sel = parseSelector(text);
    const canon = parseSelector(sel.toString());
    // Not always a fixed point, exactly as upstream: `!(!x)` prints as `!!x`,
    // which parses back to `x`. One more round must be stable.
    assert.equal(parseSelector(canon.toString()).toString(), canon.toString(), `stable canonical form for ${text}`);
    if (canon.toString() === sel.toString()) assert.equal(canon.uniqueId(), sel.uniqueId());
    for (let j = 0; j < 8; j++) {
      const own = randomLabels(r);
      const parent = randomLabels(r);
      const ownGet = (k: string) => (Object.prototype.hasOwnProperty.call(own, k) ? own[k] : undefined);
      const inherited = (k: string) =>
        ownGet(k) ?? (Object.prototype.hasOwnProperty.call(parent, k) ? parent[k] : undefined);
      const want = interpret(sel.ast, ownGet);
      assert.equal(sel.evaluate(own), want, `${text} on ${JSON.stringify(own)}`);
      assert.equal(canon.evaluate(own), want, `canonical ${canon} on ${JSON.stringify(own)}`);
      assert.equal(sel.evaluateWithParents(own, []), want);
      assert.equal(
        sel.evaluateWithParents(own, [parent]),
        interpret(sel.ast, inherited),
        `${text} on ${JSON.stringify(own)} with parent ${JSON.stringify(parent)}`,
      );
    }
  }
});
