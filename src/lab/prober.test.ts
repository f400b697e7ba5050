/**
 * The pod server and the prober on loopback (no root): TCP counts only a
 * completed handshake, UDP only the server's echo; the matrix renders.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { exec } from '../lib/exec.js';
import { POD_SERVER, PROBER } from './lab-paths.js';
import type { ProbeOutcome } from './prober-main.js';
import { renderMatrix } from './probe.js';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

test('prober: TCP and UDP to a pod server connect; a closed port and a silent UDP port do not', async () => {
  const open = await freePort();
  const closed = await freePort();
  const server = spawn(process.execPath, [POD_SERVER, 'x/a', String(open)], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      server.stdout.on('data', (b: Buffer) => { if (b.toString().includes('ready')) resolve(); });
      server.on('exit', (c) => reject(new Error(`pod-server exited ${c}`)));
    });
    const targets = [
      { to: 'x/a', ip: '127.0.0.1', port: open, protocol: 'TCP' },
      { to: 'x/a', ip: '127.0.0.1', port: open, protocol: 'UDP' },
      { to: 'x/a', ip: '127.0.0.1', port: closed, protocol: 'TCP' },
      { to: 'x/a', ip: '127.0.0.1', port: closed, protocol: 'UDP' },
    ];
    const r = await exec(process.execPath, [PROBER], { input: JSON.stringify({ timeoutMs: 400, targets }) });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as ProbeOutcome[];
    assert.deepEqual(out.map((o) => [o.protocol, o.port === open, o.connected]), [
      ['TCP', true, true], ['UDP', true, true], ['TCP', false, false], ['UDP', false, false],
    ]);
  } finally {
    server.kill('SIGKILL');
  }
});

test('renderMatrix: sources as rows, "." connected, "X" blocked, "-" not probed', () => {
  const m = renderMatrix([
    { from: 'x/a', to: 'x/b', port: 80, protocol: 'TCP', connected: true, ip: '10.0.0.2' },
    { from: 'x/b', to: 'x/a', port: 80, protocol: 'TCP', connected: false, ip: '10.0.0.1' },
  ]);
  const lines = m.trimEnd().split('\n');
  assert.match(lines[0]!, /^from \\ to\s+x\/a\s+x\/b$/);
  assert.match(lines[1]!, /^x\/a\s+-\s+\.$/);
  assert.match(lines[2]!, /^x\/b\s+X\s+-$/);
  assert.equal(lines[3], "TCP/80: 1/2 connected ('.' connected, 'X' blocked, '-' not probed)");
});
