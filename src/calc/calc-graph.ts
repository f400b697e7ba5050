/**
 * CalcGraph: the policy calculation graph, from typed datastore updates to
 * dataplane-model messages. Synchronous, no I/O; `onUpdate` is cheap and
 * `flush()` returns the coalesced, dependency-ordered messages.
 *
 *   CalcUpdate --> CalcGraph (dispatch by kind)
 *     endpoints (all) ---------------------------+--> IpSetMemberIndex --+
 *     network sets -------------------------------+    (selectors x all  |
 *     profiles (labelsToApply) ------------------+     endpoints/sets)   |
 *     endpoints (local) --> ActiveRulesCalculator                        v
 *     policies ----------->  (policy selectors x   --> RuleScanner --> EventSequencer --> DataplaneMsg[]
 *     profiles (rules) --->   local endpoints)         (rules, IP set      ^
 *                                  |                    refcounts)         |
 *                                  v                                       |
 *     tiers -------------> PolicyResolver (ordered tiers per endpoint) ----+
 *     FelixConfiguration -> computeModelConfig ----------------------------+
 *
 * Local endpoints: those whose `node` is `hostname`, or all of them when
 * `allEndpoints` (what `calicoctl explain` uses).
 */
import type { HostEndpointSpec, ProfileSpec, StagedGlobalNetworkPolicySpec, StagedKubernetesNetworkPolicySpec, WorkloadEndpointSpec } from '../api/kinds/policy/types.js';
import type { DataplaneMsg, PolicyKind } from '../dataplane/model/index.js';
import { canonicalCidr, canonicalIp, ipFamily, policyKey, protocolNumber, type NatInfo } from '../dataplane/model/index.js';
import { channel } from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import { convertK8sNetworkPolicy } from '../api/k8s/index.js';
import { ActiveRulesCalculator } from './active-rules-calculator.js';
import { computeModelConfig } from './config-calculator.js';
import { EventSequencer } from './event-sequencer.js';
import { IpSetMemberIndex, type MemberSource } from './ip-set-member-index.js';
import type { Labels } from './label-index.js';
import { policyRecordFrom, rulesParse, type PolicyRecord } from './policy-record.js';
import { PolicyResolver, type EndpointBase } from './policy-resolver.js';
import type { NamedPortProtocol } from './rule-compiler.js';
import { RuleScanner } from './rule-scanner.js';
import { LABEL_NAMESPACE, LABEL_ORCHESTRATOR, LABEL_SERVICE_ACCOUNT } from './selectors.js';
import type { CalcUpdate, ConvertedStagedK8sPolicySpec, FelixConfigurationSpec, V3 } from './updates.js';

export interface CalcGraphOptions {
  /** This host's node name; endpoints on other nodes feed IP sets only. */
  readonly hostname?: string;
  /** Treat every endpoint as local (explain, tests). */
  readonly allEndpoints?: boolean;
}

export interface CalcGraphStats {
  readonly localEndpoints: number;
  readonly activePolicies: number;
  readonly activeIpSets: number;
}

/** Diagnostics channel with one message per flush. */
export const CALC_FLUSH_CHANNEL = 'calico:calc:flush';
const flushChannel = channel(CALC_FLUSH_CHANNEL);

const NAMED: Readonly<Record<number, NamedPortProtocol>> = { 6: 'tcp', 17: 'udp', 132: 'sctp' };

function hostCidr(text: string): string | null {
  const slash = text.indexOf('/');
  const ip = slash < 0 ? text : text.slice(0, slash);
  const fam = ipFamily(ip);
  return fam === null ? null : canonicalCidr(`${ip}/${fam === 4 ? 32 : 128}`);
}

const NO_PORTS: MemberSource['ports'] = Object.freeze([]);

function ports(list: WorkloadEndpointSpec['ports'] | HostEndpointSpec['ports']): MemberSource['ports'] {
  if (!list?.length) return NO_PORTS;
  const out: { name: string; protocol: NamedPortProtocol; port: number }[] = [];
  for (const p of list ?? []) {
    const proto = NAMED[protocolNumber(p.protocol) ?? -1];
    if (proto && p.name) out.push({ name: p.name, protocol: proto, port: p.port });
  }
  return out;
}

