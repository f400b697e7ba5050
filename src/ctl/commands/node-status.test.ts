import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CtlContext } from '../context.js';
import { parseBirdProtocols } from '../../bgp/birdc-status.js';
import { birdSocketPath, nodeStatus, renderBorderedTable } from './node-status.js';

const BIRDC = `BIRD 2.0.12 ready.
Name       Proto      Table      State  Since         Info
device1    Device     ---        up     2026-11-25 15:14:54
kernel1    Kernel     master4    up     2026-11-25 15:14:54
Mesh_172_17_8_102 BGP        ---        up     2026-11-25 23:30:04  Established
Node_10_0_0_9_port_1179 BGP        ---        start  2026-11-25 23:30:05  Active        Socket: Connection refused
Global_fd00__1 BGP        ---        start  2026-11-25 23:30:06  Connect
`;

function ctx(): CtlContext & { out: string } {
  const c = { out: '', datastore: () => Promise.reject(new Error('unused')), stdout(t: string) { c.out += t; }, stderr() {} };
  return c;
}

test('birdc show protocols -> sessions, as calicoctl names and types them', () => {
  assert.deepEqual(parseBirdProtocols(BIRDC), [
    { protocol: 'Mesh_172_17_8_102', peerAddress: '172.17.8.102', peerType: 'node-to-node mesh', state: 'up', since: '23:30:04', info: 'Established', ipVersion: 4 },
    { protocol: 'Node_10_0_0_9_port_1179', peerAddress: '10.0.0.9', peerType: 'node specific', state: 'start', since: '23:30:05', info: 'Active Socket: Connection refused', ipVersion: 4 },
    { protocol: 'Global_fd00__1', peerAddress: 'fd00::1', peerType: 'global', state: 'start', since: '23:30:06', info: 'Connect', ipVersion: 6 },
  ]);
});

test('calicoctl node status prints the upstream layout', async () => {
  const c = ctx();
  await nodeStatus(c, '/x', { sessions: async () => parseBirdProtocols(BIRDC).slice(0, 1), agentRunning: () => true, isRoot: () => true });
  assert.equal(c.out, `Calico process is running.

IPv4 BGP status
+--------------+-------------------+-------+----------+-------------+
| PEER ADDRESS |     PEER TYPE     | STATE |  SINCE   |    INFO     |
+--------------+-------------------+-------+----------+-------------+
| 172.17.8.102 | node-to-node mesh | up    | 23:30:04 | Established |
+--------------+-------------------+-------+----------+-------------+

IPv6 BGP status
No IPv6 peers found.

`);
});

test('node status: not running (exit 1), running without BIRD, root required', async () => {
  const down = ctx();
  await assert.rejects(nodeStatus(down, '/x', { sessions: () => Promise.reject(new Error('no')), agentRunning: () => false, isRoot: () => true }), /not running/);
  assert.equal(down.out, 'Calico process is not running.\n');
  const nobird = ctx();
  await nodeStatus(nobird, '/x', { sessions: () => Promise.reject(new Error('no')), agentRunning: () => true, isRoot: () => true });
  assert.equal(nobird.out, 'Calico process is running.\n\nNone of the BGP backend processes (BIRD or GoBGP) are running.\n');
  const user = ctx();
  await assert.rejects(nodeStatus(user, '/x', { sessions: async () => [], agentRunning: () => true, isRoot: () => false }), /must be run as root/);
  assert.equal(user.out, 'This command must be run as root.\n');
});

test('bordered table and socket path precedence', () => {
  assert.equal(renderBorderedTable(['A', 'LONGER'], [['xyz', 'b']]), '+-----+--------+\n|  A  | LONGER |\n+-----+--------+\n| xyz | b      |\n+-----+--------+\n');
  assert.equal(birdSocketPath({}, undefined, () => '/var/run/calico'), '/var/run/calico/bird.ctl');
  assert.equal(birdSocketPath({ CALICO_RUN_DIR: '/run/n1' }), '/run/n1/bird.ctl');
  assert.equal(birdSocketPath({ CALICO_RUN_DIR: '/run/n1', CALICO_BIRD_SOCKET: '/s' }), '/s');
  assert.equal(birdSocketPath({ CALICO_BIRD_SOCKET: '/s' }, '/flag'), '/flag');
});
