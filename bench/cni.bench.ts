/**
 * CNI ADD latency (issue 11 target 5): the `calico` plugin (calico-ipam
 * in-process, SQLite datastore) against the reference `bridge` + `host-local`
 * plugins in the same run, each exec'd as a runtime would for 100 pods in
 * their own netns (inside a throwaway "host" netns per plugin). The two
 * plugins alternate pod by pod, the order flipping every pod, so machine
 * noise hits both alike. Target: calico ADD p50 <= 2x bridge+host-local ADD
 * p50. Also reported: ADD p99, DEL p50/p99, and the bare process start-up
 * (CNI VERSION) of our plugin against `node -e 0`, the floor any Node
 * program pays. Needs root.
 *
 * Run after building: node dist-test/bench/cni.bench.js [pods] [--quick]
 * (fewer than 100 pods, or --quick, writes bench/results/cni.quick.json).
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { exec } from '../dist/lib/exec.js';
import { bundleIsFresh } from '../dist/cni/bundle-loader.js';
import { SqliteDatastore } from '../dist/datastore/sqlite/sqlite-datastore.js';
import { NetnsScope, canUseNetns } from '../test/support/netns.js';
import { metric, onCleanup, parseArgs, percentile, printTable, repoRoot, runCleanups, writeResults, type Metric } from './lib/harness.js';

const root = repoRoot();
const FULL_PODS = 100;
/** Issue 11 target 5: calico ADD p50 <= 2x the reference plugins' ADD p50 in the same run. */
const ADD_P50_RATIO = 2;

async function timed(fn: () => Promise<{ code: number; stdout: string; stderr: string }>, what: string): Promise<number> {
  const t0 = performance.now();
  const r = await fn();
  const ms = performance.now() - t0;
  if (r.code !== 0) throw new Error(`${what} failed: ${r.stdout} ${r.stderr}`);
  return ms;
}

async function uplink(host: string): Promise<void> {
  await exec('ip', ['-n', host, 'link', 'add', 'uplink0', 'type', 'veth', 'peer', 'name', 'uplink1']);
  await exec('ip', ['-n', host, 'link', 'set', 'uplink0', 'up']);
  await exec('ip', ['-n', host, 'route', 'add', 'default', 'dev', 'uplink0']);
}

