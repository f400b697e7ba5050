// Randomized cross-check of the whole pipeline (resources -> calc graph -> model ->
// simulator) against a direct evaluation of the same resources written straight
// from Calico's documented semantics. Seeded; reproduce with SIM_RANDOM_SEED=<seed>.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NetworkPolicySpec, Rule } from '../../api/kinds/policy/types.js';
import { CalcGraph } from '../../calc/calc-graph.js';
import * as f from '../../calc/fixtures.js';
import { entityRuleSelector, globalPolicySelector, namespacedPolicySelector } from '../../calc/selectors.js';
import type { CalcUpdate } from '../../calc/updates.js';
import { parseSelector } from '../../selector/index.js';
import { applyMessages, cidrContains, emptyDesiredState, ipToBigInt, parseCidr } from '../model/index.js';
import { evaluateEndpoint, type SimPacket } from './index.js';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Ep { ns: string; name: string; ip: string; labels: Record<string, string>; ports: { name: string; protocol: string; port: number }[]; profiles: string[] }
interface Pol { ns: string | null; name: string; spec: NetworkPolicySpec }
interface Tier { name: string; order?: number; defaultAction: 'Deny' | 'Pass' }
interface Prof { name: string; labels: Record<string, string>; ingress: Rule[] }

function world(r: () => number): { eps: Ep[]; pols: Pol[]; tiers: Tier[]; profs: Prof[] } {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const sels = ['', "app == 'a'", "app == 'b'", 'has(app)', "app != 'a'", "pcns.env == 'prod'"];
  const rule = (): Rule => {
    const x: Record<string, unknown> = { action: pick(['Allow', 'Deny', 'Log', 'Pass'] as const) };
    const proto = r() < 0.7 ? pick(['TCP', 'UDP']) : undefined;
    if (proto) x.protocol = proto;
    const src: Record<string, unknown> = {};
    if (r() < 0.5) src.selector = pick(sels.slice(1));
    if (r() < 0.2) src.notSelector = pick(sels.slice(1));
    if (r() < 0.2) src.nets = [pick(['10.0.0.0/30', '10.0.0.4/30', '192.168.0.0/16'])];
    if (r() < 0.2) src.notNets = [pick(['10.0.0.0/31', '10.0.0.2/32'])];
    if (r() < 0.15) src.namespaceSelector = pick(["env == 'prod'", 'all()']);
    if (Object.keys(src).length) x.source = src;
    if (proto && r() < 0.6) x.destination = { ports: [pick([80, 443, '8000:8100', 'http'])] };
    return x as unknown as Rule;
  };
  const nss = ['n1', 'n2'];
  const eps: Ep[] = Array.from({ length: 6 }, (_, i) => ({
    ns: pick(nss), name: `e${i}`, ip: `10.0.0.${pick([1, 2, 3, 5, 6, 9])}`,
    labels: pick<Record<string, string>>([{}, { app: 'a' }, { app: 'b' }]),
    ports: r() < 0.6 ? [{ name: 'http', protocol: pick(['TCP', 'UDP']), port: pick([80, 8080, 9000]) }] : [],
    profiles: [],
  }));
  for (const e of eps) e.profiles = [`kns.${e.ns}`, ...(r() < 0.2 ? ['extra'] : [])];
  const tiers: Tier[] = [{ name: 't1', order: pick([10, 2_000_000]), defaultAction: pick(['Deny', 'Pass'] as const) }, { name: 'default', order: 1_000_000, defaultAction: 'Deny' }];
  const pols: Pol[] = Array.from({ length: 1 + Math.floor(r() * 5) }, (_, i) => {
    const tier = pick(['default', 't1']);
    return {
      ns: r() < 0.5 ? pick(nss) : null,
      name: tier === 'default' ? `p${i}` : `t1.p${i}`,
      spec: { tier, ...(r() < 0.7 ? { order: pick([1, 5, 5]) } : {}), selector: pick(sels), types: ['Ingress'], ingress: Array.from({ length: Math.floor(r() * 3) }, rule) },
    };
  });
  const profs: Prof[] = nss.map((ns): Prof => ({ name: `kns.${ns}`, labels: r() < 0.5 ? { 'pcns.env': 'prod' } : {}, ingress: r() < 0.7 ? [{ action: 'Allow' }] : [rule()] }));
  if (r() < 0.5) profs.push({ name: 'extra', labels: { app: 'b' }, ingress: [{ action: 'Allow', protocol: 'UDP' }] });
  return { eps, pols, tiers, profs };
}

function updatesOf(w: ReturnType<typeof world>): CalcUpdate[] {
  return [
    ...w.tiers.map((t) => f.tier(t.name, { ...(t.order !== undefined ? { order: t.order } : {}), defaultAction: t.defaultAction })),
    ...w.profs.map((p) => f.profile(p.name, { ingress: p.ingress, labelsToApply: p.labels })),
    ...w.eps.map((e) => f.wep(e.ns, e.name, { ipNetworks: [`${e.ip}/32`], ports: e.ports, profiles: e.profiles }, e.labels)),
    ...w.pols.map((p) => (p.ns === null ? f.gnp(p.name, p.spec) : f.np(p.ns, p.name, p.spec))),
  ];
}

