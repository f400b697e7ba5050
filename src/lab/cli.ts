/**
 * calico-lab's command line (bin/calico-lab). See USAGE. Exit codes: 0 done,
 * 1 failed, 2 usage, 130/143 interrupted `up` (after cleaning up).
 */
import { CalicoError, isCalicoError } from '../lib/errors.js';
import { choice, intFlag, one, parseArgs, usage, type ParsedArgs } from './cli-args.js';
import { runDemo } from './demo.js';
import { teardownLab } from './lab-down.js';
import { applyFile, deleteFile, labelResource, type ChangeResult } from './lab-ops.js';
import { checkLabName, requireLab, type Dataplane, type DatastoreKind, type NetworkMode } from './lab-state.js';
import { labStatus, renderStatus } from './lab-status.js';
import { upLab } from './lab-up.js';
import { probeLab, renderMatrix, type ProbeProtocol } from './probe.js';
import { emptyTopology, loadTopology, MAX_NODES, type Topology } from './topology.js';

export const USAGE = `usage: calico-lab <command> [--name LAB] ...
  up [--topology FILE] [--nodes N] [--dataplane nftables|iptables] [--network static|vxlan|bgp]
     [--datastore sqlite|etcd] [--ipv6]          build the cluster (network static = FALLBACK routes)
  down                                           remove everything the lab created
  status [-o table|json]                         nodes (agent, in sync) and pods
  apply -f FILE [--wait=false] [--timeout-ms MS] create/update resources; wait until every node programmed them
  delete -f FILE [--wait=false]                  delete resources (a Pod: CNI DEL)
  label pod NS/NAME k=v k2- ... [--overwrite]    change a Pod's labels as Kubernetes would
  label namespace NAME k=v ... [--overwrite]     change a Namespace's labels
  probe --port P [--protocol TCP|UDP] [--from NS/POD]... [--to NS/POD]... [--timeout-ms MS] [--ipv6] [-o table|json]
  demo [--dataplane nftables|iptables]           the guided tour: 3 nodes, pods, policy, packets
The lab name defaults to $CALICO_LAB_NAME or "lab"; state lives in $CALICO_LAB_STATE_DIR (default /run/calico-lab).
`;

interface Io {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
}

const COMMON = { values: ['name'] } as const;

function labName(p: ParsedArgs, env: NodeJS.ProcessEnv): string {
  return checkLabName(one(p, 'name') ?? env['CALICO_LAB_NAME'] ?? 'lab');
}

function printChange(io: Io, r: ChangeResult, wait: boolean, nodes: number): void {
  for (const l of r.lines) io.out(`${l}\n`);
  if (wait && r.programmedMs !== undefined) io.out(`programmed on all ${nodes} nodes in ${r.programmedMs} ms\n`);
}

