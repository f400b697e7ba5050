/**
 * End-to-end: the nftables and iptables policy dataplanes on real packets.
 *
 * Topology (all namespaces per-run prefixed, removed in after()):
 *   node  -- the host; the dataplane runs here (`netns` option)
 *   a, b  -- pods of namespace ns1 (10.65.0.1, 10.65.0.2), c -- pod of ns2 (10.65.1.3),
 *            each a veth `cali<x>` in node <-> eth0 in the pod, routed Calico style
 *            (pod default route via 169.254.1.1; proxy ARP on the host side and forwarding
 *            are the dataplane's own sysctls)
 *   ext   -- an outside machine on node's eth1 (10.99.0.1 <-> 10.99.0.2): a host endpoint
 * Every namespace runs a small probe agent (TCP/UDP servers and a client).
 * The model is produced by the real CalcGraph from resources. Both drivers run
 * against the same namespaces, one after the other: the second start also
 * proves the switch-over removes the first driver's state.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { createInterface } from 'node:readline';
import { CalcGraph } from '../../dist/calc/calc-graph.js';
import * as fx from '../../dist/calc/fixtures.js';
import type { CalcUpdate } from '../../dist/calc/updates.js';
import { createIntDataplane, type IntDataplane } from '../../dist/dataplane/int-dataplane.js';
import { exec, execChecked } from '../../dist/lib/exec.js';
import { NetnsScope, canUseNetns } from '../support/netns.js';

const AGENT = `
const net = require('node:net'); const dgram = require('node:dgram'); const rl = require('node:readline');
const [tcpPorts, udpPorts] = process.argv.slice(1).map((s) => s ? s.split(',').map(Number) : []);
for (const p of tcpPorts) net.createServer((s) => { s.write('hello ' + p + ' ' + String(s.remoteAddress).replace(/^::ffff:/, '') + '\\n'); s.on('data', (d) => s.write(d)); s.on('error', () => {}); }).listen(p, '::');
for (const p of udpPorts) { const u = dgram.createSocket('udp4'); u.on('message', (m, r) => u.send('pong', r.port, r.address)); u.bind(p, '0.0.0.0'); }
const held = new Map();
const out = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
rl.createInterface({ input: process.stdin }).on('line', (line) => {
  const c = JSON.parse(line); const t = c.timeoutMs || 700;
  if (c.op === 'tcp' || c.op === 'hold') {
    const s = net.connect({ host: c.host, port: c.port }); let done = false;
    const fin = (ok, text) => { if (done) return; done = true; clearTimeout(tm); if (c.op === 'hold' && ok) held.set(c.id, s); else s.destroy(); out({ id: c.id, ok, text }); };
    const tm = setTimeout(() => fin(false), t);
    s.once('data', (d) => fin(String(d).startsWith('hello'), String(d).trim())); s.on('error', () => fin(false));
  } else if (c.op === 'send') {
    const s = held.get(c.handle); if (!s) { out({ id: c.id, ok: false }); return; }
    let done = false; const fin = (ok) => { if (done) return; done = true; clearTimeout(tm); s.removeListener('data', on); out({ id: c.id, ok }); };
    const on = (d) => { if (String(d).includes('ping')) fin(true); }; const tm = setTimeout(() => fin(false), t);
    s.on('data', on); s.write('ping');
  } else if (c.op === 'udp') {
    const u = dgram.createSocket('udp4'); let done = false;
    const fin = (ok) => { if (done) return; done = true; clearTimeout(tm); u.close(); out({ id: c.id, ok }); };
    const tm = setTimeout(() => fin(false), t);
    u.on('message', (m) => fin(String(m) === 'pong')); u.on('error', () => fin(false)); u.send('ping', c.port, c.host);
  }
});
setTimeout(() => out({ ready: true }), 200);
`;

class Agent {
  private seq = 0;
  private readonly waiting = new Map<number, (ok: boolean, text?: string) => void>();
  readonly ready: Promise<void>;
  constructor(readonly proc: ChildProcessByStdio<Writable, Readable, null>) {
    let onReady: () => void = () => {};
    this.ready = new Promise((res) => { onReady = res; });
    createInterface({ input: proc.stdout }).on('line', (l) => {
      const m = JSON.parse(l) as { ready?: boolean; id?: number; ok?: boolean; text?: string };
      if (m.ready) { onReady(); return; }
      this.waiting.get(m.id!)?.(m.ok === true, m.text);
      this.waiting.delete(m.id!);
    });
  }
  private cmd(c: Record<string, unknown>): Promise<boolean> {
    const id = ++this.seq;
    return new Promise((res) => {
      this.waiting.set(id, res);
      this.proc.stdin.write(`${JSON.stringify({ ...c, id })}\n`);
    });
  }
  tcp(host: string, port: number): Promise<boolean> { return this.cmd({ op: 'tcp', host, port }); }
  /** The source address the server saw, or null when the connection failed. */
  tcpSource(host: string, port: number): Promise<string | null> {
    const id = ++this.seq;
    return new Promise((res) => {
      this.waiting.set(id, (ok, text) => res(ok && text ? text.split(' ')[2] ?? null : null));
      this.proc.stdin.write(`${JSON.stringify({ op: 'tcp', host, port, id })}\n`);
    });
  }
  udp(host: string, port: number): Promise<boolean> { return this.cmd({ op: 'udp', host, port }); }
  /** Opens a connection kept open; resolves to a handle (0 when it failed). */
  async hold(host: string, port: number): Promise<number> {
    const id = this.seq + 1;
    return (await this.cmd({ op: 'hold', host, port })) ? id : 0;
  }
  send(handle: number): Promise<boolean> { return this.cmd({ op: 'send', handle }); }
}

