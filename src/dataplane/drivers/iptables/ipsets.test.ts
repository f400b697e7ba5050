import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeExec, fail, ok } from '../../kernel/fake-exec.js';
import { IpsetManager, canonicalIpsetMember } from './ipsets.js';

function setup(save = ''): { m: IpsetManager; fx: FakeExec } {
  const fx = new FakeExec().on('ipset', (c) => (c.args[0] === 'save' ? ok(save) : ok()));
  return { m: new IpsetManager({ ipVersion: 4, exec: fx }), fx };
}

const SAVE = [
  'create cali40s:web hash:net family inet hashsize 1024 maxelem 1048576 bucketsize 12 initval 0x1',
  'add cali40s:web 10.0.0.0/24', 'add cali40s:web 10.0.1.1',
  'create cali40s:gone hash:ip family inet hashsize 1024 maxelem 1048576',
  'create cali41s:web hash:net family inet hashsize 1024 maxelem 1048576',
  'create docker-set hash:ip family inet hashsize 1024 maxelem 65536', 'add docker-set 1.2.3.4', '',
].join('\n');

describe('IpsetManager', () => {
  it('creates sets with Felix names and sends member deltas as add/del lines', async () => {
    const { m, fx } = setup();
    m.addOrReplaceIPSet({ setId: 's:web', type: 'hash:net' }, ['10.0.0.0/24', '10.0.1.1/32']);
    await m.apply();
    assert.equal(m.lastRestoreInput, 'create cali40s:web hash:net family inet maxelem 1048576\nadd cali40s:web 10.0.0.0/24\nadd cali40s:web 10.0.1.1\n');
    assert.deepEqual(fx.callsOf('ipset').at(-1)?.args, ['restore', '-exist']);
    m.addMembers('s:web', ['10.2.0.0/16']);
    m.removeMembers('s:web', ['10.0.1.1']);
    const r = await m.apply();
    assert.equal(r.lines, 2);
    assert.equal(m.lastRestoreInput, 'del cali40s:web 10.0.1.1\nadd cali40s:web 10.2.0.0/16\n');
    assert.equal(fx.callsOf('ipset').filter((c) => c.args[0] === 'save').length, 1);
  });

  it('adopts matching kernel sets, sweeps ours that are not wanted, never touches others', async () => {
    const { m } = setup(SAVE);
    m.addOrReplaceIPSet({ setId: 's:web', type: 'hash:net' }, ['10.0.1.1', '10.0.0.0/24']);
    const up = await m.applyUpdates();
    assert.equal(up, 0);
    await m.applyDeletions();
    assert.equal(m.lastRestoreInput, 'destroy cali40s:gone\ndestroy cali41s:web\n');
  });

  it('rewrites a far-off set through a temporary set and swap', async () => {
    const { m } = setup(SAVE);
    const members = Array.from({ length: 20 }, (_, i) => `10.9.0.${i}`);
    m.addOrReplaceIPSet({ setId: 's:web', type: 'hash:net' }, members);
    await m.applyUpdates();
    const lines = m.lastRestoreInput.trim().split('\n');
    assert.equal(lines[0], 'create cali41s:web hash:net family inet maxelem 1048576');
    assert.equal(lines[1], 'flush cali41s:web');
    assert.deepEqual(lines.slice(-2), ['swap cali41s:web cali40s:web', 'destroy cali41s:web']);
    assert.equal(lines.length, 2 + 20 + 2);
  });

  it('uses cali60 names and inet6 for IPv6, and validates name length', async () => {
    const fx = new FakeExec();
    const m = new IpsetManager({ ipVersion: 6, exec: fx });
    m.addOrReplaceIPSet({ setId: 's:np', type: 'hash:ip,port' }, ['FD00::1,TCP:80']);
    await m.apply();
    assert.equal(m.lastRestoreInput, 'create cali60s:np hash:ip,port family inet6 maxelem 1048576\nadd cali60s:np fd00::1,tcp:80\n');
    assert.throws(() => m.addOrReplaceIPSet({ setId: 's:' + 'x'.repeat(40), type: 'hash:ip' }, []), { code: 'CALICO_ERR_VALIDATION' });
  });

  it('throws CALICO_ERR_KERNEL after a failed retry', async () => {
    const fx = new FakeExec().on('ipset', (c) => (c.args[0] === 'save' ? ok('') : fail('ipset v7.17: Error in line 1')));
    const m = new IpsetManager({ ipVersion: 4, exec: fx });
    m.addOrReplaceIPSet({ setId: 's:a', type: 'hash:ip' }, ['1.1.1.1']);
    await assert.rejects(m.apply(), { code: 'CALICO_ERR_KERNEL' });
  });

  it('canonicalises members like ipset save prints them', () => {
    assert.equal(canonicalIpsetMember('10.0.0.1/32'), '10.0.0.1');
    assert.equal(canonicalIpsetMember('FD00:0::1/128,UDP:53'), 'fd00::1,udp:53');
  });
});
