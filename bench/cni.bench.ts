/**
 * CNI ADD latency: the `calico` plugin (calico-ipam in-process, SQLite
 * datastore) against the reference `bridge` + `host-local` plugins in the
 * same run, each exec'd as a runtime would for 100 pods in their own netns
 * (inside a throwaway "host" netns per plugin). Reports p50/p99 of ADD and
 * DEL, and the bare process start-up (VERSION) of our plugin. Needs root.
 * Prints a table and writes bench/results/cni.json as
 * [{name, unit, value, baseline, ratio, target, pass}].
 *
 * Run after building: node dist-test/bench/cni.bench.js [pods]
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { exec } from '../dist/lib/exec.js';
import { SqliteDatastore } from '../dist/datastore/sqlite/sqlite-datastore.js';
import { NetnsScope, canUseNetns } from '../test/support/netns.js';

const root = resolve(import.meta.dirname, '../..');
const PODS = Number(process.argv[2] ?? 100);
/** Budget for one calico ADD at p50 / p99 (ms): a Node start-up plus datastore and kernel work. */
const TARGET_P50_MS = 250;
const TARGET_P99_MS = 500;

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
}

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

async function main(): Promise<void> {
  if (!(await canUseNetns())) {
    console.log('cni bench: skipped (needs root and ip netns)');
    return;
  }
  const scope = new NetnsScope('bcni');
  const dir = mkdtempSync(join(tmpdir(), 'calico-cni-bench-'));
  try {
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

    const startup: number[] = [];
    for (let i = 0; i < 20; i++) {
      startup.push(await timed(() => exec(join(bin, 'calico'), [], { input: '{"cniVersion":"1.0.0"}', env: { CNI_COMMAND: 'VERSION' } }), 'VERSION'));
    }

    const lat: Record<string, number[]> = { calicoAdd: [], calicoDel: [], bridgeAdd: [], bridgeDel: [] };
    const pods: string[] = [];
    for (let i = 0; i < PODS; i++) pods.push(await scope.netns(`p${i}`));
    // Interleave the two plugins pod by pod so machine noise hits both alike.
    for (let i = 0; i < PODS; i++) {
      const ns = pods[i]!;
      lat['calicoAdd']!.push(await timed(() => run(calicoHost, join(bin, 'calico'), 'ADD', calicoConf, i, ns), `calico ADD ${i}`));
      await exec('ip', ['netns', 'add', `${ns}b`]);
      lat['bridgeAdd']!.push(await timed(() => run(bridgeHost, '/usr/lib/cni/bridge', 'ADD', bridgeConf, i, `${ns}b`), `bridge ADD ${i}`));
    }
    for (let i = 0; i < PODS; i++) {
      const ns = pods[i]!;
      lat['calicoDel']!.push(await timed(() => run(calicoHost, join(bin, 'calico'), 'DEL', calicoConf, i, ns), `calico DEL ${i}`));
      lat['bridgeDel']!.push(await timed(() => run(bridgeHost, '/usr/lib/cni/bridge', 'DEL', bridgeConf, i, `${ns}b`), `bridge DEL ${i}`));
      await exec('ip', ['netns', 'del', `${ns}b`]);
    }

    const r = (x: number) => Number(x.toFixed(1));
    const results = [
      { name: 'ADD p50', unit: 'ms', value: r(pct(lat['calicoAdd']!, 50)), baseline: r(pct(lat['bridgeAdd']!, 50)), target: TARGET_P50_MS },
      { name: 'ADD p99', unit: 'ms', value: r(pct(lat['calicoAdd']!, 99)), baseline: r(pct(lat['bridgeAdd']!, 99)), target: TARGET_P99_MS },
      { name: 'DEL p50', unit: 'ms', value: r(pct(lat['calicoDel']!, 50)), baseline: r(pct(lat['bridgeDel']!, 50)), target: TARGET_P50_MS },
      { name: 'DEL p99', unit: 'ms', value: r(pct(lat['calicoDel']!, 99)), baseline: r(pct(lat['bridgeDel']!, 99)), target: TARGET_P99_MS },
      { name: 'process start-up (VERSION) p50', unit: 'ms', value: r(pct(startup, 50)), baseline: NaN, target: TARGET_P50_MS },
    ].map((x) => ({ ...x, ratio: Number.isNaN(x.baseline) ? null : Number((x.value / x.baseline).toFixed(2)), pass: x.value <= x.target }));

    const rows = results.map((x) => [x.name, String(x.value), Number.isNaN(x.baseline) ? '-' : String(x.baseline), x.ratio === null ? '-' : String(x.ratio), `<= ${x.target}`, x.pass ? 'PASS' : 'FAIL']);
    const header = [`${PODS} pods`, 'calico ms', 'bridge+host-local ms', 'ratio', 'target', 'result'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
    console.log(line(header));
    console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const row of rows) console.log(line(row));
    mkdirSync(join(root, 'bench', 'results'), { recursive: true });
    writeFileSync(join(root, 'bench', 'results', 'cni.json'),
      JSON.stringify(results.map((x) => ({ ...x, baseline: Number.isNaN(x.baseline) ? null : x.baseline })), null, 2) + '\n');
    if (results.some((x) => !x.pass)) process.exitCode = 1;
  } finally {
    for (let i = 0; i < PODS; i++) await exec('ip', ['netns', 'del', `${scope.prefix}-p${i}b`]).catch(() => undefined);
    await scope.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
