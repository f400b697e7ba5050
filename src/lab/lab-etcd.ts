/**
 * `--datastore etcd`: one real etcd (3.4, /usr/bin/etcd) for the lab, in the
 * machine's netns on 127.0.0.1 (for the lab CLI and calicoctl) plus a unix
 * socket in the state dir; in each node netns an etcd-relay process serves
 * 127.0.0.1:<same port> there, so agents and the CNI plugin use the same
 * endpoint URL as the CLI. etcd is started detached and stopped by its PID
 * at teardown; its data dir lives in the state dir.
 */
import { join } from 'node:path';
import { createServer } from 'node:net';
import { CalicoError } from '../lib/errors.js';
import type { LabNode, LabState } from './lab-state.js';
import { ETCD_RELAY } from './lab-paths.js';
import { spawnDetached } from './processes.js';

export const ETCD_BINARY = '/usr/bin/etcd';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

/** Starts the lab's etcd and waits for /health; records it in the state. */
export async function startLabEtcd(state: LabState, save: () => void): Promise<void> {
  const clientPort = await freePort();
  const peerPort = await freePort();
  const dataDir = join(state.stateDir, 'etcd');
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const pid = await spawnDetached({
    command: ETCD_BINARY,
    cwd: state.stateDir, // the unix listener `unix://localhost:<port>` becomes the file <stateDir>/localhost:<port>
    args: ['--name', `calico-lab-${state.name}`, '--data-dir', dataDir,
      '--listen-client-urls', `${client},unix://localhost:${clientPort}`, '--advertise-client-urls', client,
      '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', `calico-lab-${state.name}=${peer}`],
    logFile: join(state.stateDir, 'etcd.log'),
  });
  state.etcd = { pid, endpoints: [client], dataDir };
  save();
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const res = await fetch(`${client}/health`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) throw new CalicoError('CALICO_ERR_DATASTORE', `etcd did not become healthy on ${client} (log: ${join(state.stateDir, 'etcd.log')})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function etcdSocketPath(state: LabState): string {
  const port = new URL(state.etcd!.endpoints[0]!).port;
  return join(state.stateDir, `localhost:${port}`);
}

/** The relay in a node netns: 127.0.0.1:<etcd port> there -> etcd's unix socket. */
export async function startEtcdRelay(state: LabState, node: LabNode): Promise<number> {
  const port = new URL(state.etcd!.endpoints[0]!).port;
  return spawnDetached({
    netns: node.netns,
    command: process.execPath,
    args: [ETCD_RELAY, port, etcdSocketPath(state)],
    logFile: join(state.stateDir, `etcd-relay-${node.name}.log`),
    readyLine: 'ready',
  });
}
