/**
 * Packet cost (issue 11, target 1): pod-to-pod TCP throughput (iperf3) and
 * new TCP connections per second (bench/lib/connrate.c; client and server
 * pinned to one CPU) through a "host" netns whose dataplane has 1,000
 * policies and 1,000 local endpoints programmed by the real CalcGraph +
 * createIntDataplane. Every policy selects the probe server and only the last
 * one (highest order) allows the probe client: the worst case, a new flow
 * walks all 1,000 policies. Each configuration has its own identical path:
 *   calico-<dp>   the Calico ruleset (nftables / iptables dataplane)
 *   ct-<dp>       baseline: the only rule is a conntrack established,related accept
 *   none          no ruleset at all
 *   linear        a plain linear iptables chain of the same 1,000 policies (no conntrack)
 * Order rotated every repetition; median of >= 5 with min/max.
 * Target: calico >= 0.95 of the ct baseline, both measures, both dataplanes.
 *
 * Run after building: node dist-test/bench/packet-cost.bench.js [--quick] [--dataplane=...]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec } from '../dist/lib/exec.js';
import { NetnsScope, canUseNetns } from '../test/support/netns.js';
import { MIN_REPS, metric, onCleanup, repoRoot, rotated, runBench, spread, type Metric } from './lib/harness.js';
import { inNs, type Driver } from './lib/kernel.js';
import { connectionRate, isDropped, makePodPath, throughput, type PodPath } from './lib/pod-path.js';
import { programScenario } from './lib/program.js';
import { APPS, CRR_PORT, IPERF_PORT, PROBE_CLIENT, PROBE_SERVER, endpointIp, scenario } from './lib/scenario.js';

const NODE = 'bench-node';
/** The CPU the probe client and server share (the benchmark itself stays off it). */
const CPU = 1;

async function ctOnly(path: PodPath, driver: Driver): Promise<void> {
  if (driver === 'nftables') {
    await inNs(path.host, 'nft', ['-f', '-'], 'table inet benchct {\n chain forward {\n  type filter hook forward priority 0; policy accept;\n  ct state established,related accept\n }\n}\n');
  } else {
    await inNs(path.host, 'iptables-nft', ['-A', 'FORWARD', '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT']);
  }
}

/** The same N policies as one linear iptables chain: one rule per policy, the client's allow last, then drop. */
async function linearChain(path: PodPath, policies: number): Promise<void> {
  const lines = ['*filter', ':FORWARD ACCEPT [0:0]', ':bench-linear - [0:0]', `-A FORWARD -o ${PROBE_SERVER.iface} -j bench-linear`];
  for (let j = 0; j < policies; j++) {
    const src = j === policies - 1 ? PROBE_CLIENT.ip : endpointIp(j % APPS);
    lines.push(`-A bench-linear -s ${src}/32 -p tcp -m multiport --dports ${IPERF_PORT},${CRR_PORT} -j ACCEPT`);
  }
  lines.push('-A bench-linear -j DROP', 'COMMIT');
  await inNs(path.host, 'iptables-nft-restore', [], `${lines.join('\n')}\n`);
}

await runBench('packet-cost', 'Packet cost: pod-to-pod through the host namespace', async ({ quick, dataplanes }) => {
  if (!(await canUseNetns())) throw new Error('needs root and ip netns');
  const endpoints = quick ? 100 : 1_000;
  const policies = quick ? 100 : 1_000;
  const reps = quick ? 2 : MIN_REPS;
  const seconds = { tput: quick ? 1 : 3, crr: quick ? 0.5 : 2 };
  const scope = new NetnsScope('bpc');
  onCleanup(() => scope.cleanup());
  const dir = mkdtempSync(join(tmpdir(), 'calico-bench-packet-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const connrate = join(dir, 'connrate');
  const cc = await exec('gcc', ['-O2', '-o', connrate, join(repoRoot(), 'bench/lib/connrate.c')]);
  if (cc.code !== 0) throw new Error(`gcc: ${cc.stderr}`);

  const updates = scenario({ node: NODE, endpoints, policies, probe: true });
  const paths = new Map<string, PodPath>();
  let tag = 0;
  const add = async (name: string, setup: (p: PodPath) => Promise<void>): Promise<void> => {
    const p = await makePodPath(scope, `p${tag++}`, connrate, CPU);
    await setup(p);
    paths.set(name, p);
  };
  for (const driver of dataplanes) {
    await add(`calico-${driver}`, async (p) => {
      const r = await programScenario(driver, p.host, NODE, updates);
      await r.dataplane.stop();
      console.log(`calico-${driver}: ${endpoints} endpoints x ${policies} policies programmed in ${r.totalMs.toFixed(0)} ms`);
    });
    await add(`ct-${driver}`, (p) => ctOnly(p, driver));
  }
  await add('none', async () => {});
  await add('linear', (p) => linearChain(p, policies));

  // Sanity: every path carries the probe flow; the policy paths really enforce (a port no policy allows is dropped).
  for (const [name, p] of paths) {
    await connectionRate(p, connrate, 0.2, CPU);
    const dropped = await isDropped(p, CRR_PORT + 1);
    const enforcing = name.startsWith('calico-') || name === 'linear';
    if (dropped !== enforcing) throw new Error(`${name}: a connection to port ${CRR_PORT + 1} was ${dropped ? 'dropped' : 'not dropped'}`);
  }

  const keys = [...paths.keys()];
  const tput = await rotated(keys, reps, (k) => throughput(paths.get(k)!, seconds.tput, CPU));
  const crr = await rotated(keys, reps, async (k) => {
    await inNs(paths.get(k)!.host, 'conntrack', ['-F']).catch(() => '');
    return connectionRate(paths.get(k)!, connrate, seconds.crr, CPU);
  });

  const out: Metric[] = [];
  const size = `${endpoints} endpoints x ${policies} policies`;
  for (const driver of dataplanes) {
    const c = `calico-${driver}`;
    const b = `ct-${driver}`;
    out.push(metric(`${driver}: throughput, ${size} (baseline: ct established/related only)`, 'Gbit/s', spread(tput[c]!), spread(tput[b]!), { on: 'ratio', op: '>=', bound: 0.95 }));
    out.push(metric(`${driver}: new connections/s, ${size} (baseline: ct established/related only)`, 'conn/s', spread(crr[c]!), spread(crr[b]!), { on: 'ratio', op: '>=', bound: 0.95 }));
    out.push(metric(`${driver}: throughput vs no ruleset`, 'Gbit/s', spread(tput[c]!), spread(tput['none']!), null));
    out.push(metric(`${driver}: new connections/s vs no ruleset`, 'conn/s', spread(crr[c]!), spread(crr['none']!), null));
    out.push(metric(`${driver}: new connections/s vs plain linear iptables chain`, 'conn/s', spread(crr[c]!), spread(crr['linear']!), null));
  }
  const ref = dataplanes.includes('iptables') ? 'ct-iptables' : `ct-${dataplanes[0]}`;
  out.push(metric(`plain linear iptables chain of ${policies} policies: throughput (baseline: ${ref})`, 'Gbit/s', spread(tput['linear']!), spread(tput[ref]!), null));
  out.push(metric(`plain linear iptables chain of ${policies} policies: new connections/s (baseline: ${ref})`, 'conn/s', spread(crr['linear']!), spread(crr[ref]!), null));
  out.push(metric('no ruleset: new connections/s (baseline: ct only)', 'conn/s', spread(crr['none']!), spread(crr[ref]!), null));
  return out;
});
