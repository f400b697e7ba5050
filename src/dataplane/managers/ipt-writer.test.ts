import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeExec, fail, ok } from '../kernel/fake-exec.js';
import { IptWriter } from './ipt-writer.js';

function setup(): { w: IptWriter; fx: FakeExec } {
  const fx = new FakeExec().on('ipset', () => ok()).on('iptables-nft-save', () => ok(''));
  const w = new IptWriter(fx, 'nft');
  w.setFamilies([4]);
  w.setIpSet(4, w.setName('s:web', 4), 'net', ['10.0.0.0/24']);
  w.table(4, 'filter').updateChain({ name: 'cali-FORWARD', rules: [{ body: '-m set --match-set cali40s:web src -j ACCEPT' }] });
  w.table(4, 'filter').setInsertedRules('FORWARD', [{ body: '-j cali-FORWARD' }]);
  w.table(4, 'raw').updateChain({ name: 'cali-PREROUTING', rules: [{ body: '-j ACCEPT' }] });
  w.table(4, 'raw').setInsertedRules('PREROUTING', [{ body: '-j cali-PREROUTING' }]);
  return { w, fx };
}

describe('IptWriter apply', () => {
  it('into an empty kernel: one save of all tables, set creates then members, one streamed restore of every table', async () => {
    const { w, fx } = setup();
    const r = await w.apply();
    assert.equal(r.readKernel, true);
    assert.deepEqual(fx.callsOf('iptables-nft-save').map((c) => c.args), [[]]);
    assert.deepEqual(fx.callsOf('ipset').map((c) => c.args[0]), ['save', 'restore', 'restore']);
    const restores = fx.callsOf('iptables-nft-restore');
    assert.equal(restores.length, 1);
    assert.equal(restores[0]?.streamed, true);
    const input = restores[0]?.input ?? '';
    assert.match(input, /^\*raw\n:cali-PREROUTING - -\n[^]*-I PREROUTING 1 [^]*COMMIT\n\*filter\n/);
    assert.match(input, /-I FORWARD 1 -m comment --comment "cali:[^"]+" -j cali-FORWARD\nCOMMIT\n$/, 'jump inserted into a table that did not exist yet');
    // ipset creates are sent before the rules that reference them.
    assert.ok(fx.calls.findIndex((c) => c.cmd === 'ipset' && c.args[0] === 'restore') < fx.calls.indexOf(restores[0]!));
  });

  it('a later change sends only the changed table, without reading the kernel', async () => {
    const { w, fx } = setup();
    await w.apply();
    fx.calls.length = 0;
    w.table(4, 'filter').updateChain({ name: 'cali-FORWARD', rules: [{ body: '-j DROP' }] });
    const r = await w.apply();
    assert.equal(r.readKernel, false);
    assert.deepEqual(fx.calls.map((c) => c.cmd), ['iptables-nft-restore']);
    assert.match(fx.calls[0]?.input ?? '', /^\*filter\n:cali-FORWARD - -\n-A cali-FORWARD .* -j DROP\nCOMMIT\n$/);
    assert.equal((await w.apply()).commands, 0);
    assert.equal(fx.calls.length, 1);
  });

  it('a failed restore re-reads every table and retries once, then throws', async () => {
    const { w, fx } = setup();
    let n = 0;
    fx.on('iptables-nft-restore', () => (++n === 1 ? fail('iptables-restore: line 4 failed') : ok()));
    await w.apply();
    assert.equal(n, 2);
    assert.equal(fx.callsOf('iptables-nft-save').length, 2);
    fx.on('iptables-nft-restore', () => fail('iptables-restore: line 2 failed'));
    w.table(4, 'raw').updateChain({ name: 'cali-PREROUTING', rules: [] });
    await assert.rejects(w.apply(), { code: 'CALICO_ERR_KERNEL' });
    // The failed change is not lost: the next apply sends it again.
    fx.on('iptables-nft-restore', () => ok());
    const before = fx.callsOf('iptables-nft-restore').length;
    await w.apply();
    assert.equal(fx.callsOf('iptables-nft-restore').length, before + 1);
    assert.match(fx.callsOf('iptables-nft-restore').at(-1)?.input ?? '', /:cali-PREROUTING - -/);
  });
});

