import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryDatastore } from '../datastore/memory/memory-datastore.js';
import { IpamClient, listAllocations } from './index.js';
import type { IpamBlock } from './model.js';

async function setup(): Promise<{ ds: MemoryDatastore; ipam: IpamClient }> {
  const ds = new MemoryDatastore();
  for (const [name, cidr] of [['v4', '10.50.0.0/24'], ['v6', 'fd00:50::/120']] as const) {
    await ds.create({ kind: 'IPPool', name }, { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name }, spec: { cidr } });
  }
  return { ds, ipam: new IpamClient(ds) };
}

async function blocks(ds: MemoryDatastore): Promise<IpamBlock[]> {
  return (await ds.list<IpamBlock>({ kind: 'IPAMBlock' })).items.map((e) => e.value);
}

test('IPAM config: defaults, set, validation', async () => {
  const { ipam } = await setup();
  assert.deepEqual(await ipam.getIPAMConfig(), { strictAffinity: false, maxBlocksPerHost: 0, autoAllocateBlocks: true });
  await ipam.setIPAMConfig({ strictAffinity: true, maxBlocksPerHost: 4, autoAllocateBlocks: true });
  assert.deepEqual(await ipam.getIPAMConfig(), { strictAffinity: true, maxBlocksPerHost: 4, autoAllocateBlocks: true });
  await assert.rejects(ipam.setIPAMConfig({ strictAffinity: true, maxBlocksPerHost: -1, autoAllocateBlocks: true }), { code: 'CALICO_ERR_VALIDATION' });
});

test('autoAllocateBlocks=false: no new blocks, only borrowing', async () => {
  const { ipam } = await setup();
  await ipam.setIPAMConfig({ strictAffinity: false, maxBlocksPerHost: 0, autoAllocateBlocks: false });
  await assert.rejects(ipam.autoAssign({ num4: 1, hostname: 'a' }), { code: 'CALICO_ERR_IPAM_EXHAUSTED' });
});

test('claimAffinity / releaseAffinity / releasePoolAffinities over CIDRs', async () => {
  const { ds, ipam } = await setup();
  const c = await ipam.claimAffinity('10.50.0.0/25', 'a');
  assert.deepEqual(c, { claimed: ['10.50.0.0/26', '10.50.0.64/26'], failed: [] });
  assert.deepEqual(await ipam.claimAffinity('10.50.0.64/26', 'b'), { claimed: [], failed: ['10.50.0.64/26'] });
  await assert.rejects(ipam.claimAffinity('10.99.0.0/26', 'a'), /not within any configured pool/);
  await assert.rejects(ipam.claimAffinity('10.50.0.0/28', 'a'), /smaller than the minimum block size/);
  // a's addresses come from its claimed blocks.
  const r = await ipam.autoAssign({ num4: 1, hostname: 'a', handleId: 'h' });
  assert.match(r.ipv4[0]!.ip, /^10\.50\.0\.(\d|[1-5]\d|6[0-3])$/);
  assert.deepEqual(await ipam.releaseAffinity('10.50.0.64/26', 'a'), ['10.50.0.64/26']);
  assert.equal((await blocks(ds)).length, 1);
  assert.deepEqual(await ipam.releasePoolAffinities('10.50.0.0/24'), ['10.50.0.0/26']);
  const left = await blocks(ds);
  assert.equal(left.length, 1, 'the block in use stays, unaffine');
  assert.equal(left[0]!.spec.affinity, null);
});

test('ensureBlock returns the host block per version, claiming one when needed', async () => {
  const { ds, ipam } = await setup();
  const e = await ipam.ensureBlock({ hostname: 'a' });
  assert.ok(e.ipv4 !== null && e.ipv4.endsWith('/26'));
  assert.ok(e.ipv6 !== null && e.ipv6.endsWith('/122'));
  assert.deepEqual(await ipam.ensureBlock({ hostname: 'a' }), e);
  assert.equal((await blocks(ds)).length, 2);
  await ds.delete({ kind: 'IPPool', name: 'v6' });
  assert.equal((await ipam.ensureBlock({ hostname: 'b' })).ipv6, null);
});

test('assignIP honours strictAffinity; removeIPAMHost keeps addresses', async () => {
  const { ds, ipam } = await setup();
  await ipam.assignIP({ ip: '10.50.0.5', hostname: 'a', handleId: 'x' });
  await ipam.assignIP({ ip: '10.50.0.6', hostname: 'b', handleId: 'y' });
  await ipam.setIPAMConfig({ strictAffinity: true, maxBlocksPerHost: 0, autoAllocateBlocks: true });
  await assert.rejects(ipam.assignIP({ ip: '10.50.0.7', hostname: 'b', handleId: 'z' }), /strictAffinity/);
  await ipam.removeIPAMHost('a');
  assert.equal((await ds.list({ kind: 'BlockAffinity' })).items.length, 0);
  assert.deepEqual((await ipam.ipsByHandle('x')), ['10.50.0.5']);
});

