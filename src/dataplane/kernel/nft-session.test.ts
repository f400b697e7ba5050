import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeExec, fail, ok } from './fake-exec.js';
import { NftSession, NftSpawnTransport, batchLine, listTableJson } from './nft-session.js';

/**
 * A stand-in for `nft -i` that behaves like nft 1.0.6 on a pipe: one line =
 * one transaction, errors on stderr with the line echoed, no prompt. Lines
 * containing `bad` fail; `crash` exits. Every line is logged.
 */
const FAKE_NFT = `
const fs = require('fs');
const log = process.argv[2];
let buf = '';
process.stdin.on('data', (d) => {
  buf += d;
  let i;
  while ((i = buf.indexOf('\\n')) >= 0) {
    const line = buf.slice(0, i); buf = buf.slice(i + 1);
    fs.appendFileSync(log, line + '\\n');
    if (line.includes('crash')) process.exit(1);
    if (line.startsWith('__calico_sync_')) {
      process.stderr.write('Error: syntax error, unexpected newline, expecting string\\n' + line);
      process.stderr.write('\\n' + ' '.repeat(line.length) + '^\\n');
    } else if (line.includes('bad')) {
      process.stderr.write('Error: Could not process rule: No such file or directory\\n' + line + '\\n    ^^^\\n');
    }
  }
});
`;

describe('NftSession', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nftsess-'));
  const script = join(dir, 'fake-nft.cjs');
  const log = join(dir, 'log');
  writeFileSync(script, FAKE_NFT);
  writeFileSync(log, '');
  after(() => rmSync(dir, { recursive: true, force: true }));
  const session = (): NftSession => new NftSession({ command: { cmd: process.execPath, args: [script, log] } });

  it('sends one line per batch followed by a sync marker, and resolves per batch', async () => {
    const s = session();
    await s.transact(['add table inet calico', 'add chain inet calico c']);
    await s.transact(['add element inet calico s { 10.0.0.1 }']);
    await s.close();
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    assert.deepEqual(lines.slice(-4), [
      'add table inet calico; add chain inet calico c', '__calico_sync_1',
      'add element inet calico s { 10.0.0.1 }', '__calico_sync_2',
    ]);
    assert.equal(s.starts, 1);
  });

  it('reports the errors of a failed batch only, and keeps going', async () => {
    const s = session();
    await assert.rejects(s.transact(['add rule inet calico bad accept']), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'CALICO_ERR_KERNEL');
      assert.match(e.message, /Could not process rule/);
      assert.doesNotMatch(e.message, /__calico_sync/);
      return true;
    });
    await s.transact(['add chain inet calico fine']);
    await s.close();
  });

  it('fails the batch in flight when nft dies and restarts on the next batch', async () => {
    const s = session();
    await s.transact(['add table inet calico']);
    await assert.rejects(s.transact(['crash']), { code: 'CALICO_ERR_KERNEL' });
    await s.transact(['add table inet calico']);
    assert.equal(s.starts, 2);
    await s.close();
    await assert.rejects(s.transact(['x']), { code: 'CALICO_ERR_KERNEL' });
  });

  it('queues concurrent batches in order', async () => {
    const s = session();
    await Promise.all([s.transact(['add chain inet calico a']), s.transact(['add chain inet calico b']), s.transact(['add chain inet calico c'])]);
    await s.close();
    const lines = readFileSync(log, 'utf8').trim().split('\n').filter((l) => !l.startsWith('__'));
    assert.deepEqual(lines.slice(-3), ['add chain inet calico a', 'add chain inet calico b', 'add chain inet calico c']);
  });

  it('sends batches above the size limit through nft -f', async () => {
    const fx = new FakeExec().on('nft', () => ok());
    const s = new NftSession({ command: { cmd: process.execPath, args: [script, log] }, exec: fx, largeBatchBytes: 10 });
    await s.transact(['add table inet calico', 'add chain inet calico c']);
    assert.equal(s.spawnedBatches, 1);
    assert.deepEqual(fx.callsOf('nft')[0]?.args, ['-f', '-']);
    assert.equal(fx.callsOf('nft')[0]?.input, 'add table inet calico\nadd chain inet calico c\n');
    await s.close();
  });
});

describe('nft helpers', () => {
  it('refuses commands with newlines (they would split the transaction)', () => {
    assert.throws(() => batchLine(['add table inet a\nadd table inet b']), { code: 'CALICO_ERR_KERNEL' });
    assert.equal(batchLine(['a', 'b']), 'a; b');
  });

  it('lists a table as JSON, null when missing, and spawns nft -f per batch', async () => {
    const fx = new FakeExec().on('nft', (c) => {
      if (c.args[0] === '-j') return c.args[4] === 'missing' ? fail('Error: No such file or directory') : ok('{"nftables":[]}');
      return c.input?.includes('bad') ? fail('Error: syntax error') : ok();
    });
    assert.deepEqual(await listTableJson(fx, 'inet', 'calico'), { nftables: [] });
    assert.equal(await listTableJson(fx, 'inet', 'missing'), null);
    const t = new NftSpawnTransport(fx);
    await t.transact(['add table inet calico']);
    await assert.rejects(t.transact(['bad']), { code: 'CALICO_ERR_KERNEL' });
  });
});
