/**
 * Policy, profile and endpoint chains (felix/rules/policy.go, endpoints.go),
 * in IR, shared by the nftables and iptables renderers.
 *
 * Endpoint chain shape, per direction:
 *   [failsafe]                       host endpoints only
 *   clear accept+pass marks
 *   per tier with policies in this direction:
 *     clear pass mark                "Start of tier"
 *     per policy: (pass clear) jump policy chain; (accept set) return
 *     tier default Deny: (pass clear) drop "End of tier"  (not in raw/mangle chains)
 *   per profile: jump profile chain; (accept set) return   (normal chains only)
 *   drop "Drop if no profiles matched"                     (normal chains only)
 * Policy chains: Allow = set accept mark + return, Pass = set pass mark +
 * return, Deny = drop, Log = log and continue. A chain that returns with the
 * accept mark set is an allow; the caller accepts at the end of the hook.
 */
import type { PolicyId } from '../model/ids.js';
import type { ModelPolicy, ModelProfile, ModelRule, ProtoPort, TierInfo } from '../model/types.js';
import { ipFamily, protocolNumber } from '../model/net.js';
import { MARK_ACCEPT, MARK_PASS, rule, type Family, type IrChain, type IrRule, type Match } from './ir.js';
import { policyChainName, profileChainName } from './names.js';
import { actionFor, renderModelRule, type SetNamer } from './policy-rules.js';

export type Direction = 'ingress' | 'egress';

const accepted: Match = { k: 'mark', mask: MARK_ACCEPT, value: MARK_ACCEPT };
const notPassed: Match = { k: 'mark', mask: MARK_PASS, value: 0 };

/** Rendering options from FelixConfiguration. */
export interface RuleOptions {
  /** FelixConfiguration logPrefix (default `calico-packet`). */
  readonly logPrefix?: string;
}

function rulesOf(list: readonly ModelRule[], f: Family, setName: SetNamer, o: RuleOptions): IrRule[] {
  return list.flatMap((r) => renderModelRule(r, f, setName, actionFor(r.action, o.logPrefix)));
}

/**
 * Qualifies a policy/profile chain name for the backend (nftables prefixes
 * `filter-`, as Felix's nftables mode does; iptables leaves it as is).
 */
export type ChainQualifier = (name: string) => string;
const asIs: ChainQualifier = (n) => n;

/** The inbound and outbound chains of one active policy. */
export function policyChains(p: ModelPolicy, f: Family, setName: SetNamer, q: ChainQualifier = asIs, o: RuleOptions = {}): IrChain[] {
  return [
    { name: q(policyChainName(p.id, p.tier, 'inbound')), rules: rulesOf(p.inboundRules, f, setName, o) },
    { name: q(policyChainName(p.id, p.tier, 'outbound')), rules: rulesOf(p.outboundRules, f, setName, o) },
  ];
}

export function profileChains(p: ModelProfile, f: Family, setName: SetNamer, q: ChainQualifier = asIs, o: RuleOptions = {}): IrChain[] {
  return [
    { name: q(profileChainName(p.id.name, 'inbound')), rules: rulesOf(p.inboundRules, f, setName, o) },
    { name: q(profileChainName(p.id.name, 'outbound')), rules: rulesOf(p.outboundRules, f, setName, o) },
  ];
}

export interface EndpointChainSpec {
  readonly name: string;
  readonly dir: Direction;
  readonly tiers: readonly TierInfo[];
  /** Profiles to run after the tiers, then drop; null for chains without profiles or final drop. */
  readonly profileIds: readonly string[] | null;
  /** Jump to a failsafe chain first (host endpoints). */
  readonly failsafeChain?: string;
  /**
   * Drop at the end of a tier no policy passed (default true). Felix leaves it
   * out of doNotTrack and preDNAT chains: the filter hook's normal policy
   * still decides the packet.
   */
  readonly endOfTierDrop?: boolean;
  /** How policy/profile chain names are qualified (default: as is). */
  readonly qualify?: ChainQualifier;
  /**
   * Splits a tier's policy list into parts: policies walked through their
   * chains and compiled allow-only runs (allow-runs.ts). Default: walk all.
   */
  readonly compileTier?: TierCompiler;
}

