import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeNftTransport } from '../../kernel/fake-nft-transport.js';
import { ruleHashes } from '../rule-hash.js';
import { NftablesTable } from './nftables-table.js';
import type { NftChain } from './types.js';

const fwd: NftChain = {
  name: 'filter-FORWARD',
  base: { type: 'filter', hook: 'forward', priority: 0, policy: 'accept' },
  rules: [{ body: 'ct state established,related accept' }, { body: 'oifname vmap @cali-to-wl' }],
};
const tw: NftChain = { name: 'cali-tw-cali1', rules: [{ body: 'ip saddr @cali40s-web tcp dport 80 accept', comment: 'Policy default.web' }] };

function table(fake = new FakeNftTransport()): { t: NftablesTable; fake: FakeNftTransport } {
  return { t: new NftablesTable({ family: 'inet', name: 'calico', transport: fake }), fake };
}

function declareAll(t: NftablesTable): void {
  t.setSet({ name: 'cali40s-web', type: 'ipv4_addr', flags: ['interval'] }, ['10.0.0.0/24', '10.1.0.1/32']);
  t.updateChain(tw);
  t.setMap({ name: 'cali-to-wl', keyType: 'ifname', valueType: 'verdict' }, [['cali1', 'jump cali-tw-cali1']]);
  t.updateChain(fwd);
}

/** The `nft -j list table` JSON of the table declareAll() programs (as the kernel prints it). */
function kernelJson(opts: { dropRule?: boolean; dropElem?: boolean; extraChain?: boolean; foreignRule?: boolean } = {}): unknown {
  const twH = ruleHashes(tw.name, tw.rules);
  const fwdH = ruleHashes(fwd.name, fwd.rules);
  const items: unknown[] = [
    { metainfo: { version: '1.0.6', json_schema_version: 1 } },
    { table: { family: 'inet', name: 'calico', handle: 1 } },
    { set: { family: 'inet', name: 'cali40s-web', table: 'calico', type: 'ipv4_addr', flags: ['interval'],
      elem: opts.dropElem ? [{ prefix: { addr: '10.0.0.0', len: 24 } }] : [{ prefix: { addr: '10.0.0.0', len: 24 } }, '10.1.0.1'] } },
    { map: { family: 'inet', name: 'cali-to-wl', table: 'calico', type: 'ifname', map: 'verdict', elem: [['cali1', { jump: { target: 'cali-tw-cali1' } }]] } },
    { chain: { family: 'inet', table: 'calico', name: 'cali-tw-cali1', handle: 2 } },
    { chain: { family: 'inet', table: 'calico', name: 'filter-FORWARD', handle: 3, type: 'filter', hook: 'forward', prio: 0, policy: 'accept' } },
    { rule: { family: 'inet', table: 'calico', chain: 'cali-tw-cali1', handle: 5, comment: `cali:${twH[0]}; Policy default.web`, expr: [] } },
  ];
  if (!opts.dropRule) items.push({ rule: { family: 'inet', table: 'calico', chain: 'filter-FORWARD', handle: 6, comment: `cali:${fwdH[0]}`, expr: [] } });
  if (opts.foreignRule) items.push({ rule: { family: 'inet', table: 'calico', chain: 'filter-FORWARD', handle: 9, expr: [] } });
  items.push({ rule: { family: 'inet', table: 'calico', chain: 'filter-FORWARD', handle: 7, comment: `cali:${fwdH[1]}`, expr: [] } });
  if (opts.extraChain) items.push({ chain: { family: 'inet', table: 'calico', name: 'cali-old', handle: 8 } });
  return { nftables: items };
}

