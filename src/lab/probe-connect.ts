/**
 * One connection attempt each, as calico-lab's prober and the e2e probers make
 * them: TCP counts only on a completed handshake; UDP only when the server's
 * echo of our nonce comes back (resent every 200 ms until the timeout).
 */
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { isIPv6, Socket } from 'node:net';

/** Where to connect. */
export interface ProbeAddress {
  readonly ip: string;
  readonly port: number;
}

export function probeTcp(t: ProbeAddress, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    const done = (ok: boolean): void => { clearTimeout(timer); s.destroy(); resolve(ok); };
    const timer = setTimeout(() => done(false), timeoutMs);
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.connect({ host: t.ip, port: t.port });
  });
}

export function probeUdp(t: ProbeAddress, timeoutMs: number): Promise<boolean> {
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
