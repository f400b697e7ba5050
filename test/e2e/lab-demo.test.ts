/**
 * End to end: `calico-lab demo` (the README's main job, what scripts/demo.sh
 * runs after set-up): three nodes, the matrix before and after policy, the
 * explained denied flow, the next steps; then `down` removes it.
 * Needs root (skips otherwise).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { exec } from '../../dist/lib/exec.js';
import { canUseNetns } from '../support/netns.js';

const repo = resolve(import.meta.dirname, '../../..');
const root = await canUseNetns();

describe('calico-lab demo', { skip: !root && 'needs root and ip netns' }, () => {
  const dir = root ? mkdtempSync(join(tmpdir(), 'calico-lab-demo-')) : '';
  const name = `d${randomBytes(2).toString('hex')}`;
  const lab = (...args: string[]) => exec(process.execPath, [join(repo, 'bin/calico-lab'), ...args, '--name', name], { env: { CALICO_LAB_STATE_DIR: dir }, timeoutMs: 240_000 });
  after(async () => {
    if (!root) return;
    await lab('down');
    rmSync(dir, { recursive: true, force: true });
  });

  test('runs end to end and shows policy taking effect on real packets', async () => {
    const r = await lab('demo');
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const out = r.stdout;
    // Before policy: all 20 ordered pairs connect; after: exactly the 6 the policies deny are blocked.
    assert.match(out, /TCP\/80: 20\/20 connected/);
    assert.match(out, /TCP\/80: 14\/20 connected/);
    assert.match(out, /programmed on all 3 nodes in \d+ ms/);
    assert.match(out, /Verdict: DENIED at ingress of the destination/);
    assert.match(out, /tier "security", policy security\.protect-db/);
    assert.match(out, /calico-lab down --name/);
    const matrix = out.slice(out.indexOf('4. Reachability with policy'));
    assert.match(matrix, /frontend\/web-1\s+\.\s+\.\s+X\s+-\s+\./);
    assert.match(matrix, /backend\/api-1\s+-\s+X\s+\.\s+\.\s+\./);
    const st = await lab('status', '-o', 'json');
    assert.equal(st.code, 0, st.stderr);
    const s = JSON.parse(st.stdout) as { nodes: { inSync: boolean }[]; pods: unknown[] };
    assert.equal(s.nodes.length, 3);
    assert.equal(s.pods.length, 5);
    assert.ok(s.nodes.every((n) => n.inSync));
  });
});
