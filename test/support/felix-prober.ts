/**
 * A long-lived prober for the felix-* e2e tests, started once per source netns
 * (`ip netns exec <ns> node felix-prober.js`) so a round of checks costs no
 * process start-up. Reads one JSON request per line on stdin,
 * `{id, timeoutMs, targets: [{ip, port, protocol}]}`, tries every target in
 * parallel and writes `{id, connected: boolean[]}` on stdout.
 *   TCP:  connected when the handshake completes.
 *   UDP:  connected when the pod-server's echo of our nonce comes back
 *         (resent every 100 ms until the timeout).
 *   ICMP: one echo request with busybox ping (v4 or v6 by address).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { isIPv6, Socket } from 'node:net';
import { createInterface } from 'node:readline';

export interface ProberTarget {
  readonly ip: string;
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP' | 'ICMP';
}

export interface ProberRequest {
  readonly id: number;
  readonly timeoutMs: number;
  readonly targets: readonly ProberTarget[];
}

export interface ProberResponse {
  readonly id: number;
  readonly connected: boolean[];
}

function tcp(t: ProberTarget, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    const done = (ok: boolean): void => { clearTimeout(timer); s.destroy(); resolve(ok); };
    const timer = setTimeout(() => done(false), timeoutMs);
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.connect({ host: t.ip, port: t.port });
  });
}

function udp(t: ProberTarget, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket(isIPv6(t.ip) ? 'udp6' : 'udp4');
    const nonce = randomBytes(8).toString('hex');
    let resend: NodeJS.Timeout | undefined;
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      clearInterval(resend);
      try { s.close(); } catch { /* closed */ }
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    s.on('message', (msg, rinfo) => { if (rinfo.port === t.port && msg.toString().endsWith(nonce)) done(true); });
    s.on('error', () => undefined);
    const send = (): void => s.send(nonce, t.port, t.ip, () => undefined);
    s.bind(0, () => { send(); resend = setInterval(send, 100); });
  });
}

function icmp(t: ProberTarget, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const wait = String(Math.max(1, Math.ceil(timeoutMs / 1000)));
    const child = spawn('busybox', ['ping', ...(isIPv6(t.ip) ? ['-6'] : []), '-c', '1', '-W', wait, t.ip], { stdio: 'ignore' });
    child.on('exit', (code) => resolve(code === 0));
    child.on('error', () => resolve(false));
  });
}

const probe = (t: ProberTarget, timeoutMs: number): Promise<boolean> =>
  t.protocol === 'TCP' ? tcp(t, timeoutMs) : t.protocol === 'UDP' ? udp(t, timeoutMs) : icmp(t, timeoutMs);

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === '') return;
  const req = JSON.parse(line) as ProberRequest;
  void Promise.all(req.targets.map((t) => probe(t, req.timeoutMs))).then((connected) => {
    const res: ProberResponse = { id: req.id, connected };
    process.stdout.write(JSON.stringify(res) + '\n');
  });
});
process.stdin.on('end', () => process.exit(0));
