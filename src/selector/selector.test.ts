import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseSelector,
  prefixSelectorLabels,
  normaliseSelector,
  validateSelector,
  SelectorParseError,
  tokenize,
  labelRestrictions,
  possibleToSatisfy,
} from './index.js';
import { isCalicoError } from '../lib/errors.js';
import {
  selectorTests,
  badSelectors,
  canonicalisationTests,
  tokenTests,
  labelRestrictionTests,
} from './testdata/upstream-tables.js';

describe('upstream parser tables', () => {
  for (const [sel, matches, nonMatches] of selectorTests) {
    test(`selector ${JSON.stringify(sel)}`, () => {
      const s = parseSelector(sel);
      assert.equal(validateSelector(sel), null);
      const canon = parseSelector(s.toString());
      for (const labels of matches) {
        assert.equal(s.evaluate(labels), true, `${sel} should match ${JSON.stringify(labels)}`);
        assert.equal(canon.evaluate(labels), true, `canonical ${canon} should match ${JSON.stringify(labels)}`);
      }
      for (const labels of nonMatches) {
        assert.equal(s.evaluate(labels), false, `${sel} should not match ${JSON.stringify(labels)}`);
        assert.equal(canon.evaluate(labels), false, `canonical ${canon} should not match ${JSON.stringify(labels)}`);
      }
      assert.equal(s.uniqueId(), s.uniqueId());
    });
  }

  for (const sel of badSelectors) {
    test(`rejects ${JSON.stringify(sel)}`, () => {
      assert.throws(() => parseSelector(sel), SelectorParseError);
      assert.ok(validateSelector(sel) instanceof SelectorParseError);
    });
  }

  for (const [input, expected, uid] of canonicalisationTests) {
    test(`canonicalises ${JSON.stringify(input)} as ${expected}`, () => {
      const s = parseSelector(input);
      assert.equal(s.toString(), expected);
      const rt = parseSelector(expected);
      assert.equal(rt.toString(), expected);
      assert.equal(rt.uniqueId(), s.uniqueId());
      if (uid !== '') assert.equal(s.uniqueId(), uid);
    });
  }
});

describe('upstream tokenizer table', () => {
  for (const [input, expected] of tokenTests) {
    test(`tokenize ${JSON.stringify(input.length > 60 ? input.slice(0, 20) + '…' : input)}`, () => {
      if (expected === null) {
        assert.throws(() => tokenize(input));
      } else {
        assert.deepEqual(
          tokenize(input).map((t) => [t.kind, t.value]),
          expected.map(([k, v]) => [k, v]),
        );
      }
    });
  }
});

describe('upstream label restriction table', () => {
  for (const [sel, expected] of labelRestrictionTests) {
    test(`restrictions of ${JSON.stringify(sel)}`, () => {
      const check = (text: string): void => {
        const got = labelRestrictions(parseSelector(text).ast);
        const want = expected ?? {};
        assert.deepEqual([...got.keys()].sort(), Object.keys(want).sort(), text);
        for (const [label, r] of Object.entries(want)) {
          const g = got.get(label)!;
          assert.equal(g.mustBePresent, r.mustBePresent ?? false, `${text}: ${label}.mustBePresent`);
          assert.equal(g.mustBeAbsent, r.mustBeAbsent ?? false, `${text}: ${label}.mustBeAbsent`);
          assert.deepEqual(
            g.mustHaveOneOfValues === undefined ? undefined : [...g.mustHaveOneOfValues].sort(),
            r.mustHaveOneOfValues === undefined ? undefined : [...r.mustHaveOneOfValues].sort(),
            `${text}: ${label}.mustHaveOneOfValues`,
          );
        }
      };
      check(sel);
      // Adding "all() &&" must make no difference.
      if (sel !== '') check(`all() && (${sel})`);
    });
  }

  test('possibleToSatisfy', () => {
    const r = (s: string, l: string) => parseSelector(s).labelRestrictions().get(l)!;
    assert.equal(possibleToSatisfy(r("a == 'v1' && a == 'v2'", 'a')), false);
    assert.equal(possibleToSatisfy(r('has(a) && !has(a)', 'a')), false);
    assert.equal(possibleToSatisfy(r("a in {'v1','v2'} && a == 'v2'", 'a')), true);
  });
});

