import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CalicoError } from '../../lib/errors.js';

export interface EtcdTlsOptions {
  /** Server certificate and key (PEM files). */
  readonly certFile: string;
  readonly keyFile: string;
  /** CA that signed the server cert; also trusted for client certs when clientCertAuth. */
  readonly caFile: string;
  /** Require client certificates signed by caFile. Default false. */
  readonly clientCertAuth?: boolean;
  /** Client cert/key the health check presents when clientCertAuth is on. */
  readonly clientCertFile?: string;
  readonly clientKeyFile?: string;
}

export interface StartEtcdOptions {
  /** Data directory; default a fresh temporary directory removed by stop(). */
  readonly dataDir?: string;
  readonly tls?: EtcdTlsOptions;
  /** Client port; default a free port. */
  readonly clientPort?: number;
  /**
   * Address the client port listens on; default 127.0.0.1. The lab may pass an
   * underlay address so nodes in other network namespaces can reach it.
   */
  readonly listenHost?: string;
  readonly peerPort?: number;
  /** Binary; default /usr/bin/etcd. */
  readonly etcdBinary?: string;
  /** More etcd flags, e.g. ['--experimental-watch-progress-notify-interval', '200ms']. */
  readonly extraArgs?: readonly string[];
  /** How long to wait for /health, ms. Default 20000. */
  readonly startTimeoutMs?: number;
}

export interface EtcdServer {
  readonly endpoints: string[];
  /** PID of the running etcd (changes on restart). */
  readonly pid: number;
  readonly dataDir: string;
  readonly clientPort: number;
  /** Terminates etcd (SIGTERM, then SIGKILL) and removes a temporary data dir. Idempotent. */
  stop(): Promise<void>;
  /**
   * Stops etcd, stays down for `downMs` (default 0), then starts it again on
   * the same ports and data dir; waits until healthy.
   */
  restart(downMs?: number): Promise<void>;
  /** SIGSTOP / SIGCONT: the server hangs without closing connections (a network partition, seen from clients). */
  pause(): void;
  resume(): void;
}

/**
 * Starts a single-member etcd 3.4 on 127.0.0.1 (peer port always there) for tests and the lab, and
 * waits until its /health endpoint answers. Only the process it started is
 * ever signalled, by PID.
 */
export async function startEtcd(opts: StartEtcdOptions = {}): Promise<EtcdServer> {
  const ownDir = opts.dataDir === undefined;
  const baseDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'calico-etcd-'));
  const dataDir = ownDir ? join(baseDir, 'data') : baseDir;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const clientPort = opts.clientPort ?? (await freePort());
  const peerPort = opts.peerPort ?? (await freePort());
  const scheme = opts.tls ? 'https' : 'http';
  const host = opts.listenHost ?? '127.0.0.1';
  const clientUrl = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const args = [
    '--name', 'calico-ts', '--data-dir', dataDir,
    '--listen-client-urls', clientUrl, '--advertise-client-urls', clientUrl,
    '--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl,
    '--initial-cluster', `calico-ts=${peerUrl}`, '--initial-cluster-state', 'new',
    '--logger', 'zap', '--log-level', 'warn',
  ];
  if (opts.tls) {
    args.push('--cert-file', opts.tls.certFile, '--key-file', opts.tls.keyFile, '--trusted-ca-file', opts.tls.caFile);
    if (opts.tls.clientCertAuth) args.push('--client-cert-auth');
  }
  if (opts.extraArgs) args.push(...opts.extraArgs);
  const bin = opts.etcdBinary ?? '/usr/bin/etcd';
  let child: ChildProcess | undefined;
  let log = '';
  let stopped = false;

  const launch = async (): Promise<void> => {
    log = '';
    const c = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: serverEnv() });
    child = c;
    const keep = (d: Buffer): void => { log = (log + d.toString()).slice(-4000); };
    c.stdout!.on('data', keep);
    c.stderr!.on('data', keep);
    const exited = new Promise<never>((_, reject) => {
      c.once('error', (e) => reject(new CalicoError('CALICO_ERR_DATASTORE', `cannot start ${bin}: ${e.message}`, { cause: e })));
      c.once('exit', (code, sig) => reject(new CalicoError('CALICO_ERR_DATASTORE', `etcd exited during start-up (${code ?? sig}): ${log.trim()}`)));
    });
    exited.catch(() => undefined);
    try {
      await Promise.race([waitHealthy(clientUrl, opts.tls, opts.startTimeoutMs ?? 20_000), exited]);
    } catch (e) {
      await terminate(c);
      throw e;
    }
  };

  await launch().catch((e: unknown) => {
    if (ownDir) rmSync(baseDir, { recursive: true, force: true });
    throw e;
  });

  return {
    endpoints: [clientUrl],
    get pid() { return child?.pid ?? -1; },
    dataDir,
    clientPort,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child) await terminate(child);
      if (ownDir) rmSync(baseDir, { recursive: true, force: true });
    },
    async restart(downMs = 0) {
      if (stopped) throw new CalicoError('CALICO_ERR_DATASTORE', 'etcd server was stopped');
      if (child) await terminate(child);
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      await launch();
    },
    pause() {
      if (child?.pid && child.exitCode === null) process.kill(child.pid, 'SIGSTOP');
    },
    resume() {
      if (child?.pid && child.exitCode === null) process.kill(child.pid, 'SIGCONT');
    },
  };
}

/**
 * etcd reads every ETCD_* variable as a flag, and calicoctl's own settings
 * (ETCD_CERT_FILE, ETCD_KEY_FILE, ...) share those names: keep them away from the server.
 */
function serverEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ETCD_')) env[k] = v;
  return env;
}

/** SIGCONT (in case it is paused), SIGTERM, then SIGKILL after 5 s; resolves when it has exited. */
async function terminate(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null || c.pid === undefined) return;
  const exited = new Promise<void>((r) => c.once('exit', () => r()));
  try {
    process.kill(c.pid, 'SIGCONT');
    c.kill('SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => c.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitHealthy(url: string, tls: EtcdTlsOptions | undefined, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < end) {
    try {
      const body = await get(`${url}/health`, tls);
      if (/"health"\s*:\s*"true"/.test(body)) return;
      last = body;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new CalicoError('CALICO_ERR_DATASTORE', `etcd at ${url} not healthy after ${timeoutMs} ms: ${last}`);
}

function get(url: string, tls: EtcdTlsOptions | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const opts = tls
      ? {
        ca: readFileSync(tls.caFile),
        ...(tls.clientCertFile ? { cert: readFileSync(tls.clientCertFile) } : {}),
        ...(tls.clientKeyFile ? { key: readFileSync(tls.clientKeyFile) } : {}),
        timeout: 1000,
      }
      : { timeout: 1000 };
    const req = (tls ? httpsRequest : httpRequest)(url, opts, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('health check timed out')));
    req.on('error', reject);
    req.end();
  });
}
