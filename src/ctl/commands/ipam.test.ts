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
  assert.match(lines[0]!, /^GROUPING\s+CIDR\s+IPS TOTAL\s+IPS IN USE\s+IPS FREE$/);
  assert.match(lines[1]!, /^IP Pool\s+10\.20\.0\.0\/24\s+256\s+3 \(1%\)\s+253 \(99%\)$/);
  assert.match(lines[2]!, /^Block\s+10\.20\.0\.\d+\/26\s+64\s+3 \(5%\)\s+61 \(95%\)$/);
  const ip = (await new IpamClient(ds).ipsByHandle('h1'))[0]!;
  const one = await run(ds, 'ipam', 'show', `--ip=${ip}`);
  assert.match(one.out, new RegExp(`IP ${ip.replace(/\./g, '\\.')} is in use`));
  assert.match(one.out, /pod: p/);
  assert.match((await run(ds, 'ipam', 'show', '--ip=10.99.0.1')).out, /is not currently assigned/);
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
    assert.equal((JSON.parse(readFileSync(report, 'utf8')) as { leakedIps: unknown[] }).leakedIps.length, 3);
    const ips = await ipam.ipsByHandle('h1');
    assert.equal((await run(ds, 'ipam', 'release', `--ip=${ips[0]!}`)).out, `Successfully released IP address ${ips[0]!}\n`);
    const again = await run(ds, 'ipam', 'release', `--ip=${ips[0]!}`);
    assert.equal(again.code, 1);
    assert.match(again.err, /not assigned/);
    assert.match((await run(ds, 'ipam', 'release', '--from-report', report)).out, /Released 2 IPs/);
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