export class CalcGraph {
  private readonly sequencer = new EventSequencer();
  private readonly members = new IpSetMemberIndex(this.sequencer);
  private readonly scanner = new RuleScanner(this.members, this.sequencer);
  private readonly resolver: PolicyResolver;
  private readonly arc: ActiveRulesCalculator;
  /** Local endpoint key -> its profile ids (to refresh inherited labels). */
  private readonly localEndpoints = new Map<string, readonly string[]>();
  private readonly felixConfigs = new Map<string, FelixConfigurationSpec>();

  constructor(private readonly opts: CalcGraphOptions = {}) {
    // The ARC owns the policy records (writes); the resolver reads them to order tiers.
    const policies = new Map<string, PolicyRecord>();
    this.resolver = new PolicyResolver(policies, (ep) => this.arc.policyIndex.effectiveLabels(ep), {
      selectorsMatching: (ep) => this.arc.policyIndex.selectorsMatching(ep),
      itemsMatching: (pol) => this.arc.policyIndex.itemsMatching(pol),
    });
    this.arc = new ActiveRulesCalculator(this.scanner, this.resolver, policies);
    this.sequencer.onConfig(computeModelConfig(undefined, undefined));
  }

  stats(): CalcGraphStats {
    return {
      localEndpoints: this.localEndpoints.size,
      activePolicies: this.arc.activePolicyCount,
      activeIpSets: this.members.activeIpSetCount,
    };
  }

  onUpdates(updates: Iterable<CalcUpdate>): void {
    for (const u of updates) this.onUpdate(u);
  }

  onUpdate(u: CalcUpdate): void {
    switch (u.kind) {
      case 'InSync':
        this.sequencer.onInSync();
        return;
      case 'WorkloadEndpoint':
        return this.onWorkloadEndpoint(u.key.namespace ?? 'default', u.key.name, u.value);
      case 'HostEndpoint':
        return this.onHostEndpoint(u.key.name, u.value);
      case 'NetworkPolicy':
      case 'GlobalNetworkPolicy':
      case 'StagedNetworkPolicy':
      case 'StagedGlobalNetworkPolicy':
        return this.onPolicy(u.kind, u.key.namespace, u.key.name, u.value);
      case 'StagedKubernetesNetworkPolicy':
        return this.onPolicy(u.kind, u.key.namespace, u.key.name, u.value === null ? null : convertStagedK8s(u.value));
      case 'Tier':
        return this.resolver.updateTier(u.key.name, u.value === null ? null : u.value.spec ?? {});
      case 'Profile': {
        // A profile whose rules do not parse is treated as absent (deny-all stand-in if used).
        const spec = u.value === null ? null : u.value.spec ?? {};
        const ok = spec !== null && rulesParse(spec.ingress ?? [], '') && rulesParse(spec.egress ?? [], '');
        return this.onProfile(u.key.name, ok ? spec : null);
      }
      case 'NetworkSet': {
        const ns = u.key.namespace ?? 'default';
        const v = u.value;
        const labels = v === null ? null : { ...(v.metadata.labels ?? {}), [LABEL_NAMESPACE]: ns };
        return this.members.updateItem(`ns:${ns}/${u.key.name}`, labels, [`kns.${ns}`], v === null ? null : netSource(v.spec?.nets));
      }
      case 'GlobalNetworkSet': {
        const v = u.value;
        return this.members.updateItem(`gns:${u.key.name}`, v === null ? null : { ...(v.metadata.labels ?? {}) }, [], v === null ? null : netSource(v.spec?.nets));
      }
      case 'FelixConfiguration':
        if (u.value === null) this.felixConfigs.delete(u.key.name);
        else this.felixConfigs.set(u.key.name, u.value.spec ?? {});
        this.sequencer.onConfig(computeModelConfig(
          this.felixConfigs.get('default'),
          this.opts.hostname && !this.opts.allEndpoints ? this.felixConfigs.get(`node.${this.opts.hostname}`) : undefined,
        ));
        return;
      default: {
        const never: never = u;
        throw new Error(`unhandled update ${JSON.stringify(never)}`);
      }
    }
  }

