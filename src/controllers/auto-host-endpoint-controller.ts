/**
 * Automatic host endpoints, as kube-controllers' node controller makes them
 * when KubeControllersConfiguration `controllers.node.hostEndpoint.autoCreate`
 * is Enabled:
 *
 *   Node <n> --> HostEndpoint <n>-auto-hep   interfaceName "*", expectedIPs = the node's IPs
 *            --> HostEndpoint <n>-<template>-auto-hep            (template without interfacePattern)
 *            --> HostEndpoint <n>-<template>-<iface>-auto-hep    (one per interface matching the pattern)
 *
 * Each carries the node's labels (then the template's), the label
 * `projectcalico.org/created-by: calico-kube-controllers`, and the profile
 * `projectcalico-default-allow`. Only endpoints with that label are ever
 * touched: they follow their node's labels and addresses, and go when the
 * node goes, when they no longer match a template, or when autoCreate is
 * Disabled.
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { Datastore, KVEntry, WatchEvent } from '../datastore/datastore.js';
import { jsonEqual, reconcileKey, SerialQueue } from './cas-writer.js';
import { KindWatcher } from './kind-watcher.js';
import type { AutoHostEndpointConfig, AutoHostEndpointTemplate } from './kube-controllers-config.js';

export const CREATED_BY_LABEL = 'projectcalico.org/created-by';
export const CREATED_BY_VALUE = 'calico-kube-controllers';
export const DEFAULT_ALLOW_PROFILE = 'projectcalico-default-allow';
const SUFFIX = 'auto-hep';
const MAX_NAME = 253;

/** The fields of a stored Node this controller reads. */
export interface NodeLike {
  metadata?: { name?: string; labels?: Record<string, string> };
  spec?: {
    bgp?: { ipv4Address?: string; ipv6Address?: string; ipv4IPIPTunnelAddr?: string };
    ipv4VXLANTunnelAddr?: string;
    ipv6VXLANTunnelAddr?: string;
    wireguard?: { interfaceIPv4Address?: string; interfaceIPv6Address?: string };
    addresses?: { address?: string; type?: string }[];
    interfaces?: { name?: string; addresses?: string[] }[];
  };
}

export interface HostEndpointLike {
  apiVersion: 'projectcalico.org/v3';
  kind: 'HostEndpoint';
  metadata: { name: string; labels: Record<string, string>; uid?: string; creationTimestamp?: string };
  spec: { node: string; expectedIPs: string[]; profiles: string[]; interfaceName?: string };
}

/** Upstream's generateAutoHostEndpointName, hashed when longer than a DNS subdomain allows. */
export function autoHostEndpointName(node: string, template = '', iface = ''): string {
  const name = [node, template, iface, SUFFIX].filter((p) => p !== '').join('-');
  if (name.length <= MAX_NAME) return name;
  const hash = createHash('sha256').update(name).digest('base64url').replace(/[-_.]/g, '');
  return `${hash}-${SUFFIX}`.toLowerCase().slice(0, MAX_NAME);
}

function validIp(text: string): boolean {
  const [ip, len, ...rest] = text.split('/');
  if (rest.length || !ip || isIP(ip) === 0) return false;
  return len === undefined || /^\d+$/.test(len);
}

/** Upstream's getExpectedIPs: BGP addresses (without their prefix), tunnel and wireguard addresses, InternalIPs, interface addresses. */
export function expectedIpsOf(node: NodeLike): string[] {
  const out: string[] = [];
  const add = (a: string | undefined): void => {
    if (a && !out.includes(a)) out.push(a);
  };
  const s = node.spec ?? {};
  add(s.bgp?.ipv4Address?.split('/')[0]);
  add(s.bgp?.ipv6Address?.split('/')[0]);
  add(s.bgp?.ipv4IPIPTunnelAddr);
  add(s.ipv4VXLANTunnelAddr);
  add(s.ipv6VXLANTunnelAddr);
  add(s.wireguard?.interfaceIPv4Address);
  add(s.wireguard?.interfaceIPv6Address);
  for (const a of s.addresses ?? []) if (a.type === 'InternalIP') add(a.address);
  for (const i of s.interfaces ?? []) for (const a of i.addresses ?? []) add(a);
  return out.filter(validIp);
}