async function measure(pods: number): Promise<Metric[]> {
  const scope = new NetnsScope('bcni');
  const dir = mkdtempSync(join(tmpdir(), 'calico-cni-bench-'));
  onCleanup(async () => {
    for (let i = 0; i < pods; i++) await exec('ip', ['netns', 'del', `${scope.prefix}-p${i}b`]).catch(() => undefined);
    await scope.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const bin = join(dir, 'bin');
  mkdirSync(bin);
  symlinkSync(join(root, 'bin/calico'), join(bin, 'calico'));
  symlinkSync(join(root, 'bin/calico-ipam'), join(bin, 'calico-ipam'));
  const dbPath = join(dir, 'calico.db');
  const ds = SqliteDatastore.open(dbPath);
  await ds.create({ kind: 'IPPool', name: 'bench' }, {
    apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'bench' },
    spec: { cidr: '10.200.0.0/16', blockSize: 26, nodeSelector: 'all()', ipipMode: 'Never', vxlanMode: 'Never' },
  });
  await ds.close();

  const calicoHost = await scope.netns('h-calico');
  const bridgeHost = await scope.netns('h-bridge');
  await uplink(calicoHost);
  await uplink(bridgeHost);
  const calicoConf = JSON.stringify({
    cniVersion: '1.0.0', name: 'bench-net', type: 'calico', nodename: 'bench-node', log_level: 'error',
    datastore_type: 'sqlite', datastore_path: dbPath, ipam: { type: 'calico-ipam' }, policy: { type: 'k8s' },
  });
  const bridgeConf = JSON.stringify({
    cniVersion: '1.0.0', name: 'bench-net', type: 'bridge', bridge: 'cni-bench0', isGateway: true, ipMasq: false,
    ipam: { type: 'host-local', subnet: '10.201.0.0/16', dataDir: join(dir, 'host-local') },
  });
  const run = (host: string, plugin: string, command: string, conf: string, i: number, ns: string) =>
    exec('ip', ['netns', 'exec', host, plugin], {
      input: conf,
      env: {
        CNI_COMMAND: command, CNI_CONTAINERID: `bench${i.toString().padStart(6, '0')}`, CNI_NETNS: ns ? `/var/run/netns/${ns}` : '',
        CNI_IFNAME: 'eth0', CNI_PATH: `${bin}:/usr/lib/cni`, CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=bench;K8S_POD_NAME=pod-${i}`,
      },
    });

  // Start-up alone: our plugin answering VERSION, and a Node that does nothing.
  const startup: Record<'calico' | 'node', number[]> = { calico: [], node: [] };
  for (let i = 0; i < 20; i++) {
    const version = () => timed(() => exec(join(bin, 'calico'), [], { input: '{"cniVersion":"1.0.0"}', env: { CNI_COMMAND: 'VERSION' } }), 'VERSION');
    const bare = () => timed(() => exec(process.execPath, ['-e', '0']), 'node -e 0');
    if (i % 2) { startup.calico.push(await version()); startup.node.push(await bare()); } else { startup.node.push(await bare()); startup.calico.push(await version()); }
  }

  const lat: Record<'calicoAdd' | 'calicoDel' | 'bridgeAdd' | 'bridgeDel', number[]> = { calicoAdd: [], calicoDel: [], bridgeAdd: [], bridgeDel: [] };
  const netns: string[] = [];
  for (let i = 0; i < pods; i++) {
    netns.push(await scope.netns(`p${i}`));
    await exec('ip', ['netns', 'add', `${netns[i]}b`]);
  }
  for (let i = 0; i < pods; i++) {
    const ns = netns[i]!;
    const calico = async () => { lat.calicoAdd.push(await timed(() => run(calicoHost, join(bin, 'calico'), 'ADD', calicoConf, i, ns), `calico ADD ${i}`)); };
    const bridge = async () => { lat.bridgeAdd.push(await timed(() => run(bridgeHost, '/usr/lib/cni/bridge', 'ADD', bridgeConf, i, `${ns}b`), `bridge ADD ${i}`)); };
    if (i % 2) { await bridge(); await calico(); } else { await calico(); await bridge(); }
  }
  for (let i = 0; i < pods; i++) {
    const ns = netns[i]!;
    const calico = async () => { lat.calicoDel.push(await timed(() => run(calicoHost, join(bin, 'calico'), 'DEL', calicoConf, i, ns), `calico DEL ${i}`)); };
    const bridge = async () => { lat.bridgeDel.push(await timed(() => run(bridgeHost, '/usr/lib/cni/bridge', 'DEL', bridgeConf, i, `${ns}b`), `bridge DEL ${i}`)); };
    if (i % 2) { await bridge(); await calico(); } else { await calico(); await bridge(); }
  }

  const p = (xs: number[], q: number) => percentile(xs, q);
  return [
    metric('ADD p50', 'ms', p(lat.calicoAdd, 50), p(lat.bridgeAdd, 50), { on: 'ratio', op: '<=', bound: ADD_P50_RATIO }),
    metric('ADD p99', 'ms', p(lat.calicoAdd, 99), p(lat.bridgeAdd, 99), null),
    metric('DEL p50', 'ms', p(lat.calicoDel, 50), p(lat.bridgeDel, 50), null),
    metric('DEL p99', 'ms', p(lat.calicoDel, 99), p(lat.bridgeDel, 99), null),
    metric('process start-up (VERSION) p50 vs node -e 0', 'ms', p(startup.calico, 50), p(startup.node, 50), null),
  ];
}

async function main(): Promise<void> {
  if (!(await canUseNetns())) {
    console.log('cni bench: skipped (needs root and ip netns)');
    return;
  }
  const argPods = process.argv.slice(2).find((a) => /^\d+$/.test(a));
  const pods = argPods ? Number(argPods) : parseArgs().quick ? 10 : FULL_PODS;
  const quick = parseArgs().quick || pods < FULL_PODS;
  if (!bundleIsFresh('calico')) {
    // bin/calico then runs module by module (correct, but slower): say so beside the figures.
    console.log('cni bench: dist/cni/calico.bundle.cjs is missing or older than dist/ (run node scripts/bundle-cni.mjs); measuring the unbundled plugin');
  }
  let metrics: Metric[] = [];
  try {
    metrics = await measure(pods);
  } catch (e) {
    console.error(`cni bench failed: ${(e as Error).stack ?? String(e)}`);
    process.exitCode = 1;
  } finally {
    await runCleanups();
  }
  if (metrics.length) {
    printTable(`CNI: calico vs bridge+host-local, ${pods} pods${quick ? ' (quick)' : ''}`, metrics);
    console.log(`wrote ${writeResults('cni', metrics, quick)}`);
  }
}

await main();
