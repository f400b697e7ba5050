/**
 * End to end: the route table driver in a throwaway netns: routes with proto
 * 80 via `ip -batch`, a fresh instance adopting them, tampering repaired at
 * resync, stale routes swept, routes of other protocols untouched, and a
 * missing interface reported then retried. Needs root (skips otherwise).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HostExec } from '../../dist/dataplane/kernel/exec-shim.js';
import { RouteTable } from '../../dist/dataplane/drivers/routetable/index.js';
import { NetnsScope, canUseNetns } from '../support/netns.js';

const root = await canUseNetns();

describe('route table driver in a network namespace', { skip: !root && 'needs root and ip netns' }, () => {
  const scope = new NetnsScope('rt');
  let ns = '';
  let exec: HostExec;
  const sh = async (...args: string[]): Promise<string> => {
    const r = await scope.run(ns, 'ip', args);
    assert.equal(r.code, 0, `ip ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const fresh = (): RouteTable => {
    const rt = new RouteTable({ ipVersion: 4, exec });
    rt.setRoutes('cali1', [{ dst: '10.65.0.5/32' }, { dst: '10.65.0.6' }]);
    rt.setRoutes('cali2', [{ dst: '10.66.0.0/26', gateway: '192.168.77.2', onlink: true }]);
    return rt;
  };

  before(async () => {
    ns = await scope.netns('a');
    exec = new HostExec(ns);
    await sh('link', 'add', 'cali1', 'type', 'veth', 'peer', 'name', 'p1');
    await sh('link', 'add', 'cali2', 'type', 'veth', 'peer', 'name', 'p2');
    for (const l of ['cali1', 'p1', 'cali2', 'p2']) await sh('link', 'set', l, 'up');
    await sh('addr', 'add', '192.168.77.1/24', 'dev', 'cali2');
    await sh('route', 'add', '10.99.0.0/24', 'dev', 'cali1', 'proto', 'static');
  });
  after(() => scope.cleanup());

  test('programs routes with proto 80 and a fresh instance adopts them', async () => {
    const rt = fresh();
    const r = await rt.apply();
    assert.equal(r.commands, 3);
    const ours = await sh('route', 'show', 'proto', '80');
    assert.match(ours, /10\.65\.0\.5 dev cali1/);
    assert.match(ours, /10\.66\.0\.0\/26 via 192\.168\.77\.2 dev cali2 onlink/);
    assert.equal((await fresh().apply()).commands, 0);
  });

  test('resync restores a deleted route and moves one changed by hand; foreign routes untouched', async () => {
    const rt = fresh();
    await rt.apply();
    await sh('route', 'del', '10.65.0.6', 'dev', 'cali1', 'proto', '80');
    await sh('route', 'replace', '10.65.0.5', 'dev', 'cali2', 'proto', '80');
    await sh('route', 'add', '10.77.0.1', 'dev', 'cali1', 'proto', '80');
    const r = await rt.resync();
    assert.equal(r.commands, 3);
    const ours = await sh('route', 'show', 'proto', '80');
    assert.match(ours, /10\.65\.0\.6 dev cali1/);
    assert.match(ours, /10\.65\.0\.5 dev cali1/);
    assert.doesNotMatch(ours, /10\.77\.0\.1/, 'swept');
    assert.match(await sh('route', 'show', 'proto', 'static'), /10\.99\.0\.0\/24 dev cali1/);
  });

  test('a route for a missing interface is reported and applied once the interface appears', async () => {
    const rt = fresh();
    rt.setRoutes('cali3', [{ dst: '10.65.0.9' }]);
    rt.setRoutes('cali1', [{ dst: '10.99.0.0/24' }, { dst: '10.65.0.5' }, { dst: '10.65.0.6' }]);
    const r = await rt.apply();
    assert.deepEqual(r.failed, ['10.65.0.9']);
    assert.deepEqual(r.conflicts, ['10.99.0.0/24']);
    await sh('link', 'add', 'cali3', 'type', 'veth', 'peer', 'name', 'p3');
    await sh('link', 'set', 'cali3', 'up');
    const r2 = await rt.apply();
    assert.deepEqual(r2.failed, []);
    assert.match(await sh('route', 'show', 'proto', '80'), /10\.65\.0\.9 dev cali3/);
    assert.match(await sh('route', 'show', 'proto', 'static'), /10\.99\.0\.0\/24 dev cali1/);
  });

  test('IPv6 routes in any spelling are programmed once and adopted', async () => {
    const declare6 = (): RouteTable => {
      const rt = new RouteTable({ ipVersion: 6, exec });
      rt.setRoutes('cali1', [{ dst: 'FD00:0::5/128' }, { dst: 'fd10::7/64', gateway: 'fe80::1', onlink: true }]);
      return rt;
    };
    assert.equal((await declare6().apply()).commands, 2);
    assert.equal((await declare6().apply()).commands, 0);
    const ours = await sh('-6', 'route', 'show', 'proto', '80');
    assert.match(ours, /fd00::5 dev cali1/);
    assert.match(ours, /fd10::\/64 via fe80::1 dev cali1/);
  });
});
