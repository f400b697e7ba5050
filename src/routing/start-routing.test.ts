import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryDatastore } from '../datastore/memory/memory-datastore.js';
import { ipipProblem, startRouting } from './index.js';
import { parsePools } from './routing-model.js';

test('without its Node, routing waits: no kernel changes, no MTU file, the reason in status()', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'routing-start-'));
  const ds = new MemoryDatastore();
  await ds.create({ kind: 'IPPool', name: 'p' }, { spec: { cidr: '10.244.0.0/16', vxlanMode: 'Always', ipipMode: 'Never' } });
  const r = await startRouting({ ds, hostname: 'ghost', backend: 'vxlan', mtuFile: join(dir, 'mtu'), runDir: dir, resyncMs: 60_000 });
  try {
    const st = r.status();
    assert.equal(st.backend, 'vxlan');
    assert.deepEqual(st.problems, ['Node ghost does not exist: routing waits for it']);
    assert.equal(st.lastError, undefined);
    assert.equal(existsSync(join(dir, 'mtu')), false);
    assert.deepEqual(await r.bgpSessions(), []);
  } finally {
    await r.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('backend none starts nothing', async () => {
  const r = await startRouting({ ds: new MemoryDatastore(), hostname: 'n1', backend: 'none', mtuFile: null });
  assert.equal(r.status().reconciles, 0);
  await r.stop();
});

test('the IPIP refusal names the pool and the missing kernel module', () => {
  const [p] = parsePools(new Map([['old', { spec: { cidr: '10.1.0.0/16', ipipMode: 'CrossSubnet' } }]]));
  assert.equal(ipipProblem(p!), 'IPPool old: ipipMode CrossSubnet is not supported: this kernel lacks the ipip module; use vxlanMode instead (pool not routed by IPIP)');
});
