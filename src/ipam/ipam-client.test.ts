import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Datastore } from '../datastore/datastore.js';
import { MemoryDatastore } from '../datastore/memory/memory-datastore.js';
import { SqliteDatastore } from '../datastore/sqlite/sqlite-datastore.js';
import { IpamClient, checkIpam, garbageCollect, poolUsage } from './index.js';
import type { BlockAffinity, IpamBlock, IpamHandle } from './model.js';
import { cidrContainsIp, parseCidr, parseIp } from './ip.js';

const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

type Factory = () => Promise<Datastore>;
const backends: [string, Factory][] = [
  ['memory', async () => new MemoryDatastore()],
  ['sqlite', async () => {
    const d = mkdtempSync(join(tmpdir(), 'calico-ipam-test-'));
    dirs.push(d);
    return SqliteDatastore.open(join(d, 'calico.db'));
  }],
];

async function pool(ds: Datastore, name: string, cidr: string, spec: Record<string, unknown> = {}): Promise<void> {
  const v6 = cidr.includes(':');
  await ds.create({ kind: 'IPPool', name }, {
    apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name },
    spec: { cidr, blockSize: v6 ? 122 : 26, nodeSelector: 'all()', disabled: false, allowedUses: ['Workload', 'Tunnel'], ipipMode: 'Never', vxlanMode: 'Never', natOutgoing: false, ...spec },
  });
}

async function ipamConfig(ds: Datastore, spec: Record<string, unknown>): Promise<void> {
  await ds.create({ kind: 'IPAMConfiguration', name: 'default' }, { apiVersion: 'projectcalico.org/v3', kind: 'IPAMConfiguration', metadata: { name: 'default' }, spec });
}

async function blocks(ds: Datastore): Promise<IpamBlock[]> {
  return (await ds.list<IpamBlock>({ kind: 'IPAMBlock' })).items.map((e) => e.value);
}

