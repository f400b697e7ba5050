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
import { probeTcp, probeUdp } from '../../dist/lab/probe-connect.js';

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

const tcp = probeTcp;
const udp = probeUdp;

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
