/** Cases ported from libcalico-go lib/names/policy_test.go. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  backendTieredPolicyName,
  clientTieredPolicyName,
  tierFromPolicyName,
  tieredPolicyName,
  validateTieredPolicyName,
} from './tiered-name.js';

describe('tierFromPolicyName', () => {
  const cases: ReadonlyArray<readonly [string, string | undefined]> = [
    ['', undefined],
    ['knp.default.foopolicy', 'default'],
    ['kanp.adminnetworkpolicy.barpolicy', 'adminnetworkpolicy'],
    ['kbanp.baselineadminnetworkpolicy.barpolicy', 'baselineadminnetworkpolicy'],
    ['foopolicy', 'default'],
    ['baztier.foopolicy', 'baztier'],
    ['ossg.default.19bed2d3-12fc-4cc0-92d7-bea430a28a85', 'default'],
  ];
  for (const [name, tier] of cases) it(`${JSON.stringify(name)} -> ${String(tier)}`, () => assert.equal(tierFromPolicyName(name), tier));
});

describe('backendTieredPolicyName', () => {
  const cases: ReadonlyArray<readonly [string, string, string | undefined]> = [
    ['', 'foo', undefined],
    ['footier.bazpolicy', '', undefined],
    ['bazpolicy', 'footier', undefined],
    ['footier.bazpolicy', 'baztier', undefined],
    ['knp.default.foobar', '', 'knp.default.foobar'],
    ['kanp.adminnetworkpolicy.foobar', '', 'kanp.adminnetworkpolicy.foobar'],
    ['kbanp.baselineadminnetworkpolicy.foobar', '', 'kbanp.baselineadminnetworkpolicy.foobar'],
    ['foobar', '', 'default.foobar'],
    ['footier.bazpolicy', 'footier', 'footier.bazpolicy'],
  ];
  for (const [name, tier, want] of cases) {
    it(`${JSON.stringify(name)} in ${JSON.stringify(tier)}`, () => {
      const got = backendTieredPolicyName(name, tier);
      assert.deepEqual('name' in got ? got.name : undefined, want);
    });
  }
});

describe('tieredPolicyName', () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['', ''],
    ['footier.bazpolicy', 'footier.bazpolicy'],
    ['bazpolicy', 'default.bazpolicy'],
    ['default.bazpolicy', 'default.bazpolicy'],
    ['knp.default.bazpolicy', 'knp.default.bazpolicy'],
    ['kanp.adminnetworkpolicy.foopolicy', 'kanp.adminnetworkpolicy.foopolicy'],
    ['kbanp.baselineadminnetworkpolicy.foopolicy', 'kbanp.baselineadminnetworkpolicy.foopolicy'],
  ];
  for (const [name, want] of cases) it(`${JSON.stringify(name)} -> ${want}`, () => assert.equal(tieredPolicyName(name), want));
});

describe('clientTieredPolicyName', () => {
  const cases: ReadonlyArray<readonly [string, string | undefined]> = [
    ['', undefined],
    ['bazpolicy', undefined],
    ['footier.bazpolicy', 'footier.bazpolicy'],
    ['default.bazpolicy', 'bazpolicy'],
    ['knp.default.bazpolicy', 'knp.default.bazpolicy'],
    ['kanp.adminnetworkpolicy.bazpolicy', 'kanp.adminnetworkpolicy.bazpolicy'],
    ['kbanp.baselineadminnetworkpolicy.bazpolicy', 'kbanp.baselineadminnetworkpolicy.bazpolicy'],
  ];
  for (const [name, want] of cases) {
    it(`${JSON.stringify(name)} -> ${String(want)}`, () => {
      const got = clientTieredPolicyName(name);
      assert.equal('name' in got ? got.name : undefined, want);
    });
  }
});

describe('validateTieredPolicyName (3.31: default tier with or without prefix)', () => {
  const cases: ReadonlyArray<readonly [string, string, boolean]> = [
    ['', '', false],
    ['web', '', true],
    ['web', 'default', true],
    ['default.web', '', true],
    ['default.web', 'default', true],
    ['sec.web', 'sec', true],
    ['web', 'sec', false],
    ['sec.web', '', false],
    ['sec.web', 'other', false],
    ['knp.default.web', 'sec', true],
  ];
  for (const [name, tier, ok] of cases) {
    it(`${JSON.stringify(name)} in ${JSON.stringify(tier)} -> ${ok}`, () => assert.equal(validateTieredPolicyName(name, tier) === undefined, ok));
  }
  it('uses Calico wording', () => assert.equal(validateTieredPolicyName('sec.web', ''), 'Incorrectly formatted policy name sec.web'));
});
