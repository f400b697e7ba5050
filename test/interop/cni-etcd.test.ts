/**
 * The `calico` plugin on the etcd v3 datastore (`datastore_type: etcdv3`,
 * `etcd_endpoints`), as Calico's own CNI tests run: a real etcd 3.4 on
 * loopback, four pods ADDed concurrently by separate plugin processes, the
 * endpoints and allocations in etcd, then DEL. Needs root and etcd.
 *
 * The plugin runs in the test's "host" netns, whose loopback is not the
 * machine's; etcd stays on the machine's 127.0.0.1 and is reached through a
 * relay over a unix socket (TCP in the host netns -> unix socket -> TCP to
 * etcd), so no link or route is added to the real root namespace.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { exec } from '../../dist/lib/exec.js';
import { EtcdDatastore } from '../../dist/datastore/etcd/etcd-datastore.js';
import { startEtcd, type EtcdServer } from '../../dist/datastore/etcd/etcd-server.js';
import { NetnsScope, canUseNetns } from '../support/netns.js';

const repo = resolve(import.meta.dirname, '../../..');
const ready = (await canUseNetns()) && existsSync('/usr/bin/etcd');

describe('calico CNI plugin on etcd', { skip: !ready && 'needs root and /usr/bin/etcd' }, () => {
  const scope = new NetnsScope('cne');
  let server: EtcdServer | undefined;
  let ds: EtcdDatastore | undefined;
  let dir = '';
  let host = '';
  let relayOut: Server | undefined;
  let relayIn: ChildProcess | undefined;
  const relayPort = 23790;

  before(async () => {
    if (!ready) return;
    server = await startEtcd();
    ds = await EtcdDatastore.open({ etcdEndpoints: server.endpoints });
    await ds.create({ kind: 'IPPool', name: 'etcd-pool' }, {
      apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'etcd-pool' },
      spec: { cidr: '10.248.0.0/24', blockSize: 26, nodeSelector: 'all()', ipipMode: 'Never', vxlanMode: 'Never' },
    });
    dir = mkdtempSync(join(tmpdir(), 'calico-cni-etcd-'));
    mkdirSync(join(dir, 'bin'));
    symlinkSync(join(repo, 'bin/calico'), join(dir, 'bin/calico'));
    symlinkSync(join(repo, 'bin/calico-ipam'), join(dir, 'bin/calico-ipam'));
    host = await scope.netns('host');
    // Machine side: unix socket -> etcd's TCP port.
    const sock = join(dir, 'etcd.sock');
    const etcdPort = Number(new URL(server.endpoints[0]!).port);
    relayOut = createServer((c) => { const up = connect(etcdPort, '127.0.0.1'); c.pipe(up).pipe(c); up.on('error', () => c.destroy()); c.on('error', () => up.destroy()); });
    await new Promise<void>((r) => relayOut!.listen(sock, r));
    // Host-netns side: 127.0.0.1:relayPort -> unix socket.
    const script = `require('net').createServer((c)=>{const u=require('net').connect(${JSON.stringify(sock)});c.pipe(u).pipe(c);u.on('error',()=>c.destroy());c.on('error',()=>u.destroy());}).listen(${relayPort},'127.0.0.1',()=>console.log('up'))`;
    relayIn = spawn('ip', ['netns', 'exec', host, process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    scope.track(relayIn.pid);
    await new Promise<void>((r, j) => { relayIn!.stdout!.once('data', () => r()); relayIn!.once('exit', (c) => j(new Error(`relay exited ${c}`))); });
  });

  after(async () => {
    relayIn?.kill('SIGKILL');
    await new Promise<void>((r) => (relayOut ? relayOut.close(() => r()) : r()));
    await ds?.close();
    await server?.stop();
    await scope.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('concurrent ADDs get distinct addresses; endpoints live in etcd; DEL cleans up', async () => {
    const conf = JSON.stringify({
      cniVersion: '1.0.0', name: 'etcd-net', type: 'calico', nodename: 'etcd-node', log_level: 'error',
      datastore_type: 'etcdv3', etcd_endpoints: `http://127.0.0.1:${relayPort}`, ipam: { type: 'calico-ipam' },
    });
    const pods = await Promise.all([0, 1, 2, 3].map((i) => scope.netns(`p${i}`)));
    const run = (command: string, i: number) => exec('ip', ['netns', 'exec', host, join(dir, 'bin/calico')], {
      input: conf,
      env: {
        CNI_COMMAND: command, CNI_CONTAINERID: `etcdctr${i}`, CNI_NETNS: `/var/run/netns/${pods[i]}`, CNI_IFNAME: 'eth0',
        CNI_PATH: join(dir, 'bin'), CNI_ARGS: `K8S_POD_NAMESPACE=default;K8S_POD_NAME=etcd-pod-${i}`,
      },
    });
    const adds = await Promise.all(pods.map((_, i) => run('ADD', i)));
    const ips = adds.map((r) => {
      assert.equal(r.code, 0, r.stdout + r.stderr);
      return (JSON.parse(r.stdout) as { ips: { address: string }[] }).ips[0]!.address;
    });
    assert.equal(new Set(ips).size, 4, `distinct addresses: ${ips.join(' ')}`);
    for (const ip of ips) assert.match(ip, /^10\.248\.0\.\d+\/32$/);
    const weps = await ds!.list<{ spec: { ipNetworks: string[] } }>({ kind: 'WorkloadEndpoint', namespace: 'default' });
    assert.deepEqual(weps.items.map((w) => w.value.spec.ipNetworks[0]).sort(), [...ips].sort());

    const dels = await Promise.all(pods.map((_, i) => run('DEL', i)));
    for (const d of dels) assert.equal(d.code, 0, d.stdout + d.stderr);
    assert.equal((await ds!.list({ kind: 'WorkloadEndpoint' })).items.length, 0);
    assert.equal((await ds!.list({ kind: 'IPAMHandle' })).items.length, 0);
    const links = JSON.parse((await exec('ip', ['-n', host, '-j', 'link', 'show'])).stdout) as { ifname: string }[];
    assert.deepEqual(links.filter((l) => l.ifname.startsWith('cali')), []);
  });
});
