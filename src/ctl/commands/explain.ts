/**
 * `calicoctl explain --from <ns/pod | hostendpoint | IP> --to <...>
 *   [--protocol TCP] [--port 80] [--src-port N] [--icmp-type T [--icmp-code C]] [-o json]`
 *
 * Why is this flow allowed or blocked? Loads every policy input from the
 * datastore, runs the calculation graph for all endpoints, and evaluates the
 * resulting dataplane model (what Felix would program) with the packet
 * simulator: the egress decision at the source and the ingress decision at
 * the destination, each with the deciding tier/policy/rule, the full trace,
 * and what every staged policy would have done. Beyond upstream calicoctl.
 */
import type { Command } from 'commander';
import { CalcGraph } from '../../calc/calc-graph.js';
import { applyMessages, emptyDesiredState, ipFamily, protocolNumber, type DesiredState } from '../../dataplane/model/index.js';
import { findEndpointsByIp, simulateFlow, type SimEndpoint, type SimPacket } from '../../dataplane/sim/index.js';
import type { CtlContext } from '../context.js';
import { addConfigFlag } from './common-flags.js';
import { loadExplainInputs } from './explain-load.js';
import { renderExplainJson, renderExplainText, type FlowEnd } from './explain-render.js';
import { CommandFailed } from './report.js';

interface ExplainOptions {
  from: string;
  to: string;
  protocol: string;
  port?: string;
  srcPort?: string;
  icmpType?: string;
  icmpCode?: string;
  output: string;
}

/** A resolved end of the flow: an endpoint with its addresses, or an outside address. */
interface Target {
  readonly ep: SimEndpoint | null;
  readonly name: string;
  readonly ips: readonly string[];
}

function addrOf(cidr: string): string {
  return cidr.includes('/') ? cidr.slice(0, cidr.indexOf('/')) : cidr;
}

function endpointTarget(ep: SimEndpoint): Target {
  if (ep.kind === 'workload') {
    const e = ep.endpoint;
    return { ep, name: `${e.id.namespace}/${e.id.name}`, ips: [...e.ipv4Nets, ...e.ipv6Nets].map(addrOf) };
  }
  return { ep, name: ep.endpoint.id.name, ips: [...ep.endpoint.expectedIpv4Addrs, ...ep.endpoint.expectedIpv6Addrs] };
}

/** Resolves `ns/pod`, a WorkloadEndpoint name, a HostEndpoint name (optionally `hep:`), or an IP. */
export function resolveTarget(state: DesiredState, text: string): Target {
  if (ipFamily(text) !== null && !text.includes('/')) {
    const eps = findEndpointsByIp(state, text);
    const ep = eps.find((e) => e.kind === 'workload') ?? eps[0];
    return ep ? { ...endpointTarget(ep), ips: [text] } : { ep: null, name: text, ips: [text] };
  }
  const hepName = text.startsWith('hep:') ? text.slice(4) : text.startsWith('hostendpoint/') ? text.slice(13) : text;
  const hep = state.hostEndpoints.get(hepName);
  if (hep && (!text.includes('/') || text.startsWith('hostendpoint/'))) return endpointTarget({ kind: 'host', endpoint: hep });
  const [ns, name] = text.includes('/') ? [text.slice(0, text.indexOf('/')), text.slice(text.indexOf('/') + 1)] : ['default', text];
  const matches = [...state.workloadEndpoints.values()].filter((e) => e.id.namespace === ns && (e.id.name === name || e.workload === name));
  if (matches.length === 0) {
    throw new CommandFailed(`no workload endpoint "${ns}/${name}" (pod or WorkloadEndpoint name) or host endpoint "${hepName}" found`);
  }
  // A pod with several interfaces: prefer eth0, then the first by name.
  matches.sort((a, b) => (a.endpoint === 'eth0' ? -1 : b.endpoint === 'eth0' ? 1 : a.id.name < b.id.name ? -1 : 1));
  return endpointTarget({ kind: 'workload', endpoint: matches[0]! });
}

function int(v: string | undefined, flag: string, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new CommandFailed(`invalid ${flag} "${v}": expected an integer 0-${max}`);
  return n;
}

