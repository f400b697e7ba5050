/**
 * The fixed part of the ruleset (felix/rules/static.go), in IR: what each
 * hook runs before and after the per-endpoint chains. Both backends use it;
 * they differ only in how a hook reaches these rules (an nftables base chain
 * holds them directly, iptables jumps from the built-in chain) and in how
 * dispatch chains pick an endpoint chain (verdict map or a list of `-g`).
 *
 * Packet path per hook: conntrack established/related accept and invalid drop
 * first, then dispatch by interface, then (only for new flows) policy.
 */
import type { ModelConfig } from '../model/types.js';
import { MARK_ACCEPT, MARK_PASS, MARK_SCRATCH0, rule, type Family, type IrChain, type IrRule, type Match } from './ir.js';
import { failsafeChain } from './endpoint-chains.js';
import { CHAIN, WORKLOAD_IFACE_PREFIX, poolSetName } from './names.js';

/** The kernel tables (iptables) or hook groups (nftables) Calico programs. */
export type HookTable = 'filter' | 'raw' | 'mangle' | 'nat';
export type Hook = 'FORWARD' | 'INPUT' | 'OUTPUT' | 'PREROUTING' | 'POSTROUTING';

/** A hook's own chain: its rules run for every packet at that hook. */
export interface HookChain {
  readonly table: HookTable;
  readonly hook: Hook;
  readonly chain: IrChain;
}

/** Names a chain in a table: nftables prefixes non-filter chains (one table holds all), iptables does not. */
export type ChainNamer = (table: HookTable, name: string) => string;

const WL = `${WORKLOAD_IFACE_PREFIX}*`;
const ALL_MARKS = MARK_ACCEPT | MARK_PASS | MARK_SCRATCH0;
const accepted: Match = { k: 'mark', mask: MARK_ACCEPT, value: MARK_ACCEPT };
const ctFirst: IrRule[] = [
  rule([{ k: 'ct', states: ['established', 'related'] }], { k: 'accept' }),
  rule([{ k: 'ct', states: ['invalid'] }], { k: 'drop' }),
];
/** Packets a doNotTrack policy allowed in the raw hook carry the accept mark and no conntrack entry. */
const untrackedAllowed = rule([accepted, { k: 'ct', states: ['untracked'] }], { k: 'accept' });

/** ICMPv6 a workload needs to reach its host before any policy (router/neighbour discovery). */
const ICMPV6_ND = [130, 131, 132, 133, 135, 136];

/** A regular chain in one table. */
export interface TableChain {
  readonly table: HookTable;
  readonly chain: IrChain;
}

export interface StaticChains {
  readonly hooks: readonly HookChain[];
  readonly chains: readonly TableChain[];
}

