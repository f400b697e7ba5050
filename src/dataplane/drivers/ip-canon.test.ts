import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalCidr, canonicalIpText, canonicalRange } from './ip-canon.js';

describe('canonical IP text (as nft/ipset/ip print it back)', () => {
  it('masks host bits and drops full-length prefixes', () => {
    assert.equal(canonicalCidr('10.0.0.5', 24), '10.0.0.0/24');
    assert.equal(canonicalCidr('10.0.0.5', 32), '10.0.0.5');
    assert.equal(canonicalCidr('FD00::5', 64), 'fd00::/64');
    assert.equal(canonicalCidr('fd00:0:0:0:0:0:0:1', 128), 'fd00::1');
    assert.equal(canonicalCidr('10.1.2.3', 0), '0.0.0.0/0');
  });

  it('writes a range that is exactly one prefix as that prefix', () => {
    assert.equal(canonicalRange('10.1.0.0', '10.1.0.255'), '10.1.0.0/24');
    assert.equal(canonicalRange('fd01::', 'fd01::ffff'), 'fd01::/112');
    assert.equal(canonicalRange('10.1.0.1', '10.1.0.1'), '10.1.0.1');
    assert.equal(canonicalRange('10.1.0.1', '10.1.0.9'), '10.1.0.1-10.1.0.9');
    assert.equal(canonicalRange('10.1.0.2', '10.1.0.3'), '10.1.0.2/31');
  });

  it('leaves non-IP text alone', () => {
    assert.equal(canonicalIpText('tcp'), 'tcp');
    assert.equal(canonicalIpText('80-90'), '80-90');
    assert.equal(canonicalIpText('10.0.0.7/16'), '10.0.0.0/16');
  });
});
