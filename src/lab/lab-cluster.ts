/**
 * The lab's cluster-level pieces: opening its datastore, the objects a
 * cluster starts with (ClusterInformation, tiers, IPPools, Nodes), the v1
 * Namespace/Pod objects for the topology, and the per-node calico-node
 * agents (node 1's also runs the controllers, as calico-kube-controllers
 * would, so Namespace -> Profile and Pod labels -> WorkloadEndpoint flow).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Resource } from '../api/types.js';
import { ensureInitialized } from '../ctl/ensure-initialized.js';
import { openDatastore } from '../datastore/config.js';
import type { Datastore } from '../datastore/datastore.js';
import { ResourceClient } from '../datastore/resource-client.js';
import { BIN_DIR } from './lab-paths.js';
import type { LabNode, LabState } from './lab-state.js';
import { spawnDetached, stopProcess } from './processes.js';
import type { TopologyNamespace, TopologyPod } from './topology.js';
import { UNDERLAY_V4, UNDERLAY_V6 } from './underlay.js';

const V3 = 'projectcalico.org/v3';
export const POOL_V4 = { name: 'default-ipv4-ippool', cidr: '10.244.0.0/16', blockSize: 26 };
export const POOL_V6 = { name: 'default-ipv6-ippool', cidr: 'fd00:10:244::/48', blockSize: 122 };

export async function openLabDatastore(state: LabState): Promise<Datastore> {
  if (state.datastore === 'etcd') {
    if (!state.etcd) throw new Error('lab state has no etcd endpoints');
    return openDatastore({ datastoreType: 'etcdv3', etcdEndpoints: state.etcd.endpoints });
  }
  return openDatastore({ datastoreType: 'sqlite', sqlitePath: state.sqlitePath! });
}

/** The CalicoAPIConfig file the user passes to `calicoctl --config`. */
export function writeCalicoctlConfig(state: LabState): void {
  const spec = state.datastore === 'etcd' && state.etcd
    ? `  datastoreType: etcdv3\n  etcdEndpoints: ${state.etcd.endpoints.join(',')}\n`
    : `  datastoreType: sqlite\n  sqlitePath: ${state.sqlitePath}\n`;
  writeFileSync(state.calicoctlConfig, `apiVersion: projectcalico.org/v3\nkind: CalicoAPIConfig\nmetadata: {}\nspec:\n${spec}`);
}

/** ClusterInformation, built-in tiers, the default IPPool(s) and one Node per lab node. */
export async function seedCluster(client: ResourceClient, state: LabState): Promise<void> {
  await ensureInitialized(client);
  const encapsulation = state.network === 'vxlan' ? { vxlanMode: 'Always', ipipMode: 'Never' } : { vxlanMode: 'Never', ipipMode: 'Never' };
  const pools = state.ipv6 ? [POOL_V4, POOL_V6] : [POOL_V4];
  for (const p of pools) {
    await client.apply({
      apiVersion: V3, kind: 'IPPool', metadata: { name: p.name },
      spec: { cidr: p.cidr, blockSize: p.blockSize, nodeSelector: 'all()', natOutgoing: false,
        ...(p === POOL_V6 ? { vxlanMode: state.network === 'vxlan' ? 'Always' : 'Never', ipipMode: 'Never' } : encapsulation) },
    });
  }
  for (const n of state.nodes) await client.apply(nodeResource(n));
}

export function nodeResource(n: LabNode): Resource {
  return {
    apiVersion: V3, kind: 'Node', metadata: { name: n.name, labels: { 'kubernetes.io/hostname': n.name } },
    spec: {
      bgp: {
        ipv4Address: `${n.underlayIPv4}/${UNDERLAY_V4.prefixLen}`,
        ...(n.underlayIPv6 ? { ipv6Address: `${n.underlayIPv6}/${UNDERLAY_V6.prefixLen}` } : {}),
      },
      orchRefs: [{ nodeName: n.name, orchestrator: 'k8s' }],
    },
  };
}

/** A v1 Namespace as the API server stores it (with the automatic kubernetes.io/metadata.name label). */
export function namespaceResource(ns: TopologyNamespace): Resource {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns.name, labels: { ...ns.labels, 'kubernetes.io/metadata.name': ns.name } }, spec: {} };
}

/**
 * The ServiceAccount `name` in `namespace`, created if missing: Kubernetes
 * gives every namespace a `default` one, and a pod's own must exist; the
 * controllers turn each into the Profile ksa.<ns>.<name> its endpoints use.
 */
export async function ensureServiceAccount(client: ResourceClient, namespace: string, name: string): Promise<void> {
  const existing = await client.list('ServiceAccount', { namespace, name });
  if (existing.items.length > 0) return;
  await client.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });
}

/** A v1 Pod with the parts Calico reads: labels, node, service account, container ports. */
export function podResource(p: TopologyPod): Resource {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: p.name, namespace: p.namespace, labels: { ...p.labels } },
    spec: {
      nodeName: p.node,
      serviceAccountName: p.serviceAccountName ?? 'default',
      containers: [{
        name: 'server', image: 'calico-lab/pod-server',
        ports: p.ports.map((x) => ({ ...(x.name !== undefined ? { name: x.name } : {}), containerPort: x.containerPort, protocol: x.protocol })),
      }],
    },
  };
}

/**
 * The node's own pod-MTU file in the lab's state dir. calico-node's routing
 * writes the MTU to CALICO_MTU_FILE (default /var/lib/calico/mtu, which is
 * the machine's, shared by every lab node); giving each node its own file
 * keeps labs out of /var/lib/calico and nodes from overwriting each other.
 */
export function nodeMtuFile(state: LabState, node: LabNode): string {
  return join(state.stateDir, `mtu-${node.name}`);
}

/** The agent's environment: its node, the lab's datastore and dataplane, the routing mode and its MTU file. */
export function agentEnv(state: LabState, node: LabNode): Record<string, string> {
  const ds: Record<string, string> = state.datastore === 'etcd' && state.etcd
    ? { DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: state.etcd.endpoints.join(',') }
    : { DATASTORE_TYPE: 'sqlite', CALICO_DATASTORE_PATH: state.sqlitePath! };
  const backend = state.network === 'vxlan' ? 'vxlan' : state.network === 'bgp' ? 'bird' : 'none';
  return {
    ...ds,
    NODENAME: node.name,
    CALICO_DATAPLANE: state.dataplane,
    CALICO_NETWORKING_BACKEND: backend,
    CALICO_MTU_FILE: nodeMtuFile(state, node),
    IP_AUTODETECTION_METHOD: 'interface=eth0',
    FELIX_LOGSEVERITYSCREEN: 'Warning',
    // Health on (Felix's default is off) so `status` can ask each agent's /readiness inside its netns.
    FELIX_HEALTHENABLED: 'true',
    FELIX_IPV6SUPPORT: state.ipv6 ? 'true' : 'false',
  };
}

export async function startAgent(state: LabState, node: LabNode, controllers: boolean): Promise<number> {
  return spawnDetached({
    netns: node.netns,
    command: process.execPath,
    args: [join(BIN_DIR, 'calico-node'), ...(controllers ? ['--controllers'] : [])],
    env: agentEnv(state, node),
    logFile: join(state.stateDir, `calico-node-${node.name}.log`),
  });
}

export async function stopAgent(node: LabNode): Promise<void> {
  if (node.agentPid !== undefined) await stopProcess(node.agentPid, 'calico-node', 5000);
}
