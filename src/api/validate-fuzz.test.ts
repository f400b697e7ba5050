import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allKinds, validateResource } from './index.js';
import { isCalicoError } from '../lib/errors.js';

/**
 * Invariant: whatever the input, validateResource either returns a resource
 * or throws a ValidationError; it never crashes on a malformed field and
 * never mutates its input. Inputs are valid-looking documents with random
 * values spliced in at random paths (deterministic PRNG).
 */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const SEEDS: Record<string, unknown> = {
  IPPool: { cidr: '10.0.0.0/16', allowedUses: ['Workload'], nodeSelector: 'all()', blockSize: 26 },
  BGPConfiguration: { asNumber: 64512, communities: [{ name: 'c', value: '1:2' }], prefixAdvertisements: [{ cidr: '10.0.0.0/24', communities: ['c'] }] },
  BGPPeer: { peerIP: '10.0.0.1', asNumber: 64512, filters: ['f'], reachableBy: '10.0.0.254' },
  BGPFilter: { exportV4: [{ action: 'Accept', cidr: '10.0.0.0/8', matchOperator: 'In', prefixLength: { min: 9 } }] },
  FelixConfiguration: { routeTableRanges: [{ min: 1, max: 250 }], kubeNodePortRanges: ['30000:32767'], healthTimeoutOverrides: [{ name: 'x', timeout: '1s' }] },
  KubeControllersConfiguration: { controllers: { node: { hostEndpoint: { templates: [{ generateName: 'a', interfacePattern: 'x' }] } } } },
  Node: { bgp: { ipv4Address: '10.0.0.1/24' }, addresses: [{ address: '10.0.0.1' }] },
  NetworkPolicy: { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }], ports: [{ port: 80, endPort: 90 }] }] },
  Pod: { containers: [{ name: 'c', ports: [{ containerPort: 80 }] }] },
};
const JUNK: unknown[] = [null, 0, -1, 1.5, 1e20, '', 'x', '::', '10.0.0.0/99', true, [], [null], {}, { a: 1 }, [[1]], 'all(', '90:80'];

function mutate(v: unknown, rnd: () => number, depth = 0): unknown {
  if (depth > 0 && rnd() < 0.3) return JUNK[Math.floor(rnd() * JUNK.length)];
  if (Array.isArray(v)) return v.map((x) => mutate(x, rnd, depth + 1));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = mutate(x, rnd, depth + 1);
    return out;
  }
  return v;
}

test('validateResource never crashes on malformed fields', () => {
  const rnd = prng(42);
  const kinds = allKinds().filter((k) => SEEDS[k.kind] !== undefined && (k.kind !== 'NetworkPolicy' || k.apiVersion === 'networking.k8s.io/v1'));
  assert.ok(kinds.length >= 9);
  for (let i = 0; i < 3000; i++) {
    const info = kinds[i % kinds.length]!;
    const input = { apiVersion: info.apiVersion, kind: info.kind, metadata: { name: 'default' }, spec: mutate(SEEDS[info.kind], rnd) };
    const before = JSON.stringify(input);
    try {
      validateResource(input);
    } catch (e) {
      assert.ok(isCalicoError(e, 'CALICO_ERR_VALIDATION'), `${info.kind} ${before}: ${String(e)}`);
    }
    assert.equal(JSON.stringify(input), before, 'input mutated');
  }
});
