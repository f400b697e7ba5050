/**
 * End to end: the nftables driver against the real kernel inside a throwaway
 * network namespace: programming, a 1-element delta, tampering and resync,
 * adoption by a fresh instance without flushing, session crash and restart,
 * batch atomicity, and real packets (loopback TCP probes) obeying a set element.
 * Needs root (skips otherwise).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { NftSession, type NftTransport } from '../../dist/dataplane/kernel/nft-session.js';
import { NftablesTable } from '../../dist/dataplane/drivers/nftables/index.js';
import { HostExec } from '../../dist/dataplane/kernel/exec-shim.js';
import { NftWriter } from '../../dist/dataplane/managers/nft-writer.js';
import { rule } from '../../dist/dataplane/rules/ir.js';
import { NetnsScope, canUseNetns } from '../support/netns.js';

const root = await canUseNetns();
/** A TCP connect probe run inside the netns: prints ECONNREFUSED/OPEN when packets pass, TIMEOUT when dropped. */
const PROBE = `const s=require('net').connect(9,process.argv[1]);s.setTimeout(400);
s.on('error',e=>{console.log(e.code);process.exit(0)});s.on('timeout',()=>{console.log('TIMEOUT');process.exit(0)});
s.on('connect',()=>{console.log('OPEN');process.exit(0)});`;

/** Passes batches to the session and keeps the last one (the driver keeps no copy of what it sent). */
class Recorder implements NftTransport {
  last: string[] = [];
  constructor(private readonly inner: NftTransport) {}
  transact(commands: readonly string[]): Promise<void> { this.last = [...commands]; return this.inner.transact(commands); }
  listTable(family: string, table: string): Promise<unknown> { return this.inner.listTable(family, table); }
  close(): Promise<void> { return Promise.resolve(); }
}

interface Listed { nftables: Record<string, Record<string, unknown>>[] }

function declare(t: NftablesTable): void {
  t.setSet({ name: 'cali40s-blocked', type: 'ipv4_addr', flags: ['interval'] }, ['127.0.0.3', '10.0.0.0/8']);
  t.setSet({ name: 'cali40n-web', type: 'ipv4_addr . inet_proto . inet_service' }, ['10.0.0.1 . tcp . 80', '10.0.0.2 . udp . 53']);
  t.updateChain({ name: 'cali-blk', rules: [{ body: 'ip daddr @cali40s-blocked counter drop', comment: 'blocked' }] });
  t.updateChain({ name: 'cali-np', rules: [{ body: 'ip daddr . meta l4proto . th dport @cali40n-web accept' }] });
  t.setMap({ name: 'cali-to-if', keyType: 'ifname', valueType: 'verdict' }, [['lo', 'jump cali-blk']]);
  t.updateChain({
    name: 'filter-OUTPUT', base: { type: 'filter', hook: 'output', priority: 0, policy: 'accept' },
    rules: [{ body: 'ct state established,related accept' }, { body: 'oifname vmap @cali-to-if' }, { body: 'jump cali-np' }],
  });
}

