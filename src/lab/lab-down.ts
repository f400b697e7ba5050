/**
 * Tearing a lab down, from whatever is left: its processes (by the PIDs in
 * state.json, and any of the lab's own programs still running inside one of
 * its netns), every netns carrying the lab prefix (their veths, routes and
 * nft/iptables tables go with them), and the state dir (with the SQLite
 * datastore). Idempotent; used by `down` and by a failed or interrupted `up`.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ETCD_BINARY } from './lab-etcd.js';
import { labPrefix, labStateDir, readState } from './lab-state.js';
import { isOurs, stopProcess } from './processes.js';
import { deleteNetns, listLabNetns, netnsPids } from './underlay.js';

/** Command-line markers of the programs the lab starts (checked before any signal is sent). */
const MARKERS = ['calico-node', 'pod-server.js', 'prober-main.js', 'etcd-relay.js', '/usr/sbin/bird'];
/** Where the agent's routing keeps per-netns BIRD files (config, control socket) for a node netns. */
const BIRD_NETNS_DIR = '/var/run/calico/netns';

export interface TeardownReport {
  readonly processes: number;
  readonly netns: number;
  readonly stateDirRemoved: boolean;
}

export async function teardownLab(name: string, env: NodeJS.ProcessEnv = process.env): Promise<TeardownReport> {
  const dir = labStateDir(name, env);
  const prefix = labPrefix(name);
  let state;
  try { state = readState(dir); } catch { state = undefined; }
  const pids = new Map<number, string>();
  for (const p of state?.pods ?? []) if (p.serverPid !== undefined) pids.set(p.serverPid, 'pod-server.js');
  for (const n of state?.nodes ?? []) {
    if (n.agentPid !== undefined) pids.set(n.agentPid, 'calico-node');
    if (n.etcdRelayPid !== undefined) pids.set(n.etcdRelayPid, 'etcd-relay.js');
  }
  const namespaces = await listLabNetns(prefix);
  for (const ns of namespaces) {
    for (const pid of await netnsPids(ns)) {
      const marker = MARKERS.find((m) => isOurs(pid, m));
      if (marker !== undefined) pids.set(pid, marker);
    }
  }
  // Agents first (they must not re-program a half-removed node), then the rest in parallel.
  const agents = [...pids].filter(([, m]) => m === 'calico-node');
  await Promise.all(agents.map(([pid, m]) => stopProcess(pid, m, 5000)));
  await Promise.all([...pids].filter(([, m]) => m !== 'calico-node').map(([pid, m]) => stopProcess(pid, m, 1000)));
  // etcd (in the machine's netns, so only known by its recorded PID) goes last: the agents are gone by now.
  if (state?.etcd) await stopProcess(state.etcd.pid, ETCD_BINARY, 5000);
  // Pods before nodes before the underlay: a veth goes with whichever end's netns goes first.
  const order = (ns: string): number => (ns.startsWith(`${prefix}p.`) ? 0 : ns.startsWith(`${prefix}n.`) ? 1 : 2);
  for (const ns of [...namespaces].sort((a, b) => order(a) - order(b))) await deleteNetns(ns);
  // BIRD's per-netns run files for our node netns (the agent's routing writes them; nothing else uses them).
  for (const ns of namespaces) rmSync(join(BIRD_NETNS_DIR, ns), { recursive: true, force: true });
  let stateDirRemoved = false;
  try {
    rmSync(dir, { recursive: true, force: true });
    stateDirRemoved = true;
  } catch { /* reported below */ }
  return { processes: pids.size + (state?.etcd ? 1 : 0), netns: namespaces.length, stateDirRemoved };
}
