/**
 * Rendering of `calicoctl explain` results: a readable report (what decided,
 * the full trace, hints for a blocked flow, staged "would have" answers) and a
 * JSON document with the same content.
 */
import type { EntityRule, Rule } from '../../api/kinds/policy/types.js';
import { policyKey, type PolicyId } from '../../dataplane/model/index.js';
import type { Decision, DirectionalResult, FlowResult, TraceStep } from '../../dataplane/sim/index.js';
import { renderTable } from '../output/table.js';
import type { LoadedInputs } from './explain-load.js';

export interface FlowEnd {
  /** 'workload' | 'host' | 'external'. */
  readonly kind: string;
  /** `ns/name`, host endpoint name, or the address for external ends. */
  readonly name: string;
  readonly ip: string;
}

export interface ExplainReport {
  readonly from: FlowEnd;
  readonly to: FlowEnd;
  readonly packet: { protocol: string; srcPort?: number; dstPort?: number; icmpType?: number; icmpCode?: number };
  readonly result: FlowResult;
  readonly warnings: readonly string[];
}

function polName(id: PolicyId): string {
  const short = id.kind === 'NetworkPolicy' || id.kind === 'GlobalNetworkPolicy' ? '' : `${id.kind} `;
  return `${short}${id.namespace ? `${id.namespace}/` : ''}${id.name}`;
}

function list(xs: readonly unknown[] | undefined): string {
  return (xs ?? []).map(String).join(',');
}

function entity(e: EntityRule | undefined): string {
  if (!e) return '';
  const parts: string[] = [];
  if (e.nets?.length) parts.push(`nets ${list(e.nets)}`);
  if (e.notNets?.length) parts.push(`notNets ${list(e.notNets)}`);
  if (e.selector) parts.push(`selector ${e.selector}`);
  if (e.notSelector) parts.push(`notSelector ${e.notSelector}`);
  if (e.namespaceSelector) parts.push(`namespaceSelector ${e.namespaceSelector}`);
  if (e.serviceAccounts) parts.push(`serviceAccounts ${[list(e.serviceAccounts.names), e.serviceAccounts.selector ?? ''].filter(Boolean).join(' ')}`);
  if (e.ports?.length) parts.push(`ports ${list(e.ports)}`);
  if (e.notPorts?.length) parts.push(`notPorts ${list(e.notPorts)}`);
  return parts.join(' ');
}

/** One line for a v3 rule, e.g. `Allow TCP from [selector app == 'web'] to [ports 80]`. */
export function summarizeRule(r: Rule | undefined): string {
  if (!r) return '';
  const out: string[] = [r.action];
  if (r.ipVersion) out.push(`IPv${r.ipVersion}`);
  if (r.protocol !== undefined) out.push(String(r.protocol));
  if (r.notProtocol !== undefined) out.push(`!${String(r.notProtocol)}`);
  if (r.icmp) out.push(`icmp type ${r.icmp.type ?? '*'} code ${r.icmp.code ?? '*'}`);
  if (r.notICMP) out.push(`!icmp type ${r.notICMP.type ?? '*'} code ${r.notICMP.code ?? '*'}`);
  const s = entity(r.source);
  const d = entity(r.destination);
  if (s) out.push(`from [${s}]`);
  if (d) out.push(`to [${d}]`);
  if (!s && !d && out.length === 1) out.push('(everything)');
  return out.join(' ');
}

function ruleOf(inputs: LoadedInputs, owner: string, dir: 'ingress' | 'egress', i: number): Rule | undefined {
  return inputs.rules.get(owner)?.[dir][i];
}

function describeDecision(d: Decision, dir: 'ingress' | 'egress', inputs: LoadedInputs): string {
  switch (d.by) {
    case 'failsafe':
      return `failsafe port ${d.protocol}/${d.port} (FelixConfiguration failsafe${dir === 'ingress' ? 'Inbound' : 'Outbound'}HostPorts)`;
    case 'rule':
      return `tier "${d.tier}", policy ${polName(d.policy)}, rule ${d.ruleIndex} (${d.action}): ${summarizeRule(ruleOf(inputs, policyKey(d.policy), dir, d.ruleIndex))}`;
    case 'tier-default':
      return `end of tier "${d.tier}": its policies select this endpoint but none matched, so the tier's default action Deny applies`;
    case 'profile-rule':
      return `profile ${d.profile}, rule ${d.ruleIndex} (${d.action}): ${summarizeRule(ruleOf(inputs, `profile/${d.profile}`, dir, d.ruleIndex))}`;
    case 'fall-through':
      return `no ${d.chain} policy decided; the packet continues to normal policy`;
    case 'profile-default':
      return d.profiles.length === 0
        ? 'no policy decided and the endpoint has no profiles: default deny'
        : `no policy decided and no profile (${d.profiles.join(', ')}) allowed it: default deny`;
  }
}

