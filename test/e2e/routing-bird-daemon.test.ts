/**
 * BirdDaemon against a real BIRD 2 in a scratch namespace: started on the
 * first apply, reloaded with `birdc configure` only when the text changes
 * (same PID), a config that does not parse is refused and the running one
 * kept, a BIRD left behind by an earlier agent is adopted, a BIRD of
 * another node is refused, and stop() ends it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BirdDaemon, birdc } from '../../dist/bgp/index.js';
import { NetnsCluster, type TestNode } from '../../dist/routing/testing/netns-cluster.js';

const skip = process.getuid?.() !== 0 || !existsSync('/usr/sbin/bird');
const cluster = new NetnsCluster('bd');
let node: TestNode;
const daemons: BirdDaemon[] = [];

const cfg = (extra: string): string => `router id 10.0.0.1;\nprotocol device { scan time 2; }\n${extra}\n`;
const pidOf = (d: BirdDaemon): number => Number.parseInt(readFileSync(d.paths.pidFile, 'utf8'), 10);

before(async () => {
  if (skip) return;
  await cluster.setupUnderlay(1);
  node = await cluster.addNode('n1', 0, 1);
});

after(async () => {
  for (const d of daemons) await d.stop().catch(() => {});
  await cluster.cleanup();
});

test('start, reload only on change, refuse bad config, adopt, owner guard, stop', { skip }, async () => {
  const runDir = join(cluster.dir, 'bird');
  const d = new BirdDaemon(runDir, node.netns, 'n1');
  daemons.push(d);
  assert.equal(await d.apply(cfg('')), true);
  const pid = pidOf(d);
  assert.match(await birdc(d.paths.socket, ['show', 'status']), /Router ID is 10\.0\.0\.1/);
  assert.equal(await d.apply(cfg('')), false, 'same text: nothing to do');

  assert.equal(await d.apply(cfg('protocol static s1 { ipv4; route 192.0.2.0/24 blackhole; }')), true);
  assert.equal(pidOf(d), pid, 'reloaded in place');
  assert.match(await birdc(d.paths.socket, ['show', 'protocols']), /^s1\s+Static/m);

  await assert.rejects(d.apply(cfg('protocol nonsense {')), (e: Error & { code?: string }) => e.code === 'CALICO_ERR_CONFIG');
  assert.match(readFileSync(d.paths.config, 'utf8'), /protocol static s1/, 'the good config stays');
  assert.match(await birdc(d.paths.socket, ['show', 'protocols']), /^s1\s+Static/m);

  // A new agent (same node, same run dir) adopts the running BIRD.
  const again = new BirdDaemon(runDir, node.netns, 'n1');
  daemons.push(again);
  assert.equal(await again.apply(cfg('protocol static s2 { ipv4; route 198.51.100.0/24 blackhole; }')), true);
  assert.equal(pidOf(again), pid, 'adopted, not restarted');
  assert.match(await birdc(again.paths.socket, ['show', 'protocols']), /^s2\s+Static/m);

  const other = new BirdDaemon(runDir, node.netns, 'n2');
  await assert.rejects(other.apply(cfg('')), /belongs to node n1/);

  await again.stop();
  let alive = true;
  try { process.kill(pid, 0); } catch { alive = false; }
  assert.equal(alive, false, 'BIRD stopped');
});
