/**
 * A real container runtime: rootful podman 4.3 (CNI backend) runs containers
 * on a network whose conflist uses our `calico` plugin with `calico-ipam`.
 * Podman runs inside a test "host" netns (nsenter, so /sys and cgroups stay
 * the machine's), with its own --root/--runroot and a containers.conf given
 * through CONTAINERS_CONF; the image is a busybox rootfs made with
 * `podman import`. Skips without root, podman or runc.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { exec, execChecked } from '../../dist/lib/exec.js';
import { SqliteDatastore } from '../../dist/datastore/sqlite/sqlite-datastore.js';
import { NetnsScope, canUseNetns } from '../support/netns.js';

const repo = resolve(import.meta.dirname, '../../..');
const have = async (cmd: string) => (await exec('sh', ['-c', `command -v ${cmd}`])).code === 0;
const ready = (await canUseNetns()) && (await have('podman')) && (await have('runc')) && existsSync('/usr/bin/busybox');

describe('podman runs containers on a calico network', { skip: !ready && 'needs root, podman, runc and busybox' }, () => {
  const scope = new NetnsScope('pod');
  let dir = '';
  let host = '';
  let dbPath = '';
  const started: string[] = [];

  const podman = (args: string[], timeoutMs = 120_000) => exec('nsenter', [
    `--net=/var/run/netns/${host}`, 'podman', '--root', join(dir, 'root'), '--runroot', join(dir, 'runroot'), '--storage-driver', 'vfs', ...args,
  ], { env: { CONTAINERS_CONF: join(dir, 'containers.conf') }, timeoutMs });

  async function store<T>(fn: (ds: SqliteDatastore) => Promise<T>): Promise<T> {
    const ds = SqliteDatastore.open(dbPath);
    try { return await fn(ds); } finally { await ds.close(); }
  }

  before(async () => {
    if (!ready) return;
    dir = mkdtempSync(join(tmpdir(), 'calico-podman-'));
    dbPath = join(dir, 'calico.db');
    for (const d of ['bin', 'cni.d', 'rootfs/bin', 'rootfs/lib/x86_64-linux-gnu', 'rootfs/lib64', 'rootfs/tmp']) mkdirSync(join(dir, d), { recursive: true });
    symlinkSync(join(repo, 'bin/calico'), join(dir, 'bin/calico'));
    symlinkSync(join(repo, 'bin/calico-ipam'), join(dir, 'bin/calico-ipam'));
    // A busybox rootfs with its shared libraries (Debian's busybox is dynamically linked).
    copyFileSync('/usr/bin/busybox', join(dir, 'rootfs/bin/busybox'));
    const ldd = await execChecked('ldd', ['/usr/bin/busybox']);
    for (const m of ldd.matchAll(/(\/\S+\.so[.\d]*)/g)) {
      const lib = m[1]!;
      copyFileSync(lib, join(dir, 'rootfs', lib.startsWith('/lib64') ? lib : join('/lib/x86_64-linux-gnu', lib.split('/').pop()!)));
    }
    for (const a of ['sh', 'httpd', 'wget', 'sleep']) symlinkSync('busybox', join(dir, 'rootfs/bin', a));
    await execChecked('tar', ['-C', join(dir, 'rootfs'), '-cf', join(dir, 'rootfs.tar'), '.']);
    writeFileSync(join(dir, 'containers.conf'), [
      '[containers]', 'default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]',
      '[engine]', 'runtime = "runc"', 'cgroup_manager = "cgroupfs"', 'events_logger = "file"',
      '[network]', 'network_backend = "cni"', `cni_plugin_dirs = ["${join(dir, 'bin')}", "/usr/lib/cni"]`, `network_config_dir = "${join(dir, 'cni.d')}"`,
      '',
    ].join('\n'));
    writeFileSync(join(dir, 'cni.d/calico-net.conflist'), JSON.stringify({
      cniVersion: '1.0.0', name: 'calico-net',
      plugins: [{ type: 'calico', nodename: 'podman-node', datastore_type: 'sqlite', datastore_path: dbPath, log_level: 'error', ipam: { type: 'calico-ipam' } }],
    }));
    await store((ds) => ds.create({ kind: 'IPPool', name: 'podman-pool' }, {
      apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'podman-pool' },
      spec: { cidr: '10.246.0.0/24', blockSize: 26, nodeSelector: 'all()', ipipMode: 'Never', vxlanMode: 'Never' },
    }));
    host = await scope.netns('host');
    await execChecked('ip', ['-n', host, 'link', 'add', 'uplink0', 'type', 'veth', 'peer', 'name', 'uplink1']);
    await execChecked('ip', ['-n', host, 'link', 'set', 'uplink0', 'up']);
    await execChecked('ip', ['-n', host, 'route', 'add', 'default', 'dev', 'uplink0']);
    const imp = await podman(['import', join(dir, 'rootfs.tar'), 'localhost/calico-bb']);
    assert.equal(imp.code, 0, imp.stderr);
  });

  after(async () => {
    if (dir && host) {
      for (const name of started) await podman(['rm', '-f', '-t', '0', name]).catch(() => undefined);
      await podman(['rmi', '-a', '-f']).catch(() => undefined);
    }
    await scope.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('containers get pool addresses, talk over TCP, and stopping releases everything', async () => {
    started.push('calico-srv');
    const run = await podman(['run', '-d', '--name', 'calico-srv', '--network', 'calico-net', 'localhost/calico-bb',
      '/bin/sh', '-c', 'echo hello-from-calico > /tmp/index.html; exec httpd -f -p 8080 -h /tmp']);
    assert.equal(run.code, 0, run.stderr);
    const ip = (await podman(['inspect', 'calico-srv', '--format', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}'])).stdout.trim();
    assert.match(ip, /^10\.246\.0\.\d+$/, 'address from our pool');

    const weps = await store(async (ds) => (await ds.list<{ spec: { orchestrator: string; ipNetworks: string[]; interfaceName: string } }>({ kind: 'WorkloadEndpoint' })).items);
    assert.equal(weps.length, 1);
    assert.equal(weps[0]!.value.spec.orchestrator, 'cni', 'podman sends no pod namespace: a cni workload');
    assert.deepEqual(weps[0]!.value.spec.ipNetworks, [`${ip}/32`]);
    const veth = weps[0]!.value.spec.interfaceName;
    assert.match((await exec('ip', ['-n', host, 'route', 'show', ip])).stdout, new RegExp(`dev ${veth}`));

    // A second container fetches over TCP from the first.
    const cli = await podman(['run', '--rm', '--name', 'calico-cli', '--network', 'calico-net', 'localhost/calico-bb', 'wget', '-qO-', `http://${ip}:8080/index.html`]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(cli.stdout.trim(), 'hello-from-calico');
    // --rm: the client's endpoint and address are gone again.
    assert.equal(await store(async (ds) => (await ds.list({ kind: 'WorkloadEndpoint' })).items.length), 1);
    assert.equal(await store(async (ds) => (await ds.list({ kind: 'IPAMHandle' })).items.length), 1);

    const stop = await podman(['stop', '-t', '1', 'calico-srv']);
    assert.equal(stop.code, 0, stop.stderr);
    const links = JSON.parse((await exec('ip', ['-n', host, '-j', 'link', 'show'])).stdout) as { ifname: string }[];
    assert.deepEqual(links.filter((l) => l.ifname.startsWith('cali')), [], 'interface removed');
    assert.equal((await exec('ip', ['-n', host, 'route', 'show', ip])).stdout.trim(), '', 'route removed');
    assert.equal(await store(async (ds) => (await ds.list({ kind: 'WorkloadEndpoint' })).items.length), 0, 'endpoint removed');
    assert.equal(await store(async (ds) => (await ds.list({ kind: 'IPAMHandle' })).items.length), 0, 'address released');
  });
});
