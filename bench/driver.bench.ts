/**
 * Driver benchmark (needs root: runs in a throwaway netns).
 *  1. Per-change latency: a 1-element set delta applied through NftablesTable
 *     over the persistent `nft -i` session vs over a spawned `nft -f -` per
 *     change (median of N changes).
 *  2. Full load of 10k rules (100 chains x 100 rules + a verdict map) and
 *     100k set elements through the session, vs `nft -f` of the same batch.
 *  3. Resync read of that table (`nft -j list table` + parse) vs the raw list.
 *  4. A 1-element delta on the big table vs reloading it whole.
 * Prints a table and writes bench/results/driver.json as
 * [{name, unit, value, baseline, ratio, target, pass}]; ratio = baseline/value
 * (higher is better, a speed-up).
 *
 * Run after building: node dist-test/bench/driver.bench.js
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { HostExec } from '../dist/dataplane/kernel/exec-shim.js';
import { NftSession, NftSpawnTransport, type NftTransport } from '../dist/dataplane/kernel/nft-session.js';
import { NftablesTable } from '../dist/dataplane/drivers/nftables/index.js';
import { kernelTableFromJson } from '../dist/dataplane/drivers/nftables/read-table.js';
import { NetnsScope, canUseNetns } from '../test/support/netns.js';
import { repoRoot } from './lib/harness.js';

interface Result { name: string; unit: string; value: number; baseline: number; ratio: number; target: number; pass: boolean }

const CHANGES = 200;


const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] ?? NaN; };
const round = (x: number): number => Math.round(x * 1000) / 1000;

function result(name: string, unit: string, value: number, baseline: number, target: number): Result {
  const ratio = round(baseline / value);
  return { name, unit, value: round(value), baseline: round(baseline), ratio, target, pass: ratio >= target };
}

/** Median latency of single-element deltas through one transport. */
async function perChange(transport: NftTransport, table: string): Promise<number> {
  const t = new NftablesTable({ family: 'inet', name: table, transport });
  t.setSet({ name: 's', type: 'ipv4_addr' }, []);
  t.updateChain({ name: 'c', rules: [{ body: 'ip saddr @s accept' }] });
  await t.apply();
  const times: number[] = [];
  for (let i = 0; i < CHANGES; i++) {
    t.addSetMembers('s', [`10.${(i >> 8) & 255}.${i & 255}.1`]);
    const t0 = performance.now();
    await t.apply();
    times.push(performance.now() - t0);
  }
  return median(times);
}

function declareBig(t: NftablesTable): void {
  const ifaces: [string, string][] = [];
  for (let s = 0; s < 20; s++) {
    const members: string[] = [];
    for (let i = 0; i < 5000; i++) members.push(`10.${s}.${i >> 8}.${i & 255}`);
    t.setSet({ name: `cali40s-${s}`, type: 'ipv4_addr' }, members);
  }
  for (let c = 0; c < 100; c++) {
    const rules = [];
    for (let r = 0; r < 100; r++) {
      rules.push({ body: `ip saddr @cali40s-${(c + r) % 20} tcp dport ${1000 + r} accept`, comment: `Policy p${c} rule ${r}` });
    }
    t.updateChain({ name: `cali-pi-${c}`, rules });
    ifaces.push([`cali${c}`, `jump cali-pi-${c}`]);
  }
  t.setMap({ name: 'cali-to-wl', keyType: 'ifname', valueType: 'verdict' }, ifaces);
  t.updateChain({
    name: 'filter-FORWARD', base: { type: 'filter', hook: 'forward', priority: 0, policy: 'accept' },
    rules: [{ body: 'ct state established,related accept' }, { body: 'oifname vmap @cali-to-wl' }],
  });
}

async function main(): Promise<void> {
  if (!(await canUseNetns())) { console.error('driver bench needs root and ip netns'); process.exit(1); }
  const scope = new NetnsScope('bench');
  const results: Result[] = [];
  try {
    const ns = await scope.netns('a');
    const exec = new HostExec(ns);
    const session = new NftSession({ netns: ns });
    try {
      const spawned = await perChange(new NftSpawnTransport(exec), 'bspawn');
      const persistent = await perChange(session, 'bsession');
      results.push(result('per-change latency, 1-element set delta (nft -i session vs spawned nft -f)', 'ms', persistent, spawned, 5));

      // Records the batch the driver sends, to load the same ruleset with a raw `nft -f`.
      let batch: readonly string[] = [];
      const recording: NftTransport = {
        transact: (commands) => { batch = commands; return session.transact(commands); },
        listTable: (family, table) => session.listTable(family, table),
        close: () => Promise.resolve(),
      };
      const big = new NftablesTable({ family: 'inet', name: 'calico', transport: recording });
      declareBig(big);
      let t0 = performance.now();
      await big.apply();
      const load = performance.now() - t0;
      await exec.run('nft', ['delete', 'table', 'inet', 'calico']);
      t0 = performance.now();
      const raw = await exec.run('nft', ['-f', '-'], `${batch.join('\n')}\n`);
      const rawLoad = performance.now() - t0;
      if (raw.code !== 0) throw new Error(raw.stderr);
      results.push(result('full load 10k rules + 100k set elements (driver via session vs raw nft -f)', 'ms', load, rawLoad, 0.5));

      t0 = performance.now();
      const listed = await exec.run('nft', ['-j', 'list', 'table', 'inet', 'calico']);
      const rawRead = performance.now() - t0;
      t0 = performance.now();
      const r = await big.resync();
      const resync = performance.now() - t0;
      if (r.commands !== 0) throw new Error(`resync of an identical table sent ${r.commands} commands`);
      kernelTableFromJson(JSON.parse(listed.stdout));
      results.push(result('resync read+diff of that table (driver vs raw nft -j list)', 'ms', resync, rawRead, 0.3));

      const deltas: number[] = [];
      for (let i = 0; i < 20; i++) {
        big.addSetMembers('cali40s-0', [`10.200.0.${i}`]);
        const d0 = performance.now();
        await big.apply();
        deltas.push(performance.now() - d0);
      }
      results.push(result('1-element delta on the 10k/100k table vs full reload', 'ms', median(deltas), rawLoad, 100));
    } finally {
      await session.close();
    }
  } finally {
    await scope.cleanup();
  }
  console.table(results.map((x) => ({ ...x, name: x.name.slice(0, 70) })));
  const out = join(repoRoot(), 'bench', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'driver.json'), `${JSON.stringify(results, null, 2)}\n`);
}

await main();