async function up(argv: readonly string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const p = parseArgs(argv, { values: [...COMMON.values, 'topology', 'nodes', 'dataplane', 'network', 'datastore', 'timeout-ms'], booleans: ['ipv6'] });
  if (p.positionals.length > 0) throw usage(`up: unexpected argument ${p.positionals[0]}`);
  const name = labName(p, env);
  const nodes = intFlag(p, 'nodes', 1, MAX_NODES);
  const file = one(p, 'topology');
  const topology: Topology = file ? loadTopology(file, nodes ?? 2) : emptyTopology(nodes ?? 2);
  const convergeTimeoutMs = intFlag(p, 'timeout-ms', 1000, 3_600_000);
  let aborted = false;
  let signals = 0;
  let lastSignal: NodeJS.Signals | undefined;
  // First signal: stop at the next step and tear down; a second one tears down right away.
  const handler = (sig: NodeJS.Signals): void => {
    aborted = true;
    lastSignal = sig;
    signals++;
    io.err(`calico-lab up: ${sig}: stopping and removing everything\n`);
    if (signals > 1) void teardownLab(name, env).finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  try {
    const state = await upLab({
      name, topology,
      dataplane: choice<Dataplane>(p, 'dataplane', ['nftables', 'iptables'], 'nftables'),
      network: choice<NetworkMode>(p, 'network', ['static', 'vxlan', 'bgp'], 'static'),
      datastore: choice<DatastoreKind>(p, 'datastore', ['sqlite', 'etcd'], 'sqlite'),
      ipv6: p.bools.get('ipv6') ?? false,
      env, log: (l) => io.out(`${l}\n`), aborted: () => aborted,
      ...(convergeTimeoutMs !== undefined ? { convergeTimeoutMs } : {}),
    });
    const summary = await labStatus(state);
    // A signal that came while `up` was finishing still means "do not leave this lab behind".
    if (aborted) throw new CalicoError('CALICO_ERR_USAGE', 'interrupted');
    io.out(`\n${renderStatus(summary)}`);
    io.out(`\nlab ${name} is up. Next: calico-lab probe --port 80 | calico-lab status | calico-lab down${name === 'lab' ? '' : ` --name ${name}`}\n`);
    return 0;
  } catch (e) {
    if (aborted) {
      await teardownLab(name, env);
      return lastSignal === 'SIGINT' ? 130 : 143;
    }
    throw e;
  } finally {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  }
}

async function changeCommand(cmd: 'apply' | 'delete', argv: readonly string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const p = parseArgs(argv, { values: [...COMMON.values, 'filename', 'timeout-ms'], booleans: ['wait'], aliases: { f: 'filename' } });
  const file = one(p, 'filename');
  if (!file) throw usage(`${cmd}: -f FILE is required`);
  const state = requireLab(labName(p, env), env);
  const wait = p.bools.get('wait') ?? true;
  const timeoutMs = intFlag(p, 'timeout-ms', 100, 3_600_000);
  const opts = { wait, log: (l: string) => io.err(`${l}\n`), ...(timeoutMs !== undefined ? { timeoutMs } : {}) };
  const r = cmd === 'apply' ? await applyFile(state, file, opts) : await deleteFile(state, file, opts);
  printChange(io, r, wait, state.nodes.length);
  return 0;
}

async function label(argv: readonly string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const p = parseArgs(argv, { values: [...COMMON.values, 'timeout-ms'], booleans: ['overwrite', 'wait'] });
  const [kindRaw, target, ...changes] = p.positionals;
  const kind = kindRaw === 'pod' || kindRaw === 'pods' || kindRaw === 'po' ? 'pod'
    : kindRaw === 'namespace' || kindRaw === 'namespaces' || kindRaw === 'ns' ? 'namespace' : undefined;
  if (!kind || !target) throw usage('label: usage: label pod NS/NAME k=v ... | label namespace NAME k=v ...');
  const state = requireLab(labName(p, env), env);
  const wait = p.bools.get('wait') ?? true;
  const timeoutMs = intFlag(p, 'timeout-ms', 100, 3_600_000);
  const r = await labelResource(state, kind, target, changes, p.bools.get('overwrite') ?? false,
    { wait, log: (l) => io.err(`${l}\n`), ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
  printChange(io, r, wait, state.nodes.length);
  return 0;
}

async function probe(argv: readonly string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const p = parseArgs(argv, {
    values: [...COMMON.values, 'port', 'protocol', 'from', 'to', 'timeout-ms', 'output'],
    repeatable: ['from', 'to'], booleans: ['ipv6'], aliases: { o: 'output' },
  });
  const port = intFlag(p, 'port', 1, 65535);
  if (port === undefined) throw usage('probe: --port is required');
  const protocolFlag = one(p, 'protocol');
  if (protocolFlag !== undefined) p.flags.set('protocol', [protocolFlag.toUpperCase()]);
  const protocol = choice<ProbeProtocol>(p, 'protocol', ['TCP', 'UDP'], 'TCP');
  const output = choice(p, 'output', ['table', 'json'], 'table');
  const state = requireLab(labName(p, env), env);
  const timeoutMs = intFlag(p, 'timeout-ms', 10, 600_000);
  const split = (v: string[] | undefined): string[] | undefined => v?.flatMap((x) => x.split(',')).filter((x) => x !== '');
  const results = await probeLab(state, {
    port, protocol, ipv6: p.bools.get('ipv6') ?? false,
    ...(split(p.flags.get('from')) ? { from: split(p.flags.get('from'))! } : {}),
    ...(split(p.flags.get('to')) ? { to: split(p.flags.get('to'))! } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  });
  if (output === 'json') io.out(`${JSON.stringify({ results: results.map(({ from, to, port: pt, protocol: pr, connected }) => ({ from, to, port: pt, protocol: pr, connected })) }, null, 2)}\n`);
  else io.out(renderMatrix(results));
  return 0;
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, io: Io = {
  out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s),
}): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'up': return await up(rest, env, io);
      case 'down': {
        const p = parseArgs(rest, COMMON);
        const name = labName(p, env);
        const r = await teardownLab(name, env);
        io.out(`lab ${name} removed: ${r.netns} network namespaces, ${r.processes} processes, state dir ${r.stateDirRemoved ? 'removed' : 'NOT removed'}\n`);
        return r.stateDirRemoved ? 0 : 1;
      }
      case 'status': {
        const p = parseArgs(rest, { values: [...COMMON.values, 'output'], aliases: { o: 'output' } });
        const output = choice(p, 'output', ['table', 'json'], 'table');
        const s = await labStatus(requireLab(labName(p, env), env));
        io.out(output === 'json' ? `${JSON.stringify(s, null, 2)}\n` : renderStatus(s));
        return 0;
      }
      case 'apply': case 'delete': return await changeCommand(cmd, rest, env, io);
      case 'label': return await label(rest, env, io);
      case 'probe': return await probe(rest, env, io);
      case 'demo': return await runDemo(rest, env, io);
      case undefined: case 'help': case '-h': case '--help':
        io.out(USAGE);
        return cmd === undefined ? 2 : 0;
      default:
        throw usage(`unknown command ${JSON.stringify(cmd)}`);
    }
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    io.err(`calico-lab ${cmd ?? ''}: ${msg}\n`);
    if (isCalicoError(e, 'CALICO_ERR_USAGE') && !/interrupted/.test(msg)) { io.err(USAGE); return 2; }
    return 1;
  }
}