  /**
   * Resolves pending changes and returns the ordered messages. Publishes
   * `{ messages, durationMs, stats }` on the `calico:calc:flush` diagnostics
   * channel (for Felix-style metrics: felix_calc_graph_output_events,
   * felix_active_local_policies, ...) when anyone subscribes.
   */
  flush(): DataplaneMsg[] {
    const t0 = performance.now();
    this.resolver.flush(this.sequencer);
    const msgs = this.sequencer.flush();
    if (flushChannel.hasSubscribers) {
      flushChannel.publish({ messages: msgs.length, durationMs: performance.now() - t0, stats: this.stats() });
    }
    return msgs;
  }

  private isLocal(node: string | undefined): boolean {
    return this.opts.allEndpoints === true || (node !== undefined && node === this.opts.hostname);
  }

  private onPolicy(kind: PolicyKind, namespace: string | undefined, name: string, value: V3<StagedGlobalNetworkPolicySpec> | null): void {
    const namespaced = kind === 'NetworkPolicy' || kind === 'StagedNetworkPolicy' || kind === 'StagedKubernetesNetworkPolicy';
    const ns = namespaced ? namespace ?? 'default' : undefined;
    const key = policyKey(ns === undefined ? { kind, name } : { kind, namespace: ns, name });
    const rec = value === null ? null : policyRecordFrom(kind, { ...value, metadata: { ...value.metadata, name, ...(ns !== undefined ? { namespace: ns } : {}) } });
    this.arc.updatePolicy(key, rec);
  }

  private onProfile(name: string, spec: ProfileSpec | null): void {
    this.arc.updateProfile(name, spec);
    this.members.updateParent(name, spec === null ? null : spec.labelsToApply ?? {});
    for (const [ep, profiles] of this.localEndpoints) if (profiles.includes(name)) this.resolver.markDirty(ep);
  }

  private onWorkloadEndpoint(ns: string, name: string, v: V3<WorkloadEndpointSpec> | null): void {
    const itemId = `wep:${ns}/${name}`;
    if (v === null) return this.setEndpoint(itemId, null, [], null, null);
    const spec = v.spec ?? {};
    const labels: Record<string, string> = { ...(v.metadata.labels ?? {}) };
    labels[LABEL_NAMESPACE] ??= ns;
    if (spec.orchestrator) labels[LABEL_ORCHESTRATOR] ??= spec.orchestrator;
    if (spec.serviceAccountName) labels[LABEL_SERVICE_ACCOUNT] ??= spec.serviceAccountName;
    const cidrs = (spec.ipNetworks ?? []).map(hostCidr).filter((c): c is string => c !== null);
    const profileIds = [...(spec.profiles ?? [])];
    const base: EndpointBase = {
      kind: 'wep',
      model: {
        id: { namespace: ns, name },
        node: spec.node ?? '',
        orchestrator: spec.orchestrator ?? '',
        workload: spec.workload || spec.pod || '',
        endpoint: spec.endpoint ?? '',
        interfaceName: spec.interfaceName ?? '',
        ...(spec.mac ? { mac: spec.mac } : {}),
        ipv4Nets: cidrs.filter((c) => !c.includes(':')),
        ipv6Nets: cidrs.filter((c) => c.includes(':')),
        ...natFields(spec.ipNATs),
        ...(spec.allowSpoofedSourcePrefixes?.length ? { allowSpoofedSourcePrefixes: [...spec.allowSpoofedSourcePrefixes] } : {}),
        profileIds,
      },
    };
    this.setEndpoint(itemId, labels, profileIds, { cidrs, ports: ports(spec.ports) }, this.isLocal(spec.node) ? base : null);
  }

