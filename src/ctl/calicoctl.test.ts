import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import { parse } from 'yaml';
import { MemoryDatastore } from '../datastore/memory/memory-datastore.js';
import { isSubset, runCtl, TempDir } from './ctl-test-support.js';

const tmp = new TempDir();
after(() => tmp.remove());

let ds: MemoryDatastore;
beforeEach(() => {
  ds = new MemoryDatastore();
});
const ctl = (args: string, stdin?: string) => runCtl(args.split(' ').filter(Boolean), { ds, ...(stdin !== undefined ? { stdin } : {}) });

/** Policy-side kinds written the way Calico's docs write them. */
const POLICY_DOCS = `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: allow-tcp-6379
  namespace: production
spec:
  selector: role == 'database'
  types:
  - Ingress
  - Egress
  ingress:
  - action: Allow
    metadata:
      annotations:
        from: frontend
        to: database
    protocol: TCP
    source:
      selector: role == 'frontend'
    destination:
      ports:
      - 6379
  egress:
  - action: Allow
---
apiVersion: projectcalico.org/v3
kind: Tier
metadata:
  name: security
spec:
  order: 300
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: security.deny-blue
spec:
  tier: security
  order: 100
  selector: color == 'blue'
  ingress:
  - action: Deny
    protocol: ICMP
    icmp:
      type: 8
---
apiVersion: projectcalico.org/v3
kind: NetworkSet
metadata:
  name: external-database
  namespace: staging
  labels:
    role: db
spec:
  nets:
  - 198.51.100.0/28
  - 203.0.113.0/24
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkSet
metadata:
  name: a-name-for-the-set
  labels:
    role: external-database
spec:
  nets:
  - 198.51.100.0/28
---
apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata:
  name: some.name
  labels:
    type: production
spec:
  interfaceName: eth0
  node: myhost
  expectedIPs:
  - 192.168.0.1
  - 192.168.0.2
  profiles:
  - profile1
  ports:
  - name: some-port
    port: 1234
    protocol: TCP
---
apiVersion: projectcalico.org/v3
kind: Profile
metadata:
  name: dev-apps
spec:
  ingress:
  - action: Deny
    source:
      nets:
      - 10.0.20.0/24
  - action: Allow
    source:
      selector: stage == 'development'
  egress:
  - action: Allow
  labelsToApply:
    stage: development
`;

/** Infrastructure kinds, endpoints and staged policies, as in Calico's resource reference pages. */
const INFRA_DOCS = `apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: my.ippool-1
spec:
  cidr: 10.1.0.0/16
  ipipMode: CrossSubnet
  natOutgoing: true
  disabled: false
  nodeSelector: all()
  allowedUses:
  - Workload
  - Tunnel
---
apiVersion: projectcalico.org/v3
kind: IPReservation
metadata:
  name: my-ipreservation-1
spec:
  reservedCIDRs:
  - 192.168.2.3
  - 10.0.2.3/32
  - cafe:f00d::/123
---
apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata:
  name: default
spec:
  logSeverityScreen: Info
  nodeToNodeMeshEnabled: true
  nodeMeshMaxRestartTime: 120s
  asNumber: 63400
  serviceClusterIPs:
  - cidr: 10.96.0.0/12
  serviceExternalIPs:
  - cidr: 104.244.42.129/32
  listenPort: 178
  bindMode: NodeIP
  communities:
  - name: bgp-large-community
    value: 63400:300:100
  prefixAdvertisements:
  - cidr: 172.218.4.0/26
    communities:
    - bgp-large-community
    - 63400:120
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata:
  name: some.name
spec:
  node: rack1-host1
  peerIP: 192.168.1.1
  asNumber: 63400
---
apiVersion: projectcalico.org/v3
kind: BGPFilter
metadata:
  name: my-filter
spec:
  exportV4:
  - action: Accept
    matchOperator: In
    cidr: 77.0.0.0/16
    source: RemotePeers
  importV4:
  - action: Reject
    matchOperator: NotIn
    cidr: 44.0.0.0/16
  exportV6:
  - action: Reject
    source: RemotePeers
  importV6:
  - action: Accept
    matchOperator: Equal
    cidr: 9000::0/64
---
apiVersion: projectcalico.org/v3
kind: FelixConfiguration
metadata:
  name: default
spec:
  ipv6Support: false
  ipipMTU: 1400
  chainInsertMode: Append
---
apiVersion: projectcalico.org/v3
kind: Node
metadata:
  name: node-hostname
spec:
  bgp:
    asNumber: 64512
    ipv4Address: 10.244.0.1/24
    ipv6Address: 2001:db8:85a3::8a2e:370:7334/120
    ipv4IPIPTunnelAddr: 192.168.0.1
---
apiVersion: projectcalico.org/v3
kind: KubeControllersConfiguration
metadata:
  name: default
spec:
  logSeverityScreen: Info
  healthChecks: Enabled
  etcdV3CompactionPeriod: 10m
  controllers:
    node:
      reconcilerPeriod: 5m
      leakGracePeriod: 15m
      syncLabels: Enabled
      hostEndpoint:
        autoCreate: Disabled
    policy:
      reconcilerPeriod: 5m
    workloadEndpoint:
      reconcilerPeriod: 5m
    serviceAccount:
      reconcilerPeriod: 5m
    namespace:
      reconcilerPeriod: 5m
---
apiVersion: projectcalico.org/v3
kind: WorkloadEndpoint
metadata:
  name: node1-k8s-my--nginx--b1337a-eth0
  namespace: default
  labels:
    app: frontend
    projectcalico.org/namespace: default
    projectcalico.org/orchestrator: k8s
spec:
  node: node1
  orchestrator: k8s
  endpoint: eth0
  containerID: "1337495556942031415926535"
  pod: my-nginx-b1337a
  interfaceName: cali0ef24ba
  mac: ca:fe:1d:52:bb:e9
  ipNetworks:
  - 192.168.0.0/32
  profiles:
  - profile1
  ports:
  - name: some-port
    port: 1234
    protocol: TCP
  - name: another-port
    port: 5432
    protocol: UDP
---
apiVersion: projectcalico.org/v3
kind: StagedGlobalNetworkPolicy
metadata:
  name: allow-tcp-6379
spec:
  selector: role == 'database'
  types:
  - Ingress
  ingress:
  - action: Allow
    protocol: TCP
    source:
      selector: role == 'frontend'
    destination:
      ports:
      - 6379
---
apiVersion: projectcalico.org/v3
kind: StagedNetworkPolicy
metadata:
  name: allow-tcp-6379
  namespace: production
spec:
  selector: role == 'database'
  types:
  - Ingress
  ingress:
  - action: Allow
    protocol: TCP
    source:
      selector: role == 'frontend'
    destination:
      ports:
      - 6379
`;

