/**
 * `calico-lab status`: nodes (agent running, health, whether the agent has
 * applied the store's latest revision) and pods (node, IPs, the Pod's
 * current labels from the datastore).
 */
import { exec } from '../lib/exec.js';
import { join } from 'node:path';
import { renderTable } from '../ctl/output/table.js';
import { openLabDatastore } from './lab-cluster.js';
import { BIN_DIR } from './lab-paths.js';
import type { LabState } from './lab-state.js';
import { nodesInSync } from './lab-wait.js';
import { isOurs } from './processes.js';

export interface NodeStatus {
  readonly name: string;
  readonly inSync: boolean;
  readonly appliedRevision: number | null;
  readonly agentPid: number | null;
  readonly agentRunning: boolean;
  /** The agent's /readiness answered 200 (felix-ready probe inside the node netns). */
  readonly ready: boolean;
  readonly netns: string;
  readonly underlayIPs: string[];
  readonly dataplane: string;
}

export interface PodStatus {
  readonly namespace: string;
  readonly name: string;
  readonly node: string;
  readonly ips: string[];
  readonly labels: Record<string, string>;
  readonly serverRunning: boolean;
}

export interface LabStatus {
  readonly name: string;
  readonly datastoreRevision: number;
  readonly network: string;
  readonly nodes: NodeStatus[];
  readonly pods: PodStatus[];
}

async function agentReady(state: LabState, netns: string): Promise<boolean> {
  const r = await exec('ip', ['netns', 'exec', netns, process.execPath, join(BIN_DIR, 'calico-node'), '-felix-ready'], { timeoutMs: 10_000 });
  return r.code === 0;
}

export async function labStatus(state: LabState): Promise<LabStatus> {
  const ds = await openLabDatastore(state);
  try {
    const sync = await nodesInSync(ds, state);
    const nodes = await Promise.all(state.nodes.map(async (n): Promise<NodeStatus> => {
      const running = n.agentPid !== undefined && isOurs(n.agentPid, 'calico-node');
      return {
        name: n.name,
        inSync: running && (sync.get(n.name)?.inSync ?? false),
        appliedRevision: sync.get(n.name)?.appliedRevision ?? null,
        agentPid: n.agentPid ?? null,
        agentRunning: running,
        ready: running && await agentReady(state, n.netns),
        netns: n.netns,
        underlayIPs: [n.underlayIPv4, ...(n.underlayIPv6 ? [n.underlayIPv6] : [])],
        dataplane: state.dataplane,
      };
    }));
    const pods: PodStatus[] = [];
    const byId = (a: { namespace: string; name: string }, b: { namespace: string; name: string }): number =>
      `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`);
    for (const p of [...state.pods].sort(byId)) {
      const stored = await ds.get<{ metadata?: { labels?: Record<string, string> } }>({ kind: 'Pod', namespace: p.namespace, name: p.name });
      pods.push({
        namespace: p.namespace, name: p.name, node: p.node, ips: [...p.ips],
        labels: stored?.value.metadata?.labels ?? p.labels,
        serverRunning: p.serverPid !== undefined && isOurs(p.serverPid, 'pod-server.js'),
      });
    }
    return { name: state.name, datastoreRevision: await ds.currentRevision(), network: state.network, nodes, pods };
  } finally {
    await ds.close();
  }
}

const labelText = (l: Record<string, string>): string => Object.entries(l).map(([k, v]) => `${k}=${v}`).join(',') || '<none>';

export function renderStatus(s: LabStatus): string {
  const nodes = renderTable(['NODE', 'AGENT', 'READY', 'IN SYNC', 'APPLIED REV', 'UNDERLAY', 'DATAPLANE'],
    s.nodes.map((n) => [n.name, n.agentRunning ? `running (pid ${n.agentPid})` : 'not running', n.ready ? 'yes' : 'no',
      n.inSync ? 'yes' : 'no', String(n.appliedRevision ?? '-'), n.underlayIPs.join(','), n.dataplane]));
  const pods = renderTable(['NAMESPACE', 'POD', 'NODE', 'IPS', 'SERVER', 'LABELS'],
    s.pods.map((p) => [p.namespace, p.name, p.node, p.ips.join(','), p.serverRunning ? 'up' : 'down', labelText(p.labels)]));
  const net = s.network === 'static' ? 'static routes over one L2 underlay (FALLBACK)' : s.network;
  return `lab ${s.name}: datastore revision ${s.datastoreRevision}, network ${net}\n\n${nodes}\n${pods}`;
}
