import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import type { Datastore } from '../../dist/datastore/datastore.js';
import { SqliteDatastore } from '../../dist/datastore/sqlite/sqlite-datastore.js';
import { exec } from '../../dist/lib/exec.js';
import { IpamClient, checkIpam, listBlocks } from '../../dist/ipam/index.js';
import { cidrContainsIp, parseCidr, parseIp } from '../../dist/ipam/ip.js';

/**
 * The calico-ipam plugin as a runtime drives it: 400 ADDs through
 * bin/calico-ipam, 8 plugin processes at any moment, for 4 nodes sharing
 * one datastore (SQLite file, then a real etcd). Then 400 DELs, after which
 * `calicoctl ipam check` is clean and every block has been handed back.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const PLUGIN = join(ROOT, 'bin/calico-ipam');
const CALICOCTL = join(ROOT, 'bin/calicoctl');
const POOL = '10.30.0.0/20';
const NODES = ['node-a', 'node-b', 'node-c', 'node-d'];
const TOTAL = 400;
const PARALLEL = 8;

const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

interface PluginCall { readonly code: number; readonly json: Record<string, unknown> }

async function plugin(command: 'ADD' | 'DEL', netconf: Record<string, unknown>, containerId: string, node: string): Promise<PluginCall> {
  const env: Record<string, string> = {
    CNI_COMMAND: command, CNI_CONTAINERID: containerId, CNI_NETNS: `/var/run/netns/${containerId}`, CNI_IFNAME: 'eth0', CNI_PATH: join(ROOT, 'bin'),
    CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=ns1;K8S_POD_NAME=pod-${containerId}`,
  };
  const r = await exec(PLUGIN, [], { input: JSON.stringify({ ...netconf, nodename: node }), env, timeoutMs: 120_000 });
  return { code: r.code, json: r.stdout.trim() ? (JSON.parse(r.stdout) as Record<string, unknown>) : {} };
}

/** Runs `jobs` with at most `n` in flight. */
async function pool<T>(n: number, jobs: (() => Promise<T>)[]): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]!();
    }
  }));
  return out;
}

async function writePool(ds: Datastore, name: string, cidr: string, blockSize: number): Promise<void> {
  await ds.create({ kind: 'IPPool', name }, {
    apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name },
    spec: { cidr, blockSize, nodeSelector: 'all()', disabled: false, allowedUses: ['Workload', 'Tunnel'], ipipMode: 'Never', vxlanMode: 'Never', natOutgoing: true },
  });
}

interface Backend {
  readonly netconf: Record<string, unknown>;
  /** Environment that points calicoctl at the same datastore. */
  readonly ctlEnv: Record<string, string>;
  readonly ds: Datastore;
}

async function scenario(b: Backend): Promise<void> {
  await writePool(b.ds, 'pods', POOL, 26);
  const ids = Array.from({ length: TOTAL }, (_, i) => `c${String(i).padStart(4, '0')}`);
  const nodeOf = (i: number): string => NODES[i % NODES.length]!;
  const adds = await pool(PARALLEL, ids.map((id, i) => () => plugin('ADD', b.netconf, id, nodeOf(i))));
  adds.forEach((r, i) => assert.equal(r.code, 0, `ADD ${ids[i]}: ${JSON.stringify(r.json)}`));
  const addrs = adds.map((r) => ((r.json['ips'] as { address: string }[])[0]!.address));
  assert.ok(addrs.every((a) => a.endsWith('/26')), 'addresses carry the block prefix');
  const ips = addrs.map((a) => a.split('/')[0]!);
  assert.equal(new Set(ips).size, TOTAL, 'every address distinct');
  for (const ip of ips) assert.ok(cidrContainsIp(parseCidr(POOL), parseIp(ip)), `${ip} in ${POOL}`);

  // Each address sits in a block affine to the node that asked for it.
  const blocks = await listBlocks(b.ds);
  // The per-host IPAM lock (all four nodes run on this one host) makes the
  // ADDs take turns, so no two of them claim a new block when a node's last
  // block fills: 100 addresses per node need exactly two /26 blocks each.
  for (const node of NODES) {
    assert.equal(blocks.filter((x) => x.block.spec.affinity === `host:${node}`).length, 2, `blocks of ${node}`);
  }
  const ipam = new IpamClient(b.ds);
  for (const [i, ip] of ips.entries()) {
    const blk = blocks.find((x) => cidrContainsIp(x.cidr, parseIp(ip)));
    assert.ok(blk, `block for ${ip}`);
    assert.equal(blk.block.spec.affinity, `host:${nodeOf(i)}`, `${ip} block ${blk.block.spec.cidr}`);
  }
  const attrs = await ipam.getAssignmentAttributes(ips[5]!);
  assert.equal(attrs.handleId, `k8s-pod-network.${ids[5]}`);
  assert.deepEqual({ ...attrs.attrs, timestamp: '' }, { node: nodeOf(5), namespace: 'ns1', pod: `pod-${ids[5]}`, timestamp: '' });
  const report = await checkIpam(b.ds);
  assert.equal(report.allocationCount, TOTAL);
  assert.deepEqual([report.doublyAllocatedIps, report.inconsistentHandles, report.inconsistentBlocks], [[], [], []]);

  // As Calico, a repeated ADD for a container allocates under the same
  // handle; its DEL releases both.
  const again = await plugin('ADD', b.netconf, ids[7]!, nodeOf(7));
  assert.notEqual((again.json['ips'] as { address: string }[])[0]!.address, addrs[7]);
  assert.equal((await ipam.ipsByHandle(`k8s-pod-network.${ids[7]}`)).length, 2);

  const dels = await pool(PARALLEL, ids.map((id, i) => () => plugin('DEL', b.netconf, id, nodeOf(i))));
  dels.forEach((r, i) => assert.equal(r.code, 0, `DEL ${ids[i]}: ${JSON.stringify(r.json)}`));
  // DEL is idempotent.
  assert.equal((await plugin('DEL', b.netconf, ids[0]!, nodeOf(0))).code, 0);

  const check = await exec(CALICOCTL, ['ipam', 'check'], { env: b.ctlEnv });
  assert.equal(check.code, 0, check.stderr);
  assert.match(check.stdout, /found 0 problems/);
  assert.match(check.stdout, /Found 0 IPAM blocks\./);
  assert.match(check.stdout, /IPAM blocks record 0 allocations\./);
  assert.equal((await listBlocks(b.ds)).length, 0, 'empty blocks released');
  assert.equal((await b.ds.list({ kind: 'BlockAffinity' })).items.length, 0);
  assert.equal((await b.ds.list({ kind: 'IPAMHandle' })).items.length, 0);
}