  private onHostEndpoint(name: string, v: V3<HostEndpointSpec> | null): void {
    const itemId = `hep:${name}`;
    if (v === null) return this.setEndpoint(itemId, null, [], null, null);
    const spec = v.spec ?? {};
    const cidrs = (spec.expectedIPs ?? []).map(hostCidr).filter((c): c is string => c !== null);
    const profileIds = [...(spec.profiles ?? [])];
    const base: EndpointBase = {
      kind: 'hep',
      model: {
        id: { name },
        node: spec.node ?? '',
        ...(spec.interfaceName ? { interfaceName: spec.interfaceName } : {}),
        expectedIpv4Addrs: cidrs.filter((c) => !c.includes(':')).map((c) => c.slice(0, c.indexOf('/'))),
        expectedIpv6Addrs: cidrs.filter((c) => c.includes(':')).map((c) => c.slice(0, c.indexOf('/'))),
        profileIds,
      },
    };
    this.setEndpoint(itemId, { ...(v.metadata.labels ?? {}) }, profileIds, { cidrs, ports: ports(spec.ports) }, this.isLocal(spec.node) ? base : null);
  }

  /** `local` null: not (or no longer) a local endpoint. */
  private setEndpoint(itemId: string, labels: Labels | null, profileIds: readonly string[], source: MemberSource | null, local: EndpointBase | null): void {
    this.members.updateItem(itemId, labels, profileIds, source);
    const wasLocal = this.localEndpoints.has(itemId);
    if (local !== null && labels !== null) {
      this.localEndpoints.set(itemId, profileIds);
      this.resolver.updateEndpoint(itemId, local);
      this.arc.updateEndpoint(itemId, labels, profileIds);
    } else if (wasLocal) {
      this.localEndpoints.delete(itemId);
      this.arc.updateEndpoint(itemId, null, []);
      this.resolver.updateEndpoint(itemId, null);
    }
  }
}

/**
 * A StagedKubernetesNetworkPolicy still in Kubernetes shape (podSelector,
 * policyTypes, from/to peers) is converted as Calico converts a Kubernetes
 * NetworkPolicy (name `knp.default.<name>`); one already converted passes
 * through. One that cannot be converted is treated as absent (it is never
 * enforced, so nothing is opened or closed by dropping it).
 */
function convertStagedK8s(v: V3<ConvertedStagedK8sPolicySpec | StagedKubernetesNetworkPolicySpec>): V3<StagedGlobalNetworkPolicySpec> | null {
  const spec = (v.spec ?? {}) as Record<string, unknown>;
  if (!('podSelector' in spec) && !('policyTypes' in spec)) return v as V3<ConvertedStagedK8sPolicySpec>;
  const { stagedAction, ...k8sSpec } = spec;
  try {
    const c = convertK8sNetworkPolicy({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: v.metadata, spec: k8sSpec }).policy;
    const cs = c.spec as unknown as StagedGlobalNetworkPolicySpec;
    return { ...v, spec: { ...cs, ...(typeof stagedAction === 'string' ? { stagedAction: stagedAction as StagedGlobalNetworkPolicySpec['stagedAction'] } : {}) } };
  } catch {
    return null;
  }
}

function natFields(nats: WorkloadEndpointSpec['ipNATs']): { ipv4Nat?: NatInfo[]; ipv6Nat?: NatInfo[] } {
  const v4: NatInfo[] = [];
  const v6: NatInfo[] = [];
  for (const n of nats ?? []) {
    const ext = canonicalIp(n.externalIP);
    const int = canonicalIp(n.internalIP);
    if (ext === null || int === null) continue;
    (ext.includes(':') ? v6 : v4).push({ extIp: ext, intIp: int });
  }
  return { ...(v4.length ? { ipv4Nat: v4 } : {}), ...(v6.length ? { ipv6Nat: v6 } : {}) };
}

function netSource(nets: readonly string[] | undefined): MemberSource {
  const cidrs = (nets ?? []).map(canonicalCidr).filter((c): c is string => c !== null);
  return { cidrs: [...new Set(cidrs)], ports: NO_PORTS };
}
