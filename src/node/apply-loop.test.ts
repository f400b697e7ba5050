import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DataplaneMsg } from '../dataplane/model/index.js';
import { ApplyLoop } from './apply-loop.js';
import type { AgentDataplaneMsg, IntDataplane } from './dataplane-port.js';

const msg = (n: number): DataplaneMsg => ({ kind: 'IpSetRemove', id: `s${n}` as never });
const IN_SYNC: DataplaneMsg = { kind: 'InSync' };

class SlowDataplane implements IntDataplane {
  delivered: AgentDataplaneMsg[] = [];
  deliveredDuringApply = 0;
  applies: number[] = [];
  applying = false;
  fail = 0;
  resyncs = 0;
  private sinceApply = 0;
  constructor(private readonly applyMs: number) {}
  onMessages(msgs: readonly AgentDataplaneMsg[]): void {
    if (this.applying) this.deliveredDuringApply += msgs.length;
    this.delivered.push(...msgs);
    this.sinceApply += msgs.length;
  }
  async apply(): Promise<void> {
    this.applying = true;
    await new Promise((r) => setTimeout(r, this.applyMs));
    this.applying = false;
    if (this.fail > 0) { this.fail--; throw new Error('boom'); }
    this.applies.push(this.sinceApply);
    this.sinceApply = 0;
  }
  async resync(): Promise<void> {
    assert.equal(this.applying, false, 'resync never overlaps an apply');
    this.resyncs++;
  }
  async stop(): Promise<void> {}
}

test('never applies before InSync; then applies, reporting the revision', async () => {
  const dp = new SlowDataplane(1);
  const applied: number[] = [];
  const loop = new ApplyLoop(dp, { minApplyIntervalMs: 0, onApplied: (rev) => applied.push(rev) });
  loop.push([msg(1)], 5);
  loop.push([msg(2)], 6);
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(dp.applies, []);
  assert.equal(dp.delivered.length, 2, 'messages are handed over (cheap) before InSync');
  loop.push([msg(3), IN_SYNC], 7);
  await loop.idle();
  assert.deepEqual(dp.applies, [4]);
  assert.deepEqual(applied, [7]);
  assert.equal(loop.revision, 7);
  await loop.stop();
});

test('under load, batches grow: many pushes during slow applies make few applies; nothing is delivered mid-apply', async () => {
  const dp = new SlowDataplane(20);
  const applied: number[] = [];
  const loop = new ApplyLoop(dp, { minApplyIntervalMs: 10, onApplied: (rev) => applied.push(rev) });
  loop.push([IN_SYNC], 1);
  for (let i = 0; i < 200; i++) {
    loop.push([msg(i)], 2 + i);
    await new Promise((r) => setTimeout(r, 1));
  }
  await loop.idle();
  assert.equal(dp.deliveredDuringApply, 0);
  assert.equal(dp.delivered.length, 201);
  assert.deepEqual(dp.delivered.slice(1).map((m) => (m as { id: string }).id), Array.from({ length: 200 }, (_, i) => `s${i}`), 'order kept');
  assert.ok(dp.applies.length < 40, `${dp.applies.length} applies for 201 messages`);
  assert.equal(dp.applies.reduce((a, b) => a + b, 0), 201);
  assert.equal(applied.at(-1), 201);
  for (let i = 1; i < applied.length; i++) assert.ok(applied[i]! > applied[i - 1]!);
  await loop.stop();
});

test('failures are retried with backoff; the revision is only reported after success; fatal after the limit', async () => {
  const dp = new SlowDataplane(1);
  dp.fail = 2;
  const failures: [number, number][] = [];
  const applied: number[] = [];
  const loop = new ApplyLoop(dp, { minApplyIntervalMs: 0, retryBaseMs: 5, onFailure: (_e, n, ms) => failures.push([n, ms]), onApplied: (r) => applied.push(r) });
  loop.push([msg(1), IN_SYNC], 3);
  await loop.idle();
  assert.deepEqual(failures, [[1, 5], [2, 10]]);
  assert.deepEqual(applied, [3]);
  await loop.stop();

  const dp2 = new SlowDataplane(1);
  dp2.fail = 100;
  let fatal: unknown;
  const loop2 = new ApplyLoop(dp2, { minApplyIntervalMs: 0, retryBaseMs: 1, retryMaxMs: 2, maxConsecutiveFailures: 4, onFatal: (e) => { fatal = e; } });
  loop2.push([msg(1), IN_SYNC], 3);
  await new Promise((r) => setTimeout(r, 100));
  assert.match(String(fatal), /boom/);
  assert.equal(dp2.fail, 96, 'stopped retrying after 4 failures');
  assert.equal(loop2.revision, -1);
  await loop2.stop();
});

test('a revision without messages is reported without an apply; periodic resync runs between applies', async () => {
  const dp = new SlowDataplane(1);
  const applied: [number, boolean][] = [];
  const loop = new ApplyLoop(dp, { minApplyIntervalMs: 0, resyncIntervalMs: 15, onApplied: (r, info) => applied.push([r, info.kernelTouched]) });
  loop.start();
  loop.push([msg(1), IN_SYNC], 3);
  await loop.idle();
  loop.push([], 9);
  await loop.idle();
  assert.deepEqual(applied, [[3, true], [9, false]]);
  assert.equal(dp.applies.length, 1);
  await new Promise((r) => setTimeout(r, 60));
  assert.ok(dp.resyncs >= 2, `resyncs: ${dp.resyncs}`);
  await loop.stop();
});