test('utilization discounts reserved addresses once (GetUtilization with reservations)', async () => {
  const cases: [string[], [number, number, number, number], [number, number, number, number]][] = [
    [['10.0.0.32/30'], [256, 1, 4, 251], [64, 1, 4, 59]],
    [['10.0.0.128/25'], [256, 1, 128, 127], [64, 1, 0, 63]],
    [['10.0.0.5/32'], [256, 1, 1, 255], [64, 1, 1, 63]],
    [['10.0.0.0/25', '10.0.0.5/32', '10.0.0.64/26'], [256, 1, 128, 128], [64, 1, 64, 0]],
  ];
  for (const [reserved, pool, block] of cases) {
    const ds = new MemoryDatastore();
    await ds.create({ kind: 'IPPool', name: 'p' }, { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p' }, spec: { cidr: '10.0.0.0/24' } });
    const ipam = new IpamClient(ds);
    await ipam.assignIP({ ip: '10.0.0.5', hostname: 'host-a' });
    await ds.create({ kind: 'IPReservation', name: 'resv' }, { apiVersion: 'projectcalico.org/v3', kind: 'IPReservation', metadata: { name: 'resv' }, spec: { reservedCIDRs: reserved } });
    assert.equal((await ipam.getUtilization({ pools: ['10.99.0.0/24'] })).length, 0);
    const [u] = await ipam.getUtilization({ pools: ['10.0.0.0/24'] });
    assert.deepEqual([u!.total, u!.inUse, u!.reserved, u!.available].map(Number), pool, `pool ${reserved.join(',')}`);
    const b = u!.blocks[0]!;
    assert.deepEqual([b.total, b.inUse, b.reserved, b.available].map(Number), block, `block ${reserved.join(',')}`);
  }
});

test('a pool that stops selecting the node takes its block back once empty', async () => {
  const ds = new MemoryDatastore();
  await ds.create({ kind: 'Node', name: 'host' }, { apiVersion: 'projectcalico.org/v3', kind: 'Node', metadata: { name: 'host', labels: { foo: 'bar' } }, spec: {} });
  const poolValue = (sel: string): unknown => ({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p1' }, spec: { cidr: '10.0.0.0/24', nodeSelector: sel } });
  await ds.create({ kind: 'IPPool', name: 'p1' }, poolValue('foo == "bar"'));
  const ipam = new IpamClient(ds);
  const ips = (await ipam.autoAssign({ num4: 3, hostname: 'host' })).ipv4.map((a) => a.ip);
  await ipam.releaseIPs([ips[0]!]);
  assert.equal((await ds.list({ kind: 'BlockAffinity' })).items.length, 1);
  const cur = await ds.get({ kind: 'IPPool', name: 'p1' });
  await ds.update({ kind: 'IPPool', name: 'p1' }, poolValue('foo != "bar"'), cur!.revision);
  await ipam.releaseIPs([ips[1]!]);
  assert.equal((await ds.list({ kind: 'BlockAffinity' })).items.length, 1, 'not empty yet: affinity kept');
  await ipam.releaseIPs([ips[2]!]);
  assert.equal((await ds.list({ kind: 'BlockAffinity' })).items.length, 0);
  assert.equal((await blocks(ds)).length, 0);
});

test('assignIP enforces allowedUses when an intended use is given', async () => {
  const ds = new MemoryDatastore();
  await ds.create({ kind: 'IPPool', name: 'tun' }, { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'tun' }, spec: { cidr: '10.0.0.0/24', allowedUses: ['Tunnel'] } });
  await ds.create({ kind: 'IPPool', name: 'dflt' }, { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'dflt' }, spec: { cidr: '10.1.0.0/24' } });
  const ipam = new IpamClient(ds);
  await assert.rejects(ipam.assignIP({ ip: '10.0.0.1', hostname: 'h', intendedUse: 'Workload' }), /does not allow use Workload/);
  await ipam.assignIP({ ip: '10.0.0.2', hostname: 'h', intendedUse: 'Tunnel' });
  await ipam.assignIP({ ip: '10.0.0.3', hostname: 'h' });
  await ipam.assignIP({ ip: '10.1.0.3', hostname: 'h', intendedUse: 'Tunnel' });
  // Auto-assign for workloads skips the tunnel-only pool.
  assert.equal((await ipam.autoAssign({ num4: 1, hostname: 'h' })).ipv4[0]!.pool, 'dflt');
  await assert.rejects(ipam.autoAssign({ num4: 1, hostname: 'h', ipv4Pools: ['tun'] }), { code: 'CALICO_ERR_IPAM' });
});

async function node(ds: MemoryDatastore, name: string, labels: Record<string, string>): Promise<void> {
  const value = { apiVersion: 'projectcalico.org/v3', kind: 'Node', metadata: { name, labels }, spec: {} };
  const cur = await ds.get({ kind: 'Node', name });
  if (cur) await ds.update({ kind: 'Node', name }, value, cur.revision); else await ds.create({ kind: 'Node', name }, value);
}

async function selPool(ds: MemoryDatastore, name: string, cidr: string, nodeSelector: string, blockSize?: number): Promise<void> {
  const value = { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name }, spec: { cidr, nodeSelector, ...(blockSize ? { blockSize } : {}) } };
  const cur = await ds.get({ kind: 'IPPool', name });
  if (cur) await ds.update({ kind: 'IPPool', name }, value, cur.revision); else await ds.create({ kind: 'IPPool', name }, value);
}

test('node selector moves between nodes: the deselected node gets no pool, the other borrows', async () => {
  const ds = new MemoryDatastore();
  await node(ds, 'host1', { foo: 'bar' });
  await node(ds, 'host2', {});
  await selPool(ds, 'p1', '10.0.0.0/30', 'foo == "bar"', 30);
  const ipam = new IpamClient(ds);
  assert.equal((await ipam.autoAssign({ num4: 3, hostname: 'host1' })).ipv4.length, 3);
  await node(ds, 'host1', {});
  await node(ds, 'host2', { foo: 'bar' });
  await assert.rejects(ipam.autoAssign({ num4: 1, hostname: 'host1' }), (e: Error) => e.message === 'no configured Calico pools for node host1');
  const r = await ipam.autoAssign({ num4: 1, hostname: 'host2' });
  assert.equal(r.ipv4[0]!.ip, '10.0.0.3');
  const affs = (await ds.list<{ spec: { node: string } }>({ kind: 'BlockAffinity' })).items;
  assert.deepEqual(affs.map((a) => a.value.spec.node), ['host1'], 'the block stays affine to host1 (not empty)');
});

test('an empty block of a pool that no longer selects the node is released on the next assignment', async () => {
  const ds = new MemoryDatastore();
  await node(ds, 'host', { foo: 'bar' });
  await selPool(ds, 'p1', '10.0.0.0/24', 'foo == "bar"');
  const ipam = new IpamClient(ds);
  const first = (await ipam.autoAssign({ num4: 3, hostname: 'host' })).ipv4.map((a) => a.ip);
  await ipam.releaseIPs(first);
  await selPool(ds, 'p1', '10.0.0.0/24', 'foo != "bar"');
  assert.equal((await blocks(ds)).length, 1, 'nothing happens until the next assignment');
  await selPool(ds, 'p2', '20.0.0.0/24', 'all()');
  const second = await ipam.autoAssign({ num4: 3, hostname: 'host' });
  assert.ok(second.ipv4.every((a) => a.ip.startsWith('20.0.0.')));
  const bs = await blocks(ds);
  assert.equal(bs.length, 1);
  assert.ok(bs[0]!.spec.cidr.startsWith('20.0.0.'));
});

test('a block of a pool that is only not requested (or not allowed for the use) is kept', async () => {
  const ds = new MemoryDatastore();
  await node(ds, 'host', { foo: 'bar' });
  await selPool(ds, 'p1', '10.0.0.0/24', 'foo == "bar"');
  await selPool(ds, 'p2', '20.0.0.0/24', 'all()');
  const ipam = new IpamClient(ds);
  const ip = (await ipam.autoAssign({ num4: 1, hostname: 'host', ipv4Pools: ['p1'] })).ipv4[0]!.ip;
  await ipam.releaseIPs([ip]);
  await ipam.autoAssign({ num4: 1, hostname: 'host', ipv4Pools: ['20.0.0.0/24'] });
  assert.equal((await blocks(ds)).length, 2);
});

test('maxBlocksPerHost: the more restrictive of the request and the global config applies', async () => {
  const ds = new MemoryDatastore();
  await selPool(ds, 'p', '10.0.0.0/28', 'all()', 30);
  const ipam = new IpamClient(ds);
  await ipam.setIPAMConfig({ autoAllocateBlocks: true, strictAffinity: true, maxBlocksPerHost: 2 });
  for (let i = 0; i < 8; i++) await ipam.autoAssign({ num4: 1, hostname: 'n1', handleId: 'n1' });
  await assert.rejects(ipam.autoAssign({ num4: 1, hostname: 'n1', handleId: 'n1' }), { code: 'CALICO_ERR_IPAM_EXHAUSTED' });
  assert.equal((await ipam.autoAssign({ num4: 1, hostname: 'n2', handleId: 'n2' })).ipv4.length, 1);
  await assert.rejects(ipam.autoAssign({ num4: 1, hostname: 'n1', handleId: 'n1', maxBlocksPerHost: 3 }), { code: 'CALICO_ERR_IPAM_EXHAUSTED' });
  await ipam.setIPAMConfig({ autoAllocateBlocks: true, strictAffinity: true, maxBlocksPerHost: 3 });
  await assert.rejects(ipam.autoAssign({ num4: 1, hostname: 'n1', handleId: 'n1', maxBlocksPerHost: 2 }), { code: 'CALICO_ERR_IPAM_EXHAUSTED' });
  assert.equal((await ipam.autoAssign({ num4: 1, hostname: 'n1', handleId: 'n1' })).ipv4.length, 1);
  assert.equal((await ipam.ipsByHandle('n1')).length, 9);
});

test('sequence numbers: a release based on stale information conflicts (released and re-assigned meanwhile)', async () => {
  const ds = new MemoryDatastore();
  await selPool(ds, 'p', '10.0.0.0/24', 'all()', 30);
  const ipam = new IpamClient(ds);
  const handle = 'testnode-ipip-tunnel-address';
  const seqOf = async (ip: string): Promise<number> => (await listAllocations(ds)).find((a) => a.ip === ip)!.sequenceNumber!;
  let expected = 0;
  for (let i = 0; i < 5; i++) {
    const ip = (await ipam.autoAssign({ num4: 1, hostname: 'testnode', handleId: handle, intendedUse: 'Tunnel' })).ipv4[0]!.ip;
    const seq = await seqOf(ip);
    if (i === 0) expected = seq; else assert.equal(seq, expected);
    await ipam.releaseByHandle(handle);
    await ipam.assignIP({ ip, hostname: 'testnode', handleId: handle });
    expected += 2;
    await assert.rejects(ipam.releaseIPs([{ ip, sequenceNumber: seq, handleId: handle }]), { code: 'CALICO_ERR_CONFLICT' });
    const fresh = await seqOf(ip);
    assert.equal(fresh, expected);
    assert.deepEqual(await ipam.releaseIPs([{ ip, sequenceNumber: fresh, handleId: handle }]), []);
    expected += 2;
  }
});

test('allocations wrap around a block: released addresses go to the back', async () => {
  const ds = new MemoryDatastore();
  await selPool(ds, 'p', '10.0.0.0/24', 'all()', 30);
  const ipam = new IpamClient(ds);
  const order: string[] = [];
  for (let i = 0; i < 4; i++) {
    const ip = (await ipam.autoAssign({ num4: 1, hostname: 'wrap-node' })).ipv4[0]!.ip;
    assert.ok(!order.includes(ip));
    order.push(ip);
    assert.deepEqual(await ipam.releaseIPs([ip]), []);
  }
  assert.equal((await ipam.autoAssign({ num4: 1, hostname: 'wrap-node' })).ipv4[0]!.ip, order[0]);
});

test('one request spanning many tiny blocks (256 addresses from /30 blocks, v4 and v6)', async () => {
  const ds = new MemoryDatastore();
  await selPool(ds, 'v4', '192.168.1.0/24', 'all()', 30);
  await selPool(ds, 'v6', 'fd80:24e2:f998:72d6::/120', 'all()', 126);
  const ipam = new IpamClient(ds);
  const r = await ipam.autoAssign({ num4: 256, num6: 256, hostname: 'test-host', maxBlocksPerHost: 256 });
  assert.equal(new Set(r.ipv4.map((a) => a.ip)).size, 256);
  assert.equal(new Set(r.ipv6.map((a) => a.ip)).size, 256);
  assert.equal((await blocks(ds)).length, 128);
  const one = new MemoryDatastore();
  await selPool(one, 'v4', '192.168.1.0/24', 'all()', 32);
  await selPool(one, 'v6', 'fd80:24e2:f998:72d6::/120', 'all()', 128);
  const t = await new IpamClient(one).autoAssign({ num4: 1, num6: 1, hostname: 'test-host' });
  assert.match(t.ipv4[0]!.cidr, /\/32$/);
  assert.match(t.ipv6[0]!.cidr, /\/128$/);
});