describe('upstream visitor table (prefixSelectorLabels)', () => {
  const cases: Array<[string, string]> = [
    ["k == 'v'", 'visited/k == "v"'],
    ["k != 'v'", 'visited/k != "v"'],
    ["k contains 'v'", 'visited/k contains "v"'],
    ["k starts with 'v'", 'visited/k starts with "v"'],
    ["k ends with 'v'", 'visited/k ends with "v"'],
    ["k == 'v' && x == 'y'", '(visited/k == "v" && visited/x == "y")'],
    ["k == 'v' || has(x)", '(visited/k == "v" || has(visited/x))'],
    ["!(k == 'v')", '!visited/k == "v"'],
    ["k in {'v'}", 'visited/k in {"v"}'],
    ["k not in {'v'}", 'visited/k not in {"v"}'],
    [
      "!(!(k == 'v' && has(t) || all()) && (a in {'b', 'c'}))",
      '!(!((visited/k == "v" && has(visited/t)) || all()) && visited/a in {"b", "c"})',
    ],
  ];
  for (const [input, output] of cases) {
    test(`prefix ${input}`, () => {
      const orig = parseSelector(input);
      const p = prefixSelectorLabels(orig, 'visited/');
      assert.equal(p.toString(), output);
      // The cached original is untouched.
      assert.equal(parseSelector(input).toString(), orig.toString());
      assert.notEqual(orig.toString(), output);
    });
  }
  test('prefixed selector evaluates against prefixed labels', () => {
    const p = prefixSelectorLabels(parseSelector('team == "a"'), 'pcns.');
    assert.equal(p.evaluate({ 'pcns.team': 'a' }), true);
    assert.equal(p.evaluate({ team: 'a' }), false);
  });
});

describe('parse errors', () => {
  const positions: Array<[string, number]> = [
    ['b == b', 5],
    ['a ', 2],
    ['(a == "foo"', 11],
    ['%', 0],
    ['a == "b" && %', 12],
    ['"FOO', 0],
    ['a == "b" & has(foo)', 9],
    ['label squiggles "value"', 6],
    ['has( foo ', 9],
    [')', 0],
    ['a == "b" )', 9],
    ['!', 1],
  ];
  for (const [sel, pos] of positions) {
    test(`${JSON.stringify(sel)} fails at ${pos}`, () => {
      try {
        parseSelector(sel);
        assert.fail('expected an error');
      } catch (e) {
        assert.ok(e instanceof SelectorParseError);
        assert.ok(isCalicoError(e, 'CALICO_ERR_SELECTOR_PARSE'));
        assert.equal(e.position, pos);
        assert.equal(e.selector, sel);
        assert.match(e.message, new RegExp(`position ${pos}`));
        assert.equal(e.pointer().split('\n')[1], ' '.repeat(pos) + '^');
      }
    });
  }
});

