import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeResources, encodeResources, validateResource } from './index.js';
import type { Resource } from './types.js';
import { k8sNetworkPolicySample } from './testdata/docs-samples.js';

/**
 * Round trip of the sample YAML in Calico's reference docs
 * (reference/resources/*.mdx): decode, validate, and compare with the input
 * plus exactly the defaults Calico fills; then encode and decode again.
 */
interface Example {
  readonly doc: string;
  readonly yaml: string;
  /** Applied to a copy of the decoded input to get the expected result (Calico's defaults). */
  readonly expect?: (r: Record<string, any>) => void;
}

const examples: Example[] = [
  // Docs examples that the full sweep (docs-sweep.test.ts, testdata/docs-resources.ts) already
  // round-trips with independently written defaults are not repeated here; these are the rest.
  {
    doc: 'ippool.mdx',
    yaml: `apiVersion: projectcalico.org/v3
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
`,
    expect: (r) => Object.assign(r.spec, { blockSize: 26, vxlanMode: 'Never', assignmentMode: 'Automatic' }),
  },
  {
    doc: 'felixconfig.mdx',
    yaml: `apiVersion: projectcalico.org/v3
kind: FelixConfiguration
metadata:
  name: default
spec:
  ipv6Support: false
  ipipMTU: 1400
  chainInsertMode: Append
  healthTimeoutOverrides:
  - name: InternalDataplaneMainLoop
    timeout: "5m"
  - name: CalculationGraph
    timeout: "1m30s"
  failsafeInboundHostPorts:
  - net: "192.168.1.1/32"
    port: 22
    protocol: tcp
  - net: ""
    port: 67
    protocol: udp
  failsafeOutboundHostPorts:
  - net: "0.0.0.0/0"
    port: 67
    protocol: udp
`,
    // clientv3 felixconfig.go setDefaults.
    expect: (r) => Object.assign(r.spec, { floatingIPs: 'Disabled', bpfConnectTimeLoadBalancing: 'TCP', bpfHostNetworkedNATWithoutCTLB: 'Enabled' }),
  },
  {
    doc: 'kubecontrollersconfig.mdx',
    yaml: `apiVersion: projectcalico.org/v3
kind: KubeControllersConfiguration
metadata:
  name: default
spec:
  logSeverityScreen: Info
  healthChecks: Enabled
  etcdv3CompactionPeriod: 10m
  prometheusMetricsPort: 9094
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
`,
    // Go's JSON decoder matches etcdv3CompactionPeriod to etcdV3CompactionPeriod and writes the declared name back.
    expect: (r) => {
      r.spec.etcdV3CompactionPeriod = r.spec.etcdv3CompactionPeriod;
      delete r.spec.etcdv3CompactionPeriod;
    },
  },
  {
    doc: 'caliconodestatus.mdx (with status)',
    yaml: `apiVersion: projectcalico.org/v3
kind: CalicoNodeStatus
metadata:
  creationTimestamp: '2021-10-18T10:30:43Z'
  generation: 139
  name: my-caliconodestatus-1
  resourceVersion: '203255'
  uid: 6e3b676b-546a-41db-aeda-ad44f25ff73f
spec:
  classes: [Agent, BGP, Routes]
  node: my-kadm-node-0
  updatePeriodSeconds: 10
status:
  agent:
    birdV4:
      lastBootTime: '2021-10-18 09:23:19'
      lastReconfigurationTime: '2021-10-18 09:23:19'
      routerID: 10.128.0.240
      state: Ready
      version: v0.3.3+birdv1.6.8
  bgp:
    numberEstablishedV4: 2
    numberEstablishedV6: 0
    numberNotEstablishedV4: 1
    numberNotEstablishedV6: 0
    peersV4:
      - peerIP: 10.128.0.242
        since: '09:23:22'
        state: Established
        type: NodeMesh
  lastUpdated: '2021-10-18T13:22:03Z'
  routes:
    routesV4:
      - destination: 0.0.0.0/0
        gateway: 172.18.0.1
        interface: eth0
        learnedFrom:
          sourceType: Kernel
        type: FIB
      - destination: 192.168.82.0/26
        gateway: 10.128.0.200
        interface: eth0
        learnedFrom:
          peerIP: 10.128.0.200
          sourceType: NodeMesh
        type: FIB
`,
  },
  {
    doc: 'kubernetes.io network-policies (networking.k8s.io/v1)',
    yaml: k8sNetworkPolicySample(),
  },
];

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

