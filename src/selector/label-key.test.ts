import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateLabelKey, validateLabelValue } from './index.js';

test('valid label keys', () => {
  for (const k of ['app', 'k8s-app', 'projectcalico.org/orchestrator', 'a.b_c-d', 'x/Y', 'a'.repeat(63), 'kubernetes.io/metadata.name']) {
    assert.equal(validateLabelKey(k), null, k);
  }
});

test('invalid label keys name the broken part', () => {
  assert.match(validateLabelKey('')!, /^name part must be non-empty/);
  assert.match(validateLabelKey('/a')!, /^prefix part must be non-empty/);
  assert.match(validateLabelKey('Example.com/a')!, /^prefix part a lowercase RFC 1123 subdomain/);
  assert.match(validateLabelKey('a/b/c')!, /^a qualified name must consist of/);
  assert.match(validateLabelKey('a'.repeat(64))!, /^name part must be no more than 63 characters/);
  assert.match(validateLabelKey('-a')!, /^name part must consist of alphanumeric/);
  assert.match(validateLabelKey('a/')!, /^name part must be non-empty/);
  assert.equal(
    validateLabelKey('a b'),
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
  );
});

test('label values', () => {
  assert.equal(validateLabelValue(''), null);
  assert.equal(validateLabelValue('my_value.1'), null);
  assert.match(validateLabelValue('-x')!, /^a valid label must be an empty string/);
  assert.match(validateLabelValue('a'.repeat(64))!, /no more than 63/);
});
