import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Issues } from './issues.js';
import { array, bool, enumOf, formatGoFloat, goScalarString, int, intOrString, object, required, string, stringMap, stripNulls } from './schema.js';

const ports = array(intOrString((v) => (v === 'bad' ? 'bad port' : undefined)));
const rule = object({
  action: required(enumOf(['Allow', 'Deny'])),
  destination: object({ ports }),
});
const spec = object({
  order: int({ min: 0, max: 10 }),
  enabled: bool(),
  labels: stringMap({ value: (v) => (v.includes(' ') ? 'no spaces' : undefined) }),
  ingress: array(rule),
  name: string({ minLength: 1 }),
});

function run(v: unknown): Issues {
  const issues = new Issues();
  spec.check(v, 'spec', issues);
  return issues;
}

test('schema: valid object has no issues', () => {
  assert.deepEqual(run({ order: 3, enabled: true, labels: { a: 'b' }, ingress: [{ action: 'Allow', destination: { ports: [80, '90'] } }] }).list, []);
});

test('schema: reports every problem with its full path', () => {
  const issues = run({
    order: 11,
    enabled: 'yes',
    foo: 1,
    labels: { a: 'b c', d: 3 },
    name: '',
    ingress: [{ action: 'Allow' }, { action: 'Drop', destination: { ports: [1, 'bad'], extra: true } }, {}],
  });
  const byPath = Object.fromEntries(issues.list.map((i) => [i.path, i.reason]));
  assert.equal(byPath['spec.order'], 'must be between 0 and 10');
  assert.equal(byPath['spec.enabled'], 'expected boolean, got string');
  assert.equal(byPath['spec.foo'], 'unknown field "foo"');
  assert.equal(byPath['spec.labels.a'], 'no spaces');
  assert.equal(byPath['spec.labels.d'], 'expected string, got integer');
  assert.equal(byPath['spec.name'], 'must not be empty');
  assert.match(byPath['spec.ingress[1].action']!, /must be one of "Allow", "Deny"/);
  assert.equal(byPath['spec.ingress[1].destination.ports[1]'], 'bad port');
  assert.equal(byPath['spec.ingress[1].destination.extra'], 'unknown field "extra"');
  assert.equal(byPath['spec.ingress[2].action'], 'required field is missing');
  assert.equal(issues.list.length, 10);
});

test('schema: wrong container types and nulls', () => {
  assert.equal(run([]).list[0]!.reason, 'expected object, got array');
  assert.deepEqual(run({ order: null }).list, []);
  const i = run({ ingress: [null] });
  assert.equal(i.list[0]!.path, 'spec.ingress[0]');
  assert.deepEqual(stripNulls({ a: null, b: { c: null, d: 1 }, e: [{ f: null }] }), { b: { d: 1 }, e: [{}] });
});

test('goScalarString: the text sigs.k8s.io/yaml gives a YAML scalar decoded into a Go string', () => {
  const cases: [unknown, unknown][] = [
    [true, 'true'], [false, 'false'], [10, '10'], [-3, '-3'], [0, '0'],
    // strconv.FormatFloat(f, 'g', -1, 32)
    [1.5, '1.5'], [0.1, '0.1'], [0.0001, '0.0001'], [0.00001, '1e-05'], [100000.5, '100000.5'],
    [1234567.5, '1.2345675e+06'], [1.3374955569420314e24, '1.3374956e+24'], [-2.25, '-2.25'],
    ['x', 'x'], [null, null], [[1], [1]],
  ];
  for (const [v, want] of cases) assert.deepEqual(goScalarString(v), want, String(v));
});

test('coerce: numbers and booleans in string fields (not in int/bool/int-or-string fields) become strings', () => {
  const coerced = spec.coerce!({
    order: 3, enabled: true, name: 12, labels: { a: true, b: 2 }, ingress: [{ action: 'Allow', destination: { ports: [80] } }],
  });
  assert.deepEqual(coerced, {
    order: 3, enabled: true, name: '12', labels: { a: 'true', b: '2' }, ingress: [{ action: 'Allow', destination: { ports: [80] } }],
  });
  assert.ok(run(coerced).empty);
});

test('formatGoFloat: Go %v / FormatFloat g -1 of float64', () => {
  const cases: [number, string][] = [
    [1e6, '1e+06'], [1000, '1000'], [1e7, '1e+07'], [100000, '100000'], [123456.5, '123456.5'], [1234567, '1.234567e+06'],
    [0.5, '0.5'], [0.0001, '0.0001'], [0.00001, '1e-05'], [-2.5, '-2.5'], [0, '0'], [1e21, '1e+21'],
  ];
  for (const [v, want] of cases) assert.equal(formatGoFloat(v), want, String(v));
});