function traceRows(trace: readonly TraceStep[], dir: 'ingress' | 'egress', inputs: LoadedInputs): string[][] {
  return trace.map((t, i) => {
    const n = String(i + 1);
    switch (t.step) {
      case 'failsafe': return [n, '', '', '', 'Allow', `failsafe ${t.protocol}/${t.port}`];
      case 'rule': return [n, t.tier, polName(t.policy), String(t.ruleIndex), t.action, summarizeRule(ruleOf(inputs, policyKey(t.policy), dir, t.ruleIndex))];
      case 'policy-no-match': return [n, t.tier, polName(t.policy), '-', 'no match', ''];
      case 'tier-default': return [n, t.tier, '', '', t.action === 'Deny' ? 'Deny' : 'Pass', 'end of tier (default action)'];
      case 'no-policy': return [n, '', '', '', '', t.note];
      case 'profile-rule': return [n, '(profile)', t.profile, String(t.ruleIndex), t.action, summarizeRule(ruleOf(inputs, `profile/${t.profile}`, dir, t.ruleIndex))];
      case 'profile-no-match': return [n, '(profile)', t.profile, '-', 'no match', ''];
      case 'profiles-exhausted': return [n, '', '', '', 'Deny', 'no profile allowed the packet'];
    }
  });
}

function hints(r: DirectionalResult, dir: 'ingress' | 'egress'): string[] {
  if (r.verdict.allowed) return [];
  const d = r.verdict.decision;
  const out: string[] = [];
  if (d.by === 'tier-default') {
    const pols = r.verdict.trace.filter((t) => t.step === 'policy-no-match' && t.tier === d.tier).map((t) => (t.step === 'policy-no-match' ? polName(t.policy) : ''));
    out.push(`hint: add an ${dir} Allow rule matching this packet to one of: ${pols.join(', ')} (or a Pass rule to defer to later tiers)`);
  } else if (d.by === 'rule') {
    out.push(`hint: the Deny rule above matched first; an earlier Allow (lower order or earlier tier) would take precedence`);
  } else if (d.by === 'profile-default') {
    out.push(`hint: no policy selects this endpoint for ${dir}; its profiles decide (Kubernetes namespaces allow all via kns.<ns>)`);
  }
  const allowedPending = r.pending.allowed ? 'ALLOW' : 'DENY';
  if (r.pending.allowed !== r.verdict.allowed) out.push(`note: with the staged policies applied this would ${allowedPending}`);
  return out;
}

function section(title: string, r: DirectionalResult | undefined, dir: 'ingress' | 'egress', inputs: LoadedInputs, endName: string): string {
  if (!r) return `${title}: ${endName} is not a Calico endpoint; no ${dir} policy applies there\n`;
  const v = r.verdict;
  let s = `${title} at ${v.endpointKind} endpoint ${v.endpoint}: ${v.allowed ? 'ALLOWED' : 'DENIED'}${v.chain !== 'normal' ? ` (${v.chain} policy)` : ''}\n`;
  for (const st of r.stages ?? []) {
    if (st === v) continue;
    s += `  ${st.chain} policy stage: ${st.allowed ? 'no drop' : 'DENIED'} (${describeDecision(st.decision, dir, inputs)})\n`;
  }
  s += `  decided by: ${describeDecision(v.decision, dir, inputs)}\n`;
  s += renderTable(['step', 'tier', 'policy/profile', 'rule', 'action', 'detail'], traceRows(v.trace, dir, inputs)).replace(/^(?=.)/gm, '  ');
  for (const h of hints(r, dir)) s += `  ${h}\n`;
  if (r.staged.length > 0) {
    s += `  staged policies (not enforced) would have:\n`;
    s += renderTable(['tier', 'staged policy', 'stagedAction', 'outcome', 'rule'], r.staged.map((x) => [
      x.tier, polName(x.policy), x.stagedAction,
      x.outcome === 'no-match' ? `no match (tier default ${x.tierDefault})` : x.outcome,
      x.ruleIndex === undefined ? '' : `${x.ruleIndex}: ${summarizeRule(ruleOf(inputs, policyKey(x.policy), dir, x.ruleIndex))}`,
    ])).replace(/^(?=.)/gm, '    ');
    s += `  with staged policies applied: ${r.pending.allowed ? 'ALLOWED' : 'DENIED'} (${describeDecision(r.pending.decision, dir, inputs)})\n`;
  }
  return s;
}

