import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CNI_ERR_DECODING_FAILURE, CNI_ERR_INCOMPATIBLE_VERSION, CNI_ERR_INVALID_ENV, CNI_ERR_IPAM_EXHAUSTED,
  CNI_ERR_INTERNAL, CniError, encodeResult, parseCniArgs, parseResult, readCmdArgs, runPlugin, toCniError,
  type CmdArgs, type CniResult, type PluginIo,
} from './spec.js';

const baseEnv = { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'abc123', CNI_NETNS: '/var/run/netns/x', CNI_IFNAME: 'eth0', CNI_PATH: '/opt/cni/bin:/usr/lib/cni' };
const conf = JSON.stringify({ cniVersion: '1.0.0', name: 'net1', type: 'calico' });

function io(env: Record<string, string>, stdin: string): PluginIo & { out: string } {
  const o = { out: '', env, readStdin: () => stdin, writeStdout: (s: string) => { o.out += s; } };
  return o;
}

const result: CniResult = {
  cniVersion: '1.0.0',
  interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:01', sandbox: '/var/run/netns/x' }],
  ips: [{ address: '10.0.0.5/32', interface: 0 }, { address: 'fd00::5/128', interface: 0 }],
  routes: [{ dst: '0.0.0.0/0', gw: '169.254.1.1' }, { dst: '::/0', gw: 'fe80::ecee:eeff:feee:eeee' }],
};

test('CNI_ARGS parse into a map; a pair without = is error 4', () => {
  const m = parseCniArgs('IgnoreUnknown=1;K8S_POD_NAME=pod-1;K8S_POD_NAMESPACE=ns=x');
  assert.equal(m.get('K8S_POD_NAME'), 'pod-1');
  assert.equal(m.get('K8S_POD_NAMESPACE'), 'ns=x');
  assert.throws(() => parseCniArgs('a=1;bogus'), (e: CniError) => e.code === CNI_ERR_INVALID_ENV);
});

test('readCmdArgs reports missing env like libcni skel', () => {
  assert.throws(() => readCmdArgs({ CNI_COMMAND: 'ADD' }, conf),
    (e: CniError) => e.code === CNI_ERR_INVALID_ENV && e.message === 'required env variables [CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME,CNI_PATH] missing');
  // DEL does not need a netns.
  const del = readCmdArgs({ ...baseEnv, CNI_COMMAND: 'DEL', CNI_NETNS: '' }, conf);
  assert.equal(del.netns, '');
  assert.deepEqual(del.path, ['/opt/cni/bin', '/usr/lib/cni']);
  assert.throws(() => readCmdArgs({ ...baseEnv, CNI_CONTAINERID: '-bad' }, conf), (e: CniError) => e.code === CNI_ERR_INVALID_ENV);
  assert.throws(() => readCmdArgs({ ...baseEnv, CNI_IFNAME: 'a-very-long-ifname0' }, conf), (e: CniError) => e.code === CNI_ERR_INVALID_ENV);
});

test('readCmdArgs: malformed stdin is 6, unsupported version is 1, CHECK needs 0.4.0', () => {
  assert.throws(() => readCmdArgs(baseEnv, '{not json'), (e: CniError) => e.code === CNI_ERR_DECODING_FAILURE);
  assert.throws(() => readCmdArgs(baseEnv, JSON.stringify({ cniVersion: '9.9.9', name: 'n', type: 'calico' })),
    (e: CniError) => e.code === CNI_ERR_INCOMPATIBLE_VERSION);
  assert.throws(() => readCmdArgs({ ...baseEnv, CNI_COMMAND: 'CHECK' }, JSON.stringify({ cniVersion: '0.3.1', name: 'n', type: 'calico' })),
    (e: CniError) => e.code === CNI_ERR_INCOMPATIBLE_VERSION);
  assert.equal(readCmdArgs(baseEnv, JSON.stringify({ name: 'n', type: 'calico' })).cniVersion, '0.1.0');
});

