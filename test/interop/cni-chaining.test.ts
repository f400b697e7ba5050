/**
 * Interop with the reference CNI plugins (containernetworking/plugins in
 * /usr/lib/cni): our `calico` plugin with `host-local` IPAM, and a conflist
 * chain calico -> portmap -> bandwidth where each reference plugin accepts
 * our result as its prevResult, run as a runtime (libcni) would. Needs root.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { exec } from '../../dist/lib/exec.js';
import { NetnsScope, canUseNetns } from '../support/netns.js';

const repo = resolve(import.meta.dirname, '../../..');
const REF = '/usr/lib/cni';
const ready = (await canUseNetns()) && existsSync(join(REF, 'portmap')) && existsSync(join(REF, 'bandwidth')) && existsSync(join(REF, 'host-local'));

describe('calico with the reference CNI plugins', { skip: !ready && 'needs root and /usr/lib/cni reference plugins' }, () => {
  const scope = new NetnsScope('cnx');
  let dir = '';
  let binDir = '';
  let host = '';

  before(async () => {
    if (!ready) return;
    dir = mkdtempSync(join(tmpdir(), 'calico-cni-interop-'));
    binDir = join(dir, 'bin');
    mkdirSync(binDir);
    symlinkSync(join(repo, 'bin/calico'), join(binDir, 'calico'));
    host = await scope.netns('host');
    await exec('ip', ['-n', host, 'link', 'add', 'uplink0', 'type', 'veth', 'peer', 'name', 'uplink1']);
    await exec('ip', ['-n', host, 'link', 'set', 'uplink0', 'up']);
    await exec('ip', ['-n', host, 'link', 'set', 'uplink1', 'up']);
    await exec('ip', ['-n', host, 'route', 'add', 'default', 'dev', 'uplink0']);
  });

  after(async () => {
    await scope.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Runs one plugin of the chain in the host netns, as libcni does. */
  async function run(plugin: string, command: string, config: unknown, env: Record<string, string>): Promise<{ code: number; out: Record<string, unknown> }> {
    const bin = plugin === 'calico' ? join(binDir, 'calico') : join(REF, plugin);
    const r = await exec('ip', ['netns', 'exec', host, bin], {
      input: JSON.stringify(config),
      env: { CNI_COMMAND: command, CNI_IFNAME: 'eth0', CNI_PATH: `${binDir}:${REF}`, ...env },
    });
    let out: Record<string, unknown> = {};
    try { out = r.stdout.trim() ? JSON.parse(r.stdout) as Record<string, unknown> : {}; } catch { out = { raw: r.stdout, stderr: r.stderr }; }
    if (r.code !== 0) out['stderr'] = r.stderr;
    return { code: r.code, out };
  }

  test('calico + host-local, chained with portmap and bandwidth', async () => {
    const ns = await scope.netns('pod');
    const hlDir = join(dir, 'host-local');
    const env = { CNI_CONTAINERID: 'chain0123456789', CNI_NETNS: `/var/run/netns/${ns}`, CNI_ARGS: 'K8S_POD_NAMESPACE=default;K8S_POD_NAME=chained' };
    const net = { cniVersion: '1.0.0', name: 'chain-net' };
    const calico = {
      ...net, type: 'calico', nodename: 'node-interop', log_level: 'error',
      datastore_type: 'sqlite', datastore_path: join(dir, 'calico.db'),
      ipam: { type: 'host-local', subnet: '10.250.0.0/24', dataDir: hlDir },
    };
    const portmap = { ...net, type: 'portmap', snat: true, capabilities: { portMappings: true },
      runtimeConfig: { portMappings: [{ hostPort: 18080, containerPort: 80, protocol: 'tcp' }] } };
    const bandwidth = { ...net, type: 'bandwidth', capabilities: { bandwidth: true },
      runtimeConfig: { bandwidth: { ingressRate: 1_000_000, ingressBurst: 100_000 } } };

    const r1 = await run('calico', 'ADD', calico, env);
    assert.equal(r1.code, 0, JSON.stringify(r1.out));
    const ip = ((r1.out['ips'] as { address: string }[])[0]?.address ?? '');
    assert.match(ip, /^10\.250\.0\.\d+\/32$/);
    const hostVeth = (r1.out['interfaces'] as { name: string; sandbox?: string }[]).find((i) => !i.sandbox)!.name;
    // host-local recorded the container's address under its data dir.
    assert.ok(readdirSync(join(hlDir, 'chain-net')).includes(ip.split('/')[0]!));

    const r2 = await run('portmap', 'ADD', { ...portmap, prevResult: r1.out }, env);
    assert.equal(r2.code, 0, JSON.stringify(r2.out));
    assert.deepEqual(r2.out['ips'], r1.out['ips'], 'portmap passes our result through');
    const nat = await exec('ip', ['netns', 'exec', host, 'sh', '-c', 'iptables-save -t nat 2>/dev/null; nft list ruleset 2>/dev/null']);
    assert.match(nat.stdout, /18080/, 'portmap installed its DNAT for the host port');

    const r3 = await run('bandwidth', 'ADD', { ...bandwidth, prevResult: r2.out }, env);
    assert.equal(r3.code, 0, JSON.stringify(r3.out));
    const tc = await exec('ip', ['netns', 'exec', host, 'tc', 'qdisc', 'show', 'dev', hostVeth]);
    assert.match(tc.stdout, /tbf/, 'bandwidth shaped our host veth');

    // CHECK down the chain, with each plugin's prevResult the final result.
    const c1 = await run('calico', 'CHECK', { ...calico, prevResult: r3.out }, env);
    assert.equal(c1.code, 0, JSON.stringify(c1.out));
    // (portmap's own CHECK insists on IPv6 chains even for an IPv4-only result, so bandwidth is checked.)
    const c2 = await run('bandwidth', 'CHECK', { ...bandwidth, prevResult: r3.out }, env);
    assert.equal(c2.code, 0, JSON.stringify(c2.out));

    // DEL in reverse order; then everything is gone, host-local included.
    for (const [p, c] of [['bandwidth', bandwidth], ['portmap', portmap], ['calico', calico]] as const) {
      const d = await run(p, 'DEL', { ...c, prevResult: r3.out }, env);
      assert.equal(d.code, 0, `${p} DEL: ${JSON.stringify(d.out)}`);
    }
    assert.ok(!readdirSync(join(hlDir, 'chain-net')).includes(ip.split('/')[0]!), 'host-local released the address');
    const links = JSON.parse((await exec('ip', ['-n', host, '-j', 'link', 'show'])).stdout) as { ifname: string }[];
    assert.deepEqual(links.filter((l) => l.ifname.startsWith('cali')), []);
    const nat2 = await exec('ip', ['netns', 'exec', host, 'sh', '-c', 'iptables-save -t nat 2>/dev/null; nft list ruleset 2>/dev/null']);
    assert.doesNotMatch(nat2.stdout, /18080/);
  });

  test('an unknown IPAM type is an invalid-network-config error naming the search path', async () => {
    const ns = await scope.netns('noipam');
    const r = await run('calico', 'ADD', {
      cniVersion: '1.0.0', name: 'x', type: 'calico', nodename: 'n', datastore_type: 'sqlite', datastore_path: join(dir, 'calico.db'),
      ipam: { type: 'no-such-ipam' },
    }, { CNI_CONTAINERID: 'noipam0001', CNI_NETNS: `/var/run/netns/${ns}` });
    assert.equal(r.code, 1);
    assert.equal(r.out['code'], 7);
    assert.match(String(r.out['msg']), /no-such-ipam/);
  });
});
