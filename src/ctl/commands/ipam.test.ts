import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryDatastore } from '../../datastore/memory/memory-datastore.js';
import { IpamClient } from '../../ipam/index.js';
import { main } from '../main.js';

async function run(ds: MemoryDatastore, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, readStdin: async () => '', env: {}, datastore: ds });
  return { code, out, err };
}

async function setup(): Promise<{ ds: MemoryDatastore; ipam: IpamClient }> {
  const ds = new MemoryDatastore();
  await ds.create({ kind: 'IPPool', name: 'p1' }, { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p1' }, spec: { cidr: '10.20.0.0/24', blockSize: 26 } });
  const ipam = new IpamClient(ds);
  await ipam.autoAssign({ num4: 3, handleId: 'h1', hostname: 'n1', attrs: { pod: 'p', namespace: 'ns', node: 'n1' } });
  return { ds, ipam };
}

test('ipam show prints pool and block usage like calicoctl', async () => {
  const { ds } = await setup();
  const r = await run(ds, 'ipam', 'show', '--show-blocks');
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trim().split('\n');
  assert.match(lines[0]!, /^GROUPING\s+CIDR\s+IPS TOTAL\s+IPS IN USE\s+IPS RESERVED\s+IPS FREE$/);
  assert.match(lines[1]!, /^IP Pool\s+10\.20\.0\.0\/24\s+256\s+3 \(1%\)\s+0 \(0%\)\s+253 \(99%\)$/);
  assert.match(lines[2]!, /^Block\s+10\.20\.0\.\d+\/26\s+64\s+3 \(5%\)\s+0 \(0%\)\s+61 \(95%\)$/);
  const ip = (await new IpamClient(ds).ipsByHandle('h1'))[0]!;
  const one = await run(ds, 'ipam', 'show', `--ip=${ip}`);
  assert.match(one.out, new RegExp(`IP ${ip.replace(/\./g, '\\.')} is in use`));
  assert.match(one.out, /pod: p/);
  assert.equal((await run(ds, 'ipam', 'show', '--ip=10.99.0.1')).out, '10.99.0.1 is not assigned\n');
  const bad = await run(ds, 'ipam', 'show', '--ip=10.240.0.300');
  assert.equal(bad.code, 1);
  assert.match(bad.err, /invalid IP address/);
});

test('ipam check finds leaks, writes a report; release --from-report and --ip clean up', async () => {
  const { ds, ipam } = await setup();
  const dir = mkdtempSync(join(tmpdir(), 'calico-ipam-ctl-'));
  try {
    const report = join(dir, 'r.json');
    const r = await run(ds, 'ipam', 'check', '-o', report);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Found 3 IPs that are allocated in IPAM but not actually in use/);
    assert.match(r.out, /found 3 problems/);
    const rep = JSON.parse(readFileSync(report, 'utf8')) as { version: string; allocations: Record<string, { inUse: boolean; handle: string }[]> };
    assert.equal(Object.values(rep.allocations).flat().filter((a) => !a.inUse && a.handle === 'h1').length, 3);
    const ips = await ipam.ipsByHandle('h1');
    assert.equal((await run(ds, 'ipam', 'release', `--ip=${ips[0]!}`)).out, `Successfully released IP address ${ips[0]!}\n`);
    const again = await run(ds, 'ipam', 'release', `--ip=${ips[0]!}`);
    assert.equal(again.code, 1);
    assert.match(again.err, /not assigned/);
    const locked = await run(ds, 'ipam', 'release', '--from-report', report);
    assert.equal(locked.code, 1);
    assert.match(locked.err, /data store is not locked/);
    const forced = await run(ds, 'ipam', 'release', '--from-report', report, '--force');
    assert.equal(forced.code, 0, forced.err);
    assert.match(forced.out, /Releasing 3 old IPs\.\.\.\nReleased 2 IPs successfully\n1 addresses marked as leaked in the report had already been cleaned up\./);
    assert.match((await run(ds, 'ipam', 'check')).out, /found 0 problems/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ipam configure writes IPAMConfiguration default', async () => {
  const { ds } = await setup();
  assert.equal((await run(ds, 'ipam', 'configure', '--strictaffinity=true', '--max-blocks-per-host=2')).code, 0);
  const c = await ds.get<{ spec: Record<string, unknown> }>({ kind: 'IPAMConfiguration', name: 'default' });
  assert.deepEqual(c?.value.spec, { strictAffinity: true, autoAllocateBlocks: true, maxBlocksPerHost: 2 });
  assert.equal((await run(ds, 'ipam', 'configure', '--strictaffinity=maybe')).code, 1);
  assert.match((await run(ds, 'ipam', 'show', '--show-configuration')).out, /StrictAffinity\s+true/);
});

test('numbers are printed like Go %.5g with round-half-even percentages', async () => {
  const { goG5 } = await import('./ipam.js');
  assert.equal(goG5(65536n), '65536');
  assert.equal(goG5(100000n), '1e+05');
  assert.equal(goG5(1208925819614629174706176n), '1.2089e+24');
  const ds = new MemoryDatastore();
  await ds.create({ kind: 'IPPool', name: 'b29' }, { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'b29' }, spec: { cidr: '10.66.0.0/16', blockSize: 29 } });
  await ds.create({ kind: 'IPPool', name: 'v6' }, { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'v6' }, spec: { cidr: 'fd5f:abcd:64::/48' } });
  await new IpamClient(ds).autoAssign({ num4: 11, num6: 7, hostname: 'n' });
  const lines = (await run(ds, 'ipam', 'show', '--show-blocks')).out.split('\n');
  assert.ok(lines.some((l) => /^Block\s+10\.66\.\S+\/29\s+8\s+8 \(100%\)\s+0 \(0%\)\s+0 \(0%\)$/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /^Block\s+10\.66\.\S+\/29\s+8\s+3 \(38%\)\s+0 \(0%\)\s+5 \(62%\)$/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /^IP Pool\s+fd5f:abcd:64::\/48\s+1\.2089e\+24\s+7 \(0%\)/.test(l)), lines.join('\n'));
});

test('ipam check reports leaked handles, missing handles and invalid blocks', async () => {
  const { ds } = await setup();
  await ds.create({ kind: 'IPAMHandle', name: 'orphan' }, { apiVersion: 'projectcalico.org/v3', kind: 'IPAMHandle', metadata: { name: 'orphan' }, spec: { handleID: 'orphan', block: { '10.20.0.0/26': 1 }, deleted: false } });
  const blk = (await ds.list<{ spec: { unallocated: number[] } }>({ kind: 'IPAMBlock' })).items[0]!;
  const broken = structuredClone(blk.value);
  broken.spec.unallocated.push(broken.spec.unallocated[0]!);
  await ds.update(blk.key, broken, blk.revision);
  const r = await run(ds, 'ipam', 'check', '--show-problem-ips');
  assert.match(r.out, /Found 1 handles with no matching IPs/);
  assert.match(r.out, /IPAMBlock \S+ is invalid: ordinal \d+ appears more than once in Unallocated array/);
  assert.match(r.out, /Found 1 invalid IPAMBlocks\./);
});

test('ipam split replaces a pool by 2^n pools with the same settings (datastore must be locked)', async () => {
  const { splitCidr } = await import('./ipam.js');
  assert.deepEqual(await splitCidr('10.0.0.0/24', 4), ['10.0.0.0/26', '10.0.0.64/26', '10.0.0.128/26', '10.0.0.192/26']);
  assert.deepEqual(await splitCidr('fd00::/64', 2), ['fd00::/65', 'fd00::8000:0:0:0/65']);
  await assert.rejects(splitCidr('10.0.0.0/24', 3), /not a valid power of 2/);
  await assert.rejects(splitCidr('10.0.0.0/31', 4), /not large enough/);
  const ds = new MemoryDatastore();
  await ds.create({ kind: 'IPPool', name: 'big' }, { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'big' }, spec: { cidr: '10.0.0.0/24', blockSize: 26, natOutgoing: true, disabled: false } });
  const unlocked = await run(ds, 'ipam', 'split', '2', '--name', 'big');
  assert.equal(unlocked.code, 1);
  assert.match(unlocked.err, /datastore is not locked/);
  await ds.create({ kind: 'ClusterInformation', name: 'default' }, { apiVersion: 'projectcalico.org/v3', kind: 'ClusterInformation', metadata: { name: 'default' }, spec: { datastoreReady: false } });
  const r = await run(ds, 'ipam', 'split', '2', '--cidr', '10.0.0.0/24');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /IP Pool big was successfully split into 2 smaller pools/);
  const pools = (await ds.list<{ spec: Record<string, unknown> }>({ kind: 'IPPool' })).items;
  assert.deepEqual(pools.map((p) => [p.key.name, p.value.spec['cidr'], p.value.spec['natOutgoing']]), [['split-big-0', '10.0.0.0/25', true], ['split-big-1', '10.0.0.128/25', true]]);
});

