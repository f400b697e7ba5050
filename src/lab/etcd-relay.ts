/**
 * Run inside a node netns when the lab uses etcd
 * (`node dist/lab/etcd-relay.js PORT SOCKET`): listens on 127.0.0.1:PORT
 * there and relays each connection to etcd's unix socket in the lab's state
 * dir. Unix sockets are reachable from every netns (they live in the file
 * system), so the node's agent and CNI plugin reach the one etcd of the lab
 * at http://127.0.0.1:PORT without a route into the machine's own netns.
 */
import { connect, createServer } from 'node:net';

const [portArg, socketPath] = process.argv.slice(2);
const port = Number(portArg);
if (!Number.isInteger(port) || !socketPath) {
  process.stderr.write('usage: etcd-relay.js PORT SOCKET\n');
  process.exit(2);
}
const server = createServer((client) => {
  const upstream = connect(socketPath);
  client.pipe(upstream).pipe(client);
  const close = (): void => { client.destroy(); upstream.destroy(); };
  client.on('error', close);
  upstream.on('error', close);
  client.on('close', close);
  upstream.on('close', close);
});
server.listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
const stop = (): void => { server.close(); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
