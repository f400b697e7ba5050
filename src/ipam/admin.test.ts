import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryDatastore } from '../datastore/memory/memory-datastore.js';
import { IpamClient } from './index.js';
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
