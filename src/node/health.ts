/**
 * HealthAggregator: Felix's health model (libcalico-go/lib/health). Each
 * component registers as a reporter of liveness and/or readiness, with an
 * optional timeout: a reporter that has not reported within its timeout
 * counts as unhealthy. The HTTP server answers GET/HEAD `/liveness` and
 * `/readiness` with 200 when every relevant reporter is healthy, else 503,
 * and a JSON body listing the reporters.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HealthReport {
  readonly live?: boolean;
  readonly ready?: boolean;
}

interface Reporter {
  readonly reportsLive: boolean;
  readonly reportsReady: boolean;
  readonly timeoutMs: number;
  latest: HealthReport;
  at: number;
}

export interface ReporterStatus {
  readonly name: string;
  readonly live: boolean | null;
  readonly ready: boolean | null;
  readonly timedOut: boolean;
}

export class HealthAggregator {
  private readonly reporters = new Map<string, Reporter>();

  constructor(private readonly now: () => number = Date.now) {}

  /** `timeoutMs` 0 = reports never go stale. Initial state: not live/ready until the first report. */
  registerReporter(name: string, opts: { live?: boolean; ready?: boolean; timeoutMs?: number }): void {
    this.reporters.set(name, { reportsLive: opts.live ?? false, reportsReady: opts.ready ?? false, timeoutMs: opts.timeoutMs ?? 0, latest: {}, at: this.now() });
  }

  report(name: string, r: HealthReport): void {
    const rep = this.reporters.get(name);
    if (!rep) return;
    rep.latest = r;
    rep.at = this.now();
  }

  statuses(): ReporterStatus[] {
    const t = this.now();
    return [...this.reporters].map(([name, r]) => {
      const timedOut = r.timeoutMs > 0 && t - r.at > r.timeoutMs;
      return {
        name,
        live: r.reportsLive ? !timedOut && r.latest.live === true : null,
        ready: r.reportsReady ? !timedOut && r.latest.ready === true : null,
        timedOut,
      };
    });
  }

  live(): boolean {
    return this.statuses().every((s) => s.live !== false);
  }

  ready(): boolean {
    return this.statuses().every((s) => s.ready !== false);
  }
}

export interface HealthServer {
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
}

/** Serves `/liveness` and `/readiness` on host:port (port 0 = any free port). */
export function serveHealth(agg: HealthAggregator, host: string, port: number): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if ((req.method !== 'GET' && req.method !== 'HEAD') || (path !== '/liveness' && path !== '/readiness')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const ok = path === '/liveness' ? agg.live() : agg.ready();
    const body = JSON.stringify({ [path === '/liveness' ? 'live' : 'ready']: ok, reporters: agg.statuses() });
    res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
    res.end(req.method === 'HEAD' ? undefined : `${body}\n`);
  });
  return listen(server, host, port);
}

export function listen(server: Server, host: string, port: number): Promise<HealthServer> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // Felix (Go) binds "localhost" to 127.0.0.1; Node may pick ::1 first, which probes of 127.0.0.1 would miss.
    server.listen(port, host === '' ? undefined : host === 'localhost' ? '127.0.0.1' : host, () => {
      server.off('error', reject);
      const addr = server.address() as AddressInfo;
      resolve({
        port: addr.port,
        host: addr.address,
        close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
      });
    });
  });
}
