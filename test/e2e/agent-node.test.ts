/**
 * End to end: bin/calico-node run inside a "node" netns against a temp SQLite
 * datastore, with two pods made by the real CNI plugin. Real TCP between the
 * pods shows the agent programs policy; the ActiveStatusReport shows the
 * applied revision advancing; health and metrics endpoints are scraped; bad
 * configuration leaves the programmed dataplane alone; SIGKILL during a large
 * apply followed by a restart converges while an established allowed
 * connection stays up; SIGTERM stops cleanly; restarting on the other
 * dataplane removes the first one's state. Runs for nftables and iptables.
 * Needs root (skips otherwise).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { exec } from '../../dist/lib/exec.js';
import { SqliteDatastore } from '../../dist/datastore/sqlite/sqlite-datastore.js';
import { validateResource } from '../../dist/api/index.js';
import { waitForConvergence } from '../../dist/node/convergence.js';
import { readStatusReport } from '../../dist/node/status-report.js';
import { NetnsScope, canUseNetns } from '../support/netns.js';

const repo = resolve(import.meta.dirname, '../../..');
const root = await canUseNetns();
const NODE = 'agent-e2e';
const API = 'projectcalico.org/v3';

interface Agent { child: ChildProcess; log: string[]; exited: Promise<number | null> }

for (const dataplane of ['nftables', 'iptables'] as const) describe(`calico-node agent in a node netns (${dataplane})`, { skip: !root && 'needs root and ip netns' }, () => {
  const scope = new NetnsScope(dataplane === 'nftables' ? 'agn' : 'agi');
  let dir = '';
  let dbPath = '';
  let binDir = '';
  let host = '';
  let nsClient = '';
  let nsServer = '';
  let ipServer = '';
  let ds: SqliteDatastore;
  let agent: Agent | undefined;

  const agentEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
    PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    CALICO_NODENAME: NODE, DATASTORE_TYPE: 'sqlite', CALICO_DATASTORE_PATH: dbPath, CALICO_DATAPLANE: dataplane,
    CALICO_NETWORKING_BACKEND: 'none', FELIX_HEALTHENABLED: 'true', FELIX_PROMETHEUSMETRICSENABLED: 'true',
    FELIX_LOGSEVERITYSCREEN: 'info', ...extra,
  });

  function startAgent(extra: Record<string, string> = {}): Agent {
    const child = spawn('ip', ['netns', 'exec', host, process.execPath, join(repo, 'bin/calico-node')], { env: agentEnv(extra), stdio: ['ignore', 'ignore', 'pipe'] });
    scope.track(child.pid);
    const log: string[] = [];
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { log.push(d); if (log.length > 2000) log.shift(); });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    return { child, log, exited };
  }

  async function cni(command: string, env: Record<string, string>): Promise<Record<string, unknown>> {
    const conf = {
      cniVersion: '1.0.0', name: 'k8s-pod-network', type: 'calico', nodename: NODE, mtu: 1400,
      datastore_type: 'sqlite', datastore_path: dbPath, log_level: 'error', ipam: { type: 'calico-ipam' }, policy: { type: 'k8s' },
    };
    const r = await exec('ip', ['netns', 'exec', host, join(repo, 'bin/calico')], {
      input: JSON.stringify(conf), env: { CNI_COMMAND: command, CNI_IFNAME: 'eth0', CNI_PATH: binDir, ...env },
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  }

  async function put(r: Record<string, unknown>): Promise<number> {
    const v = validateResource(r);
    const key = v.metadata.namespace ? { kind: v.kind, namespace: v.metadata.namespace, name: v.metadata.name } : { kind: v.kind, name: v.metadata.name };
    const cur = await ds.get(key);
    return (cur ? await ds.update(key, v, cur.revision) : await ds.create(key, v)).revision;
  }

  /** TCP connect from the client pod: true when the handshake completes within 1 s. */
  async function canConnect(port: number): Promise<boolean> {
    const js = `const s=require('net').connect({host:'${ipServer}',port:${port},timeout:1000});s.on('connect',()=>process.exit(0));s.on('timeout',()=>process.exit(3));s.on('error',()=>process.exit(4));`;
    const r = await exec('ip', ['netns', 'exec', nsClient, process.execPath, '-e', js], { timeoutMs: 5000 });
    return r.code === 0;
  }

  async function scrape(path: string, port: number): Promise<{ status: number; body: string }> {
    const js = `fetch('http://127.0.0.1:${port}${path}').then(async r=>{process.stdout.write(JSON.stringify({status:r.status,body:await r.text()}))},e=>{process.stdout.write(JSON.stringify({status:0,body:String(e)}))})`;
    const r = await exec('ip', ['netns', 'exec', host, process.execPath, '-e', js], { timeoutMs: 5000 });
    return JSON.parse(r.stdout) as { status: number; body: string };
  }

  const converge = async (rev: number, ms = 20_000) => {
    try {
      return await waitForConvergence(ds, [NODE], rev, ms);
    } catch (e) {
      throw new Error(`${(e as Error).message}\nagent log tail:\n${agent?.log.slice(-30).join('')}`);
    }
  };

  before(async () => {
    if (!root) return;
    dir = mkdtempSync(join(tmpdir(), 'calico-agent-e2e-'));
    dbPath = join(dir, 'calico.db');
    binDir = join(dir, 'bin');
    mkdirSync(binDir);
    symlinkSync(join(repo, 'bin/calico'), join(binDir, 'calico'));
    symlinkSync(join(repo, 'bin/calico-ipam'), join(binDir, 'calico-ipam'));
    host = await scope.netns('node');
    await exec('ip', ['-n', host, 'link', 'add', 'uplink0', 'type', 'veth', 'peer', 'name', 'uplink1']);
    await exec('ip', ['-n', host, 'link', 'set', 'uplink0', 'up']);
    await exec('ip', ['-n', host, 'link', 'set', 'uplink1', 'up']);
    await exec('ip', ['-n', host, 'route', 'add', 'default', 'dev', 'uplink0']);
    ds = SqliteDatastore.open(dbPath);
    await put({ apiVersion: API, kind: 'IPPool', metadata: { name: 'pool1' }, spec: { cidr: '10.246.0.0/24', blockSize: 26, ipipMode: 'Never', vxlanMode: 'Never', natOutgoing: false } });
    await put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'web' } });
    for (const [name, app] of [['client', 'client'], ['server', 'server']] as const) {
      await put({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'web', labels: { app } }, spec: { nodeName: NODE, containers: [{ name: 'c' }] } });
    }
    nsClient = await scope.netns('client');
    nsServer = await scope.netns('server');
    const env = (id: string, ns: string, pod: string) => ({ CNI_CONTAINERID: id, CNI_NETNS: `/var/run/netns/${ns}`, CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=web;K8S_POD_NAME=${pod}` });
    await cni('ADD', env('ctr-client-000001', nsClient, 'client'));
    const srv = await cni('ADD', env('ctr-server-000001', nsServer, 'server'));
    ipServer = ((srv['ips'] as { address: string }[])[0]!.address).split('/')[0]!;
    // An echo server on 8080 and 9090 in the server pod.
    const js = `for (const p of [8080, 9090]) require('net').createServer((s)=>s.pipe(s)).listen(p, '0.0.0.0');`;
    const server = spawn('ip', ['netns', 'exec', nsServer, process.execPath, '-e', js], { stdio: 'ignore' });
    scope.track(server.pid);
    await new Promise((r) => setTimeout(r, 300));
  });

  after(async () => {
    if (agent && agent.child.exitCode === null) {
      agent.child.kill('SIGTERM');
      await Promise.race([agent.exited, new Promise((r) => setTimeout(r, 5000))]);
    }
    await ds?.close();
    // The agent's tables, chains and sets live in the node netns: deleting the netns removes them.
    await scope.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('programs policy and records the applied revision', async () => {
    agent = startAgent({ FELIX_LOGSEVERITYSCREEN: 'debug' });
    await converge(await ds.currentRevision());
    assert.equal(await canConnect(8080), true, 'kns.web profile allows all before any policy');
    assert.equal(await canConnect(9090), true);
    const rev = await put({
      apiVersion: API, kind: 'NetworkPolicy', metadata: { name: 'allow-client-8080', namespace: 'web' },
      spec: { selector: "app == 'server'", types: ['Ingress'], ingress: [{ action: 'Allow', protocol: 'TCP', source: { selector: "app == 'client'" }, destination: { ports: [8080] } }] },
    });
    const before = (await readStatusReport(ds, NODE))!.appliedRevision;
    assert.ok(before < rev);
    await converge(rev);
    const report = (await readStatusReport(ds, NODE))!;
    assert.ok(report.appliedRevision >= rev, `applied ${report.appliedRevision} >= ${rev}`);
    assert.equal(report.dataplane, dataplane);
    assert.equal(await canConnect(8080), true, 'allowed port');
    assert.equal(await canConnect(9090), false, 'not allowed port');
  });

  test('health and metrics endpoints answer', async () => {
    const live = await scrape('/liveness', 9099);
    assert.equal(live.status, 200, live.body);
    const ready = await scrape('/readiness', 9099);
    assert.equal(ready.status, 200, ready.body);
    const m = await scrape('/metrics', 9091);
    assert.equal(m.status, 200);
    assert.match(m.body, /^felix_active_local_endpoints 2$/m);
    assert.match(m.body, /^felix_active_local_policies 1$/m);
    assert.match(m.body, /^felix_int_dataplane_apply_time_seconds_count [1-9]\d*$/m);
    assert.match(m.body, /^felix_resync_state 2$/m);
    assert.match(m.body, /^felix_cluster_num_workload_endpoints 2$/m);
    assert.match(m.body, /^felix_resyncs_started 1$/m);
    // calico-node's own probes, as the manifests' liveness/readiness commands run them.
    for (const flag of ['-felix-live', '-felix-ready']) {
      const r = await exec('ip', ['netns', 'exec', host, process.execPath, join(repo, 'bin/calico-node'), flag], { env: agentEnv() });
      assert.equal(r.code, 0, `${flag}: ${r.stderr}`);
    }
    const down = await exec('ip', ['netns', 'exec', host, process.execPath, join(repo, 'bin/calico-node'), '-felix-ready'], { env: agentEnv({ FELIX_HEALTHPORT: '1' }) });
    assert.equal(down.code, 1);
    assert.match(down.stderr, /felix readiness check failed/);
  });

  test('bad configuration gets a clear error and the last good dataplane stays', async () => {
    // A second agent with a bad FELIX_ value refuses to start and touches nothing.
    const bad = startAgent({ FELIX_LOGSEVERITYSCREEN: 'loud', FELIX_HEALTHPORT: '19099', FELIX_PROMETHEUSMETRICSPORT: '19091' });
    assert.equal(await bad.exited, 1);
    assert.match(bad.log.join(''), /FELIX_LOGSEVERITYSCREEN: invalid value "loud" for LogSeverityScreen/);
    // An invalid FelixConfiguration written straight into the datastore (calicoctl would refuse it).
    const key = { kind: 'FelixConfiguration', name: 'default' };
    const w = await ds.create(key, { apiVersion: API, kind: 'FelixConfiguration', metadata: { name: 'default' }, spec: { defaultEndpointToHostAction: 'Explode', failsafeInboundHostPorts: 'nope' } });
    await converge(w.revision);
    assert.equal(agent!.child.exitCode, null, 'the running agent keeps running');
    assert.match((await scrape('/metrics', 9091)).body, /^calico_node_config_errors 1$/m);
    assert.match(agent!.log.join(''), /invalid FelixConfiguration ignored/);
    assert.equal(await canConnect(8080), true);
    assert.equal(await canConnect(9090), false);
    await ds.delete(key);
  });

  test('SIGKILL during a large apply, then restart: converges, established connection survives', async () => {
    // A long-lived allowed connection: echoes a byte every 50 ms and reports.
    const js = `const s=require('net').connect({host:'${ipServer}',port:8080});let n=0;s.on('data',()=>{n++});`
      + `setInterval(()=>s.write('x'),50);setInterval(()=>process.stdout.write('ok '+n+'\\n'),200);s.on('error',(e)=>{process.stdout.write('fail '+e.message+'\\n');process.exit(1)});s.on('close',()=>{process.stdout.write('closed\\n');process.exit(1)});`;
    const conn = spawn('ip', ['netns', 'exec', nsClient, process.execPath, '-e', js], { stdio: ['ignore', 'pipe', 'ignore'] });
    scope.track(conn.pid);
    let connOut = '';
    conn.stdout!.setEncoding('utf8').on('data', (d: string) => { connOut += d; });
    const echoes = () => Number(/ok (\d+)\n(?!.*ok)/s.exec(connOut)?.[1] ?? -1);
    for (let i = 0; i < 100 && echoes() <= 0 && conn.exitCode === null; i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(echoes() > 0, `connection established: ${connOut}`);

    // A large change: a big network set and many policies that do not change the client's verdicts.
    const ops = [];
    const nets: string[] = [];
    for (let i = 0; i < 20000; i++) nets.push(`10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32`);
    ops.push({ op: 'create' as const, key: { kind: 'GlobalNetworkSet', name: 'big' }, value: validateResource({ apiVersion: API, kind: 'GlobalNetworkSet', metadata: { name: 'big', labels: { set: 'big' } }, spec: { nets } }) });
    for (let i = 0; i < 300; i++) {
      const name = `bulk-${i}`;
      ops.push({ op: 'create' as const, key: { kind: 'GlobalNetworkPolicy', name }, value: validateResource({
        apiVersion: API, kind: 'GlobalNetworkPolicy', metadata: { name },
        spec: { order: 10 + i, selector: "app == 'server'", types: ['Ingress'], ingress: [{ action: 'Allow', protocol: 'TCP', source: { selector: "set == 'big'" }, destination: { ports: [10000 + i] } }] },
      }) });
    }
    const rev = await ds.transact(ops);
    // Kill as soon as the agent has seen the change but before it has recorded applying it.
    const t0 = Date.now();
    const bigApply = /"messages":(\d{3,})[^\n]*"msg":"dataplane apply starting"/;
    while (Date.now() - t0 < 10_000 && !bigApply.test(agent!.log.slice(-20).join(''))) await new Promise((r) => setTimeout(r, 2));
    assert.match(agent!.log.slice(-20).join(''), bigApply, 'the large apply started');
    await new Promise((r) => setTimeout(r, 20));
    agent!.child.kill('SIGKILL');
    await agent!.exited;
    const atKill = (await readStatusReport(ds, NODE))!.appliedRevision;
    assert.ok(atKill < rev, `killed before the change was recorded as applied (${atKill} < ${rev})`);
    const beforeRestart = echoes();

    agent = startAgent();
    await converge(rev, 60_000);
    assert.equal(await canConnect(8080), true);
    assert.equal(await canConnect(9090), false);
    const afterRestart = echoes();
    for (let i = 0; i < 40 && echoes() <= afterRestart; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(conn.exitCode, null, `established connection still open: ${connOut.slice(-200)}`);
    assert.ok(echoes() > beforeRestart, 'echoes continued across the restart');
    assert.doesNotMatch(connOut, /fail|closed/);
    conn.kill('SIGKILL');
  });

  test('SIGTERM stops the agent cleanly and leaves the dataplane programmed', async () => {
    agent!.child.kill('SIGTERM');
    assert.equal(await agent!.exited, 0);
    assert.equal(await canConnect(8080), true);
    assert.equal(await canConnect(9090), false);
  });

  test('restarting on the other dataplane converges and removes this one\'s state', async () => {
    const other = dataplane === 'nftables' ? 'iptables' : 'nftables';
    const w = await ds.create({ kind: 'GlobalNetworkSet', name: 'switch-marker' }, validateResource({ apiVersion: API, kind: 'GlobalNetworkSet', metadata: { name: 'switch-marker' }, spec: { nets: ['10.99.0.0/16'] } }));
    agent = startAgent({ CALICO_DATAPLANE: other });
    await converge(w.revision, 60_000);
    assert.equal((await readStatusReport(ds, NODE))!.dataplane, other);
    assert.equal(await canConnect(8080), true);
    assert.equal(await canConnect(9090), false);
    const nftTables = (await exec('ip', ['netns', 'exec', host, 'nft', 'list', 'tables'])).stdout;
    // Whichever iptables backend the driver picked (iptablesBackend Auto): look at both.
    const iptSave = (await exec('ip', ['netns', 'exec', host, 'iptables-legacy-save'])).stdout + (await exec('ip', ['netns', 'exec', host, 'iptables-nft-save'])).stdout;
    if (other === 'iptables') {
      assert.doesNotMatch(nftTables, /table (ip|ip6|inet) calico\b/, 'nftables state removed');
      assert.match(iptSave, /^:cali-/m, 'iptables chains programmed');
    } else {
      assert.match(nftTables, /table (ip|ip6|inet) calico\b/);
      assert.doesNotMatch(iptSave, /^:cali-/m, 'iptables state removed');
    }
  });
});
