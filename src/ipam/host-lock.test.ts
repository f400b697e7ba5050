import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { acquireIpamLock, withIpamLock } from './host-lock.js';

const dir = mkdtempSync(join(tmpdir(), 'calico-ipam-lock-'));
after(() => { rmSync(dir, { recursive: true, force: true }); });
let n = 0;
const lockPath = (): string => join(dir, `sub${n++}`, 'ipam.lock');

describe('per-host IPAM lock', () => {
  test('holds the file with our PID and removes it on release', async () => {
    const path = lockPath();
    const release = await acquireIpamLock(path);
    assert.equal(readFileSync(path, 'utf8').trim(), String(process.pid));
    release();
    release(); // idempotent
    assert.equal(existsSync(path), false);
  });

  test('callers in one process take turns', async () => {
    const path = lockPath();
    let inside = 0;
    let maxInside = 0;
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3, 4].map((i) => withIpamLock(path, async () => {
      inside++;
      maxInside = Math.max(maxInside, inside);
      await new Promise((r) => setTimeout(r, 5));
      order.push(i);
      inside--;
    })));
    assert.equal(maxInside, 1);
    assert.deepEqual(order, [0, 1, 2, 3, 4]);
  });

  test('a failing holder still releases the lock', async () => {
    const path = lockPath();
    await assert.rejects(withIpamLock(path, async () => { throw new Error('boom'); }), /boom/);
    assert.equal(existsSync(path), false);
    await withIpamLock(path, async () => undefined);
  });

  test('a lock left by a dead process is broken', async () => {
    const path = lockPath();
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = child.pid!;
    await new Promise((r) => child.on('exit', r));
    await withIpamLock(join(path, '..', 'warm'), async () => undefined); // creates the directory
    writeFileSync(path, `${pid}\n`);
    const release = await acquireIpamLock(path, { timeoutMs: 2_000 });
    assert.equal(readFileSync(path, 'utf8').trim(), String(process.pid));
    release();
  });

  test('waits for a live holder in another process, and times out with CALICO_ERR_CONFLICT', async () => {
    const path = lockPath();
    const mod = join(fileURLToPath(new URL('.', import.meta.url)), 'host-lock.js');
    const holder = spawn(process.execPath, ['--input-type=module', '-e',
      `const { acquireIpamLock } = await import(${JSON.stringify(mod)}); const r = await acquireIpamLock(${JSON.stringify(path)}); process.stdout.write('held\\n'); setTimeout(() => { r(); }, 300);`]);
    const exited = new Promise((r) => holder.on('exit', r));
    await new Promise<void>((resolve) => holder.stdout.on('data', () => resolve()));
    await assert.rejects(acquireIpamLock(path, { timeoutMs: 50 }), (e: { code?: string }) => e.code === 'CALICO_ERR_CONFLICT');
    const t0 = Date.now();
    const release = await acquireIpamLock(path, { timeoutMs: 10_000 });
    assert.ok(Date.now() - t0 < 5_000);
    release();
    await exited;
  });

  test('runs unlocked (best effort) when the lock file cannot be created', async () => {
    const file = join(dir, 'not-a-dir');
    writeFileSync(file, '');
    const reasons: string[] = [];
    const release = await acquireIpamLock(join(file, 'ipam.lock'), { onUnlocked: (r) => reasons.push(r) });
    release();
    assert.equal(reasons.length, 1);
    assert.match(reasons[0]!, /cannot create IPAM lock file/);
  });
});