test('encodeResult writes each version\'s wire format', () => {
  const v1 = encodeResult(result, '1.0.0');
  assert.deepEqual((v1['ips'] as unknown[])[0], { address: '10.0.0.5/32', interface: 0 });
  const v04 = encodeResult(result, '0.4.0');
  assert.deepEqual((v04['ips'] as unknown[])[1], { version: '6', address: 'fd00::5/128', interface: 0 });
  assert.equal(v04['cniVersion'], '0.4.0');
  const v02 = encodeResult(result, '0.2.0');
  assert.deepEqual(v02['ip4'], { ip: '10.0.0.5/32', routes: [{ dst: '0.0.0.0/0', gw: '169.254.1.1' }] });
  assert.equal((v02['ip6'] as { ip: string }).ip, 'fd00::5/128');
  assert.equal(v1['dns'], undefined);
});

test('parseResult round-trips every version back to the 1.0 shape', () => {
  for (const v of ['0.2.0', '0.3.1', '0.4.0', '1.0.0']) {
    const back = parseResult(JSON.parse(JSON.stringify(encodeResult(result, v))));
    assert.deepEqual(back.ips?.map((i) => i.address), ['10.0.0.5/32', 'fd00::5/128'], v);
    assert.equal(back.routes?.length, 2, v);
  }
  assert.throws(() => parseResult({ cniVersion: '1.0.0', ips: [{}] }), (e: CniError) => e.code === CNI_ERR_DECODING_FAILURE);
});

test('toCniError maps CalicoError codes and wraps unknown errors as 999', () => {
  const exhausted = Object.assign(new Error('no free address'), { code: 'CALICO_ERR_IPAM_EXHAUSTED' });
  assert.equal(toCniError(exhausted).code, CNI_ERR_IPAM_EXHAUSTED);
  assert.equal(toCniError(new Error('boom')).code, CNI_ERR_INTERNAL);
});

test('runPlugin prints the result in the config version and exits 0', async () => {
  let seen: CmdArgs | undefined;
  const o = io({ ...baseEnv, CNI_ARGS: 'K8S_POD_NAME=p' }, JSON.stringify({ cniVersion: '0.3.1', name: 'n', type: 'calico' }));
  const rc = await runPlugin({ add: async (a) => { seen = a; return result; }, del: async () => {} }, o);
  assert.equal(rc, 0);
  assert.equal(seen?.args.get('K8S_POD_NAME'), 'p');
  const out = JSON.parse(o.out) as Record<string, unknown>;
  assert.equal(out['cniVersion'], '0.3.1');
  assert.equal((out['ips'] as { version: string }[])[0]?.version, '4');
});

test('runPlugin prints error JSON with code and exits 1', async () => {
  const o = io(baseEnv, conf);
  const rc = await runPlugin({ add: async () => { throw new CniError(11, 'busy', 'retry'); }, del: async () => {} }, o);
  assert.equal(rc, 1);
  assert.deepEqual(JSON.parse(o.out), { cniVersion: '1.0.0', code: 11, msg: 'busy', details: 'retry' });
  const bad = io(baseEnv, 'garbage');
  assert.equal(await runPlugin({ add: async () => result, del: async () => {} }, bad), 1);
  assert.equal((JSON.parse(bad.out) as { code: number }).code, CNI_ERR_DECODING_FAILURE);
});

test('VERSION echoes a supported requested version and lists supported versions', async () => {
  const o = io({ CNI_COMMAND: 'VERSION' }, JSON.stringify({ cniVersion: '0.4.0' }));
  await runPlugin({ add: async () => result, del: async () => {} }, o);
  const out = JSON.parse(o.out) as { cniVersion: string; supportedVersions: string[] };
  assert.equal(out.cniVersion, '0.4.0');
  assert.ok(out.supportedVersions.includes('1.0.0'));
  const empty = io({ CNI_COMMAND: 'VERSION' }, '');
  await runPlugin({ add: async () => result, del: async () => {} }, empty);
  assert.equal((JSON.parse(empty.out) as { cniVersion: string }).cniVersion, '1.1.0');
});
