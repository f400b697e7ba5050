// Randomized incremental-vs-from-scratch test: after every step of a random
// sequence of adds/updates/deletes, the desired state built from the graph's
// incremental message stream must equal a from-scratch computation of the same
// inputs, and must have no dangling references. Seeded; the seed is printed on failure.
// Reproduce with CALC_RANDOM_SEED=<seed>.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Rule } from '../api/kinds/policy/types.js';
import { applyMessages, canonicalJson, danglingReferences, emptyDesiredState, snapshotOf } from '../dataplane/model/index.js';
import { CalcGraph, type CalcGraphOptions } from './calc-graph.js';
import * as f from './fixtures.js';
import type { CalcUpdate } from './updates.js';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function universe(r: () => number): { slots: string[]; make: (slot: string) => CalcUpdate; del: (u: CalcUpdate) => CalcUpdate } {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const maybe = (p: number): boolean => r() < p;
  const nss = ['a', 'b'];
  const labelSets: Record<string, string>[] = [{}, { app: 'web' }, { app: 'db' }, { app: 'web', tier: 'fe' }, { role: 'x' }, { role: 'x', tier: 'fe' }];
  const selectors = ['all()', "app == 'web'", "app == 'db'", 'has(tier)', "app != 'web'", "role == 'x' || app == 'db'", "(app == 'web' || tier == 'fe') && has(role)", "app in {'web', 'db'} || !has(tier)"];
  const ips = ['10.0.0.1', '10.0.0.2', '10.0.0.3', 'fd00::1', 'fd00::2'];
  const ruleOf = (): Rule => {
    const rule: Record<string, unknown> = { action: pick(['Allow', 'Deny', 'Log', 'Pass'] as const) };
    const proto = maybe(0.6) ? pick(['TCP', 'UDP']) : undefined;
    if (proto) rule.protocol = proto;
    const src: Record<string, unknown> = {};
    const dst: Record<string, unknown> = {};
    if (maybe(0.5)) src.selector = pick(selectors);
    if (maybe(0.2)) src.notSelector = pick(selectors);
    if (maybe(0.2)) src.namespaceSelector = pick(['all()', "env == 'prod'", 'global()']);
    if (maybe(0.2)) src.nets = [pick(['10.0.0.0/8', '192.168.0.0/16', 'fd00::/64'])];
    if (maybe(0.15)) src.notNets = [pick(['10.0.0.2/32', 'fd00::2/128'])];
    if (maybe(0.1)) src.serviceAccounts = { names: [pick(['sa1', 'sa2'])] };
    if (proto && maybe(0.5)) dst.ports = [pick([80, '8000:9000', 'http', 'metrics'])];
    if (proto && maybe(0.2)) dst.notPorts = [pick([22, 'http'])];
    if (maybe(0.3)) dst.selector = pick(selectors);
    if (Object.keys(src).length) rule.source = src;
    if (Object.keys(dst).length) rule.destination = dst;
    return rule as unknown as Rule;
  };
  const rules = (): Rule[] => Array.from({ length: Math.floor(r() * 3) }, ruleOf);
  const slots: string[] = [];
  for (let i = 0; i < 7; i++) slots.push(`wep${i}`);
  for (let i = 0; i < 2; i++) slots.push(`hep${i}`);
  for (let i = 0; i < 7; i++) slots.push(`pol${i}`);
  slots.push('tier1', 'tier2', 'kns.a', 'kns.b', 'ksa.a.sa1', 'prof-x', 'netset0', 'netset1', 'gnetset0', 'felix');
  const make = (slot: string): CalcUpdate => {
    if (slot.startsWith('wep')) {
      const ns = pick(nss);
      const profiles = [`kns.${ns}`, ...(maybe(0.3) ? [`ksa.${ns}.sa1`] : []), ...(maybe(0.15) ? ['prof-x', 'missing-prof'] : [])];
      const ipNetworks = [...new Set([pick(ips), ...(maybe(0.3) ? [pick(ips)] : [])])].map((ip) => (ip.includes(':') ? `${ip}/128` : `${ip}/32`));
      const ports = maybe(0.5) ? [{ name: pick(['http', 'metrics']), protocol: pick(['TCP', 'UDP']), port: pick([80, 8080, 9090]) }] : [];
      // The slot keeps its name; the namespace is part of the key, so a namespace change is a different endpoint.
      return f.wep(ns, slot, { ipNetworks, ports, profiles, node: pick(['node1', 'node1', 'node2']), ...(maybe(0.3) ? { serviceAccountName: 'sa1' } : {}) }, { ...pick(labelSets) });
    }
    if (slot.startsWith('hep')) {
      return f.hep(slot, { interfaceName: 'eth0', expectedIPs: [pick(['192.168.0.1', '192.168.0.2', '10.0.0.1'])], node: pick(['node1', 'node2']), profiles: maybe(0.5) ? ['prof-x'] : [] }, { ...pick(labelSets) });
    }
    if (slot.startsWith('pol')) {
      const kind = pick(['np', 'gnp', 'snp', 'sgnp'] as const);
      const spec = {
        tier: pick(['default', 'tier1', 'tier2']),
        ...(maybe(0.7) ? { order: pick([1, 10, 10, 100]) } : {}),
        selector: pick(selectors),
        ingress: rules(),
        egress: rules(),
        ...(maybe(0.2) ? { types: [pick(['Ingress', 'Egress'] as const)] } : {}),
      };
      const name = spec.tier === 'default' ? slot : `${spec.tier}.${slot}`;
      switch (kind) {
        case 'np': return f.np(pick(nss), name, spec);
        case 'snp': return f.snp(pick(nss), name, spec);
        case 'sgnp': return f.sgnp(name, spec);
        case 'gnp': {
          const flags = pick([{}, {}, { applyOnForward: true }, { preDNAT: true, applyOnForward: true }, { doNotTrack: true, applyOnForward: true }]);
          return f.gnp(name, { ...spec, ...flags, ...(maybe(0.2) ? { namespaceSelector: "env == 'prod'" } : {}) });
        }
      }
    }
    if (slot.startsWith('tier')) return f.tier(slot, { ...(maybe(0.8) ? { order: pick([5, 50, 500]) } : {}), defaultAction: pick(['Deny', 'Pass'] as const) });
    if (slot.startsWith('kns.')) return f.namespaceProfile(slot.slice(4), maybe(0.5) ? { env: pick(['prod', 'dev']) } : {});
    if (slot.startsWith('ksa.')) return f.profile(slot, { labelsToApply: { 'pcsa.projectcalico.org/name': 'sa1', ...(maybe(0.5) ? { 'pcsa.role': 'x' } : {}) } });
    if (slot === 'prof-x') return f.profile(slot, { ingress: rules(), egress: rules(), labelsToApply: maybe(0.5) ? { app: 'db' } : {} });
    if (slot.startsWith('netset')) return f.networkSet(pick(nss), slot, [pick(['10.1.0.0/16', '10.0.0.2/32', 'fd00::/120'])], { ...pick(labelSets) });
    if (slot.startsWith('gnetset')) return f.globalNetworkSet(slot, [pick(['0.0.0.0/0', '10.0.0.0/8'])], { ...pick(labelSets) });
    if (slot === 'felix') return f.felixConfig('default', maybe(0.5) ? { failsafeInboundHostPorts: [{ protocol: 'TCP', port: pick([22, 2222]) }] } : {});
    throw new Error(slot);
  };
  const del = (u: CalcUpdate): CalcUpdate => (u.kind === 'InSync' ? u : { ...u, value: null } as CalcUpdate);
  return { slots, make, del };
}