function ipToBigint(ip: string): { v: 4 | 6; n: bigint } | null {
  const fam = isIP(ip);
  if (fam === 4) return { v: 4, n: ip.split('.').reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n) };
  if (fam !== 6) return null;
  const [head = '', tail] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  if (groups.some((g) => g.includes('.'))) return null; // v4-mapped tails: not in node addresses in practice
  return { v: 6, n: groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g, 16)), 0n) };
}

function cidrContains(cidr: string, ip: string): boolean {
  const [base = '', lenText = ''] = cidr.split('/');
  const b = ipToBigint(base);
  const a = ipToBigint(ip.split('/')[0] ?? '');
  if (!b || !a || a.v !== b.v) return false;
  const bits = b.v === 4 ? 32 : 128;
  const len = Number(lenText);
  if (!Number.isInteger(len) || len < 0 || len > bits) return false;
  const shift = BigInt(bits - len);
  return a.n >> shift === b.n >> shift;
}

export type SelectorEval = (selector: string, labels: Readonly<Record<string, string>>) => boolean;

/** Every auto host endpoint a node should have under `cfg`. */
export function desiredHostEndpoints(node: NodeLike, cfg: AutoHostEndpointConfig, selects: SelectorEval): HostEndpointLike[] {
  const name = node.metadata?.name ?? '';
  const nodeLabels = node.metadata?.labels ?? {};
  const ips = expectedIpsOf(node);
  const make = (hepName: string, extraLabels: Readonly<Record<string, string>>, expectedIPs: string[], iface: string): HostEndpointLike => {
    const spec: HostEndpointLike['spec'] = { node: name, expectedIPs, profiles: [DEFAULT_ALLOW_PROFILE] };
    if (iface !== '') spec.interfaceName = iface;
    return {
      apiVersion: 'projectcalico.org/v3', kind: 'HostEndpoint',
      metadata: { name: hepName, labels: { ...nodeLabels, ...extraLabels, [CREATED_BY_LABEL]: CREATED_BY_VALUE } },
      spec,
    };
  };
  const out: HostEndpointLike[] = [];
  if (cfg.createDefaultHostEndpoint) out.push(make(autoHostEndpointName(name), {}, ips, '*'));
  for (const t of cfg.templates) out.push(...fromTemplate(node, t, ips, selects, make));
  return out;
}

function fromTemplate(
  node: NodeLike, t: AutoHostEndpointTemplate, ips: readonly string[], selects: SelectorEval,
  make: (n: string, l: Readonly<Record<string, string>>, ips: string[], iface: string) => HostEndpointLike,
): HostEndpointLike[] {
  const name = node.metadata?.name ?? '';
  if (!selects(t.nodeSelector, node.metadata?.labels ?? {})) return [];
  const matching = ips.filter((ip) => t.interfaceCIDRs.some((c) => cidrContains(c, ip)));
  if (t.interfacePattern === '') {
    // Without an interface name the endpoint is defined by its IPs alone: none, no endpoint.
    return matching.length ? [make(autoHostEndpointName(name, t.generateName), t.labels, matching, '')] : [];
  }
  let re: RegExp;
  try {
    re = new RegExp(t.interfacePattern);
  } catch {
    return [];
  }
  const out: HostEndpointLike[] = [];
  for (const iface of node.spec?.interfaces ?? []) {
    if (!iface.name || !re.test(iface.name)) continue;
    const withIface = [...matching];
    for (const a of iface.addresses ?? []) if (!withIface.includes(a)) withIface.push(a);
    out.push(make(autoHostEndpointName(name, t.generateName, iface.name), t.labels, withIface, iface.name));
  }
  return out;
}

export function isAutoHostEndpoint(h: { metadata?: { labels?: Record<string, string> } }): boolean {
  return h.metadata?.labels?.[CREATED_BY_LABEL] === CREATED_BY_VALUE;
}

