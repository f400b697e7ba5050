/**
 * `calico-lab up`: builds the whole cluster, in this order, recording each
 * object in state.json before creating the next:
 *   underlay netns + bridge -> node netns (veth eth0, underlay IP, default route)
 *   -> datastore (SQLite in the state dir) seeded with ClusterInformation,
 *   tiers, IPPool(s), Nodes -> one calico-node per node (node 1 also runs the
 *   controllers) -> Namespaces -> Pods (object, netns, CNI ADD, server)
 *   -> FALLBACK static routes (network `static`) -> wait until every agent
 *   has programmed everything.
 * Any failure or interruption tears down everything built so far.
 */
import { join } from 'node:path';
import type { Datastore } from '../datastore/datastore.js';
import { ResourceClient } from '../datastore/resource-client.js';
import { CalicoError } from '../lib/errors.js';
import { ensureServiceAccount, namespaceResource, openLabDatastore, seedCluster, startAgent, writeCalicoctlConfig } from './lab-cluster.js';
import { teardownLab } from './lab-down.js';
import { ETCD_BINARY, startEtcdRelay, startLabEtcd } from './lab-etcd.js';
import { addPod, mapLimit } from './lab-pods.js';
import {
  checkLabName, labPrefix, labStateDir, nodeNetns, readState, saveState, underlayNetns,
  type Dataplane, type DatastoreKind, type LabState, type NetworkMode,
} from './lab-state.js';
import { waitProgrammed } from './lab-wait.js';
import { syncStaticRoutes, waitInterNodeRoutes } from './static-routes.js';
import type { Topology } from './topology.js';
import { createNodeNetns, createUnderlay, listLabNetns, nodeUnderlayIPv4, nodeUnderlayIPv6 } from './underlay.js';

export interface UpOptions {
  readonly name: string;
  readonly topology: Topology;
  readonly dataplane: Dataplane;
  readonly network: NetworkMode;
  readonly datastore: DatastoreKind;
  readonly ipv6: boolean;
  readonly env?: NodeJS.ProcessEnv;
  /** Progress lines. */
  readonly log: (line: string) => void;
  /** Set by the CLI's SIGINT/SIGTERM handler: stop at the next step and tear down. */
  readonly aborted?: () => boolean;
  /** How long to wait for the agents to program everything (default 90 s). */
  readonly convergeTimeoutMs?: number;
}

export async function upLab(opts: UpOptions): Promise<LabState> {
  const env = opts.env ?? process.env;
  const name = checkLabName(opts.name);
  if (process.getuid?.() !== 0) throw new CalicoError('CALICO_ERR_USAGE', 'calico-lab up needs root (it creates network namespaces); run it with sudo');
  const dir = labStateDir(name, env);
  const prefix = labPrefix(name);
  if (readState(dir) || (await listLabNetns(prefix)).length > 0) {
    throw new CalicoError('CALICO_ERR_ALREADY_EXISTS', `lab ${JSON.stringify(name)} already exists (run: calico-lab down --name ${name})`);
  }
  const state: LabState = {
    name, prefix, stateDir: dir, dataplane: opts.dataplane, network: opts.network, datastore: opts.datastore,
    ipv6: opts.ipv6, underlayNetns: underlayNetns(prefix), ...(opts.datastore === 'sqlite' ? { sqlitePath: join(dir, 'calico.db') } : {}),
    calicoctlConfig: join(dir, 'calicoctl.cfg'),
    nodes: opts.topology.nodes.map((n, i) => ({
      name: n, netns: nodeNetns(prefix, n), underlayIPv4: nodeUnderlayIPv4(i + 1),
      ...(opts.ipv6 ? { underlayIPv6: nodeUnderlayIPv6(i + 1) } : {}),
    })),
    pods: [], ready: false, createdAt: new Date().toISOString(),
  };
  const step = (line: string): void => {
    if (opts.aborted?.()) throw new CalicoError('CALICO_ERR_USAGE', 'interrupted');
    opts.log(line);
  };
  let ds: Datastore | undefined;
  try {
    saveState(state);
    step(`underlay: netns ${state.underlayNetns}, bridge 172.30.0.0/24${opts.ipv6 ? ' + fd00:ca1::/64' : ''}`);
    await createUnderlay(state.underlayNetns, opts.ipv6);
    for (const [i, n] of state.nodes.entries()) {
      step(`node ${n.name}: netns ${n.netns}, eth0 ${n.underlayIPv4}`);
      await createNodeNetns(state.underlayNetns, n.netns, i + 1, opts.ipv6);
    }
    if (state.datastore === 'etcd') {
      step(`datastore: etcd (${ETCD_BINARY}), data in ${join(dir, 'etcd')}`);
      await startLabEtcd(state, () => saveState(state));
      for (const n of state.nodes) {
        n.etcdRelayPid = await startEtcdRelay(state, n);
        saveState(state);
      }
      opts.log(`etcd at ${state.etcd!.endpoints.join(',')} (a relay in each node netns serves the same address)`);
    } else {
      step(`datastore: sqlite ${state.sqlitePath}`);
    }
    ds = await openLabDatastore(state);
    writeCalicoctlConfig(state);
    const client = new ResourceClient(ds);
    await seedCluster(client, state);
    for (const [i, n] of state.nodes.entries()) {
      step(`calico-node on ${n.name} (${opts.dataplane}${i === 0 ? ', controllers' : ''})`);
      n.agentPid = await startAgent(state, n, i === 0);
      saveState(state);
    }
    for (const ns of opts.topology.namespaces) {
      step(`namespace ${ns.name}`);
      await client.apply(namespaceResource(ns));
      await ensureServiceAccount(client, ns.name, 'default');
    }
    await mapLimit(opts.topology.pods, 3, async (p) => {
      step(`pod ${p.namespace}/${p.name} on ${p.node}: CNI ADD`);
      const lp = await addPod(state, client, p);
      opts.log(`pod ${p.namespace}/${p.name}: ${lp.ips.join(', ')}`);
    });
    if (state.network === 'static') {
      step('routes: FALLBACK static routes to each node\'s affine blocks over the shared underlay');
      await syncStaticRoutes(ds, state);
    }
    step('waiting for every calico-node to program the dataplane');
    const ms = await waitProgrammed(ds, state, opts.convergeTimeoutMs ?? 90_000, opts.aborted);
    if (state.network !== 'static') {
      step(`waiting for routes between nodes (${state.network === 'bgp' ? 'BIRD sessions' : 'VXLAN'})`);
      await waitInterNodeRoutes(ds, state, opts.convergeTimeoutMs ?? 90_000, opts.aborted);
    }
    opts.log(`all ${state.nodes.length} nodes in sync (${ms} ms)`);
    state.ready = true;
    saveState(state);
    return state;
  } catch (e) {
    opts.log(`up failed: ${(e as Error).message}; removing everything`);
    await ds?.close().catch(() => undefined);
    ds = undefined;
    await teardownLab(name, env);
    throw e;
  } finally {
    await ds?.close().catch(() => undefined);
  }
}