for (const [backend, open] of backends) {
  describe(`IPAM on ${backend}`, () => {
    test('autoAssign claims a block for the host and records handle and attributes', async () => {
      const ds = await open();
      await pool(ds, 'default-ipv4-ippool', '10.0.0.0/16');
      const ipam = new IpamClient(ds);
      const attrs = { node: 'node1', namespace: 'default', pod: 'nginx' };
      const r = await ipam.autoAssign({ num4: 1, handleId: 'k8s-pod-network.c1', attrs, hostname: 'node1' });
      assert.equal(r.ipv4.length, 1);
      assert.equal(r.ipv6.length, 0);
      const a = r.ipv4[0]!;
      assert.ok(cidrContainsIp(parseCidr('10.0.0.0/16'), parseIp(a.ip)));
      assert.equal(a.cidr, `${a.ip}/26`);
      assert.equal(a.pool, 'default-ipv4-ippool');
      const bs = await blocks(ds);
      assert.equal(bs.length, 1);
      assert.equal(bs[0]!.spec.affinity, 'host:node1');
      assert.equal(bs[0]!.metadata.name, bs[0]!.spec.cidr.replace('/', '-'));
      const affs = (await ds.list<BlockAffinity>({ kind: 'BlockAffinity' })).items;
      assert.equal(affs.length, 1);
      assert.deepEqual({ ...affs[0]!.value.spec }, { state: 'confirmed', node: 'node1', cidr: bs[0]!.spec.cidr, type: 'host', deleted: false });
      const h = await ds.get<IpamHandle>({ kind: 'IPAMHandle', name: 'k8s-pod-network.c1' });
      assert.deepEqual(h?.value.spec.block, { [bs[0]!.spec.cidr]: 1 });
      assert.deepEqual(await ipam.getAssignmentAttributes(a.ip), { handleId: 'k8s-pod-network.c1', attrs });
      assert.deepEqual(await ipam.ipsByHandle('k8s-pod-network.c1'), [a.ip]);
      await ds.close();
    });

    test('a full affine block makes the host claim another; a second host gets its own block', async () => {
      const ds = await open();
      await pool(ds, 'p', '10.1.0.0/24');
      const ipam = new IpamClient(ds);
      const r = await ipam.autoAssign({ num4: 65, handleId: 'h1', hostname: 'a' });
      assert.equal(new Set(r.ipv4.map((x) => x.ip)).size, 65);
      let bs = await blocks(ds);
      assert.equal(bs.length, 2);
      assert.ok(bs.every((b) => b.spec.affinity === 'host:a'));
      await ipam.autoAssign({ num4: 1, handleId: 'h2', hostname: 'b' });
      bs = await blocks(ds);
      assert.equal(bs.filter((b) => b.spec.affinity === 'host:b').length, 1);
      await ds.close();
    });

    test('pool exhausted: borrowing from another host, or, with strictAffinity, EXHAUSTED naming the pool and nothing leaked', async () => {
      const ds = await open();
      await pool(ds, 'tiny', '10.2.0.0/26');
      const ipam = new IpamClient(ds);
      await ipam.autoAssign({ num4: 60, handleId: 'a1', hostname: 'a' });
      // Not strict: b borrows from a's block.
      const r = await ipam.autoAssign({ num4: 2, handleId: 'b1', hostname: 'b' });
      assert.equal(r.ipv4.length, 2);
      assert.equal((await blocks(ds)).length, 1);
      // Asking for more than is left fails and returns what it had taken.
      await assert.rejects(ipam.autoAssign({ num4: 5, handleId: 'b2', hostname: 'b' }), (e: Error & { code?: string }) => e.code === 'CALICO_ERR_IPAM_EXHAUSTED' && /tiny/.test(e.message) && /10\.2\.0\.0\/26/.test(e.message));
      assert.equal((await blocks(ds))[0]!.spec.unallocated.length, 2);
      assert.equal(await ds.get({ kind: 'IPAMHandle', name: 'b2' }), null);
      await ipamConfig(ds, { strictAffinity: true });
      await assert.rejects(ipam.autoAssign({ num4: 1, handleId: 'b3', hostname: 'b' }), { code: 'CALICO_ERR_IPAM_EXHAUSTED' });
      // The owner still can.
      assert.equal((await ipam.autoAssign({ num4: 2, handleId: 'a2', hostname: 'a' })).ipv4.length, 2);
      await ds.close();
    });

    test('maxBlocksPerHost caps the blocks a host claims', async () => {
      const ds = await open();
      await pool(ds, 'p', '10.3.0.0/24');
      await ipamConfig(ds, { strictAffinity: true, maxBlocksPerHost: 1 });
      const ipam = new IpamClient(ds);
      await ipam.autoAssign({ num4: 64, handleId: 'x', hostname: 'a' });
      await assert.rejects(ipam.autoAssign({ num4: 1, handleId: 'y', hostname: 'a' }), { code: 'CALICO_ERR_IPAM_EXHAUSTED' });
      assert.equal((await blocks(ds)).length, 1);
      await ds.close();
    });

    test('IPReservations are never handed out', async () => {
      const ds = await open();
      await pool(ds, 'p', '10.4.0.0/28', { blockSize: 28 });
      await ds.create({ kind: 'IPReservation', name: 'r' }, { apiVersion: 'projectcalico.org/v3', kind: 'IPReservation', metadata: { name: 'r' }, spec: { reservedCIDRs: ['10.4.0.0/30', '10.4.0.15'] } });
      const ipam = new IpamClient(ds);
      const r = await ipam.autoAssign({ num4: 11, handleId: 'h', hostname: 'a' });
      const got = r.ipv4.map((x) => x.ip);
      for (const bad of ['10.4.0.0', '10.4.0.1', '10.4.0.2', '10.4.0.3', '10.4.0.15']) assert.ok(!got.includes(bad), bad);
      await assert.rejects(ipam.autoAssign({ num4: 1, handleId: 'h2', hostname: 'a' }), { code: 'CALICO_ERR_IPAM_EXHAUSTED' });
      await ds.close();
    });

    test('IPv6 and dual stack', async () => {
      const ds = await open();
      await pool(ds, 'v4', '10.5.0.0/16');
      await pool(ds, 'v6', 'fd00:5::/112');
      const ipam = new IpamClient(ds);
      const r = await ipam.autoAssign({ num4: 1, num6: 2, handleId: 'h', hostname: 'a' });
      assert.equal(r.ipv6.length, 2);
      for (const a of r.ipv6) {
        assert.ok(cidrContainsIp(parseCidr('fd00:5::/112'), parseIp(a.ip)), a.ip);
        assert.ok(a.cidr.endsWith('/122'));
        assert.equal(a.pool, 'v6');
      }
      assert.equal((await ipam.ipsByHandle('h')).length, 3);
      assert.equal((await ipam.releaseByHandle('h')).length, 3);
      // v6 failure rolls back the v4 address too.
      await assert.rejects(ipam.autoAssign({ num4: 1, num6: 1, handleId: 'z', hostname: 'a', ipv6Pools: ['nope'] }), { code: 'CALICO_ERR_IPAM' });
      assert.ok((await blocks(ds)).every((b) => b.spec.allocations.every((x) => x === null)));
      await ds.close();
    });

    test('pool choice: requested by name or CIDR, disabled and nodeSelector honoured', async () => {
      const ds = await open();
      await pool(ds, 'a', '10.6.0.0/24');
      await pool(ds, 'b', '10.7.0.0/24');
      await pool(ds, 'off', '10.8.0.0/24', { disabled: true });
      await pool(ds, 'zoned', '10.9.0.0/24', { nodeSelector: "zone == 'east'" });
      await ds.create({ kind: 'Node', name: 'east1' }, { apiVersion: 'projectcalico.org/v3', kind: 'Node', metadata: { name: 'east1', labels: { zone: 'east' } }, spec: {} });
      const ipam = new IpamClient(ds);
      assert.equal((await ipam.autoAssign({ num4: 1, hostname: 'w', ipv4Pools: ['b'] })).ipv4[0]!.pool, 'b');
      assert.equal((await ipam.autoAssign({ num4: 1, hostname: 'w', ipv4Pools: ['10.6.0.0/24'] })).ipv4[0]!.pool, 'a');
      await assert.rejects(ipam.autoAssign({ num4: 1, hostname: 'w', ipv4Pools: ['off'] }), /the given pool \(off\) does not exist, or is not enabled/);
      await assert.rejects(ipam.autoAssign({ num4: 1, hostname: 'w', ipv4Pools: ['10.99.0.0/24'] }), /does not exist/);
      // Node w has no zone label: the zoned pool is not used for it unless
      // requested explicitly (requested pools are used as given, as Calico).
      for (let i = 0; i < 5; i++) assert.ok(['a', 'b'].includes((await ipam.autoAssign({ num4: 1, hostname: 'w' })).ipv4[0]!.pool));
      assert.equal((await ipam.autoAssign({ num4: 1, hostname: 'w', ipv4Pools: ['zoned'] })).ipv4[0]!.pool, 'zoned');
      assert.equal((await ipam.autoAssign({ num4: 1, hostname: 'east1', ipv4Pools: ['zoned'] })).ipv4[0]!.pool, 'zoned');
      await ds.close();
    });

    test('allowedUses: LoadBalancer and Tunnel pools are not used for workloads', async () => {
      const ds = await open();
      await pool(ds, 'lb', '10.14.0.0/24', { allowedUses: ['LoadBalancer'] });
      await pool(ds, 'tun', '10.15.0.0/24', { allowedUses: ['Tunnel'] });
      const ipam = new IpamClient(ds);
      await assert.rejects(ipam.autoAssign({ num4: 1, hostname: 'n1' }), /no pools match the required use \(Workload\)/);
      assert.equal((await ipam.autoAssign({ num4: 1, hostname: 'n1', intendedUse: 'Tunnel' })).ipv4[0]!.pool, 'tun');
      assert.equal((await ipam.autoAssign({ num4: 1, hostname: 'n1', intendedUse: 'LoadBalancer' })).ipv4[0]!.pool, 'lb');
      await pool(ds, 'wl', '10.16.0.0/24', { allowedUses: ['Workload'], disableBGPExport: true });
      for (let i = 0; i < 3; i++) assert.equal((await ipam.autoAssign({ num4: 1, hostname: 'n1' })).ipv4[0]!.pool, 'wl');
      await ds.close();
    });

    test('pool namespaceSelector: matches the namespace labels (and its name), only when pools are not requested', async () => {
      const ds = await open();
      await pool(ds, 'general', '10.11.0.0/24', { namespaceSelector: "!has(tenant)" });
      await pool(ds, 'tenant-a', '10.12.0.0/24', { namespaceSelector: "tenant == 'a'" });
      await pool(ds, 'by-name', '10.13.0.0/24', { namespaceSelector: "projectcalico.org/name == 'special'" });
      await ds.create({ kind: 'Namespace', name: 'team-a' }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a', labels: { tenant: 'a' } } });
      const ipam = new IpamClient(ds);
      assert.equal((await ipam.autoAssign({ num4: 1, hostname: 'n1', namespace: 'team-a' })).ipv4[0]!.pool, 'tenant-a');
      assert.equal((await ipam.autoAssign({ num4: 1, hostname: 'n1', namespace: { name: 'x', labels: { tenant: 'a' } } })).ipv4[0]!.pool, 'tenant-a');
      assert.equal((await ipam.autoAssign({ num4: 1, hostname: 'n1', namespace: 'special' })).ipv4[0]!.pool !== 'tenant-a', true);
      // No stored Namespace: no labels, so only selectors that match none.
      for (let i = 0; i < 3; i++) {
        assert.ok(['general', 'by-name'].includes((await ipam.autoAssign({ num4: 1, hostname: 'n1', namespace: 'other' })).ipv4[0]!.pool));
      }
      assert.equal((await ipam.autoAssign({ num4: 1, hostname: 'n1' })).ipv4[0]!.pool, 'general');
      // Requested pools are used as given, as with nodeSelector.
      assert.equal((await ipam.autoAssign({ num4: 1, hostname: 'n1', namespace: 'other', ipv4Pools: ['tenant-a'] })).ipv4[0]!.pool, 'tenant-a');
      await ds.delete({ kind: 'IPPool', name: 'general' });
      await assert.rejects(ipam.autoAssign({ num4: 1, hostname: 'n1', namespace: 'other' }), /no configured Calico IPv4 pools for node n1 select namespace other/);
      await ds.close();
    });

    test('assignIP, releaseIPs, releaseByHandle (idempotence reported as NOT_FOUND) and empty blocks', async () => {
      const ds = await open();
      await pool(ds, 'p', '10.10.0.0/24');
      const ipam = new IpamClient(ds);
      const a = await ipam.assignIP({ ip: '10.10.0.200', handleId: 'fixed', hostname: 'n1', attrs: { pod: 'x' } });
      assert.deepEqual(a, { ip: '10.10.0.200', cidr: '10.10.0.200/26', pool: 'p' });
      await assert.rejects(ipam.assignIP({ ip: '10.10.0.200', handleId: 'other', hostname: 'n1' }), { code: 'CALICO_ERR_ALREADY_EXISTS' });
      await assert.rejects(ipam.assignIP({ ip: '192.168.0.1', hostname: 'n1' }), { code: 'CALICO_ERR_IPAM' });
      assert.deepEqual(await ipam.releaseIPs(['10.10.0.200', '10.10.0.201']), ['10.10.0.201']);
      assert.equal(await ds.get({ kind: 'IPAMHandle', name: 'fixed' }), null);
      await assert.rejects(ipam.getAssignmentAttributes('10.10.0.200'), { code: 'CALICO_ERR_NOT_FOUND' });

      await ipam.autoAssign({ num4: 3, handleId: 'k8s-pod-network.c2', hostname: 'n1' });
      assert.equal((await ipam.releaseByHandle('k8s-pod-network.c2')).length, 3);
      await assert.rejects(ipam.releaseByHandle('k8s-pod-network.c2'), { code: 'CALICO_ERR_NOT_FOUND' });
      // Empty affine blocks stay (as Calico) until released explicitly. The
      // block assignIP claimed is n1's, so autoAssign used it too.
      assert.deepEqual((await blocks(ds)).map((b) => b.spec.cidr), ['10.10.0.192/26']);
      assert.deepEqual(await ipam.releaseEmptyBlocks('other-node'), []);
      assert.deepEqual(await ipam.releaseEmptyBlocks('n1'), ['10.10.0.192/26']);
      assert.equal((await blocks(ds)).length, 0);
      assert.equal((await ds.list({ kind: 'BlockAffinity' })).items.length, 0);

      await ipam.autoAssign({ num4: 1, handleId: 'c3', hostname: 'n1' });
      await ipam.releaseByHandle('c3', { releaseEmptyAffineBlocks: true });
      assert.equal((await blocks(ds)).length, 0);
      assert.equal((await ds.list({ kind: 'BlockAffinity' })).items.length, 0);
      await ds.close();
    });

    test('releaseHostAffinities: empty blocks go, used blocks lose their affinity unless mustBeEmpty', async () => {
      const ds = await open();
      await pool(ds, 'p', '10.11.0.0/24');
      const ipam = new IpamClient(ds);
      await ipam.autoAssign({ num4: 65, handleId: 'h', hostname: 'n1' });
      await assert.rejects(ipam.releaseHostAffinities('n1', true), (e: Error & { code?: string }) => e.code === 'CALICO_ERR_IPAM' && /not empty/.test(e.message));
      assert.equal((await ds.list({ kind: 'BlockAffinity' })).items.length, 2);
      assert.equal((await ipam.releaseHostAffinities('n1')).length, 2);
      const bs = await blocks(ds);
      assert.equal(bs.length, 2);
      assert.ok(bs.every((b) => b.spec.affinity === null));
      // Releasing the addresses deletes the now empty, unaffine blocks.
      await ipam.releaseByHandle('h');
      assert.equal((await blocks(ds)).length, 0);
      await ds.close();
    });

    test('concurrent autoAssign from four hosts never hands out one address twice', async () => {
      const ds = await open();
      await pool(ds, 'p', '10.12.0.0/22');
      const clients = [0, 1, 2, 3].map(() => new IpamClient(ds));
      const jobs: Promise<string>[] = [];
      for (let i = 0; i < 120; i++) {
        jobs.push(clients[i % 4]!.autoAssign({ num4: 1, handleId: `c${i}`, hostname: `node${i % 4}` }).then((r) => r.ipv4[0]!.ip));
      }
      const ips = await Promise.all(jobs);
      assert.equal(new Set(ips).size, 120);
      const report = await checkIpam(ds);
      assert.equal(report.allocationCount, 120);
      assert.equal(report.inconsistentHandles.length, 0);
      assert.equal(report.inconsistentBlocks.length, 0);
      assert.equal(report.doublyAllocatedIps.length, 0);
      for (const b of await blocks(ds)) {
        for (const [o, idx] of b.spec.allocations.entries()) {
          if (idx === null) continue;
          const h = b.spec.attributes[idx]!.handle_id!;
          assert.equal(Number(h.slice(1)) % 4, Number(b.spec.affinity!.slice('host:node'.length)), `ordinal ${o} of ${b.spec.cidr}`);
        }
      }
      await ds.close();
    });

    test('garbageCollect releases allocations whose workload is gone; check reports leaks', async () => {
      const ds = await open();
      await pool(ds, 'p', '10.13.0.0/24');
      const ipam = new IpamClient(ds);
      const live = (await ipam.autoAssign({ num4: 1, handleId: 'k8s-pod-network.live', hostname: 'n', attrs: { namespace: 'ns', pod: 'live' } })).ipv4[0]!.ip;
      await ipam.autoAssign({ num4: 2, handleId: 'k8s-pod-network.dead', hostname: 'n', attrs: { namespace: 'ns', pod: 'dead' } });
      await ds.create({ kind: 'WorkloadEndpoint', namespace: 'ns', name: 'n-k8s-live-eth0' }, {
        apiVersion: 'projectcalico.org/v3', kind: 'WorkloadEndpoint', metadata: { name: 'n-k8s-live-eth0', namespace: 'ns' },
        spec: { node: 'n', pod: 'live', ipNetworks: [`${live}/32`, '10.13.0.250/32'] },
      });
      let report = await checkIpam(ds);
      assert.equal(report.leakedIps.length, 2);
      assert.ok(report.leakedIps.every((l) => l.handleId === 'k8s-pod-network.dead'));
      assert.deepEqual(report.missingAllocations, [{ ip: '10.13.0.250', owner: 'Workload(ns/n-k8s-live-eth0)' }]);
      assert.equal(report.ok, false);
      const young = await garbageCollect(ds, () => false, { gracePeriodMs: 60_000 });
      assert.equal(young.released.length, 0, 'no timestamp attribute: treated as young');
      const gc = await garbageCollect(ds, (_h, attrs) => attrs['pod'] === 'live', { releaseEmptyBlocks: true });
      assert.equal(gc.released.length, 2);
      assert.ok(gc.released.every((r) => r.handleId === 'k8s-pod-network.dead'));
      report = await checkIpam(ds);
      assert.equal(report.leakedIps.length, 0);
      assert.equal(report.allocationCount, 1);
      const usage = await poolUsage(ds);
      assert.equal(usage[0]!.inUse, 1n);
      assert.equal(usage[0]!.total, 256n);
      await ds.close();
    });
  });
}