/** Keeps the auto host endpoints in step with the Nodes (watch + full resync on snapshot and every `resyncMs`). */
export class AutoHostEndpointController {
  private readonly watcher: KindWatcher<NodeLike>;
  readonly queue: SerialQueue;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ds: Datastore,
    private readonly cfg: AutoHostEndpointConfig,
    private readonly selects: SelectorEval,
    onError: (e: unknown) => void,
    private readonly resyncMs = 0,
  ) {
    this.queue = new SerialQueue(onError);
    this.watcher = new KindWatcher<NodeLike>(ds, 'Node', {
      onSnapshot: (items) => this.queue.push(() => this.syncAll(items)),
      onEvents: (events) => { for (const ev of events) this.queue.push(() => this.onEvent(ev)); },
    });
  }

  async start(): Promise<void> {
    await this.watcher.start();
    if (this.resyncMs > 0) {
      this.timer = setInterval(() => this.resyncNow(), this.resyncMs);
      this.timer.unref();
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.watcher.stop();
    await this.queue.idle();
  }

  resyncNow(): void {
    this.queue.push(async () => this.syncAll((await this.ds.list<NodeLike>({ kind: 'Node' })).items));
  }

  private async ownedByNode(): Promise<Map<string, string[]>> {
    const { items } = await this.ds.list<HostEndpointLike>({ kind: 'HostEndpoint' });
    const by = new Map<string, string[]>();
    for (const e of items) {
      if (!isAutoHostEndpoint(e.value)) continue;
      const node = e.value.spec?.node ?? '';
      by.set(node, [...(by.get(node) ?? []), e.key.name]);
    }
    return by;
  }

  private async syncAll(nodes: readonly KVEntry<NodeLike>[]): Promise<void> {
    const owned = await this.ownedByNode();
    const live = new Set(nodes.map((n) => n.key.name));
    for (const [node, names] of owned) {
      if (!this.cfg.autoCreate || !live.has(node)) for (const n of names) await this.remove(n);
    }
    if (!this.cfg.autoCreate) return;
    for (const n of nodes) await this.syncNode(n.key.name, n.value, owned.get(n.key.name) ?? []);
  }

  private async onEvent(ev: WatchEvent<NodeLike>): Promise<void> {
    const owned = (await this.ownedByNode()).get(ev.key.name) ?? [];
    if (ev.type === 'delete' || !this.cfg.autoCreate) {
      for (const n of owned) await this.remove(n);
      return;
    }
    await this.syncNode(ev.key.name, ev.value, owned);
  }

  private async syncNode(name: string, node: NodeLike, owned: readonly string[]): Promise<void> {
    const want = desiredHostEndpoints({ ...node, metadata: { ...node.metadata, name } }, this.cfg, this.selects);
    for (const hep of want) {
      await reconcileKey<HostEndpointLike>(this.ds, { kind: 'HostEndpoint', name: hep.metadata.name }, (cur) => {
        if (!cur) return hep;
        if (!isAutoHostEndpoint(cur.value)) return cur.value; // someone else's endpoint of that name: not ours to change
        if (jsonEqual(cur.value.metadata.labels, hep.metadata.labels) && jsonEqual(cur.value.spec, hep.spec)) return cur.value;
        const metadata = { ...hep.metadata };
        if (cur.value.metadata.uid) metadata.uid = cur.value.metadata.uid;
        if (cur.value.metadata.creationTimestamp) metadata.creationTimestamp = cur.value.metadata.creationTimestamp;
        return { ...hep, metadata };
      });
    }
    const keep = new Set(want.map((h) => h.metadata.name));
    for (const n of owned) if (!keep.has(n)) await this.remove(n);
  }

  /** Deletes an auto host endpoint (only while it still carries the created-by label). */
  private async remove(name: string): Promise<void> {
    await reconcileKey<HostEndpointLike>(this.ds, { kind: 'HostEndpoint', name }, (cur) => (cur && isAutoHostEndpoint(cur.value) ? null : cur?.value ?? null));
  }
}
