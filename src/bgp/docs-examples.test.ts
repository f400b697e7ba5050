/**
 * Every BGPConfiguration, BGPPeer and BGPFilter example in Calico's docs
 * (src/api/testdata/docs-resources.ts) rendered into a node's BIRD config:
 * BIRD parses each one, nothing is reported as a problem, and the field
 * the example is about shows up in the config.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parse } from 'yaml';
import { docsResources } from '../api/testdata/docs-resources.js';
import { parseBlocks, parseNodes, parsePools } from '../routing/routing-model.js';
import { birdInput } from './bird-input.js';
import { renderBirdConfig } from './bird-config.js';

const BIRD = '/usr/sbin/bird';
type R = Record<string, unknown>;
interface Doc { kind: string; metadata: { name: string }; spec?: R }

const examples = docsResources.map((d) => ({ doc: d.doc, res: parse(d.yaml) as Doc }))
  .filter((x) => ['BGPConfiguration', 'BGPPeer', 'BGPFilter'].includes(x.res.kind));

// A node matching the docs' selectors (rack-1, route reflectors, filter-bgp) and two plain ones.
const NODES = new Map<string, unknown>([
  ['rack1-host1', { metadata: { name: 'rack1-host1', labels: { rack: 'rack-1', 'route-reflector': 'true', 'calico-route-reflector': '', 'filter-bgp': '' } },
    spec: { bgp: { ipv4Address: '10.0.0.1/24', ipv6Address: 'fd00::1/64' } } }],
  ['host2', { metadata: { name: 'host2', labels: { 'filter-bgp': '' } }, spec: { bgp: { ipv4Address: '10.0.0.2/24', ipv6Address: 'fd00::2/64' } } }],
  ['host3', { metadata: { name: 'host3', labels: {} }, spec: { bgp: { ipv4Address: '10.0.0.3/24' } } }],
]);
const POOLS = new Map<string, unknown>([['p4', { spec: { cidr: '10.244.0.0/16' } }], ['p6', { spec: { cidr: 'fd00:244::/48' } }]]);
const BLOCKS = new Map<string, unknown>([['b', { spec: { cidr: '10.244.0.0/26', affinity: 'host:rack1-host1' } }]]);

function renderWith(res: Doc, secretsDir: string, filters: Map<string, unknown>): { text: string; problems: readonly string[] } {
  const name = res.metadata.name;
  const r = birdInput({
    hostname: 'rack1-host1', nodes: parseNodes(NODES), pools: parsePools(POOLS), blocks: parseBlocks(BLOCKS), secretsDir,
    bgpConfigurations: new Map(res.kind === 'BGPConfiguration' ? [[name, res]] : []),
    bgpPeers: new Map(res.kind === 'BGPPeer' ? [[name, res]] : []),
    bgpFilters: filters,
  });
  assert.ok(r.input, r.problems.join('; '));
  return { text: renderBirdConfig(r.input), problems: r.problems };
}

function birdParses(text: string, doc: string): void {
  if (!existsSync(BIRD)) return;
  const dir = mkdtempSync(join(tmpdir(), 'bgp-docs-'));
  try {
    writeFileSync(join(dir, 'bird.cfg'), text);
    const r = spawnSync(BIRD, ['-p', '-c', join(dir, 'bird.cfg')], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${doc}: ${r.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the docs have BGP examples of each kind', () => {
  for (const k of ['BGPConfiguration', 'BGPPeer', 'BGPFilter']) assert.ok(examples.some((x) => x.res.kind === k), k);
});

test('every docs BGP example renders a config BIRD accepts, with its fields in effect', () => {
  const secrets = mkdtempSync(join(tmpdir(), 'bgp-docs-secrets-'));
  try {
    // Every secret the examples name, so passwords are rendered.
    for (const { res } of examples) {
      for (const ref of [res.spec?.['password'], res.spec?.['nodeMeshPassword']]) {
        const s = (ref as { secretKeyRef?: { name: string; key: string } } | undefined)?.secretKeyRef;
        if (!s) continue;
        mkdirSync(join(secrets, s.name), { recursive: true });
        writeFileSync(join(secrets, s.name, s.key), `pw-${s.key}`);
      }
    }
    const filters = new Map(examples.filter((x) => x.res.kind === 'BGPFilter').map((x) => [x.res.metadata.name, x.res as unknown]));
    const baseline = renderWith({ kind: 'None', metadata: { name: 'none' } }, secrets, filters).text;
    for (const { doc, res } of examples) {
      const { text, problems } = renderWith(res, secrets, filters);
      assert.deepEqual(problems, [], doc);
      birdParses(text, doc);
      const spec = res.spec ?? {};
      if (res.kind === 'BGPFilter') {
        assert.match(text, new RegExp(`function 'bgp_${res.metadata.name.replace(/[.]/g, '\\.')}_(import|export)FilterV[46]'`), doc);
        continue;
      }
      if (res.kind === 'BGPPeer') {
        const target = (spec['peerIP'] as string | undefined) ?? (spec['peerSelector'] ? '10.0.0.2' : undefined);
        if (target && res.metadata.name !== 'some.name') assert.match(text, new RegExp(`neighbor ${target.replace(/\./g, '\\.')}[ ;]`), doc);
        if (spec['password'] && (spec['peerIP'] || spec['peerSelector'])) assert.match(text, /password "pw-/, doc);
        if (Array.isArray(spec['filters'])) for (const f of spec['filters'] as string[]) assert.match(text, new RegExp(`'bgp_${f}_`), doc);
        if (!spec['peerIP'] && !spec['peerSelector'] && !spec['localWorkloadSelector']) assert.equal(text, baseline, `${doc}: no peer, no change`);
        continue;
      }
      // BGPConfiguration: the examples' fields.
      if (res.metadata.name === 'default' || res.metadata.name === 'node.rack1-host1') assert.notEqual(text, baseline, doc);
      if (spec['nodeToNodeMeshEnabled'] === false) assert.doesNotMatch(text, /Mesh_/, doc);
      if (typeof spec['asNumber'] === 'number' && /protocol bgp/.test(text)) assert.match(text, new RegExp(`local 10\\.0\\.0\\.1 (port \\d+ )?as ${spec['asNumber']};`), doc);
      if (typeof spec['listenPort'] === 'number' && /protocol bgp/.test(text)) assert.match(text, new RegExp(`local 10\\.0\\.0\\.1 port ${spec['listenPort']} `), doc);
      if (spec['nodeMeshPassword']) assert.match(text, /password "pw-/, doc);
      if (spec['nodeMeshMaxRestartTime']) assert.match(text, /graceful restart time \d+;/, doc);
      for (const c of (spec['serviceClusterIPs'] as { cidr: string }[] | undefined) ?? []) assert.match(text, new RegExp(`route ${c.cidr.replace(/\./g, '\\.')} blackhole;`), doc);
      if (spec['bindMode'] === 'NodeIP') assert.match(text, /strict bind on;/, doc);
      for (const pa of (spec['prefixAdvertisements'] as { cidr: string }[] | undefined) ?? []) {
        assert.match(text, new RegExp(`if \\( net ~ ${pa.cidr.replace(/\./g, '\\.')} \\) then \\{ bgp_`), doc);
      }
    }
  } finally {
    rmSync(secrets, { recursive: true, force: true });
  }
});