/** Builds the desired state of every endpoint from the datastore (all-endpoints mode). */
export async function explainState(ctx: CtlContext): Promise<{ state: DesiredState; inputs: Awaited<ReturnType<typeof loadExplainInputs>> }> {
  const inputs = await loadExplainInputs(await ctx.datastore());
  const graph = new CalcGraph({ allEndpoints: true });
  graph.onUpdates(inputs.updates);
  return { state: applyMessages(emptyDesiredState(), graph.flush()), inputs };
}

export function registerExplainCommand(program: Command, ctx: CtlContext): void {
  const cmd = program.command('explain')
    .description('Explain why a flow is allowed or denied: the deciding tier, policy and rule at both ends, and what staged policies would do.')
    .requiredOption('--from <source>', 'Source: a workload as <namespace>/<pod>, a host endpoint name, or an IP address.')
    .requiredOption('--to <destination>', 'Destination: a workload as <namespace>/<pod>, a host endpoint name, or an IP address.')
    .option('--protocol <protocol>', 'TCP, UDP, SCTP, ICMP, ICMPv6, UDPLite or a number 0-255.', 'TCP')
    .option('--port <port>', 'Destination port (TCP, UDP, SCTP).')
    .option('--src-port <port>', 'Source port (default 40000 for TCP, UDP, SCTP).')
    .option('--icmp-type <type>', 'ICMP type (ICMP, ICMPv6).')
    .option('--icmp-code <code>', 'ICMP code (ICMP, ICMPv6).')
    .option('-o, --output <format>', 'Output format: table (readable report) or json.', 'table');
  addConfigFlag(cmd);
  cmd.action(async (opts: ExplainOptions) => {
    if (opts.output !== 'table' && opts.output !== 'json') throw new CommandFailed(`unrecognized output format "${opts.output}": use table or json`);
    const proto = protocolNumber(opts.protocol);
    if (proto === null) throw new CommandFailed(`unknown protocol "${opts.protocol}"`);
    const hasPorts = proto === 6 || proto === 17 || proto === 132;
    const dstPort = int(opts.port, '--port', 65535);
    if (hasPorts && dstPort === undefined) throw new CommandFailed(`--port is required for protocol ${opts.protocol}`);
    const srcPort = int(opts.srcPort, '--src-port', 65535) ?? (hasPorts ? 40000 : undefined);
    const icmpType = int(opts.icmpType, '--icmp-type', 255);
    const icmpCode = int(opts.icmpCode, '--icmp-code', 255);

    const { state, inputs } = await explainState(ctx);
    const from = resolveTarget(state, opts.from);
    const to = resolveTarget(state, opts.to);
    // Use one address family both ends have, IPv4 first.
    const fam = ([4, 6] as const).find((f) => from.ips.some((i) => ipFamily(i) === f) && to.ips.some((i) => ipFamily(i) === f));
    if (fam === undefined) throw new CommandFailed(`${from.name} and ${to.name} have no address family in common (addresses: ${from.ips.join(', ') || 'none'} / ${to.ips.join(', ') || 'none'})`);
    const srcIp = from.ips.find((i) => ipFamily(i) === fam)!;
    const dstIp = to.ips.find((i) => ipFamily(i) === fam)!;
    const packet: SimPacket = {
      srcIp, dstIp, protocol: proto,
      ...(hasPorts ? { srcPort, dstPort } : {}),
      ...(icmpType !== undefined ? { icmpType } : {}),
      ...(icmpCode !== undefined ? { icmpCode } : {}),
    };
    const result = simulateFlow(state, from.ep, to.ep, packet);
    const warnings = [...inputs.warnings];
    for (const t of [from, to]) {
      for (const p of t.ep?.endpoint.profileIds ?? []) {
        if (state.profiles.get(p)?.missing) warnings.push(`profile ${p} of ${t.name} does not exist: it denies everything (fail closed)`);
      }
    }
    const end = (t: Target, ip: string): FlowEnd => ({ kind: t.ep?.kind ?? 'external', name: t.name, ip });
    const report = {
      from: end(from, srcIp),
      to: end(to, dstIp),
      packet: {
        protocol: opts.protocol.toUpperCase(),
        ...(hasPorts ? { srcPort, dstPort } : {}),
        ...(icmpType !== undefined ? { icmpType } : {}),
        ...(icmpCode !== undefined ? { icmpCode } : {}),
      },
      result,
      warnings,
    };
    ctx.stdout(opts.output === 'json' ? renderExplainJson(report, inputs) : renderExplainText(report, inputs));
  });
}
