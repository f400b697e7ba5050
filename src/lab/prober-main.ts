/**
 * The prober run inside one source pod's netns
 * (`ip netns exec <pod-netns> node dist/lab/prober-main.js`): reads
 * `{timeoutMs, targets: [{to, ip, port, protocol}]}` on stdin, tries every
 * target in parallel and prints `[{to, ip, port, protocol, connected}]`.
 * TCP counts as connected only when the handshake completes; UDP only when
 * the server's echo of our nonce comes back (datagrams are resent every
 * 200 ms until the timeout, so one lost packet does not decide).
 */
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { isIPv6, Socket } from 'node:net';

export interface ProbeTarget {
  readonly to: string;
  readonly ip: string;
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP';
}

export interface ProbeOutcome extends ProbeTarget {
  readonly connected: boolean;
}

function probeTcp(t: ProbeTarget, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    const done = (ok: boolean): void => { clearTimeout(timer); s.destroy(); resolve(ok); };
    const timer = setTimeout(() => done(false), timeoutMs);
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.connect({ host: t.ip, port: t.port });
  });
}

function probeUdp(t: ProbeTarget, timeoutMs: number): Promise<boolean> {
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
    s.on('message', (msg, rinfo) => {
      if (rinfo.port === t.port && msg.toString().endsWith(nonce)) done(true);
    });
    // ICMP port unreachable surfaces as ECONNREFUSED on a connected socket only; keep trying until the timeout.
    s.on('error', () => undefined);
    const send = (): void => s.send(nonce, t.port, t.ip, () => undefined);
    s.bind(0, () => { send(); resend = setInterval(send, 200); });
  });
}

async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const req = JSON.parse(Buffer.concat(chunks).toString()) as { timeoutMs: number; targets: ProbeTarget[] };
  const results = await Promise.all(req.targets.map(async (t): Promise<ProbeOutcome> => ({
    ...t,
    connected: await (t.protocol === 'UDP' ? probeUdp(t, req.timeoutMs) : probeTcp(t, req.timeoutMs)),
  })));
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

await main();
