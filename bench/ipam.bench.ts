/**
 * IPAM allocation throughput: autoAssign (one IPv4 address per call, its own
 * handle, as one pod ADD) per second, per backend, with 1 writer and with 8
 * concurrent writers. On SQLite and etcd each writer is a worker thread with
 * its own datastore connection (as separate CNI processes would be); on the
 * in-process memory backend the 8 writers are concurrent async loops. Every
 * run checks that all addresses are distinct. Writer w acts for node
 * `bench-node-<w>`, so 8 writers claim 8 blocks and contend on the
 * store, not on one block.
 *
 * Prints a table and writes bench/results/ipam.json as
 * [{name, unit, value, baseline, ratio, target, pass}]; baseline is the
 * single writer on the same backend, target is null (no budget set).
 *
 * Run after building: node dist-test/bench/ipam.bench.js [allocationsPerWriter]
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { Datastore } from '../dist/datastore/datastore.js';
import { MemoryDatastore } from '../dist/datastore/memory/memory-datastore.js';
import { SqliteDatastore } from '../dist/datastore/sqlite/sqlite-datastore.js';
import { IpamClient } from '../dist/ipam/index.js';

const PER_WRITER = Number(process.argv[2] ?? 100);
const POOL = '10.40.0.0/16';

type Conn = { type: 'sqlite'; path: string } | { type: 'etcdv3'; endpoints: string[] };

interface Job { conn: Conn; writer: number; count: number }

async function openConn(conn: Conn): Promise<Datastore> {
  if (conn.type === 'sqlite') return SqliteDatastore.open(conn.path);
  const { EtcdDatastore } = await import('../dist/datastore/etcd/index.js');
  return EtcdDatastore.open({ etcdEndpoints: conn.endpoints });
}

/** One writer: `count` sequential single-address allocations. */
async function writerLoop(ds: Datastore, writer: number, count: number): Promise<string[]> {
  const ipam = new IpamClient(ds);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const r = await ipam.autoAssign({ num4: 1, handleId: `bench.w${writer}-${i}`, hostname: `bench-node-${writer}`, attrs: { node: `bench-node-${writer}` } });
    out.push(r.ipv4[0]!.ip);
  }
  return out;
}

if (!isMainThread) {
  const job = workerData as Job;
  const ds = await openConn(job.conn);
  try {
    parentPort!.postMessage(await writerLoop(ds, job.writer, job.count));
  } finally {
    await ds.close();
  }
}

async function writePool(ds: Datastore): Promise<void> {
  await ds.create({ kind: 'IPPool', name: 'bench' }, {
    apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'bench' },
    spec: { cidr: POOL, blockSize: 26, nodeSelector: 'all()', disabled: false, allowedUses: ['Workload', 'Tunnel'], ipipMode: 'Never', vxlanMode: 'Never', natOutgoing: false },
  });
}

function runWorker(job: Job): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL(import.meta.url), { workerData: job });
    w.once('message', (ips: string[]) => resolve(ips));
    w.once('error', reject);
    w.once('exit', (code) => { if (code !== 0) reject(new Error(`writer ${job.writer} exited with ${code}`)); });
  });
}

interface Measured { rate: number; distinct: boolean; total: number; ms: number }

/** Runs `writers` writers against a fresh store; returns allocations per second. */
async function measure(fresh: () => Promise<{ ds: Datastore; conn?: Conn; cleanup: () => Promise<void> }>, writers: number): Promise<Measured> {
  const { ds, conn, cleanup } = await fresh();
  try {
    await writePool(ds);
    const t0 = performance.now();
    const results = conn
      ? await Promise.all(Array.from({ length: writers }, (_, w) => runWorker({ conn, writer: w, count: PER_WRITER })))
      : await Promise.all(Array.from({ length: writers }, (_, w) => writerLoop(ds, w, PER_WRITER)));
    const ms = performance.now() - t0;
    const all = results.flat();
    return { rate: (all.length / ms) * 1000, distinct: new Set(all).size === all.length && all.length === writers * PER_WRITER, total: all.length, ms };
  } finally {
    await cleanup();
  }
}

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'calico-ipam-bench-'));
  let n = 0;
  const backends: { name: string; fresh: () => Promise<{ ds: Datastore; conn?: Conn; cleanup: () => Promise<void> }> }[] = [
    { name: 'memory', fresh: async () => { const ds = new MemoryDatastore(); return { ds, cleanup: () => ds.close() }; } },
    {
      name: 'sqlite',
      fresh: async () => {
        const path = join(tmp, `bench-${n++}.db`);
        const ds = await SqliteDatastore.open(path);
        return { ds, conn: { type: 'sqlite', path }, cleanup: () => ds.close() };
      },
    },
  ];
  const root = repoRoot();
  if (existsSync(join(root, 'dist/datastore/etcd/index.js')) && existsSync('/usr/bin/etcd')) {
    const { startEtcd, EtcdDatastore } = await import('../dist/datastore/etcd/index.js');
    backends.push({
      name: 'etcd',
      fresh: async () => {
        const server = await startEtcd();
        const ds = await EtcdDatastore.open({ etcdEndpoints: server.endpoints });
        return { ds, conn: { type: 'etcdv3', endpoints: server.endpoints }, cleanup: async () => { await ds.close(); await server.stop(); } };
      },
    });
  } else {
    console.log('ipam bench: etcd backend or /usr/bin/etcd not available; etcd skipped');
  }

  const entries: { name: string; unit: string; value: number; baseline: number; ratio: number; target: null; pass: boolean }[] = [];
  const rows: string[][] = [];
  try {
    for (const b of backends) {
      const one = await measure(b.fresh, 1);
      const eight = await measure(b.fresh, 8);
      for (const [label, m] of [['1 writer', one], ['8 writers', eight]] as const) {
        const value = Math.round(m.rate * 10) / 10;
        const baseline = Math.round(one.rate * 10) / 10;
        entries.push({ name: `ipam autoAssign ${b.name} ${label}`, unit: 'allocations/s', value, baseline, ratio: Math.round((m.rate / one.rate) * 100) / 100, target: null, pass: m.distinct });
        rows.push([b.name, label, String(m.total), m.ms.toFixed(0), value.toFixed(1), (m.rate / one.rate).toFixed(2), m.distinct ? 'yes' : 'NO']);
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const headers = ['BACKEND', 'WRITERS', 'ALLOCATIONS', 'MS', 'ALLOC/S', 'VS 1 WRITER', 'ALL DISTINCT'];
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const r of [headers, ...rows]) console.log(r.map((c, i) => c.padEnd(widths[i]! + 2)).join('').trimEnd());
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, 'bench/results/ipam.json'), JSON.stringify(entries, null, 2) + '\n');
  if (entries.some((e) => !e.pass)) process.exitCode = 1;
}

if (isMainThread) await main();
