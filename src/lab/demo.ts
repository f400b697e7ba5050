/**
 * `calico-lab demo`, the README's main job: three nodes with a few namespaces
 * and pods, the reachability matrix, Kubernetes default-deny plus allow
 * policies and a Calico tiered policy, the matrix again, `calicoctl explain`
 * of one denied flow, and how to continue. The lab stays up afterwards.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec } from '../lib/exec.js';
import { choice, one, parseArgs, usage } from './cli-args.js';
import { teardownLab } from './lab-down.js';
import { applyFile } from './lab-ops.js';
import { BIN_DIR } from './lab-paths.js';
import { checkLabName, type Dataplane, type LabState } from './lab-state.js';
import { labStatus, renderStatus } from './lab-status.js';
import { upLab } from './lab-up.js';
import { probeLab, renderMatrix } from './probe.js';
import { parseTopology } from './topology.js';

interface Io { readonly out: (s: string) => void; readonly err: (s: string) => void }

const http = [{ name: 'http', containerPort: 80, protocol: 'TCP' }];
export const DEMO_TOPOLOGY = {
  nodes: 3,
  namespaces: [
    { name: 'frontend', labels: { team: 'web' } },
    { name: 'backend', labels: { team: 'api' } },
    { name: 'db', labels: { team: 'data' } },
  ],
  pods: [
    { namespace: 'frontend', name: 'web-1', node: 'node-1', labels: { app: 'web' }, ports: http },
    { namespace: 'frontend', name: 'web-2', node: 'node-2', labels: { app: 'web' }, ports: http },
    { namespace: 'backend', name: 'api-1', node: 'node-2', labels: { app: 'api' }, ports: http },
    { namespace: 'backend', name: 'api-2', node: 'node-3', labels: { app: 'api' }, ports: http },
    { namespace: 'db', name: 'postgres', node: 'node-3', labels: { app: 'db' }, serviceAccountName: 'postgres', ports: [...http, { name: 'pg', containerPort: 5432, protocol: 'TCP' }] },
  ],
};

/** What the demo applies, and why each piece is there. */
export const DEMO_POLICIES = `# 1. Kubernetes: default deny ingress in backend and db.
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny-ingress, namespace: backend}
spec: {podSelector: {}, policyTypes: [Ingress]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny-ingress, namespace: db}
spec: {podSelector: {}, policyTypes: [Ingress]}
---
# 2. Kubernetes: the web pods (namespace team=web, pods app=web) may call the API on its named port.
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-web-to-api, namespace: backend}
spec:
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Ingress]
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {team: web}}
      podSelector: {matchLabels: {app: web}}
    ports: [{port: http}]
---
# 3. Kubernetes: the API may reach the database.
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-api-to-db, namespace: db}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {team: api}}
---
# 4. Calico: a security tier evaluated before Kubernetes policy (the default tier).
apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: security}
spec: {order: 100}
---
# 5. Calico: in that tier, nobody but the API talks to the database, whatever the namespace's own policies say;
#    everything else is passed on to the next tier.
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: security.protect-db}
spec:
  tier: security
  order: 10
  selector: app == 'db'
  types: [Ingress]
  ingress:
  - action: Pass
    source: {namespaceSelector: team == 'api'}
  - action: Deny
`;

export async function runDemo(argv: readonly string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const p = parseArgs(argv, { values: ['name', 'dataplane'] });
  if (p.positionals.length > 0) throw usage(`demo: unexpected argument ${p.positionals[0]}`);
  const name = checkLabName(one(p, 'name') ?? 'demo');
  const dataplane = choice<Dataplane>(p, 'dataplane', ['nftables', 'iptables'], 'nftables');
  const say = (s: string): void => io.out(`${s}\n`);
  const title = (s: string): void => say(`\n=== ${s} ===`);
  const nameFlag = name === 'lab' ? '' : ` --name ${name}`;

  title(`1. A 3-node cluster in network namespaces (lab "${name}", ${dataplane})`);
  const removed = await teardownLab(name, env);
  if (removed.netns > 0) say(`(removed an earlier lab "${name}" first)`);
  let aborted = false;
  const onSignal = (): void => { aborted = true; };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let state: LabState;
  try {
    state = await upLab({
      name, topology: parseTopology(DEMO_TOPOLOGY), dataplane, network: 'static', datastore: 'sqlite', ipv6: false,
      env, log: (l) => say(`  ${l}`), aborted: () => aborted,
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  say(`\n${renderStatus(await labStatus(state))}`);

  title('2. Reachability before any policy (TCP 80, real connections between pod netns)');
  say('Kubernetes networking is allow-all until a policy selects a pod:');
  say(renderMatrix(await probeLab(state, { port: 80, protocol: 'TCP', timeoutMs: 1000 })));

  title('3. Policy: Kubernetes default-deny + allows, and a Calico tier in front');
  const file = join(state.stateDir, 'demo-policies.yaml');
  writeFileSync(file, DEMO_POLICIES);
  say(DEMO_POLICIES.split('\n').filter((l) => l.startsWith('#')).map((l) => `  ${l.slice(2)}`).join('\n'));
  const r = await applyFile(state, file, { wait: true, log: (l) => say(`  ${l}`) });
  for (const l of r.lines) say(`  ${l}`);
  say(`  programmed on all ${state.nodes.length} nodes in ${r.programmedMs} ms (file: ${file})`);

  title('4. Reachability with policy');
  say(renderMatrix(await probeLab(state, { port: 80, protocol: 'TCP', timeoutMs: 1000 })));
  say('frontend -> backend only from app=web on port http; db only from backend; backend/db pods reach nothing in backend.');

  title('5. Why is frontend/web-1 -> db/postgres TCP 80 blocked?');
  const ex = await exec(process.execPath, [join(BIN_DIR, 'calicoctl'), 'explain', '--config', state.calicoctlConfig,
    '--from', 'frontend/web-1', '--to', 'db/postgres', '--protocol', 'TCP', '--port', '80']);
  say(`$ bin/calicoctl explain --config ${state.calicoctlConfig} --from frontend/web-1 --to db/postgres --protocol TCP --port 80`);
  say((ex.stdout + ex.stderr).trimEnd());

  title('6. Continue');
  say(`  bin/calico-lab probe${nameFlag} --port 80 --protocol TCP          # the matrix again (add -o json, --from NS/POD, --to NS/POD)`);
  say(`  bin/calico-lab label${nameFlag} pod frontend/web-2 app=other --overwrite   # then probe: web-2 loses access to the API`);
  say(`  bin/calico-lab apply${nameFlag} -f my-policy.yaml                 # any Kubernetes or Calico resource; waits until programmed`);
  say(`  bin/calicoctl get globalnetworkpolicy --config ${state.calicoctlConfig} -o wide   # calicoctl against the lab's datastore`);
  say(`  bin/calico-lab status${nameFlag}`);
  say(`  bin/calico-lab down${nameFlag}                                    # removes every netns, process and file of the lab`);
  return 0;
}
