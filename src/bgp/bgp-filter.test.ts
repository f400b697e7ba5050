import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { filterFunctionName, parseBgpFilters, renderFilterFunctions } from './bgp-filter.js';

const BIRD = '/usr/sbin/bird';

function birdParses(text: string): void {
  if (!existsSync(BIRD)) return;
  const dir = mkdtempSync(join(tmpdir(), 'bgp-filter-'));
  try {
    writeFileSync(join(dir, 'bird.cfg'), `router id 10.0.0.1;\nprotocol device {}\n${text}`);
    const r = spawnSync(BIRD, ['-p', '-c', join(dir, 'bird.cfg')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('filter function names fit BIRD\'s 64-character symbols; long names are cut and hashed, distinct ones stay distinct', () => {
  assert.equal(filterFunctionName('my-filter', 'import', 4), "'bgp_my-filter_importFilterV4'");
  const long = `f${'x'.repeat(80)}`;
  const a = filterFunctionName(long, 'export', 6);
  const b = filterFunctionName(`${long}y`, 'export', 6);
  assert.notEqual(a, b);
  assert.equal(a.length - 2, 64);
  assert.match(a, /^'bgp_fx+_[0-9A-F]{16}_exportFilterV6'$/);
  const filters = parseBgpFilters(new Map([[long, { spec: { exportV6: [{ cidr: 'fd00::/64', matchOperator: 'In', action: 'Accept' }] } }]]));
  birdParses(renderFilterFunctions(filters.get(long)!, [4, 6]));
});

test('prependASPath: the path starts with the prefix in the given order', () => {
  const f = parseBgpFilters(new Map([['p', { spec: { exportV4: [{ action: 'Accept', operations: [{ prependASPath: { prefix: [65001, 65002] } }] }] } }]]));
  const text = renderFilterFunctions(f.get('p')!);
  assert.match(text, /bgp_path\.prepend\(65002\); bgp_path\.prepend\(65001\); accept;/);
  birdParses(text);
});

test('every match operator, with and without prefixLength, parses in BIRD', () => {
  const rules = ['Equal', 'NotEqual', 'In', 'NotIn'].flatMap((op) => [
    { cidr: '10.0.0.0/8', matchOperator: op, action: 'Accept' },
    { cidr: '10.0.0.0/8', matchOperator: op, prefixLength: { max: 24 }, action: 'Reject' },
  ]);
  const f = parseBgpFilters(new Map([['ops', { spec: { importV4: rules, exportV4: [{ peerType: 'iBGP', source: 'RemotePeers', action: 'Reject' }] } }]]));
  const text = renderFilterFunctions(f.get('ops')!);
  assert.match(text, /\(net != 10\.0\.0\.0\/8\)/);
  assert.match(text, /\(net !~ \[ 10\.0\.0\.0\/8\{8,24\} \]\)/);
  assert.match(text, /function 'bgp_ops_exportFilterV4'\(bool is_same_as\)/);
  birdParses(text);
});

test('asPathPrefix matches the start of the AS path; a rule with no match fields is the bare action', () => {
  const f = parseBgpFilters(new Map([['asp', { spec: { importV4: [{ asPathPrefix: [65000, 65001], action: 'Accept' }, { action: 'Reject' }] } }]]));
  const text = renderFilterFunctions(f.get('asp')!);
  assert.match(text, /if \(\(bgp_path ~ \[= 65000 65001 \* =\]\)\) then \{ accept; \}\n {2}reject;\n\}/);
  birdParses(text);
});
