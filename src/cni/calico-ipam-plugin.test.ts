import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteDatastore } from '../datastore/sqlite/sqlite-datastore.js';
import { IpamClient, listAllocations } from '../ipam/index.js';
import { acquireIpamLock } from '../ipam/host-lock.js';
import { main } from './calico-ipam-plugin.js';

/**
 * The calico-ipam plugin in-process (runPlugin with injected env/stdin),
 * on a SQLite file, following cni-plugin/tests/calico_cni_ipam_test.go.
 */

let dir: string;
let dbPath: string;
let ds: SqliteDatastore;
let n = 0;

before(() => { dir = mkdtempSync(join(tmpdir(), 'calico-ipam-plugin-')); });
after(() => { rmSync(dir, { recursive: true, force: true }); });

async function pool(name: string, cidr: string, spec: Record<string, unknown> = {}): Promise<void> {
  await ds.create({ kind: 'IPPool', name }, { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name }, spec: { cidr, blockSize: cidr.includes(':') ? 122 : 26, ...spec } });
}

beforeEach(async () => {
  await ds?.close();
  dbPath = join(dir, `db-${n++}.db`);
  ds = await SqliteDatastore.open(dbPath);
  await pool('default-ipv4', '192.168.0.0/16');
  await pool('default-ipv6', 'fd80:24e2:f998:72d6::/64');
});
after(async () => { await ds?.close(); });

function netconf(ipam: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ cniVersion: '1.0.0', name: 'net1', type: 'calico', datastore_type: 'sqlite', datastore_path: dbPath, nodename: 'node1', ipam_lock_file: join(dir, 'ipam.lock'), ipam: { type: 'calico-ipam', ...ipam }, ...extra });
}

async function run(command: string, stdin: string, cid = 'cid1', cniArgs = ''): Promise<{ code: number; json: Record<string, unknown> }> {
  let out = '';
  const code = await main({
    env: { CNI_COMMAND: command, CNI_CONTAINERID: cid, CNI_NETNS: '/var/run/netns/x', CNI_IFNAME: 'eth0', CNI_PATH: '/opt/cni/bin', CNI_ARGS: cniArgs },
    readStdin: () => stdin,
    writeStdout: (s) => { out += s; },
  });
  return { code, json: out.trim() ? (JSON.parse(out) as Record<string, unknown>) : {} };
}

const ips = (r: { json: Record<string, unknown> }): string[] => ((r.json['ips'] as { address: string }[] | undefined) ?? []).map((i) => i.address);