describe('semantics beyond the upstream tables', () => {
  test('precedence: && binds tighter than ||, ! tighter than both', () => {
    const s = parseSelector('a == "1" || b == "2" && c == "3"');
    assert.equal(s.toString(), '(a == "1" || (b == "2" && c == "3"))');
    assert.equal(s.evaluate({ a: '1' }), true);
    assert.equal(s.evaluate({ b: '2' }), false);
    assert.equal(parseSelector('!a == "x" && has(b)').toString(), '(!a == "x" && has(b))');
    assert.equal(parseSelector('!!has(a)').toString(), 'has(a)');
  });

  test('set literals: empty, trailing comma, single value', () => {
    assert.equal(parseSelector('a in {}').toString(), 'a in {}');
    assert.equal(parseSelector('a in {}').evaluate({ a: '' }), false);
    assert.equal(parseSelector('a not in {}').evaluate({}), true);
    assert.equal(parseSelector('a in {"x",}').toString(), 'a in {"x"}');
    assert.equal(parseSelector('a notin {"x"}').toString(), 'a not in {"x"}');
    assert.equal(parseSelector('a not in {"x"}').evaluate({}), true);
    assert.equal(parseSelector('a in {"x", "y", "z"}').evaluate({ a: 'y' }), true);
    assert.equal(parseSelector('a not in {"x", "y", "z"}').evaluate({ a: 'y' }), false);
  });

  test('empty value is present; absent is not', () => {
    assert.equal(parseSelector('has(a)').evaluate({ a: '' }), true);
    assert.equal(parseSelector('a == ""').evaluate({ a: '' }), true);
    assert.equal(parseSelector('a == ""').evaluate({}), false);
    assert.equal(parseSelector('a != ""').evaluate({}), true);
    assert.equal(parseSelector('a contains ""').evaluate({ a: 'x' }), true);
    assert.equal(parseSelector('a contains ""').evaluate({}), false);
  });

  test('prototype keys are never labels', () => {
    assert.equal(parseSelector('has(constructor)').evaluate({}), false);
    assert.equal(parseSelector('has(toString)').evaluate({}), false);
    assert.equal(parseSelector('constructor != "x"').evaluate({}), true);
    assert.equal(parseSelector('has(constructor)').evaluate({ constructor: 'x' }), true);
  });

  test('label keys with prefixes and all identifier characters', () => {
    const s = parseSelector('projectcalico.org/orchestrator == "k8s" && pcns.kubernetes.io/metadata.name == "ns-1"');
    assert.equal(
      s.evaluate({ 'projectcalico.org/orchestrator': 'k8s', 'pcns.kubernetes.io/metadata.name': 'ns-1' }),
      true,
    );
    assert.equal(parseSelector('A_b-c.d/E == "x"').evaluate({ 'A_b-c.d/E': 'x' }), true);
  });

  test('operator words are labels when not after a label', () => {
    assert.equal(parseSelector('in in {"in"}').toString(), 'in in {"in"}');
    assert.equal(parseSelector('has == "x"').evaluate({ has: 'x' }), true);
    assert.equal(parseSelector('all == "x"').toString(), 'all == "x"');
  });

  test('global() matches everything and prints canonically', () => {
    assert.equal(parseSelector(' global( ) ').toString(), 'global()');
    assert.equal(parseSelector('global() && a == "b"').evaluate({ a: 'b' }), true);
  });

  test('newlines are not whitespace (as upstream)', () => {
    assert.throws(() => parseSelector('a == "b"\n'), SelectorParseError);
  });

  test('quotes: value containing " is printed single-quoted, both kinds is lossy like upstream', () => {
    const s = parseSelector(`a == '"x"'`);
    assert.equal(s.toString(), `a == '"x"'`);
    assert.equal(s.evaluate({ a: '"x"' }), true);
  });

  test('set values sort by code point like Go byte order', () => {
    assert.equal(parseSelector('a in {"\u{1F600}", "\uFF21", "b"}').toString(), 'a in {"b", "\uFF21", "\u{1F600}"}');
  });

  test('parse results are cached and immutable', () => {
    const a = parseSelector('x == "1"');
    assert.equal(parseSelector('x == "1"'), a);
    assert.ok(Object.isFrozen(a.ast));
    assert.throws(() => {
      (a.ast as { kind: string }).kind = 'all';
    });
  });

  test('normaliseSelector', () => {
    assert.equal(normaliseSelector('  '), 'all()');
    assert.equal(normaliseSelector(' a==\'b\' '), 'a == "b"');
    assert.equal(normaliseSelector(' a==b '), 'a==b');
  });

  test('isAll', () => {
    assert.equal(parseSelector('').isAll, true);
    assert.equal(parseSelector('(all())').isAll, true);
    assert.equal(parseSelector('global()').isAll, false);
  });
});

describe('label inheritance', () => {
  const own = { app: 'web' };
  const profiles: Record<string, string>[] = [{ env: 'prod', app: 'shadowed' }, { env: 'dev', tier: 'front' }];

  test('own labels win, then parents in order', () => {
    const s = parseSelector('app == "web" && env == "prod" && tier == "front"');
    assert.equal(s.evaluateWithParents(own, profiles), true);
    assert.equal(s.evaluate(own), false);
    assert.equal(parseSelector('env == "dev"').evaluateWithParents(own, profiles), false);
    assert.equal(parseSelector('app == "shadowed"').evaluateWithParents(own, profiles), false);
  });

  test('every node kind consults parents', () => {
    const cases: Array<[string, boolean]> = [
      ['has(tier)', true],
      ['!has(tier)', false],
      ['tier != "front"', false],
      ['tier contains "ron"', true],
      ['tier starts with "fr"', true],
      ['tier ends with "nt"', true],
      ['tier in {"back", "front"}', true],
      ['tier not in {"back", "front"}', false],
      ['tier in {"front"}', true],
      ['has(missing) || env == "prod"', true],
    ];
    for (const [sel, want] of cases) {
      assert.equal(parseSelector(sel).evaluateWithParents(own, profiles), want, sel);
    }
  });

  test('no parents behaves like evaluate', () => {
    assert.equal(parseSelector('has(env)').evaluateWithParents({ env: 'x' }, []), true);
    assert.equal(parseSelector('has(env)').evaluateWithParents({}, []), false);
  });
});