describe('NftablesTable', () => {
  it('creates the table in dependency order in one batch', async () => {
    const { t, fake } = table();
    declareAll(t);
    const r = await t.apply();
    assert.equal(fake.batches.length, 1);
    assert.equal(r.readKernel, true);
    const [twH] = ruleHashes(tw.name, tw.rules);
    const fwdH = ruleHashes(fwd.name, fwd.rules);
    assert.deepEqual(fake.lastBatch, [
      'add table inet calico',
      'add chain inet calico cali-tw-cali1',
      'add chain inet calico filter-FORWARD { type filter hook forward priority 0; policy accept; }',
      'add set inet calico cali40s-web { type ipv4_addr; flags interval; }',
      'add map inet calico cali-to-wl { type ifname : verdict; }',
      'add element inet calico cali40s-web { 10.0.0.0/24, 10.1.0.1 }',
      `add rule inet calico cali-tw-cali1 ip saddr @cali40s-web tcp dport 80 accept comment "cali:${twH}; Policy default.web"`,
      `add rule inet calico filter-FORWARD ct state established,related accept comment "cali:${fwdH[0]}"`,
      `add rule inet calico filter-FORWARD oifname vmap @cali-to-wl comment "cali:${fwdH[1]}"`,
      'add element inet calico cali-to-wl { "cali1" : jump cali-tw-cali1 }',
    ]);
    assert.equal((await t.apply()).commands, 0, 'nothing left to do');
  });

  it('sends a 1-element set delta as one small command without re-reading', async () => {
    const { t, fake } = table();
    declareAll(t);
    await t.apply();
    t.addSetMembers('cali40s-web', ['10.2.0.0/16']);
    t.removeSetMembers('cali40s-web', ['10.1.0.1']);
    const r = await t.apply();
    assert.equal(r.readKernel, false);
    assert.equal(fake.listCalls, 1);
    assert.deepEqual(fake.lastBatch, [
      'delete element inet calico cali40s-web { 10.1.0.1 }',
      'add element inet calico cali40s-web { 10.2.0.0/16 }',
    ]);
  });

  it('adopts an identical kernel table without sending anything', async () => {
    const { t, fake } = table();
    fake.tables.set('inet calico', kernelJson());
    declareAll(t);
    const r = await t.apply();
    assert.equal(r.commands, 0);
    assert.equal(fake.batches.length, 0);
  });

  it('repairs a deleted rule, a deleted element and a foreign rule, and sweeps unknown chains', async () => {
    const { t, fake } = table();
    fake.tables.set('inet calico', kernelJson({ dropRule: true, dropElem: true, extraChain: true }));
    declareAll(t);
    await t.apply();
    const fwdH = ruleHashes(fwd.name, fwd.rules);
    assert.deepEqual(fake.lastBatch, [
      'add element inet calico cali40s-web { 10.1.0.1 }',
      'flush chain inet calico filter-FORWARD',
      `add rule inet calico filter-FORWARD ct state established,related accept comment "cali:${fwdH[0]}"`,
      `add rule inet calico filter-FORWARD oifname vmap @cali-to-wl comment "cali:${fwdH[1]}"`,
      'flush chain inet calico cali-old',
      'delete chain inet calico cali-old',
    ]);
    fake.tables.set('inet calico', kernelJson({ foreignRule: true }));
    await t.resync();
    assert.deepEqual(fake.lastBatch?.slice(0, 1), ['flush chain inet calico filter-FORWARD']);
  });

  it('reads a big table in the background and repairs what changed at the next apply', async () => {
    const fake = new FakeNftTransport();
    const t = new NftablesTable({ family: 'inet', name: 'calico', transport: fake, fullResyncMaxItems: 0 });
    declareAll(t);
    await t.apply();
    assert.equal(fake.listCalls, 1);
    fake.tables.set('inet calico', kernelJson({ dropRule: true, dropElem: true }));
    const r = await t.resync();
    assert.equal(r.commands, 0, 'the read runs in the background; nothing to send yet');
    assert.equal(fake.readDiffs, 1);
    const fixed = await t.apply();
    assert.equal(fake.listCalls, 1, 'no whole-table read in line');
    assert.equal(fixed.readKernel, true);
    const fwdH = ruleHashes(fwd.name, fwd.rules);
    assert.deepEqual(fake.lastBatch, [
      'add element inet calico cali40s-web { 10.1.0.1 }',
      'flush chain inet calico filter-FORWARD',
      `add rule inet calico filter-FORWARD ct state established,related accept comment "cali:${fwdH[0]}"`,
      `add rule inet calico filter-FORWARD oifname vmap @cali-to-wl comment "cali:${fwdH[1]}"`,
    ]);
    assert.deepEqual(t.resyncStats, { started: 1, merged: 1, repairedObjects: 2, failed: 0 });
    fake.tables.set('inet calico', kernelJson());
    await t.resync();
    assert.equal((await t.resync()).commands, 0, 'converged');
  });

  it('a background read never undoes a change made while it ran', async () => {
    const fake = new FakeNftTransport();
    const t = new NftablesTable({ family: 'inet', name: 'calico', transport: fake, fullResyncMaxItems: 0 });
    declareAll(t);
    await t.apply();
    // The read sees filter-FORWARD without its first rule: stale by the time it lands.
    fake.tables.set('inet calico', kernelJson({ dropRule: true }));
    let release: () => void = () => undefined;
    const orig = fake.readDiff.bind(fake);
    fake.readDiff = (f, n, b) => { const p = orig(f, n, b); return new Promise((res) => { release = () => res(p); }); };
    await t.resync();
    t.updateChain({ ...fwd, rules: [...fwd.rules, { body: 'drop' }] });
    await t.apply();
    release();
    await new Promise((r) => setImmediate(r));
    const r = await t.apply();
    assert.equal(r.commands, 0, 'the changed chain is not rewritten from the older read');
    assert.deepEqual(t.resyncStats, { started: 1, merged: 1, repairedObjects: 0, failed: 0 });
  });

  it('appends only the new tail when the kernel chain is a prefix', async () => {
    const { t, fake } = table();
    declareAll(t);
    await t.apply();
    t.updateChain({ ...tw, rules: [...tw.rules, { body: 'drop' }] });
    await t.apply();
    const h = ruleHashes(tw.name, [...tw.rules, { body: 'drop' }]);
    assert.deepEqual(fake.lastBatch, [`add rule inet calico cali-tw-cali1 drop comment "cali:${h[1]}"`]);
    t.updateChain({ ...tw, rules: [{ body: 'accept' }] });
    await t.apply();
    assert.equal(fake.lastBatch?.[0], 'flush chain inet calico cali-tw-cali1');
  });

  it('changes map elements and removes chains after the jumps to them', async () => {
    const { t, fake } = table();
    declareAll(t);
    await t.apply();
    t.setMapElements('cali-to-wl', [['cali2', 'goto cali-tw-cali1']]);
    t.removeChain('cali-tw-cali1');
    t.updateChain({ name: 'cali-tw-cali2', rules: [{ body: 'accept' }] });
    t.setMapElement('cali-to-wl', 'cali2', 'jump cali-tw-cali2');
    await t.apply();
    const [h2] = ruleHashes('cali-tw-cali2', [{ body: 'accept' }]);
    assert.deepEqual(fake.lastBatch, [
      'add chain inet calico cali-tw-cali2',
      `add rule inet calico cali-tw-cali2 accept comment "cali:${h2}"`,
      'delete element inet calico cali-to-wl { "cali1" }',
      'add element inet calico cali-to-wl { "cali2" : jump cali-tw-cali2 }',
      'flush chain inet calico cali-tw-cali1',
      'delete chain inet calico cali-tw-cali1',
    ]);
  });

  it('re-reads the kernel and retries once after a rejected batch', async () => {
    const { t, fake } = table();
    declareAll(t);
    await t.apply();
    fake.tables.set('inet calico', kernelJson({ dropElem: true }));
    fake.failNext = 'Error: Could not process rule: No such file or directory';
    t.addSetMembers('cali40s-web', ['10.3.0.0/16']);
    const r = await t.apply();
    assert.equal(r.readKernel, true);
    assert.equal(fake.listCalls, 2);
    assert.deepEqual(fake.lastBatch, ['add element inet calico cali40s-web { 10.1.0.1, 10.3.0.0/16 }']);
  });

  it('throws CALICO_ERR_KERNEL when the retry fails too', async () => {
    const { t, fake } = table();
    declareAll(t);
    fake.failNext = 'boom';
    const orig = fake.transact.bind(fake);
    let calls = 0;
    fake.transact = (c) => { calls++; fake.failNext = 'boom'; return orig(c); };
    await assert.rejects(t.apply(), { code: 'CALICO_ERR_KERNEL' });
    assert.equal(calls, 2);
  });

  it('re-creates a set whose type changed, rewriting only the chains that use it', async () => {
    const { t, fake } = table();
    declareAll(t);
    await t.apply();
    t.setSet({ name: 'cali40s-web', type: 'ipv4_addr . inet_proto . inet_service' }, ['10.0.0.1 . tcp . 8080']);
    await t.apply();
    const b = fake.lastBatch ?? [];
    assert.deepEqual(b.slice(0, 2), ['flush chain inet calico cali-tw-cali1', 'delete set inet calico cali40s-web']);
    assert.ok(!b.some((c) => c.includes('filter-FORWARD')), 'a chain not using the set is left alone');
    assert.ok(b.includes('add set inet calico cali40s-web { type ipv4_addr . inet_proto . inet_service; }'));
    assert.ok(b.includes('add element inet calico cali40s-web { 10.0.0.1 . 6 . 8080 }'));
    assert.ok(b.indexOf('add set inet calico cali40s-web { type ipv4_addr . inet_proto . inet_service; }') < b.findIndex((c) => c.startsWith('add rule')));
  });

  it('rejects names nft cannot parse and rules with newlines', () => {
    const { t } = table();
    assert.throws(() => t.updateChain({ name: 'cali:x', rules: [] }), { code: 'CALICO_ERR_VALIDATION' });
    assert.throws(() => t.setSet({ name: 'a b', type: 'ipv4_addr' }, []), { code: 'CALICO_ERR_VALIDATION' });
    assert.throws(() => t.updateChain({ name: 'c', rules: [{ body: 'accept\ndrop' }] }), { code: 'CALICO_ERR_VALIDATION' });
    assert.throws(() => t.addSetMembers('nope', ['1.2.3.4']), { code: 'CALICO_ERR_KERNEL' });
    assert.throws(() => t.updateChain({ name: 'c', rules: [{ body: 'accept; delete table inet x' }] }), { code: 'CALICO_ERR_VALIDATION' });
    assert.throws(() => t.updateChain({ name: 'c', rules: [{ body: 'accept comment "x"' }] }), { code: 'CALICO_ERR_VALIDATION' });
    assert.throws(() => t.setSet({ name: 's', type: 'ipv4_addr' }, ['1.2.3.4 }; delete table inet x; {']), { code: 'CALICO_ERR_VALIDATION' });
    assert.throws(() => t.setMap({ name: 'm', keyType: 'ifname', valueType: 'verdict' }, [['a', 'drop; flush ruleset']]), { code: 'CALICO_ERR_VALIDATION' });
  });

  it('changes only the policy of a base chain in place', async () => {
    const { t, fake } = table();
    declareAll(t);
    await t.apply();
    t.updateChain({ ...fwd, base: { ...fwd.base!, policy: 'drop' } });
    await t.apply();
    assert.deepEqual(fake.lastBatch, ['chain inet calico filter-FORWARD { type filter hook forward priority 0; policy drop; }']);
    t.updateChain({ ...fwd, base: { ...fwd.base!, priority: 10 } });
    await t.apply();
    assert.deepEqual(fake.lastBatch?.slice(0, 3), [
      'flush chain inet calico filter-FORWARD', 'delete chain inet calico filter-FORWARD',
      'add chain inet calico filter-FORWARD { type filter hook forward priority 10; policy accept; }',
    ]);
  });
});