export function renderExplainText(rep: ExplainReport, inputs: LoadedInputs): string {
  const p = rep.packet;
  const ports = p.dstPort !== undefined ? ` port ${p.dstPort}` : p.icmpType !== undefined ? ` type ${p.icmpType}${p.icmpCode !== undefined ? ` code ${p.icmpCode}` : ''}` : '';
  let s = `Flow: ${rep.from.name} (${rep.from.ip}) -> ${rep.to.name} (${rep.to.ip}) ${p.protocol}${ports}\n`;
  const r = rep.result;
  const blockedAt = !r.allowed ? (r.egress && !r.egress.verdict.allowed ? 'egress of the source' : 'ingress of the destination') : '';
  s += `Verdict: ${r.allowed ? 'ALLOWED' : `DENIED at ${blockedAt}`}\n`;
  if (r.pendingAllowed !== r.allowed) s += `With staged policies: ${r.pendingAllowed ? 'ALLOWED' : 'DENIED'}\n`;
  s += '\n' + section('EGRESS', r.egress, 'egress', inputs, rep.from.name);
  s += '\n' + section('INGRESS', r.ingress, 'ingress', inputs, rep.to.name);
  for (const w of rep.warnings) s += `warning: ${w}\n`;
  return s;
}

function dirJson(r: DirectionalResult | undefined, dir: 'ingress' | 'egress', inputs: LoadedInputs): unknown {
  if (!r) return null;
  const withRule = (t: TraceStep | Decision): unknown => {
    if ('policy' in t && 'ruleIndex' in t) return { ...t, rule: ruleOf(inputs, policyKey(t.policy), dir, t.ruleIndex) ?? null };
    if ('profile' in t && 'ruleIndex' in t) return { ...t, rule: ruleOf(inputs, `profile/${t.profile}`, dir, t.ruleIndex) ?? null };
    return t;
  };
  const d = r.verdict.decision;
  return {
    endpoint: r.verdict.endpoint,
    endpointKind: r.verdict.endpointKind,
    verdict: r.verdict.allowed ? 'Allow' : 'Deny',
    allowed: r.verdict.allowed,
    // The deciding step, flattened: tier/policy/rule are null when a profile, failsafe or default decided.
    tier: 'tier' in d ? d.tier : null,
    policy: 'policy' in d ? polName(d.policy) : null,
    profile: 'profile' in d ? d.profile : null,
    ruleIndex: 'ruleIndex' in d ? d.ruleIndex : null,
    action: 'action' in d ? d.action : d.by === 'failsafe' ? 'Allow' : 'Deny',
    decision: withRule(r.verdict.decision),
    explanation: describeDecision(r.verdict.decision, dir, inputs),
    trace: r.verdict.trace.map(withRule),
    chain: r.verdict.chain,
    stages: (r.stages ?? []).map((st) => ({ chain: st.chain, allowed: st.allowed, decision: withRule(st.decision), trace: st.trace.map(withRule) })),
    staged: r.staged,
    pending: { allowed: r.pending.allowed, decision: withRule(r.pending.decision) },
  };
}

export function renderExplainJson(rep: ExplainReport, inputs: LoadedInputs): string {
  return JSON.stringify({
    from: rep.from,
    to: rep.to,
    packet: rep.packet,
    verdict: rep.result.allowed ? 'Allow' : 'Deny',
    allowed: rep.result.allowed,
    pendingAllowed: rep.result.pendingAllowed,
    egress: dirJson(rep.result.egress, 'egress', inputs),
    ingress: dirJson(rep.result.ingress, 'ingress', inputs),
    warnings: rep.warnings,
  }, null, 2) + '\n';
}
