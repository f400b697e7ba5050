import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalGoDuration, formatGoDuration, parseGoDuration } from './go-duration.js';

test('Go duration parse/format matches time.ParseDuration and Duration.String()', () => {
  const cases: [string, string][] = [
    ['0', '0s'], ['0s', '0s'], ['125s', '2m5s'], ['9910s', '2h45m10s'], ['120s', '2m0s'], ['15m', '15m0s'],
    ['1h', '1h0m0s'], ['1.5h', '1h30m0s'], ['90s', '1m30s'], ['1m30s', '1m30s'], ['1.5ms', '1.5ms'],
    ['1500us', '1.5ms'], ['40µs', '40µs'], ['7ns', '7ns'], ['-2ms', '-2ms'], ['+5s', '5s'], ['2.25s', '2.25s'],
    ['.5s', '500ms'], ['1h1m1.000000001s', '1h1m1.000000001s'], ['100ms', '100ms'], ['10m', '10m0s'],
  ];
  for (const [input, want] of cases) assert.equal(canonicalGoDuration(input), want, input);
  for (const bad of ['', '-', '5', '1d', 's', '1.s.', 'ten seconds', '1h 2m', '9999999999999999999h']) {
    assert.equal(parseGoDuration(bad), undefined, bad);
  }
  assert.equal(formatGoDuration(-90_000_000_000n), '-1m30s');
});
