import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeExec, ok } from '../../kernel/fake-exec.js';
import { RouteTable, canonicalDst } from './route-table.js';

const KERNEL = JSON.stringify([
  { dst: '10.0.0.5', dev: 'cali1', protocol: '80', scope: '253', flags: [] },
  { dst: '10.0.0.6', dev: 'cali2', protocol: '80', scope: '253', flags: [] },
  { dst: '10.9.0.0/24', dev: 'eth0', protocol: '4', flags: [] },
  { dst: '192.168.5.0/24', dev: 'eth0', protocol: '2', prefsrc: '192.168.5.1', flags: [] },
]);

function setup(json = '[]', stderr = ''): { rt: RouteTable; fx: FakeExec } {
  const fx = new FakeExec().on('ip', (c) => (c.args.includes('-batch') ? { code: stderr ? 1 : 0, stdout: '', stderr } : ok(json)));
  return { rt: new RouteTable({ ipVersion: 4, exec: fx }), fx };
}

describe('RouteTable', () => {
  it('programs routes with proto 80 in one ip -batch', async () => {
    const { rt, fx } = setup();
    rt.setRoutes('cali1', [{ dst: '10.0.0.5/32' }]);
    rt.setRoutes('vxlan.calico', [{ dst: '10.1.0.0/26', gateway: '10.1.0.0', onlink: true }]);
    const r = await rt.apply();
    assert.equal(r.commands, 2);
    assert.equal(rt.lastBatch, 'route replace 10.0.0.5 dev cali1 proto 80 table main scope link\nroute replace 10.1.0.0/26 dev vxlan.calico proto 80 table main via 10.1.0.0 onlink\n');
    assert.deepEqual(fx.calls.at(-1)?.args, ['-4', '-force', '-batch', '-']);
    assert.equal((await rt.apply()).commands, 0);
  });

  it('adopts our existing routes, sweeps stale ones with proto in the delete, and leaves other protocols alone', async () => {
    const { rt } = setup(KERNEL);
    rt.setRoutes('cali1', [{ dst: '10.0.0.5' }]);
    rt.setRoutes('eth1', [{ dst: '10.9.0.0/24' }]);
    const r = await rt.apply();
    assert.equal(rt.lastBatch, 'route del 10.0.0.6 dev cali2 proto 80 table main\n');
    assert.deepEqual(r.conflicts, ['10.9.0.0/24']);
  });

  it('reports failed lines and retries only those', async () => {
    const { rt, fx } = setup('[]', 'Cannot find device "cali9"\nCommand failed -:2\n');
    rt.setRoutes('cali1', [{ dst: '10.0.0.5' }]);
    rt.setRoutes('cali9', [{ dst: '10.0.0.9' }]);
    const r = await rt.apply();
    assert.deepEqual(r.failed, ['10.0.0.9']);
    fx.on('ip', (c) => (c.args.includes('-batch') ? ok() : ok('[]')));
    await rt.apply();
    assert.equal(rt.lastBatch, 'route replace 10.0.0.9 dev cali9 proto 80 table main scope link\n');
  });

  it('moves a route when its interface changes and picks the first interface on a clash', async () => {
    const { rt } = setup(KERNEL);
    rt.setRoutes('cali1', [{ dst: '10.0.0.5' }]);
    rt.setRoutes('cali2', [{ dst: '10.0.0.6' }]);
    await rt.apply();
    rt.removeInterface('cali2');
    rt.setRoutes('cali0', [{ dst: '10.0.0.5' }]);
    await rt.apply();
    assert.equal(rt.lastBatch, 'route replace 10.0.0.5 dev cali0 proto 80 table main scope link\nroute del 10.0.0.6 dev cali2 proto 80 table main\n');
  });

  it('validates the IP version and canonicalises destinations', () => {
    const { rt } = setup();
    assert.throws(() => rt.setRoutes('cali1', [{ dst: 'fd00::1' }]), { code: 'CALICO_ERR_VALIDATION' });
    assert.equal(canonicalDst('FD00::1/128'), 'fd00::1');
    assert.equal(canonicalDst('0.0.0.0/0'), 'default');
    assert.equal(canonicalDst('10.0.0.0/8'), '10.0.0.0/8');
  });
});
