import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadAgentConfig } from './config.js';
import { applyGcThreshold, heapGrowingPercentFor } from './runtime-tuning.js';

test('GoGCThreshold maps to V8 heap growth: Felix default 40, 0 -> 1, -1 -> V8 default', () => {
  assert.equal(heapGrowingPercentFor(40), 40);
  assert.equal(heapGrowingPercentFor(100), 100);
  assert.equal(heapGrowingPercentFor(0), 1);
  assert.equal(heapGrowingPercentFor(-1), null);
});

test('GoGCThreshold / GoMemoryLimitMB are Felix parameters with Felix defaults, env and FelixConfiguration', () => {
  const nft = () => true;
  const d = loadAgentConfig({ env: { CALICO_NODENAME: 'n1' }, nftAvailable: nft });
  assert.equal(d.params['GoGCThreshold'], 40);
  assert.equal(d.params['GoMemoryLimitMB'], -1);
  const e = loadAgentConfig({ env: { CALICO_NODENAME: 'n1', FELIX_GOGCTHRESHOLD: '100' }, nftAvailable: nft });
  assert.equal(e.params['GoGCThreshold'], 100);
  const f = loadAgentConfig({ env: { CALICO_NODENAME: 'n1' }, global: { goGCThreshold: 25 }, nftAvailable: nft });
  assert.equal(f.params['GoGCThreshold'], 25);
  assert.throws(() => loadAgentConfig({ env: { CALICO_NODENAME: 'n1', FELIX_GOGCTHRESHOLD: '-2' }, nftAvailable: nft }));
});

test('applying is idempotent and reversible', () => {
  assert.equal(applyGcThreshold(40), 40);
  assert.equal(applyGcThreshold(40), 40);
  assert.equal(applyGcThreshold(-1), null);
});
