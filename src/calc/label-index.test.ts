import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSelector } from '../selector/index.js';
import { LabelIndex } from './label-index.js';

function recorder(): { idx: LabelIndex; events: string[]; live: Set<string> } {
  const events: string[] = [];
  const live = new Set<string>();
  const idx = new LabelIndex({
    onMatchStarted: (s, i) => {
      assert.ok(!live.has(`${s}|${i}`), `double start ${s}|${i}`);
      live.add(`${s}|${i}`);
      events.push(`+${s}|${i}`);
    },
    onMatchStopped: (s, i) => {
      assert.ok(live.delete(`${s}|${i}`), `stop without start ${s}|${i}`);
      events.push(`-${s}|${i}`);
    },
  });
  return { idx, events, live };
}

test('matches follow selectors, items and inherited parent labels; teardown stops everything', () => {
  const { idx, events, live } = recorder();
  idx.updateSelector('web', parseSelector("app == 'web'"));
  idx.updateSelector('prod', parseSelector("pcns.env == 'prod'"));
  idx.updateSelector('all', parseSelector('all()'));
  idx.updateSelector('never', parseSelector("a == 'x' && a == 'y'"));
  idx.updateItem('ep1', { app: 'web' }, ['kns.a']);
  assert.deepEqual([...idx.selectorsMatching('ep1')].sort(), ['all', 'web']);
  idx.updateParent('kns.a', { 'pcns.env': 'prod' });
  assert.ok(idx.selectorsMatching('ep1').includes('prod'), 'parent label inherited');
  // An own label overrides the parent's.
  idx.updateItem('ep1', { app: 'web', 'pcns.env': 'dev' }, ['kns.a']);
  assert.ok(!idx.selectorsMatching('ep1').includes('prod'));
  idx.updateItem('ep1', { app: 'web' }, ['kns.a']);
  idx.updateSelector('web', parseSelector("app == 'db'"));
  assert.deepEqual([...idx.itemsMatching('web')], []);
  idx.updateParent('kns.a', null);
  assert.ok(!idx.selectorsMatching('ep1').includes('prod'));
  idx.updateItem('ep1', null);
  for (const s of ['web', 'prod', 'all', 'never']) idx.updateSelector(s, null);
  assert.equal(live.size, 0);
  assert.equal(events.filter((e) => e.startsWith('+')).length, events.filter((e) => e.startsWith('-')).length);
});

test('indexed and unindexed selectors agree with plain evaluation', () => {
  const { idx } = recorder();
  const sels = ["app == 'a'", "app in {'a', 'b'}", 'has(app)', '!has(app)', "app != 'a'", "app == 'a' || x == 'y'", "app starts with 'a'", 'all()'];
  sels.forEach((s, i) => idx.updateSelector(`s${i}`, parseSelector(s)));
  const items: Record<string, Record<string, string>> = { i1: { app: 'a' }, i2: { app: 'b' }, i3: {}, i4: { x: 'y' }, i5: { app: 'abc' } };
  for (const [id, l] of Object.entries(items)) idx.updateItem(id, l);
  sels.forEach((s, i) => {
    const want = Object.entries(items).filter(([, l]) => parseSelector(s).evaluate(l)).map(([id]) => id).sort();
    assert.deepEqual([...idx.itemsMatching(`s${i}`)].sort(), want, s);
  });
});

test('OR and AND selectors keyed on the cheapest alternatives stay exact as items come and go', () => {
  const { idx } = recorder();
  const sels = [
    "grp == 'g1' || role == 'srv'",
    "(ns == 'a') && (grp == 'g1' || role == 'srv')",
    "(ns == 'a') && (app in {'x', 'y'})",
    "has(role) || app == 'x'",
    "grp == 'g1' || !has(app)",
    "(grp == 'g1' || app == 'x') && (role == 'srv' || ns == 'b')",
  ];
  const labelsOf = (i: number): Record<string, string> => {
    const l: Record<string, string> = { ns: i % 3 === 0 ? 'b' : 'a', grp: `g${i % 4}` };
    if (i % 2 === 0) l['app'] = i % 4 === 0 ? 'x' : 'y';
    if (i % 5 === 0) l['role'] = 'srv';
    return l;
  };
  // Half the selectors before any item (every key costs 0), half after.
  sels.slice(0, 3).forEach((s, i) => idx.updateSelector(`s${i}`, parseSelector(s)));
  const live = new Map<string, Record<string, string>>();
  for (let i = 0; i < 40; i++) {
    live.set(`i${i}`, labelsOf(i));
    idx.updateItem(`i${i}`, labelsOf(i));
  }
  sels.slice(3).forEach((s, i) => idx.updateSelector(`s${i + 3}`, parseSelector(s)));
  const check = (): void => sels.forEach((s, i) => {
    const want = [...live].filter(([, l]) => parseSelector(s).evaluate(l)).map(([id]) => id).sort();
    assert.deepEqual([...idx.itemsMatching(`s${i}`)].sort(), want, s);
  });
  check();
  // Relabel and delete items: every selector keeps exact matches.
  for (let i = 0; i < 40; i += 3) {
    live.set(`i${i}`, labelsOf(i + 1));
    idx.updateItem(`i${i}`, labelsOf(i + 1));
  }
  for (let i = 1; i < 40; i += 7) {
    live.delete(`i${i}`);
    idx.updateItem(`i${i}`, null);
  }
  check();
});
