import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteDatastore } from '../datastore/sqlite/sqlite-datastore.js';
import { validateResource } from '../api/index.js';
import type { ExecOptions, ExecResult } from '../lib/exec.js';
import { CalicoPlugin } from './calico-plugin.js';
import type { KernelShim } from './linux-dataplane.js';
import { CNI_ERR_KERNEL, readCmdArgs, runPlugin, type PluginIo } from './spec.js';

const dir = mkdtempSync(join(tmpdir(), 'calico-plugin-unit-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const netns = join(dir, 'netns-a');
writeFileSync(netns, '');
const dbPath = join(dir, 'calico.db');

/**
 * Records every command; `fail` decides which ones fail (for `ip -batch`, it
 * is asked per input line, as `ip -batch - <<< <line>`, and the batch stops
 * there as ip does). Keeps the host veths a real kernel would have: created
 * by `link add`, gone with `ip link del` or with their peer inside the netns.
 */
class FakeKernel implements KernelShim {
  readonly calls: string[] = [];
  readonly sysctls = new Map<string, string>();
  /** host veth -> `<netns> <peer>` */
  readonly links = new Map<string, string>();
  fail: (line: string) => string | null = () => null;
  async exec(cmd: string, args: readonly string[], opts?: ExecOptions): Promise<ExecResult> {
    const line = [cmd, ...args].join(' ') + (opts?.input ? ` <<< ${opts.input.trim().replaceAll('\n', ' ; ')}` : '');
    this.calls.push(line);
    const inputs = opts?.input ? opts.input.trim().split('\n') : [''];
    for (const [i, l] of inputs.entries()) {
      const err = this.fail(opts?.input ? `${[cmd, ...args].join(' ')} <<< ${l}` : line);
      if (err) return { code: 2, stdout: '', stderr: opts?.input ? `${err}\nCommand failed -:${i + 1}\n` : err };
      const add = /^link add (\S+) .* peer name (\S+) .* netns (\S+)$/.exec(l);
      if (cmd === 'ip' && add) this.links.set(add[1]!, `${add[3]} ${add[2]}`);
    }
    if (cmd === 'ip' && args[0] === 'link' && args[1] === 'del') this.links.delete(args[3]!);
    const inNs = /^--net=(\S+)$/.exec(args[0] ?? '');
    if (cmd === 'nsenter' && inNs && args.slice(1, 4).join(' ') === 'ip link del') {
      for (const [host, peer] of this.links) if (peer === `${inNs[1]} ${args[5]}`) this.links.delete(host);
    }
    return { code: 0, stdout: '', stderr: '' };
  }
  writeSysctl(key: string, value: string): void { this.sysctls.set(key, value); }
  hostLinkExists(name: string): boolean { return this.links.has(name); }
}

const conf = { cniVersion: '1.0.0', name: 'net1', type: 'calico', nodename: 'node1', datastore_type: 'sqlite', datastore_path: dbPath, ipam: { type: 'calico-ipam' }, mtu: 1450, log_level: 'none', ipam_lock_file: join(dir, 'ipam.lock') };
const env = (command: string, id = 'ctr1') => ({
  CNI_COMMAND: command, CNI_CONTAINERID: id, CNI_NETNS: netns, CNI_IFNAME: 'eth0', CNI_PATH: '/nonexistent',
  CNI_ARGS: 'K8S_POD_NAMESPACE=web;K8S_POD_NAME=pod-a',
});
function io(e: Record<string, string>, stdin: unknown): PluginIo & { out: string } {
  const o = { out: '', env: e, readStdin: () => JSON.stringify(stdin), writeStdout: (s: string) => { o.out += s; } };
  return o;
}

const ds = SqliteDatastore.open(dbPath);
after(() => ds.close());
await ds.create({ kind: 'IPPool', name: 'p' }, {
  apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p' },
  spec: { cidr: '10.77.0.0/24', blockSize: 26, nodeSelector: 'all()', ipipMode: 'Never', vxlanMode: 'Never' },
});

test('ADD programs the kernel in three batches and writes the endpoint; DEL undoes it', async () => {
  const k = new FakeKernel();
  const plugin = new CalicoPlugin({ kernel: k });
  const add = io(env('ADD'), conf);
  assert.equal(await runPlugin(plugin, add), 0, add.out);
  const res = JSON.parse(add.out) as { ips: { address: string }[]; interfaces: { name: string }[] };
  assert.match(res.ips[0]!.address, /^10\.77\.0\.\d+\/32$/);
  const veth = res.interfaces[0]!.name;
  assert.match(veth, /^cali[0-9a-f]{11}$/);
  // IPv4: two spawns, the host side (veth, up, route) in one batch and the workload side in its netns.
  assert.equal(k.calls.length, 2, k.calls.join('\n'));
  assert.match(k.calls[0]!, new RegExp(`^ip -batch - <<< link add ${veth} mtu 1450 address ee:ee:ee:ee:ee:ee type veth peer name eth0 mtu 1450 address [0-9a-f:]{17} netns ${netns} ; link set dev ${veth} up ; route add 10\\.77\\.0\\.\\d+/32 dev ${veth} scope link$`));
  assert.match(k.calls[1]!, /^nsenter --net=\S+ sh -c [\s\S]*ip_forward[\s\S]* <<< link set dev eth0 up ; addr add 10\.77\.0\.\d+\/32 dev eth0 ; route add 169\.254\.1\.1\/32 dev eth0 scope link ; route add 0\.0\.0\.0\/0 via 169\.254\.1\.1 dev eth0$/);
  assert.ok(k.links.has(veth));
  assert.equal(k.sysctls.get(`net/ipv4/conf/${veth}/proxy_arp`), '1');
  assert.equal(k.sysctls.get(`net/ipv4/neigh/${veth}/proxy_delay`), '0');
  assert.equal(k.sysctls.get(`net/ipv4/conf/${veth}/forwarding`), '1');
  assert.equal(k.sysctls.get(`net/ipv4/conf/${veth}/route_localnet`), '1');
  const wep = await ds.get<{ spec: { ipNetworks: string[]; interfaceName: string; profiles: string[] } }>({ kind: 'WorkloadEndpoint', namespace: 'web', name: 'node1-k8s-pod--a-eth0' });
  assert.ok(wep);
  assert.deepEqual(wep.value.spec.ipNetworks, [res.ips[0]!.address]);
  assert.deepEqual(wep.value.spec.profiles, ['kns.web']);
  // What the plugin writes passes the API's full validation (not run on the ADD path for start-up time).
  assert.doesNotThrow(() => validateResource(wep.value));

  k.calls.length = 0;
  const del = io(env('DEL'), conf);
  assert.equal(await runPlugin(plugin, del), 0, del.out);
  assert.ok(k.calls.some((c) => c.startsWith(`nsenter --net=${netns} ip link del dev eth0`)));
  // Deleting eth0 took its host peer along: no spawn to delete what is already gone.
  assert.ok(!k.links.has(veth));
  assert.ok(!k.calls.some((c) => c === `ip link del dev ${veth}`), k.calls.join('\n'));
  assert.equal(await ds.get({ kind: 'WorkloadEndpoint', namespace: 'web', name: 'node1-k8s-pod--a-eth0' }), null);
  assert.equal((await ds.list({ kind: 'IPAMHandle' })).items.length, 0);
});

test('a kernel failure after IPAM rolls everything back and reports a CNI error', async () => {
  const k = new FakeKernel();
  k.fail = (line) => (line.includes('route add 10.77.') && line.startsWith('ip -batch') ? 'RTNETLINK answers: File exists' : null);
  const add = io(env('ADD', 'ctr2'), conf);
  assert.equal(await runPlugin(new CalicoPlugin({ kernel: k }), add), 1);
  const err = JSON.parse(add.out) as { code: number; msg: string };
  assert.equal(err.code, CNI_ERR_KERNEL);
  assert.match(err.msg, /already exists for an interface other than/);
  assert.ok(k.calls.at(-1)!.startsWith('ip link del dev cali'), 'veth deleted');
  assert.deepEqual((await ds.list({ kind: 'IPAMHandle' })).items.map((i) => [i.key.name, i.value]), [], 'address released');
  assert.equal((await ds.list({ kind: 'WorkloadEndpoint' })).items.length, 0, 'no endpoint');
});

test('CHECK without prevResult is refused; CHECK of an unknown container is error 3', async () => {
  const plugin = new CalicoPlugin({ kernel: new FakeKernel() });
  const args = readCmdArgs(env('CHECK', 'nobody'), JSON.stringify(conf));
  await assert.rejects(plugin.check(args), (e: { code: number }) => e.code === 7);
  const withPrev = readCmdArgs(env('CHECK', 'nobody'), JSON.stringify({ ...conf, prevResult: { cniVersion: '1.0.0', ips: [{ address: '10.77.0.9/32' }] } }));
  await assert.rejects(plugin.check(withPrev), (e: { code: number }) => e.code === 3);
});

test('GC (1.1) releases the addresses of attachments the runtime no longer has', async () => {
  const k = new FakeKernel();
  const plugin = new CalicoPlugin({ kernel: k });
  const conf11 = { ...conf, cniVersion: '1.1.0' };
  for (const id of ['keep1', 'drop1']) assert.equal(await runPlugin(plugin, io(env('ADD', id), conf11)), 0);
  assert.equal((await ds.list({ kind: 'IPAMHandle' })).items.length, 2);
  const gc = io({ CNI_COMMAND: 'GC', CNI_PATH: '/nonexistent' }, { ...conf11, 'cni.dev/valid-attachments': [{ containerID: 'keep1', ifname: 'eth0' }] });
  assert.equal(await runPlugin(plugin, gc), 0, gc.out);
  assert.deepEqual((await ds.list({ kind: 'IPAMHandle' })).items.map((i) => i.key.name), ['net1.keep1']);
  assert.equal(await runPlugin(plugin, io(env('DEL', 'keep1'), conf11)), 0);
  assert.equal(await runPlugin(plugin, io(env('DEL', 'drop1'), conf11)), 0);
});

test('upstream behaviours: not-ready datastore refuses ADD and DEL; unknown dataplane type is refused', async () => {
  const plugin = new CalicoPlugin({ kernel: new FakeKernel() });
  await ds.create({ kind: 'ClusterInformation', name: 'default' }, { apiVersion: 'projectcalico.org/v3', kind: 'ClusterInformation', metadata: { name: 'default' }, spec: { datastoreReady: false } });
  try {
    for (const cmd of ['ADD', 'DEL']) {
      const o = io(env(cmd, 'notready'), conf);
      assert.equal(await runPlugin(plugin, o), 1);
      assert.equal((JSON.parse(o.out) as { code: number }).code, 11, cmd);
    }
  } finally {
    await ds.delete({ kind: 'ClusterInformation', name: 'default' });
  }
  const o = io(env('ADD', 'dp'), { ...conf, dataplane_options: { type: 'invalid-dataplane-type' } });
  assert.equal(await runPlugin(plugin, o), 1);
  assert.equal((JSON.parse(o.out) as { code: number }).code, 7);
  assert.equal((await ds.list({ kind: 'IPAMHandle' })).items.length, 0);
});

test('a stored Pod without a service account gets ksa.<ns>.default, as the API server defaults it', async () => {
  const { podInfo } = await import('./workload-endpoint.js');
  const info = podInfo('test', { metadata: { name: 'p', namespace: 'test' }, spec: { containers: [{ name: 'c', ports: [{ name: 'anamedport', containerPort: 555 }] }] } });
  assert.deepEqual(info.profiles, ['kns.test', 'ksa.test.default']);
  assert.deepEqual(info.labels, { 'projectcalico.org/namespace': 'test', 'projectcalico.org/orchestrator': 'k8s', 'projectcalico.org/serviceaccount': 'default' });
  assert.deepEqual(info.ports, [{ name: 'anamedport', protocol: 'TCP', port: 555 }]);
  assert.deepEqual(podInfo('test', null).profiles, ['kns.test']);
});

test('pod annotations: ipAddrs, ipAddrsNoIpam (feature-gated), floatingIPs, allowedSourcePrefixes', async () => {
  const plugin = new CalicoPlugin({ kernel: new FakeKernel() });
  const envFor = (command: string, id: string, pod: string) => ({ ...env(command, id), CNI_ARGS: `K8S_POD_NAMESPACE=web;K8S_POD_NAME=${pod}` });
  const putPod = (name: string, annotations: Record<string, string>) => ds.create({ kind: 'Pod', namespace: 'web', name },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'web', annotations }, spec: {} });
  type W = { spec: { ipNetworks: string[]; ipNATs?: unknown; allowSpoofedSourcePrefixes?: string[] } };
  const wepOf = async (pod: string) => (await ds.get<W>({ kind: 'WorkloadEndpoint', namespace: 'web', name: `node1-k8s-${pod}-eth0` }))?.value;

  await putPod('fixed', { 'cni.projectcalico.org/ipAddrs': '["10.77.0.42"]', 'cni.projectcalico.org/allowedSourcePrefixes': '["192.168.5.7/24"]' });
  const a = io(envFor('ADD', 'fixedc', 'fixed'), conf);
  assert.equal(await runPlugin(plugin, a), 0, a.out);
  assert.deepEqual((await wepOf('fixed'))?.spec.ipNetworks, ['10.77.0.42/32']);
  assert.deepEqual((await wepOf('fixed'))?.spec.allowSpoofedSourcePrefixes, ['192.168.5.0/24']);

  await putPod('noipam', { 'cni.projectcalico.org/ipAddrsNoIpam': '["10.99.1.1"]' });
  const refused = io(envFor('ADD', 'noipamc', 'noipam'), conf);
  assert.equal(await runPlugin(plugin, refused), 1);
  assert.match(refused.out, /requested feature is not enabled: ip_addrs_no_ipam/);
  const allowed = io(envFor('ADD', 'noipamc', 'noipam'), { ...conf, feature_control: { ip_addrs_no_ipam: true } });
  assert.equal(await runPlugin(plugin, allowed), 0, allowed.out);
  assert.deepEqual((await wepOf('noipam'))?.spec.ipNetworks, ['10.99.1.1/32']);

  await putPod('floating', { 'cni.projectcalico.org/floatingIPs': '["1.2.3.4"]' });
  const noFeature = io(envFor('ADD', 'floatc', 'floating'), conf);
  assert.equal(await runPlugin(plugin, noFeature), 1);
  assert.match(noFeature.out, /floating_ips/);
  const withFeature = io(envFor('ADD', 'floatc', 'floating'), { ...conf, feature_control: { floating_ips: true } });
  assert.equal(await runPlugin(plugin, withFeature), 0, withFeature.out);
  const w = await wepOf('floating');
  assert.deepEqual(w?.spec.ipNATs, [{ internalIP: w!.spec.ipNetworks[0]!.split('/')[0], externalIP: '1.2.3.4' }]);

  await putPod('both', { 'cni.projectcalico.org/ipAddrs': '["10.77.0.43"]', 'cni.projectcalico.org/ipAddrsNoIpam': '["10.77.0.44"]' });
  const both = io(envFor('ADD', 'bothc', 'both'), conf);
  assert.equal(await runPlugin(plugin, both), 1);
  assert.match(both.out, /can't have both annotations/);

  for (const [id, pod] of [['fixedc', 'fixed'], ['noipamc', 'noipam'], ['floatc', 'floating']] as const) {
    assert.equal(await runPlugin(plugin, io(envFor('DEL', id, pod), conf)), 0);
  }
  assert.equal((await ds.list({ kind: 'IPAMHandle' })).items.length, 0, 'nothing leaked, also after the refused ADDs');
  assert.equal((await ds.list({ kind: 'WorkloadEndpoint' })).items.length, 0);
});

test('pod annotations: hwAddr sets the MAC, bad ones fail before IPAM; ipv4pools: pod over namespace over netconf', async () => {
  const k = new FakeKernel();
  const plugin = new CalicoPlugin({ kernel: k });
  const envFor = (command: string, id: string, pod: string, ns = 'web') => ({ ...env(command, id), CNI_ARGS: `K8S_POD_NAMESPACE=${ns};K8S_POD_NAME=${pod}` });
  const putPod = (name: string, annotations: Record<string, string>, ns = 'web') => ds.create({ kind: 'Pod', namespace: ns, name },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, annotations }, spec: {} });
  type W = { spec: { ipNetworks: string[]; mac?: string } };
  const wepOf = async (pod: string, ns = 'web') => (await ds.get<W>({ kind: 'WorkloadEndpoint', namespace: ns, name: `node1-k8s-${pod}-eth0` }))?.value;

  await putPod('mac', { 'cni.projectcalico.org/hwAddr': 'C2-11-22-33-44-55' });
  const ok = io(envFor('ADD', 'macc', 'mac'), conf);
  assert.equal(await runPlugin(plugin, ok), 0, ok.out);
  assert.equal((await wepOf('mac'))?.spec.mac, 'c2:11:22:33:44:55');
  assert.ok(k.calls.some((c) => c.includes('peer name eth0') && c.includes('address c2:11:22:33:44:55')), 'the container side gets the MAC');
  assert.equal(await runPlugin(plugin, io(envFor('DEL', 'macc', 'mac'), conf)), 0);

  for (const [pod, ann, msg] of [
    ['badmac', { 'cni.projectcalico.org/hwAddr': 'not-a-mac' }, /failed to parse MAC address 'not-a-mac'/],
    ['mcast', { 'cni.projectcalico.org/hwAddr': '01:00:5e:00:00:01' }, /multicast/],
    ['nofloat', { 'cni.projectcalico.org/floatingIPs': '["1.2.3.4"]' }, /requested feature is not enabled: floating_ips/],
    ['badfloat', { 'cni.projectcalico.org/floatingIPs': '["nope"]' }, /invalid IP format: nope/],
    ['badpools', { 'cni.projectcalico.org/ipv4pools': 'pool-a' }, /ipv4pools/],
    ['nopool', { 'cni.projectcalico.org/ipv4pools': '["no-such-pool"]' }, /the given pool \(no-such-pool\) does not exist/],
  ] as const) {
    await putPod(pod, ann);
    const r = io(envFor('ADD', `${pod}c`, pod), pod === 'badfloat' ? { ...conf, feature_control: { floating_ips: true } } : conf);
    assert.equal(await runPlugin(plugin, r), 1, pod);
    assert.match(r.out, msg);
    assert.equal((await ds.list({ kind: 'IPAMHandle' })).items.length, 0, `${pod}: nothing allocated`);
    assert.equal(await wepOf(pod), undefined);
  }

  // Pools: the pod's annotation beats its namespace's, which beats the netconf's ipam.ipv4_pools.
  for (const [name, cidr] of [['pool-conf', '10.61.0.0/24'], ['pool-ns', '10.62.0.0/24'], ['pool-pod', '10.63.0.0/24']] as const) {
    await ds.create({ kind: 'IPPool', name }, { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name }, spec: { cidr, blockSize: 26 } });
  }
  await ds.create({ kind: 'Namespace', name: 'pools' }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'pools', annotations: { 'cni.projectcalico.org/ipv4pools': '["pool-ns"]' } } });
  const poolConf = { ...conf, ipam: { type: 'calico-ipam', ipv4_pools: ['pool-conf'] } };
  await putPod('nsdefault', {}, 'pools');
  await putPod('own', { 'cni.projectcalico.org/ipv4pools': '["10.63.0.0/24"]' }, 'pools');
  await putPod('plain', {});
  for (const [pod, ns, prefix] of [['nsdefault', 'pools', '10.62.0.'], ['own', 'pools', '10.63.0.'], ['plain', 'web', '10.61.0.']] as const) {
    const r = io(envFor('ADD', `${pod}c`, pod, ns), poolConf);
    assert.equal(await runPlugin(plugin, r), 0, r.out);
    assert.ok((await wepOf(pod, ns))!.spec.ipNetworks[0]!.startsWith(prefix), `${pod}: ${(await wepOf(pod, ns))!.spec.ipNetworks[0]}`);
    assert.equal(await runPlugin(plugin, io(envFor('DEL', `${pod}c`, pod, ns), poolConf)), 0);
  }
  for (const name of ['pool-conf', 'pool-ns', 'pool-pod']) await ds.delete({ kind: 'IPPool', name });
  assert.equal((await ds.list({ kind: 'IPAMHandle' })).items.length, 0);
});