const IP = { a: '10.65.0.1', b: '10.65.0.2', c: '10.65.1.3', node: '10.99.0.1', ext: '10.99.0.2' };
const IP6 = { a: 'fd65::1', b: 'fd65::2', c: 'fd65:1::3' };
const TCP_PORTS = [22, 8080, 9090];
const UDP_PORTS = [5353];

const skip = !(await canUseNetns());

describe('dataplane e2e (nftables and iptables on real packets)', { skip, timeout: 600_000 }, () => {
  const scope = new NetnsScope('dp');
  const ns: Record<string, string> = {};
  const agents: Record<string, Agent> = {};

  before(async () => {
    for (const n of ['node', 'a', 'b', 'c', 'ext']) ns[n] = await scope.netns(n);
    const node = ns['node']!;
    for (const p of ['a', 'b', 'c'] as const) {
      const host = `cali${p}`;
      await execChecked('ip', ['link', 'add', host, 'netns', node, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns[p]!]);
      await execChecked('ip', ['-n', node, 'link', 'set', host, 'up']);
      await execChecked('ip', ['-n', ns[p]!, 'addr', 'add', `${IP[p]}/32`, 'dev', 'eth0']);
      await execChecked('ip', ['-n', ns[p]!, 'link', 'set', 'eth0', 'up']);
      await execChecked('ip', ['-n', ns[p]!, 'route', 'add', '169.254.1.1', 'dev', 'eth0', 'scope', 'link']);
      await execChecked('ip', ['-n', ns[p]!, 'route', 'add', 'default', 'via', '169.254.1.1', 'dev', 'eth0']);
      await execChecked('ip', ['-n', node, 'route', 'add', `${IP[p]}/32`, 'dev', host]);
      // IPv6 Calico style: the pod routes via the host side's link-local address.
      await execChecked('ip', ['-n', node, '-6', 'addr', 'add', 'fe80::1/64', 'dev', host, 'nodad']);
      await execChecked('ip', ['-n', ns[p]!, '-6', 'addr', 'add', `${IP6[p]}/128`, 'dev', 'eth0', 'nodad']);
      await execChecked('ip', ['-n', ns[p]!, '-6', 'route', 'add', 'default', 'via', 'fe80::1', 'dev', 'eth0']);
      await execChecked('ip', ['-n', node, '-6', 'route', 'add', `${IP6[p]}/128`, 'dev', host]);
    }
    await execChecked('ip', ['link', 'add', 'eth1', 'netns', node, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns['ext']!]);
    await execChecked('ip', ['-n', node, 'addr', 'add', `${IP.node}/24`, 'dev', 'eth1']);
    await execChecked('ip', ['-n', node, 'link', 'set', 'eth1', 'up']);
    await execChecked('ip', ['-n', ns['ext']!, 'addr', 'add', `${IP.ext}/24`, 'dev', 'eth0']);
    await execChecked('ip', ['-n', ns['ext']!, 'link', 'set', 'eth0', 'up']);
    // ext is the node's upstream router; proxy ARP for 169.254.1.1 needs the node to have a route for it.
    await execChecked('ip', ['-n', node, 'route', 'add', 'default', 'via', IP.ext]);
    await execChecked('ip', ['-n', ns['ext']!, 'route', 'add', '10.65.0.0/16', 'via', IP.node]);
    // Objects of another owner: they must survive everything below.
    await execChecked('ip', ['netns', 'exec', node, 'nft', 'add table ip foreign; add chain ip foreign c; add rule ip foreign c counter accept']);
    await execChecked('ip', ['netns', 'exec', node, 'iptables-legacy', '-N', 'FOREIGN']);
    await execChecked('ip', ['netns', 'exec', node, 'iptables-legacy', '-A', 'FORWARD', '-j', 'FOREIGN']);
    for (const n of ['node', 'a', 'b', 'c', 'ext']) {
      const proc = spawn('ip', ['netns', 'exec', ns[n]!, process.execPath, '-e', AGENT, TCP_PORTS.join(','), UDP_PORTS.join(',')], { stdio: ['pipe', 'pipe', 'inherit'] });
      scope.track(proc.pid);
      agents[n] = new Agent(proc);
    }
    await Promise.all(Object.values(agents).map((a) => a.ready));
  });

  after(async () => {
    for (const a of Object.values(agents)) a.proc.stdin.end();
    await scope.cleanup();
  });

  // nftables, then both iptables backends, then nftables again: each start is a switch-over.
  const variants = [
    { driver: 'nftables', backend: undefined },
    { driver: 'iptables', backend: 'legacy' },
    { driver: 'iptables', backend: 'nft' },
    { driver: 'nftables', backend: undefined },
  ] as const;
  for (const [vi, { driver, backend }] of variants.entries()) {
    describe(`${driver}${backend ? ` (${backend} backend)` : ''}${vi === 3 ? ' after iptables' : ''}`, () => {
      let dp: IntDataplane;
      let graph: CalcGraph;
      const history: CalcUpdate[] = [];
      const feed = async (...updates: CalcUpdate[]): Promise<void> => {
        history.push(...updates);
        graph.onUpdates(updates);
        dp.onMessages(graph.flush());
        await dp.apply();
      };
      const node = (): string => ns['node']!;
      const create = (): IntDataplane => createIntDataplane({
        driver, hostname: 'node1', netns: node(), natOutgoingPools: [{ cidr: '10.65.0.0/16', natOutgoing: true }],
        ...(backend ? { iptablesBackend: backend } : {}),
      });
      const a = (): Agent => agents['a']!;

      before(async () => {
        graph = new CalcGraph({ hostname: 'node1' });
        dp = create();
        history.push(
          fx.felixConfig('default', {
            defaultEndpointToHostAction: 'Accept',
            failsafeInboundHostPorts: [{ protocol: 'TCP', port: 22 }],
            failsafeOutboundHostPorts: [{ protocol: 'UDP', port: 53 }],
          }),
          fx.namespaceProfile('ns1', { team: 'a' }),
          fx.namespaceProfile('ns2', { team: 'b' }),
          fx.wep('ns1', 'a', { ipNetworks: [`${IP.a}/32`, `${IP6.a}/128`] }, { app: 'a' }),
          fx.wep('ns1', 'b', { ipNetworks: [`${IP.b}/32`, `${IP6.b}/128`], ports: [{ name: 'http', protocol: 'TCP', port: 8080 }] }, { app: 'b' }),
          fx.wep('ns2', 'c', { ipNetworks: [`${IP.c}/32`, `${IP6.c}/128`] }, { app: 'c' }),
        );
        graph.onUpdates(history);
        dp.onMessages(graph.flush());
        await dp.apply();
      });

      after(async () => {
        await dp?.stop();
      });

      it('starts from a clean switch-over: the other driver\'s state is gone, foreign tables kept', async () => {
        const tables = (await exec('ip', ['netns', 'exec', node(), 'nft', 'list', 'tables'])).stdout;
        assert.match(tables, /table ip foreign/);
        const legacy = (await exec('ip', ['netns', 'exec', node(), 'iptables-legacy-save'])).stdout;
        const nftSave = (await exec('ip', ['netns', 'exec', node(), 'iptables-nft-save'])).stdout;
        assert.match(legacy, /-A FORWARD -j FOREIGN/, 'foreign iptables rule kept');
        if (driver === 'nftables') {
          assert.match(tables, /table ip calico/);
          assert.doesNotMatch(legacy + nftSave, /cali-/);
        } else {
          assert.doesNotMatch(tables, /table ip6? calico/);
          assert.match(backend === 'legacy' ? legacy : nftSave, /cali-FORWARD/);
          assert.doesNotMatch(backend === 'legacy' ? nftSave : legacy, /cali-/, 'the other backend\'s chains are gone');
        }
      });

      it('profiles allow everything when no policy applies (TCP and UDP)', async () => {
        assert.equal(await a().tcp(IP.b, 8080), true);
        assert.equal(await a().udp(IP.b, 5353), true);
        assert.equal(await agents['c']!.tcp(IP.a, 9090), true);
        assert.equal(await a().tcp(IP6.b, 8080), true, 'IPv6');
      });

      it('ingress policy with a named port and a namespace selector', async () => {
        await feed(fx.np('ns1', 'b-ingress', {
          selector: "app == 'b'",
          types: ['Ingress'],
          ingress: [
            { action: 'Allow', protocol: 'TCP', source: { selector: "app == 'a'" }, destination: { ports: ['http'] } },
            { action: 'Allow', protocol: 'UDP', source: { namespaceSelector: "team == 'b'" }, destination: { ports: [5353] } },
          ],
        }));
        assert.equal(await a().tcp(IP.b, 8080), true, 'a -> b:http allowed');
        assert.equal(await a().tcp(IP.b, 9090), false, 'a -> b:9090 not allowed');
        assert.equal(await a().udp(IP.b, 5353), false, 'a is not in a team=b namespace');
        assert.equal(await agents['c']!.udp(IP.b, 5353), true, 'c is in ns2 (team=b)');
        assert.equal(await agents['c']!.tcp(IP.b, 8080), false, 'c is not app=a');
        assert.equal(await a().tcp(IP6.b, 8080), true, 'IPv6: selector and named-port sets hold IPv6 members too');
        assert.equal(await a().tcp(IP6.b, 9090), false, 'IPv6 9090 not allowed');
        assert.equal(await agents['c']!.tcp(IP6.b, 8080), false, 'IPv6 c is not app=a');
      });

      it('egress policy with nets and notNets', async () => {
        await feed(fx.np('ns1', 'a-egress', {
          selector: "app == 'a'",
          types: ['Egress'],
          egress: [
            { action: 'Deny', protocol: 'TCP', destination: { nets: ['10.65.0.0/24'], notNets: ['10.65.0.2/32'], ports: [9090] } },
            { action: 'Allow', destination: { notNets: ['10.65.1.0/24'] } },
          ],
        }));
        assert.equal(await a().tcp(IP.b, 8080), true, 'b is outside 10.65.1.0/24');
        assert.equal(await a().tcp(IP.c, 8080), false, 'c is in the notNets of the only Allow');
        assert.equal(await a().udp(IP.c, 5353), false);
      });

      it('tiers: Pass goes to the next tier, Deny before Allow by order', async () => {
        await feed(
          fx.tier('security', { order: 100 }),
          fx.gnp('security.pass-a', { tier: 'security', order: 10, selector: "app == 'b'", types: ['Ingress'], ingress: [{ action: 'Pass', source: { selector: "app == 'a'" } }] }),
          fx.gnp('security.deny-c', { tier: 'security', order: 20, selector: "app == 'b'", types: ['Ingress'], ingress: [{ action: 'Deny', protocol: 'UDP', source: { selector: "app == 'c'" } }] }),
          fx.gnp('security.allow-c', { tier: 'security', order: 30, selector: "app == 'b'", types: ['Ingress'], ingress: [{ action: 'Allow', protocol: 'UDP', source: { selector: "app == 'c'" } }] }),
        );
        assert.equal(await a().tcp(IP.b, 8080), true, 'passed to the default tier, which allows http');
        assert.equal(await a().tcp(IP.b, 9090), false, 'passed, then the default tier ends in deny');
        assert.equal(await agents['c']!.udp(IP.b, 5353), false, 'deny (order 20) before allow (order 30)');
        await feed(fx.gnp('security.deny-c', { tier: 'security', order: 40, selector: "app == 'b'", types: ['Ingress'], ingress: [{ action: 'Deny', protocol: 'UDP', source: { selector: "app == 'c'" } }] }));
        assert.equal(await agents['c']!.udp(IP.b, 5353), true, 'allow now comes first');
        assert.equal(await agents['c']!.tcp(IP.b, 8080), false, 'nothing in security decides: end-of-tier deny');
      });

      it('Log continues to the next rule, and the rule is in the kernel with Calico\'s prefix', async () => {
        await feed(fx.np('ns1', 'b-ingress', {
          selector: "app == 'b'",
          types: ['Ingress'],
          ingress: [
            { action: 'Log', protocol: 'TCP' },
            { action: 'Allow', protocol: 'TCP', source: { selector: "app == 'a'" }, destination: { ports: ['http'] } },
            { action: 'Allow', protocol: 'UDP', source: { namespaceSelector: "team == 'b'" }, destination: { ports: [5353] } },
          ],
        }));
        assert.equal(await a().tcp(IP.b, 8080), true);
        const dump = driver === 'nftables'
          ? (await exec('ip', ['netns', 'exec', node(), 'nft', 'list', 'table', 'ip', 'calico'])).stdout
          : (await exec('ip', ['netns', 'exec', node(), `iptables-${backend ?? 'legacy'}-save`])).stdout;
        assert.match(dump, /calico-packet/);
      });

      it('a policy change applies to new connections; an established allowed one keeps working', async () => {
        const h = await a().hold(IP.b, 8080);
        assert.ok(h > 0, 'connection opened while allowed');
        await feed(fx.np('ns1', 'b-ingress', { selector: "app == 'b'", types: ['Ingress'], ingress: [{ action: 'Deny' }] }));
        assert.equal(await a().tcp(IP.b, 8080), false, 'new connection denied');
        assert.equal(await a().send(h), true, 'established connection still works');
      });

      it('host endpoint: failsafe port open, other ports denied until a policy allows them', async () => {
        const ext = agents['ext']!;
        assert.equal(await ext.tcp(IP.node, 8080), true, 'no host endpoint yet');
        // Half the variants name the interface, the others only its address (resolved through `ip -j addr`).
        await feed(fx.hep('node1-eth1', { node: 'node1', ...(vi % 2 === 0 ? { interfaceName: 'eth1' } : {}), expectedIPs: [IP.node] }, { role: 'edge' }));
        assert.equal(await ext.tcp(IP.node, 22), true, 'failsafe inbound tcp:22');
        assert.equal(await ext.tcp(IP.node, 8080), false, 'host endpoint without policy: deny');
        await feed(fx.gnp('default.edge', { selector: "role == 'edge'", types: ['Ingress'], ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: [8080] } }] }));
        assert.equal(await ext.tcp(IP.node, 8080), true, 'allowed by host endpoint policy');
        assert.equal(await ext.tcp(IP.node, 9090), false);
      });

      it('natOutgoing: pod traffic leaving the IP pools is masqueraded, pod to pod is not', async () => {
        assert.equal(await a().tcpSource(IP.ext, 8080), IP.node);
        assert.equal(await agents['b']!.tcpSource(IP.a, 8080), IP.b);
      });

      it('host endpoint applyOnForward, preDNAT and doNotTrack policies', async () => {
        const ext = agents['ext']!;
        assert.equal(await ext.tcp(IP.a, 8080), true, 'forwarded through a host endpoint without forward policy: allowed');
        const edge = { selector: "role == 'edge'", types: ['Ingress' as const] };
        const deny8080 = [{ action: 'Deny' as const, protocol: 'TCP' as const, destination: { ports: [8080] } }];
        await feed(fx.gnp('default.fwd', { ...edge, applyOnForward: true, ingress: [{ action: 'Deny', protocol: 'TCP', destination: { nets: [`${IP.a}/32`], ports: [8080] } }] }));
        assert.equal(await ext.tcp(IP.a, 8080), false, 'applyOnForward policy denies forwarded traffic');
        assert.equal(await ext.tcp(IP.node, 8080), true, 'to the host itself still allowed by default.edge');
        await feed(fx.delGnp('default.fwd'), fx.gnp('default.prednat', { ...edge, preDNAT: true, applyOnForward: true, ingress: deny8080 }));
        assert.equal(await ext.tcp(IP.a, 8080), false, 'preDNAT applies to forwarded traffic too');
        assert.equal(await ext.tcp(IP.a, 9090), true);
        assert.equal(await ext.tcp(IP.node, 8080), false, 'preDNAT deny before the filter allow');
        assert.equal(await ext.tcp(IP.node, 22), true, 'failsafe before preDNAT policy');
        await feed(fx.delGnp('default.prednat'), fx.gnp('default.untracked', { ...edge, doNotTrack: true, applyOnForward: true, ingress: deny8080 }));
        assert.equal(await ext.tcp(IP.node, 8080), false, 'doNotTrack deny in the raw hook');
        assert.equal(await ext.tcp(IP.node, 22), true, 'failsafe before doNotTrack policy');
        await feed(fx.delGnp('default.untracked'));
        assert.equal(await ext.tcp(IP.node, 8080), true);
      });

      it('tampering (a rule and a set element deleted by hand) is repaired at resync', async () => {
        await feed(fx.np('ns1', 'b-ingress', {
          selector: "app == 'b'", types: ['Ingress'],
          ingress: [{ action: 'Allow', protocol: 'TCP', source: { selector: "app == 'a'" }, destination: { ports: ['http'] } }],
        }));
        assert.equal(await a().tcp(IP.b, 8080), true);
        const run = (cmd: string, ...args: string[]) => exec('ip', ['netns', 'exec', node(), cmd, ...args]);
        if (driver === 'nftables') {
          const j = JSON.parse((await run('nft', '-j', '-a', 'list', 'table', 'ip', 'calico')).stdout) as { nftables: Record<string, Record<string, unknown>>[] };
          const sel = j.nftables.map((o) => o['set']).find((s) => s && String(s['name']).startsWith('cali40s_') && JSON.stringify(s['elem'] ?? []).includes(IP.a));
          assert.ok(sel, 'selector set with a\'s address');
          await execChecked('ip', ['netns', 'exec', node(), 'nft', `delete element ip calico ${String(sel['name'])} { ${IP.a} }`]);
          const r = j.nftables.map((o) => o['rule']).find((x) => x && x['chain'] === 'filter-FORWARD' && JSON.stringify(x['expr']).includes('"established"'));
          assert.ok(r);
          await execChecked('ip', ['netns', 'exec', node(), 'nft', `delete rule ip calico filter-FORWARD handle ${String(r['handle'])}`]);
        } else {
          const save = (await run('ipset', 'list', '-n')).stdout.split('\n').filter((n) => n.startsWith('cali40s:'));
          let deleted = false;
          for (const name of save) {
            if ((await run('ipset', 'test', name, IP.a)).code === 0) { await run('ipset', 'del', name, IP.a); deleted = true; }
          }
          assert.ok(deleted, 'selector set with a\'s address');
          const tool = `iptables-${backend ?? 'legacy'}`;
          const lines = (await run(`${tool}-save`, '-t', 'filter')).stdout.split('\n');
          const est = lines.find((l) => l.startsWith('-A cali-FORWARD') && l.includes('RELATED,ESTABLISHED'));
          assert.ok(est);
          const d = await run(tool, ...['-t', 'filter', '-D', ...splitArgs(est.slice(3))]);
          assert.equal(d.code, 0, d.stderr);
        }
        assert.equal(await a().tcp(IP.b, 8080), false, 'the hand-made damage is visible');
        const r = await dp.resync();
        assert.ok(r.commands > 0 && r.readKernel);
        assert.equal(await a().tcp(IP.b, 8080), true, 'repaired');
        const again = await dp.resync();
        assert.equal(again.commands, 0, 'nothing left to repair');
        assert.match((await exec('ip', ['netns', 'exec', node(), 'nft', 'list', 'tables'])).stdout, /table ip foreign/);
      });

      it('a run of allow-only policies is one set lookup that follows label (membership) changes', async () => {
        const runPol = (name: string, order: number, sel: string) => fx.np('ns1', name, {
          order, selector: "app == 'b'", types: ['Ingress'],
          ingress: [{ action: 'Allow', protocol: 'TCP', source: { selector: sel }, destination: { ports: [9090] } }],
        });
        const labelA = (labels: Record<string, string>) => fx.wep('ns1', 'a', { ipNetworks: [`${IP.a}/32`, `${IP6.a}/128`] }, labels);
        await feed(runPol('run-1', 1, "run == 'one'"), runPol('run-2', 2, "run == 'two'"));
        const dump = async (): Promise<string> => driver === 'nftables'
          ? (await exec('ip', ['netns', 'exec', node(), 'nft', 'list', 'table', 'ip', 'calico'])).stdout
          : (await exec('ip', ['netns', 'exec', node(), `iptables-${backend ?? 'legacy'}-save`])).stdout;
        const d = await dump();
        assert.match(d, driver === 'nftables' ? /ip saddr \. meta l4proto \. th dport @cali40a_\w+ / : /--match-set cali40a:\w+ src,dst/, 'compiled lookup in the kernel');
        assert.equal(await a().tcp(IP.b, 9090), false, 'a has neither label yet');
        assert.equal(await a().tcp(IP.b, 8080), true, 'b-ingress (walked after the run) still allows http');
        await feed(labelA({ app: 'a', run: 'two' }));
        assert.equal(await a().tcp(IP.b, 9090), true, 'a joined the second policy\'s set');
        assert.equal(await a().tcp(IP.b, 22), false, 'only the allowed port');
        await feed(labelA({ app: 'a', run: 'one' }));
        assert.equal(await a().tcp(IP.b, 9090), true, 'a moved to the first policy\'s set');
        await feed(labelA({ app: 'a' }));
        assert.equal(await a().tcp(IP.b, 9090), false, 'a left both sets');
        await feed(fx.delNp('ns1', 'run-1'), fx.delNp('ns1', 'run-2'));
        assert.doesNotMatch(await dump(), /cali40a[_:]/, 'the run\'s set is gone with its policies');
      });

      it('removing everything leaves only the fixed chains; a change sends only the delta', async () => {
        await feed(fx.delNp('ns1', 'b-ingress'), fx.delNp('ns1', 'a-egress'), fx.delGnp('security.pass-a'), fx.delGnp('security.deny-c'), fx.delGnp('security.allow-c'), fx.delGnp('default.edge'));
        history.push(fx.delWep('ns2', 'c'));
        graph.onUpdates([fx.delWep('ns2', 'c')]);
        dp.onMessages(graph.flush());
        const st = await dp.apply();
        assert.equal(st.readKernel, false, 'no re-read between resyncs');
        assert.ok(st.commands > 0 && st.commands < 60, `small delta (${st.commands})`);
        assert.equal(await a().tcp(IP.c, 8080), false, 'c is now an unknown cali interface: dropped');
        assert.equal(await a().tcp(IP.b, 9090), true);
      });

      it('a restarted dataplane adopts the ruleset without changing it; established connections survive', async () => {
        const h = await a().hold(IP.b, 9090);
        assert.ok(h > 0);
        await dp.stop();
        const g2 = new CalcGraph({ hostname: 'node1' });
        g2.onUpdates(history);
        dp = create();
        dp.onMessages(g2.flush());
        const st = await dp.apply();
        assert.equal(st.readKernel, true);
        assert.equal(st.commands, 0, 'identical ruleset adopted as is');
        assert.equal(await a().send(h), true);
        assert.equal(await a().tcp(IP.b, 9090), true);
      });
    });
  }
});

/** Splits an iptables-save rule into arguments (quoted comments stay one argument). */
function splitArgs(s: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) out.push(m[1] ?? m[2]!);
  return out;
}