for (const helper of [true, false]) describe(`nftables driver in a network namespace (${helper ? 'libnftables helper' : 'nft -i'})`, { skip: !root && 'needs root and ip netns' }, () => {
  const scope = new NetnsScope(helper ? 'nfth' : 'nfti');
  let ns = '';
  let session: NftSession;
  const nft = async (...args: string[]): Promise<string> => {
    const r = await scope.run(ns, 'nft', args);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };
  const listed = async (family: string, name: string): Promise<Listed> => JSON.parse(await nft('-j', 'list', 'table', family, name)) as Listed;
  /** True when a TCP SYN to addr gets through (refused or open), false when it is dropped (timeout). */
  const ping = async (addr: string): Promise<boolean> => {
    const r = await scope.run(ns, process.execPath, ['-e', PROBE, addr]);
    return r.stdout.trim() !== 'TIMEOUT';
  };

  before(async () => {
    ns = await scope.netns('a');
    session = new NftSession({ netns: ns, helper });
  });
  after(async () => {
    await session?.close();
    await scope.cleanup();
  });

  test('programs the table in one transaction and packets obey it', async () => {
    const t = new NftablesTable({ family: 'inet', name: 'calico', transport: session });
    declare(t);
    const r = await t.apply();
    assert.equal(session.mode, helper ? 'helper' : 'nft-i', 'the helper builds on this machine (cc + libnftables)');
    assert.equal(r.readKernel, true);
    const l = await listed('inet', 'calico');
    const rules = l.nftables.filter((x) => x['rule']);
    assert.equal(rules.length, 5);
    assert.ok(rules.every((x) => String(x['rule']?.['comment']).startsWith('cali:')));
    assert.equal(await ping('127.0.0.1'), true);
    assert.equal(await ping('127.0.0.3'), false, 'blocked by set element');
  });

  test('a 1-element set delta is one small command and takes effect at once', async () => {
    const rec = new Recorder(session);
    const t = new NftablesTable({ family: 'inet', name: 'calico', transport: rec });
    declare(t);
    assert.equal((await t.apply()).commands, 0);
    t.removeSetMembers('cali40s-blocked', ['127.0.0.3']);
    const r = await t.apply();
    assert.deepEqual(rec.last, ['delete element inet calico cali40s-blocked { 127.0.0.3 }']);
    assert.equal(r.readKernel, false);
    assert.equal(await ping('127.0.0.3'), true);
    t.addSetMembers('cali40s-blocked', ['127.0.0.3']);
    await t.apply();
    assert.deepEqual(rec.last, ['add element inet calico cali40s-blocked { 127.0.0.3 }']);
    assert.equal(await ping('127.0.0.3'), false);
  });

  test('a fresh instance adopts the table without touching it (handles unchanged)', async () => {
    const before = (await listed('inet', 'calico')).nftables.filter((x) => x['rule']).map((x) => x['rule']?.['handle']);
    const t = new NftablesTable({ family: 'inet', name: 'calico', transport: session });
    declare(t);
    const r = await t.apply();
    assert.equal(r.commands, 0);
    const afterHandles = (await listed('inet', 'calico')).nftables.filter((x) => x['rule']).map((x) => x['rule']?.['handle']);
    assert.deepEqual(afterHandles, before);
  });

  test('resync repairs a deleted rule and set element, and leaves a foreign table alone', async () => {
    const rec = new Recorder(session);
    const t = new NftablesTable({ family: 'inet', name: 'calico', transport: rec });
    declare(t);
    await t.apply();
    const rule = (await listed('inet', 'calico')).nftables.find((x) => x['rule']?.['chain'] === 'cali-blk');
    await nft('delete', 'rule', 'inet', 'calico', 'cali-blk', 'handle', String(rule?.['rule']?.['handle']));
    await nft('delete', 'element', 'inet', 'calico', 'cali40n-web', '{ 10.0.0.2 . udp . 53 }');
    await nft('add', 'chain', 'inet', 'calico', 'stray');
    await nft('add', 'table', 'inet', 'foreign');
    await nft('add', 'chain', 'inet', 'foreign', 'keep');
    await nft('add', 'rule', 'inet', 'foreign', 'keep', 'counter');
    assert.equal(await ping('127.0.0.3'), true, 'tampering opened the hole');
    const r = await t.resync();
    assert.equal(r.readKernel, true);
    assert.ok(rec.last.includes('add element inet calico cali40n-web { 10.0.0.2 . 17 . 53 }'));
    assert.ok(rec.last.includes('delete chain inet calico stray'));
    assert.equal(await ping('127.0.0.3'), false, 'repaired');
    const foreign = await listed('inet', 'foreign');
    assert.equal(foreign.nftables.filter((x) => x['rule']).length, 1);
    assert.equal((await t.resync()).commands, 0, 'converged');
  });

  test('background resync (big-table mode): read off-thread, repaired at the next apply', async () => {
    const t = new NftablesTable({ family: 'inet', name: 'calico', transport: session, fullResyncMaxItems: 0 });
    declare(t);
    await t.apply();
    const rule = (await listed('inet', 'calico')).nftables.find((x) => x['rule']?.['chain'] === 'cali-blk');
    await nft('delete', 'rule', 'inet', 'calico', 'cali-blk', 'handle', String(rule?.['rule']?.['handle']));
    assert.equal(await ping('127.0.0.3'), true, 'tampering opened the hole');
    await t.resync();
    for (let i = 0; i < 100 && t.resyncStats.merged === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      await t.apply();
    }
    assert.equal(t.resyncStats.merged, 1);
    assert.equal(await ping('127.0.0.3'), false, 'repaired');
  });

  test('a crashed nft -i session is restarted and the failed batch is retried after a re-read', async () => {
    const t = new NftablesTable({ family: 'inet', name: 'calico', transport: session });
    declare(t);
    await t.apply();
    const pid = session.pid;
    assert.ok(pid);
    const starts = session.starts;
    process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 50));
    t.addSetMembers('cali40s-blocked', ['127.0.0.4']);
    await t.apply();
    assert.equal(session.starts, starts + 1);
    assert.equal(await ping('127.0.0.4'), false);
  });

  test('a rejected batch applies nothing (one batch = one transaction)', async () => {
    await assert.rejects(session.transact(['add table inet calico', 'add chain inet calico half', 'add rule inet calico nosuch accept']), { code: 'CALICO_ERR_KERNEL' });
    const l = await listed('inet', 'calico');
    assert.equal(l.nftables.some((x) => x['chain']?.['name'] === 'half'), false);
    await session.transact(['add chain inet calico whole']);
    assert.equal((await listed('inet', 'calico')).nftables.some((x) => x['chain']?.['name'] === 'whole'), true);
  });

  test('ip6 table: IPv6 members in any spelling are adopted without churn', async () => {
    const declare6 = (t: NftablesTable): void => {
      t.setSet({ name: 'cali60s-a', type: 'ipv6_addr', flags: ['interval'] }, ['FD00:0:0::5/64', 'fd01::1/128', 'fd02::-fd02::ffff', 'fd03:0::7']);
      t.setSet({ name: 'cali60n-p', type: 'ipv6_addr . inet_proto . inet_service' }, ['FD00::1 . tcp . 8080', 'fd00::2 . UDP . 53']);
      t.updateChain({ name: 'cali-x', rules: [{ body: 'ip6 saddr @cali60s-a accept' }, { body: 'ip6 daddr . meta l4proto . th dport @cali60n-p accept' }] });
    };
    const t = new NftablesTable({ family: 'ip6', name: 'calico', transport: session });
    declare6(t);
    await t.apply();
    const rec = new Recorder(session);
    const t2 = new NftablesTable({ family: 'ip6', name: 'calico', transport: rec });
    declare6(t2);
    assert.equal((await t2.apply()).commands, 0, JSON.stringify(rec.last));
    await t2.deleteTable();
  });

  test('a large batch is one transaction (streamed to the helper, or nft -f without it) and is adopted afterwards', async () => {
    const declareBig = (t: NftablesTable): void => {
      const members: string[] = [];
      for (let i = 0; i < 3000; i++) members.push(`10.${i >> 8}.${i & 255}.1`);
      t.setSet({ name: 'cali40s-big', type: 'ipv4_addr' }, members);
      t.updateChain({ name: 'cali-big', rules: Array.from({ length: 300 }, (_, i) => ({ body: `ip saddr @cali40s-big tcp dport ${i + 1} accept` })) });
    };
    const spawnedBefore = session.spawnedBatches;
    const t = new NftablesTable({ family: 'ip', name: 'calico', transport: session });
    declareBig(t);
    await t.apply();
    assert.equal(session.spawnedBatches, spawnedBefore + (session.mode === 'helper' ? 0 : 1));
    const t2 = new NftablesTable({ family: 'ip', name: 'calico', transport: session });
    declareBig(t2);
    assert.equal((await t2.apply()).commands, 0);
    await t2.deleteTable();
  });

  test('net-and-port sets: a plain hash set for host members, retyped to interval for a CIDR or port range; packets obey it', async () => {
    const rec = new Recorder(session);
    const w = new NftWriter({ transport: rec, exec: new HostExec(ns) });
    w.setFamilies([4]);
    const setOf = async (): Promise<Record<string, unknown> | undefined> =>
      (await listed('ip', 'calico')).nftables.map((x) => x['set']).find((x) => x?.['name'] === 'cali40n_x');
    /** The writer's hook chain plus the concatenated lookup H2's compiled allow sets use (drop here, to see it in packets). */
    const declareChains = (wr: NftWriter): void => {
      wr.setHookChain(4, { table: 'filter', hook: 'OUTPUT', chain: { name: 'filter-OUTPUT', rules: [rule([], { k: 'jump', chain: 'cali-np-out' })] } });
      wr.table(4).updateChain({ name: 'cali-np-out', rules: [{ body: 'ip daddr . meta l4proto . th dport @cali40n_x drop' }] });
    };
    w.setIpSet(4, 'cali40n_x', 'net-and-port', ['127.0.0.5,tcp:9', '127.0.0.6,udp:53']);
    declareChains(w);
    await w.apply();
    const t = w.table(4);
    let s = await setOf();
    assert.equal(s?.['flags'], undefined, 'host members: no interval flag');
    assert.equal(await ping('127.0.0.5'), false, '127.0.0.5 tcp/9 dropped by the set');
    assert.equal(await ping('127.0.0.7'), true);
    w.setIpSet(4, 'cali40n_x', 'net-and-port', ['127.0.0.5,tcp:9', '127.0.0.0/29,tcp:1-100']);
    await w.apply();
    s = await setOf();
    assert.deepEqual(s?.['flags'], ['interval']);
    assert.deepEqual(s?.['type'], ['ipv4_addr', 'inet_proto', 'inet_service']);
    assert.ok(rec.last.includes('delete set ip calico cali40n_x'), JSON.stringify(rec.last));
    assert.equal(await ping('127.0.0.7'), false, 'CIDR . tcp . range member drops 127.0.0.7 tcp/9');
    const fresh = new NftWriter({ transport: rec, exec: new HostExec(ns) });
    fresh.setFamilies([4]);
    fresh.setIpSet(4, 'cali40n_x', 'net-and-port', ['127.0.0.0/29,tcp:1-100', '127.0.0.5,tcp:9']);
    declareChains(fresh);
    assert.equal((await fresh.apply()).commands, 0, `adopted without churn: ${JSON.stringify(rec.last)}`);
    w.setIpSet(4, 'cali40n_x', 'net-and-port', ['127.0.0.6,udp:53']);
    await w.apply();
    assert.equal((await setOf())?.['flags'], undefined, 'back to a plain hash set');
    assert.equal(await ping('127.0.0.7'), true);
    await t.deleteTable();
  });

  test('deleteTable removes only our table', async () => {
    const t = new NftablesTable({ family: 'inet', name: 'calico', transport: session });
    await t.deleteTable();
    const r = await scope.run(ns, 'nft', ['list', 'tables']);
    assert.match(r.stdout, /table inet foreign/);
    assert.doesNotMatch(r.stdout, /table inet calico/);
  });
});