test('ipam show --show-borrowed lists addresses another node borrowed', async () => {
  const ds = new MemoryDatastore();
  await ds.create({ kind: 'IPPool', name: 'tiny' }, { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'tiny' }, spec: { cidr: '10.9.0.0/30', blockSize: 30 } });
  const ipam = new IpamClient(ds);
  await ipam.autoAssign({ num4: 1, hostname: 'a', attrs: { node: 'a', namespace: 'ns', pod: 'pa' } });
  const b = (await ipam.autoAssign({ num4: 1, hostname: 'b', attrs: { node: 'b', namespace: 'ns', pod: 'pb' } })).ipv4[0]!.ip;
  await ipam.autoAssign({ num4: 1, hostname: 'b', attrs: { node: 'b', type: 'vxlanTunnelAddress' } });
  const out = (await run(ds, 'ipam', 'show', '--show-borrowed')).out.trim().split('\n');
  assert.match(out[0]!, /^IP\s+BORROWING-NODE\s+BLOCK\s+BLOCK OWNER\s+TYPE\s+ALLOCATED-TO$/);
  assert.ok(out.some((l) => new RegExp(`^${b.replace(/\./g, '\\.')}\\s+b\\s+10\\.9\\.0\\.0/30\\s+a\\s+pod\\s+ns/pb$`).test(l)), out.join('\n'));
  assert.ok(out.some((l) => /\s+b\s+10\.9\.0\.0\/30\s+a\s+vxlanTunnelAddress$/.test(l)), out.join('\n'));
  assert.equal(out.length, 3);
});