/** One part of a tier: a policy walked through its chain, or rules standing for a compiled run. */
export type TierPart =
  | { readonly walk: PolicyId }
  | { readonly rules: readonly IrRule[] };

export type TierCompiler = (tier: TierInfo, dir: Direction, policies: readonly PolicyId[]) => readonly TierPart[];

/** One endpoint chain: tiers, then profiles and the final drop (see the module comment). */
export function endpointChain(spec: EndpointChainSpec): IrChain {
  const rules: IrRule[] = [];
  const pdir = spec.dir === 'ingress' ? 'inbound' : 'outbound';
  const q = spec.qualify ?? asIs;
  if (spec.failsafeChain) rules.push(rule([], { k: 'jump', chain: spec.failsafeChain }));
  rules.push(rule([], { k: 'clearMark', bits: MARK_ACCEPT | MARK_PASS }));
  for (const tier of spec.tiers) {
    const pols = spec.dir === 'ingress' ? tier.ingressPolicies : tier.egressPolicies;
    if (pols.length === 0) continue;
    rules.push(rule([], { k: 'clearMark', bits: MARK_PASS }, `Start of tier ${tier.name}`));
    const parts: readonly TierPart[] = spec.compileTier ? spec.compileTier(tier, spec.dir, pols) : pols.map((id) => ({ walk: id }));
    for (const part of parts) {
      if ('rules' in part) { rules.push(...part.rules); continue; }
      const id = part.walk;
      // Names the policy for an operator reading the ruleset (Felix: "Policy <ns>/<name> ingress").
      rules.push(rule([notPassed], { k: 'jump', chain: q(policyChainName(id, tier.name, pdir)) }, `Policy ${id.namespace ? `${id.namespace}/` : ''}${id.name} ${spec.dir}`));
      rules.push(rule([accepted], { k: 'return' }, 'Return if policy accepted'));
    }
    if (tier.defaultAction === 'Deny' && spec.endOfTierDrop !== false) {
      rules.push(rule([notPassed], { k: 'drop' }, `End of tier ${tier.name}. Drop if no policies passed packet`));
    }
  }
  if (spec.profileIds !== null) {
    for (const name of spec.profileIds) {
      rules.push(rule([], { k: 'jump', chain: q(profileChainName(name, pdir)) }, `Profile ${name} ${spec.dir}`));
      rules.push(rule([accepted], { k: 'return' }, 'Return if profile accepted'));
    }
    rules.push(rule([], { k: 'drop' }, 'Drop if no profiles matched'));
  }
  return { name: spec.name, rules };
}

/**
 * Failsafe chains (felix/rules/static.go): accept the configured ports before
 * any host endpoint policy, so a bad policy cannot lock the operator out.
 * Inbound entries match the destination port and optionally the source net;
 * outbound entries the destination port and optionally the destination net.
 * `replies` (raw table only: before conntrack, so replies are not yet
 * "established") are the other direction's entries, matched as replies: the
 * source port, and the net on the other side.
 */
export function failsafeChain(name: string, ports: readonly ProtoPort[], dir: 'in' | 'out', f: Family, replies: readonly ProtoPort[] = []): IrChain {
  const rules: IrRule[] = [];
  const add = (p: ProtoPort, portDir: 'src' | 'dst', netDir: 'src' | 'dst', what: string): void => {
    const proto = protocolNumber(p.protocol);
    if (proto === null) return;
    const m: Match[] = [{ k: 'proto', proto }, { k: 'ports', dir: portDir, proto, ranges: [{ first: p.port, last: p.port }] }];
    if (p.net) {
      if (ipFamily(p.net) !== f) return;
      m.push({ k: 'nets', dir: netDir, nets: [p.net] });
    }
    rules.push(rule(m, { k: 'accept' }, `${what} ${p.protocol}:${p.port}`));
  };
  for (const p of ports) add(p, 'dst', dir === 'in' ? 'src' : 'dst', 'Failsafe');
  // A reply arriving (in) to an outbound failsafe connection comes from the remote net; one leaving (out) goes to it.
  for (const p of replies) add(p, 'src', dir === 'in' ? 'src' : 'dst', 'Failsafe reply');
  return { name, rules };
}