function updateKey(u: CalcUpdate): string {
  return u.kind === 'InSync' ? 'insync' : `${u.kind}/${u.key.namespace ?? ''}/${u.key.name}`;
}

function runSeed(seed: number, opts: CalcGraphOptions, steps: number): void {
  const r = rng(seed);
  const { slots, make, del } = universe(r);
  const graph = new CalcGraph(opts);
  const state = emptyDesiredState();
  /** Current input per datastore key, and which key each slot occupies. */
  const current = new Map<string, CalcUpdate>();
  const slotKey = new Map<string, string>();
  const apply = (u: CalcUpdate): void => {
    graph.onUpdate(u);
    const k = updateKey(u);
    if (u.kind !== 'InSync' && u.value === null) current.delete(k);
    else current.set(k, u);
  };
  let seenRich = false;
  for (let step = 0; step < steps; step++) {
    const batch = 1 + Math.floor(r() * 3);
    for (let b = 0; b < batch; b++) {
      const slot = slots[Math.floor(r() * slots.length)]!;
      const oldKey = slotKey.get(slot);
      if (oldKey && r() < 0.3) {
        apply(del(current.get(oldKey)!));
        slotKey.delete(slot);
        continue;
      }
      const u = make(slot);
      if (oldKey && oldKey !== updateKey(u)) apply(del(current.get(oldKey)!));
      apply(u);
      slotKey.set(slot, updateKey(u));
    }
    applyMessages(state, graph.flush());
    assert.deepEqual(danglingReferences(state), [], `step ${step}`);
    const fresh = new CalcGraph(opts);
    const inputs = [...current.values()];
    // From scratch, in a shuffled order: the result must not depend on input order.
    for (let i = inputs.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [inputs[i], inputs[j]] = [inputs[j]!, inputs[i]!];
    }
    fresh.onUpdates(inputs);
    const scratch = applyMessages(emptyDesiredState(), fresh.flush());
    assert.equal(canonicalJson(snapshotOf(state)), canonicalJson(snapshotOf(scratch)), `step ${step}: incremental != from scratch`);
    seenRich ||= state.policies.size > 0 && [...state.ipSets.values()].some((s) => s.members.size > 0) &&
      [...state.workloadEndpoints.values()].some((e) => e.tiers.length > 0);
  }
  assert.ok(seenRich, 'the random run never reached a state with active policies, IP set members and tiers');
  // Teardown: deleting everything leaves only the config.
  for (const u of [...current.values()]) apply(del(u));
  applyMessages(state, graph.flush());
  assert.equal(state.ipSets.size + state.policies.size + state.profiles.size + state.workloadEndpoints.size + state.hostEndpoints.size, 0, 'teardown left objects behind');
}

const fixedSeed = process.env.CALC_RANDOM_SEED ? Number(process.env.CALC_RANDOM_SEED) : undefined;
const seeds = fixedSeed !== undefined ? [fixedSeed] : Array.from({ length: 12 }, (_, i) => (Date.now() + i * 7919) >>> 0);

for (const mode of [{ allEndpoints: true }, { hostname: 'node1' }] as CalcGraphOptions[]) {
  test(`random updates: incremental state equals from-scratch (${JSON.stringify(mode)})`, () => {
    for (const seed of seeds) {
      try {
        runSeed(seed, mode, 150);
      } catch (e) {
        console.error(`calc random test failed with CALC_RANDOM_SEED=${seed} mode=${JSON.stringify(mode)}`);
        throw e;
      }
    }
  });
}
