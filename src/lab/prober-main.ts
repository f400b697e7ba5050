/**
 * The prober run inside one source pod's netns
 * (`ip netns exec <pod-netns> node dist/lab/prober-main.js`): reads
 * `{timeoutMs, targets: [{to, ip, port, protocol}]}` on stdin, tries every
 * target in parallel and prints `[{to, ip, port, protocol, connected}]`.
 * TCP counts as connected only when the handshake completes; UDP only when
 * the server's echo of our nonce comes back (datagrams are resent every
 * 200 ms until the timeout, so one lost packet does not decide).
 */
import { probeTcp, probeUdp } from './probe-connect.js';

export interface ProbeTarget {
  readonly to: string;
  readonly ip: string;
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP';
}

export interface ProbeOutcome extends ProbeTarget {
  readonly connected: boolean;
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
