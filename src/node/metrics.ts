/**
 * AgentMetrics: the agent's Prometheus metrics, under Felix's names where
 * Felix has the metric (docs: reference/felix/prometheus), on a registry of
 * its own (never prom-client's global one, so agents in one process and
 * tests do not collide). `calico_node_applied_revision` is ours: Felix has
 * no datastore-revision metric.
 */
import { createServer } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Registry, Summary } from 'prom-client';
import type { SyncStatus } from '../syncer/syncer-update.js';
import { listen, type HealthServer } from './health.js';

const SYNC_STATE: Readonly<Record<SyncStatus, number>> = { WaitForDatastore: 0, ResyncInProgress: 1, InSync: 2 };

export class AgentMetrics {
  readonly registry = new Registry();
  readonly applyTime = new Summary({ name: 'felix_int_dataplane_apply_time_seconds', help: 'Time in seconds that it took to apply a dataplane update.', registers: [this.registry] });
  readonly applyFailures = new Counter({ name: 'felix_int_dataplane_failures', help: 'Number of times dataplane updates failed and will be retried.', registers: [this.registry] });
  readonly msgBatchSize = new Summary({ name: 'felix_int_dataplane_msg_batch_size', help: 'Number of messages processed in each batch. Higher values indicate we\'re doing more batching to try to keep up.', registers: [this.registry] });
  readonly messages = new Counter({ name: 'felix_int_dataplane_messages', help: 'Number dataplane messages by type.', labelNames: ['type'], registers: [this.registry] });
  readonly initialResyncTime = new Gauge({ name: 'felix_int_dataplane_initial_resync_time_seconds', help: 'Time in seconds that it took to do the initial resync with the dataplane.', registers: [this.registry] });
  readonly activeLocalEndpoints = new Gauge({ name: 'felix_active_local_endpoints', help: 'Number of active endpoints on this host.', registers: [this.registry] });
  readonly activeLocalPolicies = new Gauge({ name: 'felix_active_local_policies', help: 'Number of active policies on this host.', registers: [this.registry] });
  readonly activeLocalIpSets = new Gauge({ name: 'felix_ipsets_calico', help: 'Number of active Calico IP sets.', registers: [this.registry] });
  readonly resyncsStarted = new Counter({ name: 'felix_resyncs_started', help: 'Number of times Felix has started resyncing with the datastore.', registers: [this.registry] });
  readonly resyncState = new Gauge({ name: 'felix_resync_state', help: 'Current datastore state.', registers: [this.registry] });
  readonly calcUpdateTime = new Summary({ name: 'felix_calc_graph_update_time_seconds', help: 'Seconds to update calculation graph for each datastore OnUpdate call.', registers: [this.registry] });
  readonly calcUpdatesProcessed = new Counter({ name: 'felix_calc_graph_updates_processed', help: 'Number of datastore updates processed by the calculation graph.', labelNames: ['type'], registers: [this.registry] });
  readonly calcOutputEvents = new Counter({ name: 'felix_calc_graph_output_events', help: 'Number of events emitted by the calculation graph.', registers: [this.registry] });
  readonly clusterNumHosts = new Gauge({ name: 'felix_cluster_num_hosts', help: 'Total number of Calico hosts in the cluster.', registers: [this.registry] });
  readonly clusterNumWorkloadEndpoints = new Gauge({ name: 'felix_cluster_num_workload_endpoints', help: 'Total number of workload endpoints cluster-wide.', registers: [this.registry] });
  readonly clusterNumHostEndpoints = new Gauge({ name: 'felix_cluster_num_host_endpoints', help: 'Total number of host endpoints cluster-wide.', registers: [this.registry] });
  readonly clusterNumPolicies = new Gauge({ name: 'felix_cluster_num_policies', help: 'Total number of policies in the cluster.', registers: [this.registry] });
  readonly clusterNumProfiles = new Gauge({ name: 'felix_cluster_num_profiles', help: 'Total number of profiles in the cluster.', registers: [this.registry] });
  readonly clusterNumTiers = new Gauge({ name: 'felix_cluster_num_tiers', help: 'Total number of Calico tiers in the cluster.', registers: [this.registry] });
  readonly configErrors = new Counter({ name: 'calico_node_config_errors', help: 'FelixConfiguration updates rejected (the last good configuration stays in force).', registers: [this.registry] });
  readonly appliedRevision = new Gauge({ name: 'calico_node_applied_revision', help: 'Datastore revision whose state the dataplane has applied.', registers: [this.registry] });

  constructor(opts: { processMetrics?: boolean } = {}) {
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.resyncState.set(SYNC_STATE.WaitForDatastore);
  }

  setSyncStatus(s: SyncStatus): void {
    this.resyncState.set(SYNC_STATE[s]);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}

/** Serves GET /metrics (Prometheus text format) on host:port ('' = all addresses). */
export function serveMetrics(metrics: AgentMetrics, host: string, port: number): Promise<HealthServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    metrics.text().then((body) => {
      res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body);
    }, (e: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(e)}\n`);
    });
  });
  return listen(server, host, port);
}
