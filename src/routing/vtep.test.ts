import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../api/index.js';
import type { Resource } from '../api/types.js';
import { MemoryDatastore } from '../datastore/memory/memory-datastore.js';
import { ResourceClient } from '../datastore/resource-client.js';
import { IpamClient } from '../ipam/ipam-client.js';
import { parsePools } from './routing-model.js';
import { vtepMacFor, vxlanPools } from './vxlan-plan.js';
import { ensureVtepAddress, vxlanHandle } from './vtep.js';

async function setup(): Promise<{ ds: MemoryDatastore; client: ResourceClient }> {
  const ds = new MemoryDatastore();
  const client = new ResourceClient(ds);
  await client.create({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'vx' }, spec: { cidr: '10.244.0.0/16', vxlanMode: 'Always' } } as Resource);
  await client.create({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'vx6' }, spec: { cidr: 'fd00:10::/48', vxlanMode: 'Always' } } as Resource);
  await client.create({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'plain' }, spec: { cidr: '10.99.0.0/16' } } as Resource);
  await client.create({ apiVersion: 'projectcalico.org/v3', kind: 'Node', metadata: { name: 'n1' }, spec: { bgp: { ipv4Address: '10.0.0.1/24' } } } as Resource);
  return { ds, client };
}

async function pools(client: ResourceClient) {
  return parsePools(new Map((await client.list('IPPool')).items.map((r) => [r.metadata.name, r])));
}

test('VTEP address: allocated once from a VXLAN pool under the node\'s handle, recorded on the Node, kept on later calls', async () => {
  const { ds, client } = await setup();
  const p = await pools(client);
  const first = await ensureVtepAddress(ds, 'n1', vxlanPools(p, 4));
  assert.ok(first);
  assert.match(first.address, /^10\.244\./);
  assert.equal(first.mac, vtepMacFor('n1'));
  const spec = (await client.get('Node', 'n1')).spec as Record<string, unknown>;
  assert.equal(spec['ipv4VXLANTunnelAddr'], first.address);
  assert.equal(spec['vxlanTunnelMACAddr'], first.mac);
  assert.deepEqual((spec['bgp'] as Record<string, unknown>)['ipv4Address'], '10.0.0.1/24', 'other fields untouched');
  const attrs = await new IpamClient(ds).getAssignmentAttributes(first.address);
  assert.equal(attrs.handleId, vxlanHandle('n1'));
  assert.deepEqual(await ensureVtepAddress(ds, 'n1', vxlanPools(p, 4)), first);
  assert.deepEqual(await new IpamClient(ds).ipsByHandle('vxlan-tunnel-addr-n1'), [first.address]);
});

test('VTEP MAC already on the Node is kept; IPv6 VTEP under its own handle and fields', async () => {
  const { ds, client } = await setup();
  const n = await client.get('Node', 'n1');
  await client.update({ ...n, spec: { ...n.spec, vxlanTunnelMACAddr: 'EE:EE:EE:00:00:01' } } as Resource);
  const p = await pools(client);
  const v4 = await ensureVtepAddress(ds, 'n1', vxlanPools(p, 4));
  assert.equal(v4?.mac, 'ee:ee:ee:00:00:01');
  const v6 = await ensureVtepAddress(ds, 'n1', vxlanPools(p, 6), 6);
  assert.match(v6?.address ?? '', /^fd00:10:/);
  const spec = (await client.get('Node', 'n1')).spec as Record<string, unknown>;
  assert.equal(spec['ipv6VXLANTunnelAddr'], v6?.address);
  assert.equal(spec['vxlanTunnelMACAddrV6'], vtepMacFor('n1', 6));
  assert.deepEqual(await new IpamClient(ds).ipsByHandle('vxlan-v6-tunnel-addr-n1'), [v6?.address]);
});

test('no VXLAN pool: the address is released and the Node fields cleared; a stale address outside the pools is replaced', async () => {
  const { ds, client } = await setup();
  const p = await pools(client);
  const first = await ensureVtepAddress(ds, 'n1', vxlanPools(p, 4));
  assert.equal(await ensureVtepAddress(ds, 'n1', []), undefined);
  await assert.rejects(new IpamClient(ds).ipsByHandle(vxlanHandle('n1')), /does not exist/);
  const spec = (await client.get('Node', 'n1')).spec as Record<string, unknown>;
  assert.equal(spec['ipv4VXLANTunnelAddr'], undefined);
  assert.equal(spec['vxlanTunnelMACAddr'], undefined);
  // An address held in a pool that is no longer VXLAN is swapped for one in a VXLAN pool.
  await new IpamClient(ds).assignIP({ ip: '10.99.0.5', handleId: vxlanHandle('n1'), hostname: 'n1' });
  const next = await ensureVtepAddress(ds, 'n1', vxlanPools(p, 4));
  assert.match(next?.address ?? '', /^10\.244\./);
  assert.deepEqual(await new IpamClient(ds).ipsByHandle(vxlanHandle('n1')), [next?.address]);
  assert.ok(first);
});

test('a missing Node is a clear error and nothing is allocated', async () => {
  const { ds, client } = await setup();
  await assert.rejects(ensureVtepAddress(ds, 'ghost', vxlanPools(await pools(client), 4)), /Node ghost does not exist/);
  await assert.rejects(new IpamClient(ds).ipsByHandle(vxlanHandle('ghost')), /does not exist/);
});

test('a disabled VXLAN pool keeps an existing VTEP address but gives no new one', async () => {
  const { ds, client } = await setup();
  const first = await ensureVtepAddress(ds, 'n1', vxlanPools(await pools(client), 4));
  const p = await client.get('IPPool', 'vx');
  await client.update({ ...p, spec: { ...p.spec, disabled: true } } as Resource);
  const disabledPools = vxlanPools(await pools(client), 4);
  assert.deepEqual(await ensureVtepAddress(ds, 'n1', disabledPools), first);
  await client.create({ apiVersion: 'projectcalico.org/v3', kind: 'Node', metadata: { name: 'n2' }, spec: { bgp: { ipv4Address: '10.0.0.2/24' } } } as Resource);
  await assert.rejects(ensureVtepAddress(ds, 'n2', disabledPools), /no enabled IPv4 VXLAN pool/);
});
