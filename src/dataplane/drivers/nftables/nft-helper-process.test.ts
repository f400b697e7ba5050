import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NftHelperProcess } from './nft-helper-process.js';

/**
 * A stand-in for the C helper speaking the same framing: replies rc 0 with
 * `<mode>:<bytes>:<lines>` as output; a frame containing `bad` gets rc 1 and
 * an error text; `crash` exits.
 */
const FAKE = `
let buf = Buffer.alloc(0);
process.stdin.on('data', (d) => {
  buf = Buffer.concat([buf, d]);
  for (;;) {
    const nl = buf.indexOf(10);
    if (nl < 0) return;
    const [mode, n] = buf.subarray(0, nl).toString().split(' ');
    const len = Number(n);
    if (buf.length < nl + 1 + len) return;
    const body = buf.subarray(nl + 1, nl + 1 + len).toString();
    buf = buf.subarray(nl + 1 + len);
    if (body.includes('crash')) process.exit(1);
    const bad = body.includes('bad');
    const out = bad ? '' : mode + ':' + len + ':' + body.split('\\n').filter(Boolean).length;
    const err = bad ? 'Error: Could not process rule: No such file or directory' : '';
    process.stdout.write(\`\${bad ? 1 : 0} \${Buffer.byteLength(out)} \${Buffer.byteLength(err)}\\n\${out}\${err}\`);
  }
});
`;

describe('NftHelperProcess framing', () => {
  const started: NftHelperProcess[] = [];
  after(() => Promise.all(started.map((h) => h.close())));
  const helper = (): NftHelperProcess => {
    const h = new NftHelperProcess([process.execPath, ['-e', FAKE]], 10_000);
    started.push(h);
    return h;
  };

  it('sends one length-framed buffer per batch and reads the reply', async () => {
    const h = helper();
    assert.deepEqual(await h.run('R', ['add table ip calico', 'add chain ip calico c']), { rc: 0, out: 'R:42:2', err: '' });
    assert.deepEqual(await h.run('L', ['list chain ip calico c']), { rc: 0, out: 'L:23:1', err: '' });
    assert.deepEqual(await h.run('R', ['add rule ip calico bad']), { rc: 1, out: '', err: 'Error: Could not process rule: No such file or directory' });
    await h.close();
  });

  it('streams a large batch (multi-byte text too) in pieces as one frame', async () => {
    const h = helper();
    const cmds = Array.from({ length: 20_000 }, (_, i) => `add rule ip calico c accept comment "cali:${i}; Policy ns/pölicy-${i}"`);
    const bytes = cmds.reduce((n, c) => n + Buffer.byteLength(c) + 1, 0);
    assert.ok(bytes > 1_000_000);
    assert.deepEqual(await h.run('R', cmds), { rc: 0, out: `R:${bytes}:20000`, err: '' });
    await h.close();
  });

  it('fails the frame in flight when the helper dies and restarts on the next one', async () => {
    const h = helper();
    await h.run('R', ['add table ip calico']);
    await assert.rejects(h.run('R', ['crash']), { code: 'CALICO_ERR_KERNEL' });
    assert.equal((await h.run('R', ['add table ip calico'])).rc, 0);
    assert.equal(h.starts, 2);
    await h.close();
  });

});
