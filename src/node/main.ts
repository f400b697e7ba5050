/**
 * calico-node's command line (bin/calico-node):
 *
 *   calico-node [--controllers]   run the agent until SIGTERM/SIGINT
 *   calico-node -felix-live       exit 0 if the agent's /liveness answers 200 (probe)
 *   calico-node -felix-ready      exit 0 if the agent's /readiness answers 200 (probe)
 *
 * Configuration is environment only (FELIX_*, CALICO_NODENAME/NODENAME,
 * CALICO_DATAPLANE, DATASTORE_TYPE/ETCD_ENDPOINTS/CALICO_DATASTORE_PATH) plus
 * the datastore's FelixConfiguration. The controllers also run when
 * CALICO_RUN_CONTROLLERS=true. Exit codes: 0 clean stop, 1 bad configuration
 * or a fatal dataplane/calc failure, 2 usage.
 */
import { isCalicoError } from '../lib/errors.js';
import { Agent } from './agent.js';
import { loadAgentConfig } from './config.js';

const USAGE = 'usage: calico-node [--controllers] | -felix-live | -felix-ready\n';

function message(e: unknown): string {
  return isCalicoError(e) || e instanceof Error ? e.message : String(e);
}

async function probe(kind: 'liveness' | 'readiness', env: NodeJS.ProcessEnv): Promise<number> {
  try {
    const cfg = loadAgentConfig({ env });
    const host = cfg.healthHost === 'localhost' || cfg.healthHost === '' ? '127.0.0.1' : cfg.healthHost;
    const res = await fetch(`http://${host.includes(':') ? `[${host}]` : host}:${cfg.healthPort}/${kind}`, { signal: AbortSignal.timeout(5000) });
    if (res.status === 200) return 0;
    process.stderr.write(`calico-node: felix is not ${kind === 'liveness' ? 'live' : 'ready'}: ${(await res.text()).trim()}\n`);
    return 1;
  } catch (e) {
    process.stderr.write(`calico-node: felix ${kind} check failed: ${message(e)}\n`);
    return 1;
  }
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let controllers = /^true$/i.test(env['CALICO_RUN_CONTROLLERS'] ?? '');
  for (const a of argv) {
    if (a === '--controllers' || a === '-controllers') controllers = true;
    else if (a === '-felix-live' || a === '--felix-live') return probe('liveness', env);
    else if (a === '-felix-ready' || a === '--felix-ready') return probe('readiness', env);
    else if (a === '-h' || a === '--help') { process.stdout.write(USAGE); return 0; }
    else { process.stderr.write(`calico-node: unknown argument ${JSON.stringify(a)}\n${USAGE}`); return 2; }
  }

  let resolveExit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((r) => { resolveExit = r; });
  let agent: Agent;
  let stopping = false;
  const shutdown = (code: number): void => {
    if (stopping) return;
    stopping = true;
    agent.stop().then(() => resolveExit(code), (e: unknown) => {
      process.stderr.write(`calico-node: error while stopping: ${message(e)}\n`);
      resolveExit(code || 1);
    });
  };
  try {
    agent = await Agent.create({ env, runControllers: controllers, onFatal: () => shutdown(1) });
  } catch (e) {
    process.stderr.write(`calico-node: ${message(e)}\n`);
    return 1;
  }
  const onSignal = (): void => shutdown(0);
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // A signal during start (e.g. while waiting for the datastore) stops the agent at once.
  const started = agent.start().then(() => null, (e: unknown) => e);
  const first = await Promise.race([started, exited.then((code) => ({ code }))]);
  if (first !== null && !(typeof first === 'object' && 'code' in first)) {
    process.stderr.write(`calico-node: failed to start: ${message(first)}\n`);
    stopping = true;
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    return 1;
  }
  // The agent's own timers and the SQLite watch poller are unref'd; a daemon
  // must not exit just because health and metrics servers are off.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  const code = await exited;
  clearInterval(keepAlive);
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  return code;
}
