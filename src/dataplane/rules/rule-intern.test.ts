import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rule } from './ir.js';
import { iptChainRules } from './ipt-render.js';
import { nftChainRules } from './nft-render.js';
import { internRule } from './rule-intern.js';

describe('rendered rule sharing', () => {
  it('the same rule rendered for two endpoint chains is one object; comments keep rules apart', () => {
    const chain = (name: string) => ({ name, rules: [rule([], { k: 'clearMark', bits: 0x30000 }), rule([], { k: 'drop' }, 'End of tier')] });
    const a = nftChainRules(chain('cali-tw-a'), 4);
    const b = nftChainRules(chain('cali-tw-b'), 4);
    assert.equal(a[0], b[0]);
    assert.equal(a[1], b[1]);
    assert.equal(iptChainRules(chain('x'), 4)[1], iptChainRules(chain('y'), 4)[1]);
    const plain = internRule({ body: 'drop' });
    const commented = internRule({ body: 'drop', comment: 'why' });
    assert.notEqual(plain, commented);
    assert.equal(commented.comment, 'why');
    assert.equal(internRule({ body: 'drop' }), plain);
  });
});
