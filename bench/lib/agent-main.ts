/**
 * A calico-node agent process for benchmarks: the real Agent (syncer, calc
 * graph, apply loop, status reports) on a SQLite datastore, with the real
 * dataplane (IPv4, no sysctl pass; see program.ts). Run it inside the node's
 * netns (`ip netns exec NS node agent-main.js`). Environment:
 *   BENCH_DB      SQLite file          BENCH_NODE   node name
 *   BENCH_DRIVER  nftables|iptables
 * Prints one JSON line {"applied": <revision>, "ms": <since process start>} on
 * stdout each time the applied revision moves (checked every millisecond:
 * the apply-completion hook the latency benchmarks time against).
 */
import { performance } from 'node:perf_hooks';
import { SqliteDatastore } from '../../dist/datastore/sqlite/sqlite-datastore.js';
import { createIntDataplane } from '../../dist/dataplane/int-dataplane.js';
import { Agent } from '../../dist/node/agent.js';

const t0 = performance.now();
const db = process.env['BENCH_DB'] ?? '';
const node = process.env['BENCH_NODE'] ?? 'bench-node';
const driver = process.env['BENCH_DRIVER'] === 'iptables' ? 'iptables' : 'nftables';
const ds = SqliteDatastore.open(db);
const agent = await Agent.create({
  datastore: ds,
  env: { CALICO_NODENAME: node, CALICO_DATAPLANE: driver, CALICO_NETWORKING_BACKEND: 'none', FELIX_LOGSEVERITYSCREEN: 'warning', PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin' },
  routingStarter: null,
  dataplaneFactory: (o) => {
    const dp = createIntDataplane({ driver: o.driver, hostname: o.hostname, ipv6: false, sysctls: false, iptablesBackend: 'nft' });
    return { onMessages: (m) => dp.onMessages(m), apply: async () => { await dp.apply(); }, resync: async () => { await dp.resync(); }, stop: () => dp.stop() };
  },
});
let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await agent.stop().catch(() => undefined);
  await ds.close().catch(() => undefined);
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
await agent.start();
let last = -1;
setInterval(() => {
  const rev = agent.appliedRevision;
  if (rev > last) {
    last = rev;
    process.stdout.write(`${JSON.stringify({ applied: rev, ms: performance.now() - t0 })}\n`);
  }
}, 1);