function netconfFor(datastore: Record<string, unknown>): Record<string, unknown> {
  const lockDir = mkdtempSync(join(tmpdir(), 'calico-ipam-lock-'));
  dirs.push(lockDir);
  return { cniVersion: '1.0.0', name: 'k8s-pod-network', type: 'calico', ...datastore, ipam_lock_file: join(lockDir, 'ipam.lock'), ipam: { type: 'calico-ipam' } };
}

describe('calico-ipam: 8 concurrent plugin processes, 400 addresses', () => {
  it('on SQLite', { timeout: 600_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'calico-ipam-mp-'));
    dirs.push(dir);
    const path = join(dir, 'calico.db');
    const ds = await SqliteDatastore.open(path);
    try {
      await scenario({ ds, netconf: netconfFor({ datastore_type: 'sqlite', datastore_path: path }), ctlEnv: { DATASTORE_TYPE: 'sqlite', CALICO_DATASTORE_PATH: path } });
    } finally {
      await ds.close();
    }
  });

  it('on etcd', { timeout: 600_000 }, async (t) => {
    if (!existsSync(join(ROOT, 'dist/datastore/etcd/index.js')) || !existsSync('/usr/bin/etcd')) {
      t.skip('etcd backend or /usr/bin/etcd not available');
      return;
    }
    const { startEtcd, EtcdDatastore } = await import('../../dist/datastore/etcd/index.js');
    const server = await startEtcd();
    let ds: Datastore | undefined;
    try {
      ds = await EtcdDatastore.open({ etcdEndpoints: server.endpoints });
      const endpoints = server.endpoints.join(',');
      await scenario({ ds, netconf: netconfFor({ datastore_type: 'etcdv3', etcd_endpoints: endpoints }), ctlEnv: { DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: endpoints } });
    } finally {
      await ds?.close();
      await server.stop();
    }
  });
});

describe('calico-ipam: exhaustion', () => {
  it('a full pool gives CNI error 101 naming the pool, and nothing leaks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'calico-ipam-ex-'));
    dirs.push(dir);
    const path = join(dir, 'calico.db');
    const ds = await SqliteDatastore.open(path);
    try {
      await writePool(ds, 'tiny-pool', '10.31.0.0/28', 28);
      const netconf = netconfFor({ datastore_type: 'sqlite', datastore_path: path });
      const adds = await pool(4, Array.from({ length: 16 }, (_, i) => () => plugin('ADD', netconf, `x${i}`, NODES[i % 2]!)));
      assert.ok(adds.every((r) => r.code === 0));
      const full = await plugin('ADD', netconf, 'x-over', 'node-a');
      assert.equal(full.code, 1);
      assert.equal(full.json['code'], 101);
      assert.match(String(full.json['msg']), /tiny-pool/);
      assert.match(String(full.json['msg']), /10\.31\.0\.0\/28/);
      assert.equal(full.json['cniVersion'], '1.0.0');
      assert.equal(await ds.get({ kind: 'IPAMHandle', name: 'k8s-pod-network.x-over' }), null);
      const report = await checkIpam(ds);
      assert.equal(report.allocationCount, 16);
      assert.deepEqual([report.inconsistentHandles, report.inconsistentBlocks, report.doublyAllocatedIps], [[], [], []]);
      // The DEL of the failed container is still fine (nothing to release).
      assert.equal((await plugin('DEL', netconf, 'x-over', 'node-a')).code, 0);
    } finally {
      await ds.close();
    }
  });
});