/** Calico semantics evaluated directly on the resources (ingress at `dst`). */
function reference(w: ReturnType<typeof world>, dst: Ep, pkt: { src: string; proto: string; port: number }): boolean {
  const labelsOf = (e: Ep): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const pn of [...e.profiles].reverse()) Object.assign(out, w.profs.find((p) => p.name === pn)?.labels ?? {});
    return { ...out, ...e.labels, 'projectcalico.org/namespace': e.ns, 'projectcalico.org/orchestrator': 'k8s' };
  };
  const sel = (text: string, e: Ep): boolean => parseSelector(text).evaluate(labelsOf(e));
  const owners = (ip: string): Ep[] => w.eps.filter((e) => e.ip === ip);
  const inNet = (ip: string, n: string): boolean => cidrContains(parseCidr(n)!, ipToBigInt(ip)!);
  const matches = (rule: Rule, ns: string): boolean => {
    if (rule.protocol !== undefined && rule.protocol !== pkt.proto) return false;
    const s = rule.source;
    const combined = entityRuleSelector(s, ns);
    if (combined !== '' && !owners(pkt.src).some((e) => sel(combined, e))) return false;
    if (s?.notSelector && owners(pkt.src).some((e) => sel(s.notSelector!, e))) return false;
    if (s?.nets && !s.nets.some((n) => inNet(pkt.src, n))) return false;
    if (s?.notNets && s.notNets.some((n) => inNet(pkt.src, n))) return false;
    for (const p of rule.destination?.ports ?? []) {
      if (typeof p === 'number') return p === pkt.port;
      if (/^\d+:\d+$/.test(p)) { const [a, b] = p.split(':').map(Number); return pkt.port >= a! && pkt.port <= b!; }
      const dsel = entityRuleSelector(rule.destination, ns) || 'all()';
      return owners(dst.ip).some((e) => sel(dsel, e) && e.ports.some((q) => q.name === p && q.protocol === pkt.proto && q.port === pkt.port));
    }
    return true;
  };
  const applicable = w.pols.filter((p) => sel(p.ns === null ? globalPolicySelector(p.spec.selector, undefined, undefined) : namespacedPolicySelector(p.ns, p.spec.selector, undefined), dst));
  const tiers = [...w.tiers].sort((a, b) => (a.order ?? Infinity) - (b.order ?? Infinity) || (a.name < b.name ? -1 : 1));
  for (const t of tiers) {
    const v1 = (p: Pol): string => (p.ns ? `${p.ns}/${p.name}` : p.name);
    const pols = applicable.filter((p) => (p.spec.tier ?? 'default') === t.name)
      .sort((a, b) => (a.spec.order ?? Infinity) - (b.spec.order ?? Infinity) || (v1(a) < v1(b) ? -1 : v1(a) > v1(b) ? 1 : 0));
    if (pols.length === 0) continue;
    let passed = false;
    outer: for (const p of pols) {
      for (const rule of p.spec.ingress ?? []) {
        if (!matches(rule, p.ns ?? '')) continue;
        if (rule.action === 'Log') continue;
        if (rule.action === 'Pass') { passed = true; break outer; }
        return rule.action === 'Allow';
      }
    }
    if (!passed && t.defaultAction === 'Deny') return false;
  }
  for (const pn of dst.profiles) {
    const prof = w.profs.find((p) => p.name === pn);
    if (!prof) return false;
    for (const rule of prof.ingress) {
      if (!matches(rule, '') || rule.action === 'Log') continue;
      if (rule.action === 'Pass') break;
      return rule.action === 'Allow';
    }
  }
  return false;
}

test('simulator verdicts equal a direct evaluation of the resources (random worlds)', () => {
  const seeds = process.env.SIM_RANDOM_SEED ? [Number(process.env.SIM_RANDOM_SEED)] : Array.from({ length: 60 }, (_, i) => (Date.now() + i * 104729) >>> 0);
  let allowed = 0;
  let denied = 0;
  for (const seed of seeds) {
    const r = rng(seed);
    const w = world(r);
    const g = new CalcGraph({ allEndpoints: true });
    g.onUpdates(updatesOf(w));
    const state = applyMessages(emptyDesiredState(), g.flush());
    for (const dst of w.eps) {
      const model = state.workloadEndpoints.get(`${dst.ns}/${dst.name}`)!;
      for (let k = 0; k < 8; k++) {
        const pkt = { src: `10.0.0.${Math.floor(r() * 10)}`, proto: r() < 0.5 ? 'TCP' : 'UDP', port: [80, 443, 8050, 8080, 9000][Math.floor(r() * 5)]! };
        const p: SimPacket = { srcIp: pkt.src, dstIp: dst.ip, protocol: pkt.proto, srcPort: 1234, dstPort: pkt.port };
        const got = evaluateEndpoint(state, { kind: 'workload', endpoint: model }, 'ingress', p).allowed;
        const want = reference(w, dst, pkt);
        if (got !== want) {
          console.error(`SIM_RANDOM_SEED=${seed} dst=${dst.ns}/${dst.name} packet=${JSON.stringify(pkt)} world=${JSON.stringify(w)}`);
        }
        assert.equal(got, want, `seed ${seed}: verdict differs from the direct evaluation`);
        if (got) allowed++;
        else denied++;
      }
    }
  }
  assert.ok(allowed > 50 && denied > 50, `too few of each verdict (allowed ${allowed}, denied ${denied})`);
});