/** The Kubernetes objects Calico reads, as Kubernetes' docs write them. */
const K8S_DOCS = `apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    team: web
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: test-network-policy
  namespace: shop
spec:
  podSelector:
    matchLabels:
      role: db
  policyTypes:
  - Ingress
  - Egress
  ingress:
  - from:
    - ipBlock:
        cidr: 172.17.0.0/16
        except:
        - 172.17.1.0/24
    - namespaceSelector:
        matchLabels:
          project: myproject
    - podSelector:
        matchLabels:
          role: frontend
    ports:
    - protocol: TCP
      port: 6379
  egress:
  - to:
    - ipBlock:
        cidr: 10.0.0.0/24
    ports:
    - protocol: TCP
      port: 5978
---
apiVersion: v1
kind: Pod
metadata:
  name: web-1
  namespace: shop
  labels:
    app: web
spec:
  serviceAccountName: web
  containers:
  - name: nginx
    ports:
    - name: http
      containerPort: 80
`;

function docs(text: string): Record<string, unknown>[] {
  return text.split(/^---$/m).map((d) => parse(d) as Record<string, unknown>);
}

const GET_NAME: Record<string, (d: Record<string, any>) => string> = {
  NetworkPolicy: (d) => `networkpolicy ${d.metadata.name} -n ${d.metadata.namespace}`,
  NetworkSet: (d) => `networkset ${d.metadata.name} -n ${d.metadata.namespace}`,
  Pod: (d) => `pod ${d.metadata.name} -n ${d.metadata.namespace}`,
  WorkloadEndpoint: (d) => `workloadendpoint ${d.metadata.name} -n ${d.metadata.namespace}`,
  StagedNetworkPolicy: (d) => `stagednetworkpolicy ${d.metadata.name} -n ${d.metadata.namespace}`,
};

