import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { exec, execChecked } from './exec.js';

describe('exec', () => {
  it('feeds a string on stdin and collects stdout, stderr and the exit code', async () => {
    assert.equal(await execChecked('cat', [], { input: 'a\nb\n' }), 'a\nb\n');
    const r = await exec('sh', ['-c', 'echo oops >&2; exit 3']);
    assert.deepEqual(r, { code: 3, stdout: '', stderr: 'oops\n' });
    await assert.rejects(execChecked('false', []), /CALICO_ERR_KERNEL|exit 1/);
    await assert.rejects(exec('/nonexistent/command', []), /cannot run/);
  });

  it('streams an iterable input in order, in chunks, without joining it first', async () => {
    let made = 0;
    function* lines(): Generator<string> {
      for (let i = 0; i < 200_000; i++) { made++; yield `line ${i}\n`; }
    }
    const out = await execChecked('sha256sum', [], { input: lines() });
    const want = await execChecked('sha256sum', [], { input: Array.from({ length: 200_000 }, (_, i) => `line ${i}\n`).join('') });
    assert.equal(out, want);
    assert.equal(made, 200_000);
  });

  it('stops producing when the command stops reading (backpressure, early exit)', async () => {
    let made = 0;
    function* endless(): Generator<string> {
      for (;;) { made++; yield 'x'.repeat(1000); }
    }
    const r = await exec('head', ['-c', '10'], { input: endless() });
    assert.equal(r.stdout, 'x'.repeat(10));
    assert.ok(made < 10_000, `producer ran on after the reader left (${made} pieces)`);
  });

  it('streams an async producer, which may hold the input back mid-way', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => { release = r; });
    async function* held(): AsyncGenerator<string> {
      yield 'before\n';
      await gate;
      yield 'after\n';
    }
    const run = exec('cat', [], { input: held() });
    setTimeout(release, 20);
    assert.equal((await run).stdout, 'before\nafter\n');
    async function* failing(): AsyncGenerator<string> {
      yield 'x\n';
      throw new Error('gate failed');
    }
    await assert.rejects(exec('cat', [], { input: failing() }), /gate failed/);
  });

  it('kills the command and rejects when the producer throws', async () => {
    function* broken(): Generator<string> {
      yield 'first\n';
      throw new Error('producer failed');
    }
    await assert.rejects(exec('cat', [], { input: broken() }), /producer failed/);
  });
});
