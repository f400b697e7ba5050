import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { SqliteDatastore } from '../../dist/datastore/sqlite/sqlite-datastore.js';
import { exec } from '../../dist/lib/exec.js';
import { checkIpam, listBlocks } from '../../dist/ipam/index.js';
import { cidrContainsIp, parseCidr, parseIp } from '../../dist/ipam/ip.js';
import { NetnsScope, canUseNetns } from '../support/netns.js';

/**
 * Interop with containernetworking-plugins: the reference `bridge` plugin
 * configured with `"ipam": {"type": "calico-ipam"}` finds our plugin on
 * CNI_PATH, puts the address it returns on the pod's interface, and its DEL
 * releases it again.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const BRIDGE = '/usr/lib/cni/bridge';
const POOL = '10.32.0.0/24';

describe('reference bridge plugin with calico-ipam', () => {
  it('brings a netns up with an address from our pool; DEL releases it', { timeout: 120_000 }, async (t) => {
    if (!(await canUseNetns()) || !existsSync(BRIDGE)) {
      t.skip('needs root, ip netns and /usr/lib/cni/bridge');
      return;
    }
    const scope = new NetnsScope('ib');
    const dir = mkdtempSync(join(tmpdir(), 'calico-ipam-bridge-'));
    const bridgeName = `${scope.prefix}br`;
    const ds = await SqliteDatastore.open(join(dir, 'calico.db'));
    try {
      const binDir = join(dir, 'cni-bin');
      await exec('mkdir', ['-p', binDir]);
      symlinkSync(join(ROOT, 'bin/calico-ipam'), join(binDir, 'calico-ipam'));
      await ds.create({ kind: 'IPPool', name: 'bridge-pool' }, {
        apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'bridge-pool' },
        spec: { cidr: POOL, blockSize: 26, nodeSelector: 'all()', disabled: false, allowedUses: ['Workload', 'Tunnel'], ipipMode: 'Never', vxlanMode: 'Never', natOutgoing: false },
      });
      const ns = await scope.netns('pod');
      const netconf = {
        cniVersion: '1.0.0', name: 'bridge-net', type: 'bridge', bridge: bridgeName, isGateway: false, ipMasq: false,
        datastore_type: 'sqlite', datastore_path: join(dir, 'calico.db'), nodename: 'bridge-node',
        ipam: { type: 'calico-ipam', assign_ipv4: 'true' },
      };
      const env = (command: string): Record<string, string> => ({
        CNI_COMMAND: command, CNI_CONTAINERID: 'bridgepod1', CNI_NETNS: `/var/run/netns/${ns}`, CNI_IFNAME: 'eth0',
        CNI_PATH: `${binDir}:/usr/lib/cni`, CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=bridgepod',
      });

      const add = await exec(BRIDGE, [], { input: JSON.stringify(netconf), env: env('ADD') });
      assert.equal(add.code, 0, `bridge ADD: ${add.stdout} ${add.stderr}`);
      const result = JSON.parse(add.stdout) as { ips: { address: string; interface?: number }[]; interfaces: { name: string; sandbox?: string }[] };
      const address = result.ips[0]!.address;
      const ip = address.split('/')[0]!;
      assert.ok(cidrContainsIp(parseCidr(POOL), parseIp(ip)), `${address} in ${POOL}`);

      const shown = await scope.run(ns, 'ip', ['-j', 'addr', 'show', 'dev', 'eth0']);
      const addrs = (JSON.parse(shown.stdout) as { addr_info: { local: string; prefixlen: number }[] }[])[0]!.addr_info;
      assert.ok(addrs.some((a) => a.local === ip && `${a.local}/${a.prefixlen}` === address), `eth0 has ${address}: ${shown.stdout}`);
      const blocks = await listBlocks(ds);
      assert.equal(blocks.length, 1);
      assert.equal(blocks[0]!.block.spec.affinity, 'host:bridge-node');

      // CHECK goes through bridge to calico-ipam with the prevResult.
      const check = await exec(BRIDGE, [], { input: JSON.stringify({ ...netconf, prevResult: result }), env: env('CHECK') });
      assert.equal(check.code, 0, `bridge CHECK: ${check.stdout} ${check.stderr}`);

      const del = await exec(BRIDGE, [], { input: JSON.stringify(netconf), env: env('DEL') });
      assert.equal(del.code, 0, `bridge DEL: ${del.stdout} ${del.stderr}`);
      assert.equal(await ds.get({ kind: 'IPAMHandle', name: 'bridge-net.bridgepod1' }), null);
      assert.equal((await listBlocks(ds)).length, 0);
      const report = await checkIpam(ds);
      assert.equal(report.ok, true, JSON.stringify(report));
      // A second DEL (the runtime retrying) still succeeds.
      assert.equal((await exec(BRIDGE, [], { input: JSON.stringify(netconf), env: env('DEL') })).code, 0);
    } finally {
      await ds.close();
      await exec('ip', ['link', 'del', bridgeName]);
      await scope.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
