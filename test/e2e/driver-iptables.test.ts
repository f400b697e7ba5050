/**
 * End to end: the iptables-restore driver and the ipset manager against the
 * real kernel in a throwaway netns, for both iptables backends: programming,
 * real packets obeying an ipset member, a 1-member delta, tampering and
 * resync (foreign chains and sets untouched), adoption by a fresh instance
 * without a restore. Needs root (skips otherwise).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HostExec } from '../../dist/dataplane/kernel/exec-shim.js';
import { IpsetManager, IptablesTable, type IptablesBackend } from '../../dist/dataplane/drivers/iptables/index.js';
import { IptWriter } from '../../dist/dataplane/managers/ipt-writer.js';
import { NetnsScope, canUseNetns } from '../support/netns.js';

const root = await canUseNetns();
const PROBE = `const s=require('net').connect(9,process.argv[1]);s.setTimeout(400);
s.on('error',e=>{console.log(e.code);process.exit(0)});s.on('timeout',()=>{console.log('TIMEOUT');process.exit(0)});
s.on('connect',()=>{console.log('OPEN');process.exit(0)});`;

function declare(t: IptablesTable, ips: IpsetManager): void {
  ips.addOrReplaceIPSet({ setId: 's:blk', type: 'hash:net' }, ['127.0.0.3', '10.0.0.0/8']);
  ips.addOrReplaceIPSet({ setId: 'n:web', type: 'hash:ip,port' }, ['10.0.0.1,tcp:80']);
  t.updateChain({ name: 'cali-OUTPUT', rules: [
    { body: '-m set --match-set cali40s:blk dst -j DROP', comment: 'blocked' },
    { body: '-j cali-np' },
  ] });
  t.updateChain({ name: 'cali-np', rules: [{ body: '-m set --match-set cali40n:web dst,dst -j ACCEPT' }] });
  t.setInsertedRules('OUTPUT', [{ body: '-j cali-OUTPUT' }]);
}

for (const backend of ['nft', 'legacy'] as IptablesBackend[]) {
  describe(`iptables driver (${backend} backend) in a network namespace`, { skip: !root && 'needs root and ip netns' }, () => {
    const scope = new NetnsScope(`ipt${backend[0]}`);
    let ns = '';
    let exec: HostExec;
    const sh = async (cmd: string, ...args: string[]): Promise<string> => {
      const r = await scope.run(ns, cmd, args);
      assert.equal(r.code, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    const save = (): Promise<string> => sh(`iptables-${backend}-save`, '-t', 'filter');
    const passes = async (addr: string): Promise<boolean> => (await scope.run(ns, process.execPath, ['-e', PROBE, addr])).stdout.trim() !== 'TIMEOUT';
    const fresh = (): { t: IptablesTable; ips: IpsetManager } => {
      const t = new IptablesTable({ ipVersion: 4, table: 'filter', exec, backend });
      const ips = new IpsetManager({ ipVersion: 4, exec });
      declare(t, ips);
      return { t, ips };
    };

    before(async () => {
      ns = await scope.netns('a');
      exec = new HostExec(ns);
    });
    after(() => scope.cleanup());

    test('programs chains, the inserted jump and sets; packets obey the set', async () => {
      const { t, ips } = fresh();
      await ips.applyUpdates();
      await t.apply();
      const text = await save();
      assert.match(text, /-A OUTPUT -m comment --comment "cali:[^"]+" -j cali-OUTPUT/);
      assert.match(text, /:cali-np /);
      assert.equal(await passes('127.0.0.1'), true);
      assert.equal(await passes('127.0.0.3'), false);
    });

    test('a 1-member delta is one ipset line; a fresh instance adopts everything', async () => {
      const { t, ips } = fresh();
      assert.equal((await ips.apply()).lines, 0);
      assert.equal((await t.apply()).commands, 0);
      ips.removeMembers('s:blk', ['127.0.0.3']);
      await ips.apply();
      assert.equal(ips.lastRestoreInput, 'del cali40s:blk 127.0.0.3\n');
      assert.equal(await passes('127.0.0.3'), true);
      ips.addMembers('s:blk', ['127.0.0.3']);
      await ips.apply();
      assert.equal(await passes('127.0.0.3'), false);
    });

    test('resync repairs a deleted rule, the inserted jump and a set member; foreign state untouched', async () => {
      const { t, ips } = fresh();
      await ips.apply();
      await t.apply();
      await sh(`iptables-${backend}`, '-D', 'cali-OUTPUT', '1');
      await sh(`iptables-${backend}`, '-N', 'FOREIGN');
      await sh(`iptables-${backend}`, '-A', 'FOREIGN', '-j', 'RETURN');
      await sh(`iptables-${backend}`, '-I', 'OUTPUT', '1', '-j', 'FOREIGN');
      await sh('ipset', 'del', 'cali40n:web', '10.0.0.1,tcp:80');
      await sh('ipset', 'create', 'other-set', 'hash:ip');
      await sh('ipset', 'create', 'cali40s:stale', 'hash:ip');
      assert.equal(await passes('127.0.0.3'), true, 'tampering opened the hole');
      await ips.resync();
      const r = await t.resync();
      assert.ok(r.commands > 0);
      assert.equal(await passes('127.0.0.3'), false, 'repaired');
      const text = await save();
      assert.match(text, /-A FOREIGN -j RETURN/);
      const lines = text.split('\n').filter((l) => l.startsWith('-A OUTPUT'));
      assert.match(lines[0] ?? '', /cali-OUTPUT/, 'our jump back on top');
      assert.match(lines[1] ?? '', /FOREIGN/);
      const sets = await sh('ipset', 'list', '-n');
      assert.match(sets, /other-set/);
      assert.doesNotMatch(sets, /cali40s:stale/);
      assert.match(await sh('ipset', 'list', 'cali40n:web'), /10\.0\.0\.1,tcp:80/);
      assert.equal((await t.resync()).commands, 0, 'converged');
    });

    test('removing everything leaves only foreign state', async () => {
      const { t, ips } = fresh();
      await ips.applyUpdates();
      t.setInsertedRules('OUTPUT', []);
      t.removeChain('cali-OUTPUT');
      t.removeChain('cali-np');
      await t.apply();
      ips.removeIPSet('s:blk');
      ips.removeIPSet('n:web');
      await ips.applyDeletions();
      const text = await save();
      assert.doesNotMatch(text, /cali/);
      assert.match(text, /FOREIGN/);
      assert.doesNotMatch(await sh('ipset', 'list', '-n'), /cali/);
    });
  });
}

describe('ip6tables driver and IPv6 ipsets in a network namespace', { skip: !root && 'needs root and ip netns' }, () => {
  const scope = new NetnsScope('ip6t');
  let ns = '';
  let exec: HostExec;
  const declare6 = (): { t: IptablesTable; ips: IpsetManager } => {
    const t = new IptablesTable({ ipVersion: 6, table: 'filter', exec, backend: 'nft' });
    const ips = new IpsetManager({ ipVersion: 6, exec });
    ips.addOrReplaceIPSet({ setId: 's:blk', type: 'hash:net' }, ['FD00:0::5/64', '::3']);
    t.updateChain({ name: 'cali-OUTPUT', rules: [{ body: '-m set --match-set cali60s:blk dst -j DROP' }] });
    t.setInsertedRules('OUTPUT', [{ body: '-j cali-OUTPUT' }]);
    return { t, ips };
  };
  before(async () => {
    ns = await scope.netns('a');
    exec = new HostExec(ns);
  });
  after(() => scope.cleanup());

  test('programs ip6tables and cali60 sets; a fresh instance adopts them', async () => {
    const { t, ips } = declare6();
    await ips.applyUpdates();
    await t.apply();
    const text = (await scope.run(ns, 'ip6tables-nft-save', ['-t', 'filter'])).stdout;
    assert.match(text, /-A OUTPUT -m comment --comment "cali:[^"]+" -j cali-OUTPUT/);
    const members = (await scope.run(ns, 'ipset', ['list', 'cali60s:blk'])).stdout;
    assert.match(members, /fd00::\/64/);
    assert.match(members, /^::3$/m);
    const again = declare6();
    assert.equal((await again.ips.apply()).lines, 0);
    assert.equal((await again.t.apply()).commands, 0);
  });
});

describe('net-and-port sets (hash:net,port, src,dst match) in a network namespace', { skip: !root && 'needs root and ip netns' }, () => {
  const scope = new NetnsScope('iptnp');
  let ns = '';
  let exec: HostExec;
  const PORT_PROBE = `const s=require('net').connect(Number(process.argv[2]),process.argv[1]);s.setTimeout(400);
s.on('error',e=>{console.log(e.code);process.exit(0)});s.on('timeout',()=>{console.log('TIMEOUT');process.exit(0)});
s.on('connect',()=>{console.log('OPEN');process.exit(0)});`;
  const passes = async (addr: string, port: number): Promise<boolean> =>
    (await scope.run(ns, process.execPath, ['-e', PORT_PROBE, addr, String(port)])).stdout.trim() !== 'TIMEOUT';
  /** Loopback TCP is allowed only from a source/port pair in the set. */
  const writer = (members: string[]): IptWriter => {
    const w = new IptWriter(exec, 'nft');
    w.setFamilies([4]);
    w.setIpSet(4, w.setName('a:np', 4), 'net-and-port', members);
    w.table(4, 'filter').updateChain({ name: 'cali-OUTPUT', rules: [
      { body: '-p tcp -m set --match-set cali40a:np src,dst -j ACCEPT' },
      { body: '-p tcp --syn -d 127.0.0.0/8 -j DROP' },
    ] });
    w.table(4, 'filter').setInsertedRules('OUTPUT', [{ body: '-j cali-OUTPUT' }]);
    return w;
  };
  before(async () => {
    ns = await scope.netns('a');
    exec = new HostExec(ns);
  });
  after(() => scope.cleanup());

  test('start-up into an empty kernel: hundreds of chains in one streamed restore (bulk form), adopted by a fresh writer', async () => {
    const bulkNs = await scope.netns('bulk');
    const bulkExec = new HostExec(bulkNs);
    const declare = (): IptWriter => {
      const w = new IptWriter(bulkExec, 'nft');
      w.setFamilies([4]);
      const f = w.table(4, 'filter');
      for (let i = 0; i < 300; i++) f.updateChain({ name: `cali-tw-bulk${i}`, rules: [{ body: `-p tcp --dport ${1000 + i} -j DROP` }, { body: '-j RETURN' }] });
      f.updateChain({ name: 'cali-OUTPUT', rules: Array.from({ length: 300 }, (_, i) => ({ body: `-o lo -j cali-tw-bulk${i}` })) });
      f.setInsertedRules('OUTPUT', [{ body: '-j cali-OUTPUT' }]);
      return w;
    };
    const r = await declare().apply();
    assert.equal(r.commands, 1 + 301 + 900 + 1, 'the -Z line, 301 declarations, 900 rules, 1 insert');
    const text = (await scope.run(bulkNs, 'iptables-nft-save', ['-t', 'filter'])).stdout;
    assert.equal(text.split('\n').filter((l) => l.startsWith(':cali-tw-bulk')).length, 300);
    assert.match(text, /^-A OUTPUT -m comment --comment "cali:[^"]+" -j cali-OUTPUT$/m);
    assert.equal((await scope.run(bulkNs, process.execPath, ['-e', PORT_PROBE, '127.0.0.1', '1299'])).stdout.trim(), 'TIMEOUT', 'last chain drops its port');
    assert.equal((await declare().apply()).commands, 0, 'a fresh writer finds everything in place');
  });

  test('source net + destination port range; exact diff against ipset save', async () => {
    const members = ['127.0.0.1/30,TCP:9-10', '0.0.0.0/0,6:12', '10.0.0.7/32,udp:53'];
    assert.ok((await writer(members).apply()).commands > 0);
    const list = (await scope.run(ns, 'ipset', ['save', 'cali40a:np'])).stdout;
    assert.match(list, /^create cali40a:np hash:net,port family inet /m);
    for (const m of ['127.0.0.0/30,tcp:9', '127.0.0.0/30,tcp:10', '0.0.0.0/1,tcp:12', '128.0.0.0/1,tcp:12', '10.0.0.7,udp:53']) {
      assert.match(list, new RegExp(`^add cali40a:np ${m.replace(/[./]/g, '\\$&')}$`, 'm'), m);
    }
    assert.equal(await passes('127.0.0.1', 9), true, 'port 9 from 127.0.0.1 allowed');
    assert.equal(await passes('127.0.0.1', 10), true, 'port 10 in the range');
    assert.equal(await passes('127.0.0.1', 12), true, 'port 12 from anywhere');
    assert.equal(await passes('127.0.0.1', 11), false, 'port 11 not in the set');
    // A fresh writer reads the kernel back and finds nothing to change.
    const again = writer(members);
    assert.equal((await again.resync()).commands, 0, 'canonical members: no churn');
    again.setIpSet(4, again.setName('a:np', 4), 'net-and-port', [...members, '127.0.0.0/8,tcp:11']);
    assert.equal((await again.apply()).commands, 1, 'one added member is one ipset line');
    assert.equal(await passes('127.0.0.1', 11), true);
  });
});