export function staticChains(cn: ChainNamer, config: ModelConfig | null, f: Family): StaticChains {
  const c = (name: string): string => cn('filter', name);
  const forward: IrChain = {
    name: cn('filter', CHAIN.forward),
    rules: [
      ...ctFirst,
      untrackedAllowed,
      rule([], { k: 'clearMark', bits: ALL_MARKS }),
      rule([], { k: 'jump', chain: c(CHAIN.fromHostForwardDispatch) }),
      rule([{ k: 'iif', name: WL }], { k: 'jump', chain: c(CHAIN.fromWorkloadDispatch) }),
      rule([{ k: 'oif', name: WL }], { k: 'jump', chain: c(CHAIN.toWorkloadDispatch) }),
      rule([], { k: 'jump', chain: c(CHAIN.toHostForwardDispatch) }),
      rule([accepted], { k: 'accept' }, 'Policy explicitly accepted packet.'),
    ],
  };
  const input: IrChain = {
    name: cn('filter', CHAIN.input),
    rules: [
      ...ctFirst,
      untrackedAllowed,
      rule([], { k: 'clearMark', bits: ALL_MARKS }),
      rule([{ k: 'iif', name: WL }], { k: 'goto', chain: c(CHAIN.workloadToHost) }),
      rule([], { k: 'jump', chain: c(CHAIN.fromHostDispatch) }),
      rule([accepted], { k: 'accept' }, 'Host endpoint policy accepted packet.'),
    ],
  };
  const output: IrChain = {
    name: cn('filter', CHAIN.output),
    rules: [
      ...ctFirst,
      untrackedAllowed,
      rule([], { k: 'clearMark', bits: ALL_MARKS }),
      // Felix does not police host -> local workload traffic with the workload's policy.
      rule([{ k: 'oif', name: WL }], { k: 'return' }),
      rule([], { k: 'jump', chain: c(CHAIN.toHostDispatch) }),
      rule([accepted], { k: 'accept' }, 'Host endpoint policy accepted packet.'),
    ],
  };
  // IPv6 anti-spoofing for workloads (IPv4 has the rp_filter sysctl): strict
  // reverse-path check, after the per-endpoint allowSpoofedSourcePrefixes exceptions.
  const rpf: IrRule[] = f === 6 ? [
    rule([{ k: 'iif', name: WL }], { k: 'jump', chain: cn('raw', CHAIN.rpfSkip) }),
    rule([{ k: 'iif', name: WL }, { k: 'rpfFail' }], { k: 'drop' }, 'Workload source address fails the reverse-path check'),
  ] : [];
  const rawPre: IrChain = {
    name: cn('raw', CHAIN.prerouting),
    rules: [
      rule([], { k: 'clearMark', bits: ALL_MARKS }),
      ...rpf,
      rule([{ k: 'iif', name: WL, neg: true }], { k: 'jump', chain: cn('raw', CHAIN.fromHostDispatch) }),
      rule([accepted], { k: 'notrack' }),
      rule([accepted], { k: 'accept' }),
    ],
  };
  const rawOut: IrChain = {
    name: cn('raw', CHAIN.output),
    rules: [
      rule([], { k: 'clearMark', bits: ALL_MARKS }),
      rule([{ k: 'oif', name: WL, neg: true }], { k: 'jump', chain: cn('raw', CHAIN.toHostDispatch) }),
      rule([accepted], { k: 'notrack' }),
      rule([accepted], { k: 'accept' }),
    ],
  };
  const manglePre: IrChain = {
    name: cn('mangle', CHAIN.prerouting),
    rules: [
      rule([{ k: 'ct', states: ['established', 'related'] }], { k: 'accept' }),
      // Allowed by a doNotTrack policy in raw: keep the mark for the filter hook, skip pre-DNAT policy.
      rule([accepted], { k: 'accept' }, 'Untracked policy accepted packet.'),
      rule([], { k: 'clearMark', bits: ALL_MARKS }),
      rule([{ k: 'iif', name: WL, neg: true }], { k: 'jump', chain: cn('mangle', CHAIN.fromHostDispatch) }),
      rule([accepted], { k: 'accept' }, 'Pre-DNAT policy accepted packet.'),
    ],
  };
  const natPost: IrChain = {
    name: cn('nat', CHAIN.postrouting),
    rules: [rule([], { k: 'jump', chain: cn('nat', CHAIN.natOutgoing) })],
  };
  const fsIn = config?.failsafeInboundHostPorts ?? [];
  const fsOut = config?.failsafeOutboundHostPorts ?? [];
  // A workload talking to its host: its egress policy first, then defaultEndpointToHostAction.
  const wlToHost: IrRule[] = [];
  if (f === 6) wlToHost.push(...ICMPV6_ND.map((t) => rule([{ k: 'proto', proto: 58 }, { k: 'icmp', type: t }], { k: 'accept' })));
  wlToHost.push(rule([], { k: 'jump', chain: c(CHAIN.fromWorkloadDispatch) }));
  const dflt = config?.defaultEndpointToHostAction ?? 'Drop';
  if (dflt === 'Accept') wlToHost.push(rule([], { k: 'accept' }, 'Configured DefaultEndpointToHostAction'));
  else if (dflt === 'Drop') wlToHost.push(rule([], { k: 'drop' }, 'Configured DefaultEndpointToHostAction'));
  return {
    hooks: [
      { table: 'filter', hook: 'FORWARD', chain: forward },
      { table: 'filter', hook: 'INPUT', chain: input },
      { table: 'filter', hook: 'OUTPUT', chain: output },
      { table: 'raw', hook: 'PREROUTING', chain: rawPre },
      { table: 'raw', hook: 'OUTPUT', chain: rawOut },
      { table: 'mangle', hook: 'PREROUTING', chain: manglePre },
      { table: 'nat', hook: 'POSTROUTING', chain: natPost },
    ],
    chains: [
      { table: 'filter', chain: { name: c(CHAIN.workloadToHost), rules: wlToHost } },
      ...(['filter', 'raw', 'mangle'] as const).flatMap((t): TableChain[] => [
        { table: t, chain: failsafeChain(cn(t, CHAIN.failsafeIn), fsIn, 'in', f, t === 'raw' ? fsOut : []) },
        { table: t, chain: failsafeChain(cn(t, CHAIN.failsafeOut), fsOut, 'out', f, t === 'raw' ? fsIn : []) },
      ]),
      {
        table: 'nat',
        chain: {
          name: cn('nat', CHAIN.natOutgoing),
          rules: [rule([
            { k: 'set', dir: 'src', set: poolSetName('masq', f) },
            { k: 'set', dir: 'dst', set: poolSetName('all', f), neg: true },
          ], { k: 'masquerade' }, 'natOutgoing IP pools')],
        },
      },
    ],
  };
}