for (const ex of examples) {
  test(`docs example round trip: ${ex.doc}`, () => {
    const [input] = decodeResources(ex.yaml, ex.doc);
    assert.ok(input);
    const expected = structuredClone(input) as unknown as Record<string, any>;
    ex.expect?.(expected);
    // A frozen input proves validation and defaulting work on a copy.
    const out = validateResource(deepFreeze(input));
    assert.deepEqual(out, expected);
    for (const format of ['yaml', 'json'] as const) {
      const again = decodeResources(encodeResources([out], format)).map((r: Resource) => validateResource(r));
      assert.deepEqual(again, [out]);
    }
  });
}

/** Examples from Calico's networking guides (configuring/bgp, vxlan-ipip, ipam/*, comms/secure-bgp), as one multi-document file. */
const guides = `apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
 name: loadbalancer-ip-pool
spec:
 cidr: 192.210.0.0/20
 blockSize: 24
 natOutgoing: true
 disabled: false
 assignmentMode: Automatic
 allowedUses:
  - LoadBalancer
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: zone-west-ippool
spec:
  cidr: 192.168.0.0/24
  ipipMode: Always
  natOutgoing: true
  nodeSelector: zone == "west"
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: ippool-vxlan-cross-subnet-1
spec:
  cidr: 192.168.0.0/16
  vxlanMode: CrossSubnet
  natOutgoing: true
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: no-nat-10.0.0.0-8
spec:
  cidr: 10.0.0.0/8
  disabled: true
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: host-subnet-lb-pool
spec:
  cidr: 10.0.2.0/24
  ipipMode: Never
  vxlanMode: Never
  natOutgoing: false
  disabled: false
  assignmentMode: Manual
  allowedUses:
    - LoadBalancer
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata:
  name: rack1-tor
spec:
  peerIP: 192.20.30.40
  asNumber: 64567
  nodeSelector: rack == 'rack-1'
---
kind: BGPPeer
apiVersion: projectcalico.org/v3
metadata:
  name: peer-with-route-reflectors
spec:
  nodeSelector: all()
  peerSelector: route-reflector == 'true'
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata:
  name: bgppeer-global-3040
spec:
  peerIP: 192.20.30.40
  asNumber: 64567
  password:
    secretKeyRef:
      name: bgp-secrets
      key: rr-password
---
kind: BGPConfiguration
apiVersion: projectcalico.org/v3
metadata:
  name: default
spec:
  logSeverityScreen: Info
  nodeToNodeMeshEnabled: true
  nodeMeshPassword:
    secretKeyRef:
      name: bgp-secrets
      key: rr-password
---
kind: BGPPeer
apiVersion: projectcalico.org/v3
metadata:
  name: peer-with-filter
spec:
  peerSelector: has(filter-bgp)
  filters:
    - first-bgp-filter
    - second-bgp-filter
---
apiVersion: projectcalico.org/v3
kind: FelixConfiguration
metadata:
  name: default
spec:
  workloadSourceSpoofing: Any
`;

test('networking guide examples validate, with IPPool defaults filled', () => {
  const rs = decodeResources(guides, 'guides.yaml').map((r) => validateResource(r));
  assert.equal(rs.length, 11);
  const byName = new Map(rs.map((r) => [r.metadata.name, r.spec as Record<string, unknown>]));
  assert.deepEqual(byName.get('loadbalancer-ip-pool'), {
    cidr: '192.210.0.0/20', blockSize: 24, natOutgoing: true, disabled: false, assignmentMode: 'Automatic',
    allowedUses: ['LoadBalancer'], ipipMode: 'Never', vxlanMode: 'Never', nodeSelector: 'all()',
  });
  assert.equal(byName.get('zone-west-ippool')!.nodeSelector, 'zone == "west"');
  assert.equal(byName.get('no-nat-10.0.0.0-8')!.blockSize, 26);
  assert.deepEqual(byName.get('host-subnet-lb-pool')!.allowedUses, ['LoadBalancer']);
});