test('DEL for an old sandbox of a live pod keeps the endpoint and veth; it still frees the old sandbox\'s IPAM', async () => {
  const k = new FakeKernel();
  const plugin = new CalicoPlugin({ kernel: k });
  // Each sandbox has its own netns, as under a real runtime.
  const oldNetns = join(dir, 'netns-old');
  writeFileSync(oldNetns, '');
  const pod = (cmd: string, id: string) => ({
    ...env(cmd, id), CNI_NETNS: id === 'oldsandbox' ? oldNetns : netns, CNI_ARGS: 'K8S_POD_NAMESPACE=web;K8S_POD_NAME=sts-0',
  });
  assert.equal(await runPlugin(plugin, io(pod('ADD', 'oldsandbox'), conf)), 0);
  assert.equal(await runPlugin(plugin, io(pod('ADD', 'newsandbox'), conf)), 0);
  const key = { kind: 'WorkloadEndpoint', namespace: 'web', name: 'node1-k8s-sts--0-eth0' };
  assert.equal((await ds.get<{ spec: { containerID: string } }>(key))?.value.spec.containerID, 'newsandbox');
  k.calls.length = 0;
  assert.equal(await runPlugin(plugin, io(pod('DEL', 'oldsandbox'), conf)), 0);
  assert.ok(await ds.get(key), 'endpoint of the live sandbox kept');
  assert.ok(!k.calls.some((c) => c.startsWith('ip link del dev cali')), 'host veth of the live sandbox kept');
  assert.equal(k.links.size, 1, 'the live sandbox\'s veth pair is still there');
  assert.deepEqual((await ds.list({ kind: 'IPAMHandle' })).items.map((i) => i.key.name), ['net1.newsandbox']);
  assert.equal(await runPlugin(plugin, io(pod('DEL', 'newsandbox'), conf)), 0);
  assert.equal(await ds.get(key), null);
  assert.equal((await ds.list({ kind: 'IPAMHandle' })).items.length, 0);
});