/** FakeExec whose `ipset restore` answers only when released (to see what runs alongside it). */
class GatedExec extends FakeExec {
  private release: (() => void)[] = [];
  override run(cmd: string, args: readonly string[], input?: Parameters<FakeExec['run']>[2]): ReturnType<FakeExec['run']> {
    const r = super.run(cmd, args, input);
    if (cmd !== 'ipset' || args[0] !== 'restore') return r;
    return new Promise((resolve) => this.release.push(() => resolve(r)));
  }
  open(): void { for (const f of this.release.splice(0)) f(); }
}

describe('IptWriter ordering of ipset and iptables-restore', () => {
  /** The calls made before any ipset restore is answered, then runs the apply to its end. */
  const started = async (fx: GatedExec, w: IptWriter): Promise<string[]> => {
    const done = w.apply();
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    const seen = fx.calls.map((c) => `${c.cmd} ${c.args[0] ?? ''}`);
    const opener = setInterval(() => fx.open(), 1);
    try { await done; } finally { clearInterval(opener); }
    return seen;
  };
  it('new sets are created before the restore that names them; members load while it is parsed, before its COMMIT', async () => {
    const fx = new GatedExec();
    const committed: string[] = [];
    fx.on('ipset', (c) => { if (c.args[0] === 'restore') committed.push(`ipset ${c.input ?? ''}`); return ok(); });
    fx.on('iptables-nft-save', () => ok(''));
    fx.on('iptables-nft-restore', () => { committed.push('iptables'); return ok(); });
    const w = new IptWriter(fx, 'nft');
    w.setFamilies([4]);
    w.setIpSet(4, w.setName('s:web', 4), 'net', ['10.0.0.0/24']);
    w.table(4, 'filter').updateChain({ name: 'cali-x', rules: [{ body: '-m set --match-set cali40s:web src -j ACCEPT' }] });
    assert.deepEqual(await started(fx, w), ['ipset save', 'iptables-nft-save -t', 'ipset restore'], 'nothing else before the create');
    assert.deepEqual(committed, ['ipset create cali40s:web hash:net family inet maxelem 1048576\n', 'ipset add cali40s:web 10.0.0.0/24\n', 'iptables']);
    assert.deepEqual(fx.callsOf('ipset').map((c) => c.args[0]), ['save', 'restore', 'restore']);
    fx.calls.length = 0;
    committed.length = 0;
    w.setIpSet(4, w.setName('s:web', 4), 'net', ['10.0.0.0/24', '10.0.1.0/24']);
    w.table(4, 'filter').updateChain({ name: 'cali-x', rules: [{ body: '-m set --match-set cali40s:web dst -j ACCEPT' }] });
    assert.deepEqual(await started(fx, w), ['ipset restore', 'iptables-nft-restore --noflush'], 'member change and restore together');
    assert.deepEqual(committed, ['ipset add cali40s:web 10.0.1.0/24\n', 'iptables'], 'the COMMIT after the members');
  });

  it('a failed set update stops the restore before its COMMIT; the next apply sends the chain again', async () => {
    const fx = new FakeExec().on('iptables-nft-save', () => ok('')).on('iptables-nft-restore', () => ok());
    fx.on('ipset', (c) => (c.args[0] === 'restore' && /^add /m.test(c.input ?? '') ? fail('ipset v7: Hash is full') : ok()));
    const w = new IptWriter(fx, 'nft');
    w.setFamilies([4]);
    w.setIpSet(4, w.setName('s:web', 4), 'net', ['10.0.0.0/24']);
    w.table(4, 'filter').updateChain({ name: 'cali-x', rules: [{ body: '-m set --match-set cali40s:web src -j ACCEPT' }] });
    await assert.rejects(w.apply(), { code: 'CALICO_ERR_KERNEL' });
    assert.doesNotMatch(fx.callsOf('iptables-nft-restore')[0]?.input ?? '', /COMMIT/, 'input ended before COMMIT');
    fx.on('ipset', () => ok());
    await w.apply();
    assert.match(fx.callsOf('iptables-nft-restore').at(-1)?.input ?? '', /:cali-x - -\n[^]*COMMIT\n$/);
  });
});