/** Applies `text`, then checks every document reads back as itself plus defaults and metadata, and re-applies cleanly. */
async function roundTrip(text: string, count: number): Promise<void> {
  const file = tmp.write(`rt-${count}.yaml`, text);
  const applied = await ctl(`apply -f ${file}`);
  assert.equal(applied.err, '');
  assert.equal(applied.code, 0);
  assert.equal(applied.out, `Successfully applied ${count} resource(s)\n`);
  for (const input of docs(text)) {
    const d = input as Record<string, any>;
    const args = d.apiVersion === 'networking.k8s.io/v1'
      ? `networkpolicies.networking.k8s.io ${d.metadata.name} -n ${d.metadata.namespace}`
      : GET_NAME[d.kind]?.(d) ?? `${d.kind} ${d.metadata.name}`;
    const got = await ctl(`get ${args} -o yaml`);
    assert.equal(got.code, 0, got.err);
    const out = parse(got.out) as Record<string, any>;
    assert.ok(isSubset(input, out), `${d.kind}: ${got.out} does not contain the input`);
    assert.match(out.metadata.uid, /^[0-9a-f-]{36}$/);
    assert.match(out.metadata.resourceVersion, /^\d+$/);
    assert.match(out.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // Reading back what was printed and applying it again changes nothing but the revision.
    const again = await ctl('apply -f -', got.out);
    assert.equal(again.code, 0, again.err);
    const reread = parse((await ctl(`get ${args} -o yaml`)).out) as Record<string, any>;
    assert.deepEqual({ ...reread, metadata: { ...reread.metadata, resourceVersion: 'x' } }, { ...out, metadata: { ...out.metadata, resourceVersion: 'x' } });
  }
}

describe('calicoctl round trip', () => {
  it('applies the documented YAML of every policy-side kind and reads back the input plus defaults and metadata', async () => {
    await roundTrip(POLICY_DOCS, 7);
  });

  it('does the same for pools, reservations, BGP, Felix, Node, kube-controllers, endpoints and staged policies', async () => {
    await roundTrip(INFRA_DOCS, 11);
  });

  it('does the same for the Kubernetes Namespace, NetworkPolicy and Pod objects Calico reads', async () => {
    await roundTrip(K8S_DOCS, 3);
  });

  it('fills IPPool defaults and prints the tables calicoctl prints', async () => {
    const pool = `apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: ippool-name1
spec:
  cidr: 10.0.1.0/24
  ipipMode: Always
  nodeSelector: foo == 'bar'
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: ippool-name2
spec:
  cidr: fed0:8001::/64
`;
    assert.equal((await ctl('create -f -', pool)).out, "Successfully created 2 'IPPool' resource(s)\n");
    const v4 = parse((await ctl('get ippool ippool-name1 -o yaml')).out) as Record<string, any>;
    assert.equal(v4.spec.blockSize, 26);
    assert.equal(v4.spec.vxlanMode, 'Never');
    assert.deepEqual(v4.spec.allowedUses, ['Workload', 'Tunnel']);
    // Byte for byte what upstream's calicoctl tests expect (tests/st/utils/data.py, test_crud.py).
    const t1 = "NAME           CIDR          SELECTOR       \nippool-name1   10.0.1.0/24   foo == 'bar'";
    const t2 = 'NAME           CIDR             SELECTOR   \nippool-name2   fed0:8001::/64   all()';
    assert.equal((await ctl('get ippool ippool-name1')).out, `${t1}   \n\n`);
    assert.equal((await ctl('get ippool ippool-name1 -o wide')).out,
      'NAME           CIDR          NAT     IPIPMODE   VXLANMODE   DISABLED   DISABLEBGPEXPORT   SELECTOR       ASSIGNMENTMODE   \n'
      + "ippool-name1   10.0.1.0/24   false   Always     Never       false      false              foo == 'bar'   Automatic        \n\n");
    const mixed = await ctl('get ippool ippool-name1 blah ippool-name2 --export');
    assert.equal(mixed.code, 1);
    assert.equal(mixed.out, `${t1}   \n\n${t2}      \n\n`);
    assert.equal(mixed.err, 'resource does not exist: IPPool(blah) with error: <nil>\n');
    assert.equal((await ctl('get ippool -o custom-columns=NAME,NAT')).out, 'NAME           NAT     \nippool-name1   false   \nippool-name2   false   \n\n');
    assert.equal((await ctl('get ippool -o custom-columns=NAME,BOGUS')).code, 1);
  });

  it('refuses to write ClusterInformation, which calico-node owns', async () => {
    const ci = 'apiVersion: projectcalico.org/v3\nkind: ClusterInformation\nmetadata:\n  name: default\nspec:\n  clusterType: x\n';
    const r = await ctl('apply -f -', ci);
    assert.equal(r.code, 1);
    assert.match(r.err, /operation apply is not supported on ClusterInformation: resource is readonly/);
    // The write commands initialise it (as calicoctl's EnsureInitialized does) and get can read it.
    const got = parse((await ctl('get clusterinformation default -o yaml')).out) as Record<string, any>;
    assert.equal(got.spec.datastoreReady, true);
    assert.match(got.spec.clusterGUID, /^[0-9a-f]{32}$/);
  });

  it('fills Calico defaults: policy types, tier and the tier label', async () => {
    const file = tmp.write('gnp.yaml', `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: allow-all
spec:
  selector: all()
  ingress:
  - action: Allow
`);
    assert.equal((await ctl(`create -f ${file}`)).code, 0);
    const out = parse((await ctl('get globalnetworkpolicy allow-all -o yaml')).out) as Record<string, any>;
    assert.deepEqual(out.spec.types, ['Ingress']);
    assert.equal(out.spec.tier, 'default');
    assert.equal(out.metadata.labels['projectcalico.org/tier'], 'default');
  });

  it('prints a List for get without names, with the store revision', async () => {
    await ctl(`apply -f ${tmp.write('p2.yaml', POLICY_DOCS)}`);
    const out = parse((await ctl('get globalnetworksets -o yaml')).out) as Record<string, any>;
    assert.equal(out.kind, 'GlobalNetworkSetList');
    assert.equal(out.apiVersion, 'projectcalico.org/v3');
    assert.equal(out.items.length, 1);
    assert.equal(out.metadata.resourceVersion, String(await ds.currentRevision()));
    const json = JSON.parse((await ctl('get globalnetworkset a-name-for-the-set -o json')).out) as Record<string, any>;
    assert.deepEqual(Object.keys(json).slice(0, 3), ['kind', 'apiVersion', 'metadata']);
  });
});

describe('calicoctl bad input changes nothing', () => {
  const good = `apiVersion: projectcalico.org/v3
kind: GlobalNetworkSet
metadata:
  name: good-one
spec:
  nets: [10.0.0.0/8]
`;
  const cases: [string, string, RegExp][] = [
    ['port range', `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: np1, namespace: default}
spec:
  ingress:
  - action: Allow
    protocol: TCP
    destination:
      ports: [80, "90:80"]
`, /spec\.ingress\[0\]\.destination\.ports\[1\]/],
    ['selector', `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: gnp1}
spec:
  selector: "role == 'db' &&"
`, /spec\.selector/],
    ['unknown field', `apiVersion: projectcalico.org/v3
kind: GlobalNetworkSet
metadata: {name: gns1}
spec:
  netz: [10.0.0.0/8]
`, /spec\.netz/],
    ['unknown metadata field', `apiVersion: projectcalico.org/v3
kind: GlobalNetworkSet
metadata: {name: gns3, lables: {a: b}}
spec:
  nets: [10.0.0.0/8]
`, /metadata\.lables/],
    ['CIDR', `apiVersion: projectcalico.org/v3
kind: GlobalNetworkSet
metadata: {name: gns2}
spec:
  nets: [10.0.0.300/8]
`, /spec\.nets\[0\]/],
    ['protocol', `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: gnp2}
spec:
  ingress:
  - action: Allow
    protocol: TCPX
`, /spec\.ingress\[0\]\.protocol/],
    ['ICMP type', `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: gnp3}
spec:
  ingress:
  - action: Allow
    protocol: ICMP
    icmp: {type: 300}
`, /spec\.ingress\[0\]\.icmp\.type/],
  ];
  for (const [what, bad, field] of cases) {
    it(`rejects a bad ${what} in document 3 of 3 and writes none of them`, async () => {
      const file = tmp.write(`bad-${what.replace(/ /g, '-')}.yaml`, `${good}---\n${good.replace('good-one', 'good-two')}---\n${bad}`);
      for (const verb of ['apply', 'create', 'replace']) {
        const before = await ds.currentRevision();
        const r = await ctl(`${verb} -f ${file}`);
        assert.equal(r.code, 1, `${verb} ${what}`);
        assert.match(r.err, /document 3/);
        assert.match(r.err, field);
        // Unknown fields fail decoding in calicoctl (strict unmarshal): "failed to execute command".
        assert.match(r.err, what.startsWith('unknown') ? /^failed to execute command: / : new RegExp(`failed to ${verb} any ('\\w+' )?resources`));
        assert.equal(r.out, '');
        assert.equal(await ds.currentRevision(), before);
      }
      assert.equal((await ctl('get globalnetworksets -o yaml')).out.includes('good-one'), false);
    });
  }

  it('rejects an unknown kind before writing anything', async () => {
    const file = tmp.write('unknown-kind.yaml', `${good}---\napiVersion: projectcalico.org/v3\nkind: NoSuchKind\nmetadata: {name: x}\n`);
    const r = await ctl(`apply -f ${file}`);
    assert.equal(r.code, 1);
    assert.match(r.err, /failed to execute command: .*document 2.*NoSuchKind/);
    assert.equal(await ds.currentRevision(), 0);
  });

  it('rejects YAML that does not parse', async () => {
    const r = await ctl(`apply -f ${tmp.write('broken.yaml', 'kind: [\n')}`);
    assert.equal(r.code, 1);
    assert.match(r.err, /failed to execute command/);
    assert.equal(await ds.currentRevision(), 0);
  });
});
