/**
 * Keeps the benchmarks working (issue 11): the quick mode of the two
 * cheapest ones (start-up resync and agent memory) runs to the end and writes
 * bench/results/<name>.quick.json in the shape; a benchmark
 * interrupted with SIGINT removes its namespaces and its agent process.
 * Needs root (skips otherwise). Targets are not asserted: quick mode is too
 * small to judge them, and a miss is a result, not a broken benchmark.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { exec } from '../../dist/lib/exec.js';
import { canUseNetns } from '../support/netns.js';

const repo = resolve(import.meta.dirname, '../../..');
const root = await canUseNetns();

const namespaces = async (prefix: string): Promise<string[]> =>
  (await exec('ip', ['netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(prefix));

describe('benchmarks, quick mode', { skip: !root && 'needs root and ip netns' }, () => {
  for (const name of ['resync', 'memory']) {
    test(`${name} runs and writes its JSON`, { timeout: 180_000 }, async () => {
      const r = await exec(process.execPath, [join(repo, `dist-test/bench/${name}.bench.js`), '--quick'], { timeoutMs: 170_000 });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /metric\s+unit\s+value\s+min\.\.max\s+baseline\s+ratio\s+target\s+result/);
      const rows = JSON.parse(readFileSync(join(repo, `bench/results/${name}.quick.json`), 'utf8')) as Record<string, unknown>[];
      assert.equal(rows.length, 4, 'two figures per dataplane, both dataplanes');
      for (const row of rows) {
        for (const k of ['name', 'unit', 'value', 'baseline', 'ratio', 'target', 'pass']) assert.ok(k in row, `${k} in ${JSON.stringify(row)}`);
        assert.equal(typeof row['value'], 'number');
        assert.ok(Number.isFinite(row['value']) && (row['value'] as number) > 0, JSON.stringify(row));
        assert.equal(typeof row['pass'], 'boolean');
        assert.ok((row['min'] as number) <= (row['value'] as number) && (row['value'] as number) <= (row['max'] as number), JSON.stringify(row));
        if (row['baseline'] !== null) assert.ok(Math.abs((row['ratio'] as number) - (row['value'] as number) / (row['baseline'] as number)) < 1e-3 * (row['ratio'] as number), JSON.stringify(row));
      }
      const withTarget = rows.filter((x) => x['target'] !== null);
      assert.equal(withTarget.length, 2);
    });
  }

  test('SIGINT mid-run removes the namespaces and the agent', { timeout: 60_000 }, async () => {
    const before = await namespaces('ctbmem');
    const child = spawn(process.execPath, [join(repo, 'dist-test/bench/memory.bench.js'), '--quick', '--dataplane=nftables'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    // Wait until the benchmark's namespace and its agent process exist.
    let agentPids: string[] = [];
    for (let i = 0; i < 200 && !agentPids.length; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const mine = (await namespaces('ctbmem')).filter((n) => !before.includes(n));
      for (const ns of mine) agentPids = (await exec('ip', ['netns', 'pids', ns])).stdout.split('\n').filter(Boolean);
    }
    assert.ok(agentPids.length > 0, `the agent never started: ${err}`);
    child.kill('SIGINT');
    assert.equal(await exited, 130, err);
    assert.deepEqual((await namespaces('ctbmem')).filter((n) => !before.includes(n)), []);
    for (const pid of agentPids) assert.throws(() => process.kill(Number(pid), 0), `agent ${pid} still running`);
  });
});
