/**
 * End to end: the `calico` plugin exec'd as a runtime would (config on stdin,
 * CNI_* environment), inside a test "host" netns, with calico-ipam on a temp
 * SQLite datastore holding an IPPool. Needs root (skips otherwise).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { exec } from '../../dist/lib/exec.js';
import { SqliteDatastore } from '../../dist/datastore/sqlite/sqlite-datastore.js';
import { validateResource } from '../../dist/api/index.js';
import { IpamClient } from '../../dist/ipam/index.js';
import { NetnsScope, canUseNetns } from '../support/netns.js';

const repo = resolve(import.meta.dirname, '../../..');
const root = await canUseNetns();

interface CniRun { code: number; out: Record<string, unknown>; stderr: string }

describe('calico CNI plugin in network namespaces', { skip: !root && 'needs root and ip netns' }, () => {
  const scope = new NetnsScope('cni');
  let dir = '';
  let dbPath = '';
  let binDir = '';
  let host = '';
  let ds: SqliteDatastore;
  const nodename = 'node-e2e';

  const conf = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    cniVersion: '1.0.0', name: 'k8s-pod-network', type: 'calico', nodename, mtu: 1400,
    datastore_type: 'sqlite', datastore_path: dbPath, log_level: 'error',
    ipam: { type: 'calico-ipam' }, policy: { type: 'k8s' }, ...extra,
  });

  async function cni(command: string, config: unknown, env: Record<string, string>, stdin?: string): Promise<CniRun> {
    const r = await exec('ip', ['netns', 'exec', host, join(repo, 'bin/calico')], {
      input: stdin ?? JSON.stringify(config),
      env: { CNI_COMMAND: command, CNI_IFNAME: 'eth0', CNI_PATH: binDir, ...env },
    });
    let out: Record<string, unknown> = {};
    try { out = r.stdout.trim() ? JSON.parse(r.stdout) as Record<string, unknown> : {}; } catch { out = { raw: r.stdout }; }
    return { code: r.code, out, stderr: r.stderr };
  }

  const podEnv = (id: string, netns: string, pod?: string): Record<string, string> => ({
    CNI_CONTAINERID: id, CNI_NETNS: `/var/run/netns/${netns}`,
    CNI_ARGS: pod ? `IgnoreUnknown=1;K8S_POD_NAMESPACE=web;K8S_POD_NAME=${pod}` : 'IgnoreUnknown=1',
  });

  const ipOf = (r: CniRun): string => ((r.out['ips'] as { address: string }[])[0]?.address ?? '').split('/')[0] ?? '';

  async function hostLinks(): Promise<string[]> {
    const r = await exec('ip', ['-n', host, '-j', 'link', 'show']);
    return (JSON.parse(r.stdout) as { ifname: string }[]).map((l) => l.ifname);
  }

  before(async () => {
    if (!root) return;
    dir = mkdtempSync(join(tmpdir(), 'calico-cni-e2e-'));
    dbPath = join(dir, 'calico.db');
    binDir = join(dir, 'bin');
    mkdirSync(binDir);
    symlinkSync(join(repo, 'bin/calico'), join(binDir, 'calico'));
    symlinkSync(join(repo, 'bin/calico-ipam'), join(binDir, 'calico-ipam'));
    host = await scope.netns('host');
    // The host needs a default route (as any real host has): proxy ARP answers
    // for 169.254.1.1 only when the host can route it.
    await exec('ip', ['-n', host, 'link', 'add', 'uplink0', 'type', 'veth', 'peer', 'name', 'uplink1']);
    await exec('ip', ['-n', host, 'link', 'set', 'uplink0', 'up']);
    await exec('ip', ['-n', host, 'link', 'set', 'uplink1', 'up']);
    await exec('ip', ['-n', host, 'route', 'add', 'default', 'dev', 'uplink0']);
    ds = SqliteDatastore.open(dbPath);
    await ds.create({ kind: 'IPPool', name: 'pool1' }, {
      apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'pool1' },
      spec: { cidr: '10.244.0.0/24', blockSize: 26, nodeSelector: 'all()', ipipMode: 'Never', vxlanMode: 'Never', natOutgoing: false },
    });
    await ds.create({ kind: 'Pod', namespace: 'web', name: 'pod-a' }, {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'pod-a', namespace: 'web', labels: { app: 'web', tier: 'front' } },
      spec: { nodeName: nodename, serviceAccountName: 'frontend', containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }, { containerPort: 9090 }] }] },
    });
  });

  after(async () => {
    await ds?.close();
    await scope.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('ADD, connectivity, CHECK, retry, DEL', async () => {
    const nsA = await scope.netns('pod-a');
    const nsB = await scope.netns('pod-b');
    const addA = await cni('ADD', conf(), podEnv('ctr-a-0123456789ab', nsA, 'pod-a'));
    assert.equal(addA.code, 0, JSON.stringify(addA));
    const addB = await cni('ADD', conf(), podEnv('ctr-b-0123456789ab', nsB, 'pod-b'));
    assert.equal(addB.code, 0, JSON.stringify(addB));
    const ipA = ipOf(addA);
    const ipB = ipOf(addB);
    assert.match(ipA, /^10\.244\.0\.\d+$/);
    assert.match(ipB, /^10\.244\.0\.\d+$/);
    assert.notEqual(ipA, ipB);
    assert.equal(addA.out['cniVersion'], '1.0.0');

    // Workload side: address, gateway route, default route.
    const addr = await exec('ip', ['-n', nsA, '-j', 'addr', 'show', 'dev', 'eth0']);
    const link = (JSON.parse(addr.stdout) as { mtu: number; addr_info: { local: string; prefixlen: number }[] }[])[0]!;
    assert.equal(link.mtu, 1400);
    assert.ok(link.addr_info.some((a) => a.local === ipA && a.prefixlen === 32));
    const routes = JSON.parse((await exec('ip', ['-n', nsA, '-j', 'route', 'show'])).stdout) as { dst: string; gateway?: string }[];
    assert.ok(routes.some((r) => r.dst === 'default' && r.gateway === '169.254.1.1'));

    // Host side: cali veth named as Felix expects, MAC, proxy ARP, /32 route.
    const hostVeth = (addA.out['interfaces'] as { name: string; mac: string; sandbox?: string }[])[0]!;
    assert.match(hostVeth.name, /^cali[0-9a-f]{11}$/);
    assert.equal(hostVeth.mac, 'ee:ee:ee:ee:ee:ee');
    const hostRoutes = (await exec('ip', ['-n', host, 'route', 'show', `${ipA}/32`])).stdout;
    assert.match(hostRoutes, new RegExp(`dev ${hostVeth.name} scope link`));
    const proxyArp = await exec('ip', ['netns', 'exec', host, 'cat', `/proc/sys/net/ipv4/conf/${hostVeth.name}/proxy_arp`]);
    assert.equal(proxyArp.stdout.trim(), '1');

    // Pod A reaches pod B through the host.
    const ping = await exec('ip', ['netns', 'exec', nsA, 'busybox', 'ping', '-c', '2', '-W', '2', ipB]);
    assert.equal(ping.code, 0, ping.stdout + ping.stderr);

    // The WorkloadEndpoint, with the Pod's labels, profiles and named ports.
    const wep = await ds.get<{ metadata: { labels: Record<string, string> }; spec: Record<string, unknown> }>(
      { kind: 'WorkloadEndpoint', namespace: 'web', name: 'node--e2e-k8s-pod--a-eth0' });
    assert.ok(wep, 'endpoint written');
    assert.equal(wep.value.metadata.labels['app'], 'web');
    assert.equal(wep.value.metadata.labels['projectcalico.org/namespace'], 'web');
    assert.equal(wep.value.metadata.labels['projectcalico.org/orchestrator'], 'k8s');
    assert.equal(wep.value.metadata.labels['projectcalico.org/serviceaccount'], 'frontend');
    assert.deepEqual(wep.value.spec['profiles'], ['kns.web', 'ksa.web.frontend']);
    assert.deepEqual(wep.value.spec['ipNetworks'], [`${ipA}/32`]);
    assert.equal(wep.value.spec['interfaceName'], hostVeth.name);
    assert.equal(wep.value.spec['containerID'], 'ctr-a-0123456789ab');
    assert.deepEqual(wep.value.spec['ports'], [{ name: 'http', protocol: 'TCP', port: 8080 }]);
    assert.doesNotThrow(() => validateResource(wep.value), 'the endpoint passes full API validation');

    // CHECK with the prevResult a runtime would cache.
    const check = await cni('CHECK', { ...conf(), prevResult: addA.out }, podEnv('ctr-a-0123456789ab', nsA, 'pod-a'));
    assert.equal(check.code, 0, JSON.stringify(check));

    // A retried ADD of the same container keeps its address and leaves one veth.
    const again = await cni('ADD', conf(), podEnv('ctr-a-0123456789ab', nsA, 'pod-a'));
    assert.equal(again.code, 0, JSON.stringify(again));
    assert.equal(ipOf(again), ipA);
    assert.deepEqual(await new IpamClient(ds).ipsByHandle('k8s-pod-network.ctr-a-0123456789ab'), [ipA], 'no second address held');
    assert.equal((await hostLinks()).filter((l) => l.startsWith('cali')).length, 2);

    // DEL everything; DEL again still succeeds.
    for (const [id, ns, pod] of [['ctr-a-0123456789ab', nsA, 'pod-a'], ['ctr-b-0123456789ab', nsB, 'pod-b']] as const) {
      const del = await cni('DEL', conf(), podEnv(id, ns, pod));
      assert.equal(del.code, 0, JSON.stringify(del));
      const del2 = await cni('DEL', conf(), podEnv(id, ns, pod));
      assert.equal(del2.code, 0, JSON.stringify(del2));
    }
    assert.deepEqual((await hostLinks()).filter((l) => l.startsWith('cali')), []);
    assert.equal((await exec('ip', ['-n', host, 'route', 'show', `${ipA}/32`])).stdout.trim(), '');
    assert.notEqual((await exec('ip', ['-n', nsA, 'link', 'show', 'eth0'])).code, 0);
    assert.equal((await ds.list({ kind: 'WorkloadEndpoint' })).items.length, 0);
    assert.equal((await ds.list({ kind: 'IPAMHandle' })).items.length, 0);
  });

  test('dual stack with host-local ranges: /32 and /128, v6 default via the host link-local, v6 reachability', async () => {
    await exec('ip', ['netns', 'exec', host, 'sysctl', '-qw', 'net.ipv6.conf.all.forwarding=1']);
    const hl = join(dir, 'hl-dual');
    const dual = conf({
      cniVersion: '0.3.1', name: 'dual-net',
      ipam: { type: 'host-local', dataDir: hl, ranges: [[{ subnet: '10.247.0.0/24' }], [{ subnet: 'fd00:247::/96' }]] },
    });
    const ns1 = await scope.netns('dual1');
    const ns2 = await scope.netns('dual2');
    const env1 = { ...podEnv('dual-ctr-1', ns1, 'dual-1'), CNI_PATH: `${binDir}:/usr/lib/cni` };
    const env2 = { ...podEnv('dual-ctr-2', ns2, 'dual-2'), CNI_PATH: `${binDir}:/usr/lib/cni` };
    const a = await cni('ADD', dual, env1);
    assert.equal(a.code, 0, JSON.stringify(a));
    const b = await cni('ADD', dual, env2);
    assert.equal(b.code, 0, JSON.stringify(b));
    const ips = (r: CniRun) => (r.out['ips'] as { address: string; version?: string }[]);
    assert.deepEqual(ips(a).map((i) => i.version), ['4', '6'], '0.3.1 results carry the IP version');
    assert.match(ips(a)[0]!.address, /^10\.247\.0\.\d+\/32$/);
    assert.match(ips(a)[1]!.address, /^fd00:247::[0-9a-f]+\/128$/);
    const r6 = (await exec('ip', ['-n', ns1, '-6', 'route', 'show', 'default'])).stdout;
    assert.match(r6, /default via fe80::ecee:eeff:feee:eeee dev eth0/);
    const v6b = ips(b)[1]!.address.split('/')[0]!;
    const ping6 = await exec('ip', ['netns', 'exec', ns1, 'busybox', 'ping', '-6', '-c', '2', '-W', '2', v6b]);
    assert.equal(ping6.code, 0, ping6.stdout + ping6.stderr);
    const refused = await cni('CHECK', { ...dual, prevResult: a.out }, env1);
    assert.equal(refused.out['code'], 1, 'CHECK needs a 0.4.0+ config');
    const check = await cni('CHECK', { ...dual, cniVersion: '0.4.0', prevResult: a.out }, env1);
    assert.equal(check.code, 0, JSON.stringify(check));
    for (const e of [env1, env2]) assert.equal((await cni('DEL', dual, e)).code, 0);
    assert.deepEqual((await hostLinks()).filter((l) => l.startsWith('cali')), []);
  });

  test('a non-Kubernetes workload (podman style: K8S_POD_NAME only) gets a cni endpoint', async () => {
    const ns = await scope.netns('podman');
    const env = { ...podEnv('f00dfeedcafe1234', ns), CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAME=box' };
    const add = await cni('ADD', conf({ policy: undefined }), env);
    assert.equal(add.code, 0, JSON.stringify(add));
    const weps = (await ds.list<{ spec: Record<string, unknown>; metadata: { labels: Record<string, string> } }>({ kind: 'WorkloadEndpoint', namespace: 'default' })).items;
    assert.equal(weps.length, 1);
    assert.equal(weps[0]!.key.name, 'node--e2e-cni-f00dfeedcafe1234-eth0');
    assert.equal(weps[0]!.value.spec['orchestrator'], 'cni');
    assert.equal(weps[0]!.value.spec['interfaceName'], 'calif00dfeedcaf');
    assert.deepEqual(weps[0]!.value.spec['profiles'], ['k8s-pod-network']);
    assert.equal(weps[0]!.value.metadata.labels['projectcalico.org/orchestrator'], 'cni');
    assert.ok(await ds.get({ kind: 'Profile', name: 'k8s-pod-network' }), 'network profile created');
    const del = await cni('DEL', conf({ policy: undefined }), env);
    assert.equal(del.code, 0, JSON.stringify(del));
    assert.deepEqual((await hostLinks()).filter((l) => l.startsWith('cali')), []);
    assert.equal((await ds.list({ kind: 'WorkloadEndpoint' })).items.length, 0);
  });

  test('bad input gets the right CNI error code and leaks nothing', async () => {
    const ns = await scope.netns('bad');
    const env = podEnv('badbadbad0001', ns, 'pod-bad');
    const malformed = await cni('ADD', null, env, '{"cniVersion": "1.0.0", "name": ');
    assert.equal(malformed.code, 1);
    assert.equal(malformed.out['code'], 6);

    const wrongType = await cni('ADD', conf({ mtu: 'big' }), env);
    assert.equal(wrongType.out['code'], 7);
    assert.match(String(wrongType.out['msg']), /mtu/);

    const noNetnsVar = await cni('ADD', conf(), { ...env, CNI_NETNS: '' });
    assert.equal(noNetnsVar.out['code'], 4);

    const goneNetns = await cni('ADD', conf(), { ...env, CNI_NETNS: `/var/run/netns/${scope.prefix}-nonexistent` });
    assert.equal(goneNetns.out['code'], 3);

    const badVersion = await cni('ADD', conf({ cniVersion: '9.0.0' }), env);
    assert.equal(badVersion.out['code'], 1);

    assert.deepEqual((await hostLinks()).filter((l) => l.startsWith('cali')), []);
    assert.equal((await ds.list({ kind: 'IPAMHandle' })).items.length, 0);
    assert.equal((await ds.list({ kind: 'WorkloadEndpoint' })).items.length, 0);
  });

  test('an exhausted pool is a CNI error naming the cause; nothing is leaked', async () => {
    await ds.create({ kind: 'IPPool', name: 'tiny' }, {
      apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'tiny' },
      spec: { cidr: '10.245.0.0/30', blockSize: 30, nodeSelector: 'all()', ipipMode: 'Never', vxlanMode: 'Never' },
    });
    const tinyConf = conf({ ipam: { type: 'calico-ipam', ipv4_pools: ['tiny'] } });
    const added: [string, string][] = [];
    let failure: CniRun | undefined;
    for (let i = 0; i < 6 && !failure; i++) {
      const ns = await scope.netns(`tiny${i}`);
      const id = `tinyctr${i}`;
      const r = await cni('ADD', tinyConf, podEnv(id, ns, `tiny-${i}`));
      if (r.code === 0) added.push([id, ns]);
      else failure = r;
    }
    assert.ok(failure, 'the pool ran out');
    assert.ok(added.length >= 1 && added.length <= 4);
    assert.equal(failure.out['code'], 101);
    assert.match(String(failure.out['msg']), /tiny|10\.245\.0\.0\/30|no .*address|exhaust/i);
    assert.equal((await hostLinks()).filter((l) => l.startsWith('cali')).length, added.length);
    assert.equal((await ds.list({ kind: 'IPAMHandle' })).items.length, added.length);
    for (const [i, [id, ns]] of added.entries()) {
      const del = await cni('DEL', tinyConf, podEnv(id, ns, `tiny-${i}`));
      assert.equal(del.code, 0, JSON.stringify(del));
    }
    assert.deepEqual((await hostLinks()).filter((l) => l.startsWith('cali')), []);
    assert.equal((await ds.list({ kind: 'IPAMHandle' })).items.length, 0);
  });
});
