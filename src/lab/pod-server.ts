/**
 * The server inside every lab pod (`node dist/lab/pod-server.js NS/POD PORT...`):
 * on each port a TCP listener that answers `<ns>/<pod>\n` and closes, and a
 * UDP socket that echoes each datagram back prefixed with the pod's id, so the
 * prober can tell a real reply from nothing. Prints "ready" when every socket
 * listens. IPv6 sockets are best effort (the pod may have no IPv6).
 */
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:net';

const [podId = 'pod', ...portArgs] = process.argv.slice(2);
const ports = portArgs.map(Number).filter((p) => Number.isInteger(p) && p > 0 && p < 65536);

function tcp(port: number, host: string, ipv6Only: boolean): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const srv = createServer((sock) => {
      sock.on('error', () => undefined);
      sock.end(`${podId}\n`);
    });
    srv.once('error', () => resolve(undefined));
    srv.listen({ port, host, ipv6Only }, () => { srv.on('error', () => undefined); resolve(srv); });
  });
}

function udp(port: number, type: 'udp4' | 'udp6'): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const s = createSocket({ type, ipv6Only: type === 'udp6', reuseAddr: false });
    s.on('message', (msg, rinfo) => s.send(Buffer.concat([Buffer.from(`${podId} `), msg]), rinfo.port, rinfo.address));
    s.once('error', () => resolve(undefined));
    s.bind(port, type === 'udp4' ? '0.0.0.0' : '::', () => { s.on('error', () => undefined); resolve(s); });
  });
}

for (const p of ports) {
  if (!(await tcp(p, '0.0.0.0', false)) || !(await udp(p, 'udp4'))) {
    process.stderr.write(`pod-server ${podId}: cannot listen on port ${p}\n`);
    process.exit(1);
  }
  await tcp(p, '::', true);
  await udp(p, 'udp6');
}
process.stdout.write('ready\n');
const stop = (): void => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