describe('calico-ipam plugin', () => {
  test('VERSION', async () => {
    const r = await run('VERSION', '{"cniVersion":"1.0.0"}');
    assert.equal(r.code, 0);
    assert.ok((r.json['supportedVersions'] as string[]).includes('1.0.0'));
  });

  test('ADD returns addresses with the block prefix: v4 default, v6 only, dual stack', async () => {
    const v4 = await run('ADD', netconf());
    assert.equal(v4.code, 0, JSON.stringify(v4.json));
    assert.equal(v4.json['cniVersion'], '1.0.0');
    assert.match(ips(v4)[0]!, /^192\.168\.\d+\.\d+\/26$/);
    const v6 = await run('ADD', netconf({ assign_ipv4: 'false', assign_ipv6: 'true' }), 'cid2');
    assert.deepEqual(ips(v6).length, 1);
    assert.match(ips(v6)[0]!, /^fd80:24e2:f998:72d6:.*\/122$/);
    const both = await run('ADD', netconf({ assign_ipv4: 'true', assign_ipv6: 'true' }), 'cid3', 'K8S_POD_NAMESPACE=ns;K8S_POD_NAME=pod3');
    assert.equal(ips(both).length, 2);
    const attrs = await new IpamClient(ds).getAssignmentAttributes(ips(both)[0]!.split('/')[0]!);
    assert.equal(attrs.handleId, 'net1.cid3');
    assert.equal(attrs.attrs['pod'], 'pod3');
    assert.equal(attrs.attrs['namespace'], 'ns');
    assert.equal(attrs.attrs['node'], 'node1');
    assert.equal((await run('DEL', netconf(), 'cid3')).code, 0);
    await assert.rejects(new IpamClient(ds).ipsByHandle('net1.cid3'), { code: 'CALICO_ERR_NOT_FOUND' });
  });

  test('no partial assignment in dual stack when one family has no pool', async () => {
    await ds.delete({ kind: 'IPPool', name: 'default-ipv6' });
    const r = await run('ADD', netconf({ assign_ipv4: 'true', assign_ipv6: 'true' }));
    assert.equal(r.code, 1);
    assert.equal(ips(r).length, 0);
    assert.deepEqual(await listAllocations(ds), []);
    assert.equal(await ds.get({ kind: 'IPAMHandle', name: 'net1.cid1' }), null);
  });

  test('ipv4_pools: by CIDR; an unknown pool is named in the error', async () => {
    await pool('other', '192.169.1.0/24');
    const r = await run('ADD', netconf({ ipv4_pools: ['192.169.1.0/24'] }));
    assert.match(ips(r)[0]!, /^192\.169\.1\./);
    const bad = await run('ADD', netconf({ ipv4_pools: ['192.168.0.0/16', '192.170.1.0/24'] }), 'cid2');
    assert.equal(bad.code, 1);
    assert.match(String(bad.json['msg']), /192\.170\.1\.0\/24\) does not exist/);
  });

  test('never allocates from a disabled pool', async () => {
    assert.match(ips(await run('ADD', netconf()))[0]!, /^192\.168\./);
    const e = await ds.get<{ spec: Record<string, unknown> }>({ kind: 'IPPool', name: 'default-ipv4' });
    await ds.update({ kind: 'IPPool', name: 'default-ipv4' }, { ...e!.value, spec: { ...e!.value.spec, disabled: true } }, e!.revision);
    await pool('new', '192.169.1.0/24');
    assert.match(ips(await run('ADD', netconf()))[0]!, /^192\.169\.1\./);
  });

  test('explicit IP via CNI_ARGS: /32, not twice, again after DEL', async () => {
    const r = await run('ADD', netconf(), 'cid1', 'IP=192.168.123.123');
    assert.deepEqual(ips(r), ['192.168.123.123/32']);
    assert.ok((await run('ADD', netconf(), 'cid1', 'IP=192.168.123.123')).code > 0);
    assert.equal((await run('DEL', netconf(), 'cid1', 'IP=192.168.123.123')).code, 0);
    assert.deepEqual(ips(await run('ADD', netconf(), 'cid1', 'IP=192.168.123.123')), ['192.168.123.123/32']);
  });

  test('DEL succeeds with nothing to release and removes the old workload-ID handle', async () => {
    assert.equal((await run('DEL', netconf(), 'cid9', 'IP=192.168.123.123')).code, 0);
    const ipam = new IpamClient(ds);
    await ipam.assignIP({ ip: '192.168.123.123', handleId: 'cid9', hostname: 'node1' });
    assert.equal((await run('DEL', netconf(), 'cid9')).code, 0);
    await assert.rejects(ipam.ipsByHandle('cid9'), { code: 'CALICO_ERR_NOT_FOUND' });
  });

  test('exhausted pool: code 101 naming the pool, nothing leaked', async () => {
    await ds.delete({ kind: 'IPPool', name: 'default-ipv4' });
    await pool('tiny', '10.9.9.0/30', { blockSize: 30 });
    for (let i = 0; i < 4; i++) assert.equal((await run('ADD', netconf(), `c${i}`)).code, 0);
    const r = await run('ADD', netconf(), 'c4');
    assert.equal(r.code, 1);
    assert.equal(r.json['code'], 101);
    assert.match(String(r.json['msg']), /tiny \(10\.9\.9\.0\/30\)/);
    assert.equal(await ds.get({ kind: 'IPAMHandle', name: 'net1.c4' }), null);
  });

  test('bad ipam config is error 7 naming the field', async () => {
    const r = await run('ADD', netconf({ assign_ipv4: 'yes' }));
    assert.equal(r.json['code'], 7);
    assert.match(String(r.json['msg']), /ipam\.assign_ipv4/);
  });

  test('CHECK passes for held addresses and fails for others; STATUS needs a pool', async () => {
    const add = await run('ADD', netconf());
    const prev = { cniVersion: '1.0.0', ips: [{ address: ips(add)[0]! }] };
    assert.equal((await run('CHECK', netconf({}, { prevResult: prev }))).code, 0);
    const wrong = await run('CHECK', netconf({}, { prevResult: { cniVersion: '1.0.0', ips: [{ address: '192.168.250.250/26' }] } }));
    assert.equal(wrong.code, 1);
    const status = (c: string): Promise<{ code: number; json: Record<string, unknown> }> => run('STATUS', c.replace('"1.0.0"', '"1.1.0"'));
    assert.equal((await status(netconf())).code, 0);
    await ds.delete({ kind: 'IPPool', name: 'default-ipv4' });
    const down = await status(netconf());
    assert.equal(down.json['code'], 50);
  });

  test('pool namespaceSelector matches the pod namespace (K8S_POD_NAMESPACE) labels', async () => {
    await pool('prod', '10.77.0.0/24', { namespaceSelector: "env == 'prod'" });
    await ds.create({ kind: 'Namespace', name: 'shop' }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { env: 'prod' } } });
    const r = await run('ADD', netconf({ ipv4_pools: [] }), 'ns1', 'K8S_POD_NAMESPACE=shop;K8S_POD_NAME=p1');
    assert.equal(r.code, 0, JSON.stringify(r.json));
    // default-ipv4 has no namespaceSelector: either pool may serve shop; pin it by making default skip prod namespaces.
    await ds.delete({ kind: 'IPPool', name: 'default-ipv4' });
    await pool('default-ipv4', '192.168.0.0/16', { namespaceSelector: "env != 'prod'" });
    const shop = await run('ADD', netconf(), 'ns2', 'K8S_POD_NAMESPACE=shop;K8S_POD_NAME=p2');
    assert.match(ips(shop)[0]!, /^10\.77\.0\./);
    const other = await run('ADD', netconf(), 'ns3', 'K8S_POD_NAMESPACE=dev;K8S_POD_NAME=p3');
    assert.match(ips(other)[0]!, /^192\.168\./);
    // Without a pod there is no namespace: no labels.
    const plain = await run('ADD', netconf(), 'ns4');
    assert.match(ips(plain)[0]!, /^192\.168\./);
  });

  test('ADD and DEL hold the per-host IPAM lock (ipam_lock_file) and leave it free', async () => {
    const lock = join(dir, 'held.lock');
    const release = await acquireIpamLock(lock);
    let done = false;
    const add = run('ADD', netconf({}, { ipam_lock_file: lock }), 'lk1').then((r) => { done = true; return r; });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(done, false, 'ADD waits for the lock');
    release();
    assert.equal((await add).code, 0);
    assert.equal(existsSync(lock), false);
    assert.equal((await run('DEL', netconf({}, { ipam_lock_file: lock }), 'lk1')).code, 0);
    assert.equal(existsSync(lock), false);
  });

  test('nodename_file_optional: false makes ADD need the nodename file', async () => {
    const r = await run('ADD', netconf({}, { nodename_file_optional: false, nodename_file: join(dir, 'no-such-nodename') }));
    assert.equal(r.code, 1);
    assert.match(String(r.json['msg']), /no-such-nodename.*check that the calico\/node container is running/);
    assert.equal((await listAllocations(ds)).length, 0);
    writeFileSync(join(dir, 'nodename'), 'node1\n');
    assert.equal((await run('ADD', netconf({}, { nodename_file_optional: false, nodename_file: join(dir, 'nodename') }))).code, 0);
  });
});
