/**
 * Resource examples in Calico's docs that real calicoctl rejects as well
 * (docs typos), with the field path our validator must name. Decided from
 * libcalico-go v3.31.7: validator.go (`net` is strictly masked, ports need a
 * port protocol, HostEndpointSpec needs an interface or expected IPs) and
 * calicoctl's resourcemgr (yaml.UnmarshalStrict into the Go struct: unknown
 * fields and duplicate keys fail, a number in a string field becomes its Go
 * text; a document without kind has no resource helper).
 */
export interface DocsRejected {
  readonly doc: string;
  readonly why: string;
  readonly yaml: string;
  /** Field path of the issue (regex over `path: reason` lines). */
  readonly issue: RegExp;
}

export const docsRejected: readonly DocsRejected[] = [
  {
    doc: 'network-policy/services/kubernetes-node-ports.mdx:47',
    why: 'rule nets with host bits set (validator.go `net`)',
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: allow-cluster-internal-ingress-only
spec:
  order: 20
  preDNAT: true
  applyOnForward: true
  ingress:
    - action: Allow
      source:
        nets: [1.2.3.4/16, 100.100.100.0/16]
    - action: Deny
  selector: has(node-role.kubernetes.io/worker)
`,
    issue: /^spec\.ingress\[0\]\.source\.nets\[0\]: .*host bits/m,
  },
  {
    doc: 'network-policy/services/services-cluster-ips.mdx:73',
    why: 'a comment left inside the CIDR',
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: allow-cluster-ips
spec:
  selector: k8s-role == 'node'
  types:
  - Ingress
  applyOnForward: true
  preDNAT: true
  ingress:
  - action: Allow
    source:
      nets:
      - 50.60.0.0/16
    destination:
      nets:
      - 10.20.30.40/32  Cluster IP A
`,
    issue: /^spec\.ingress\[0\]\.destination\.nets\[0\]: invalid/m,
  },
  {
    doc: 'network-policy/services/services-cluster-ips.mdx:130',
    why: 'the `ingress:` key is missing, so the rules land in `types`',
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: allow-traffic-hostendpoints
spec:
  selector: k8s-role == 'node'
  types:
  - Ingress
  - action: Allow
    protocol: TCP
    destination:
      selector: k8s-role == 'node'
      notPorts: ["30000:32767"]
`,
    issue: /^spec\.types\[1\]: /m,
  },
  {
    doc: 'network-policy/policy-rules/icmp-ping.mdx:108',
    why: 'comments left in integer fields',
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: allow-host-unreachable
spec:
  selector: projectcalico.org/orchestrator == 'kubernetes'
  types:
    - Ingress
  ingress:
    - action: Allow
      protocol: ICMP
      icmp:
        type: 3  Destination unreachable
        code: 1  Host unreachable
`,
    issue: /^spec\.ingress\[0\]\.icmp\.type: /m,
  },
  {
    doc: 'network-policy/get-started/calico-policy/calico-labels.mdx:15',
    why: 'numeric ports without a protocol',
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: foo-and-bar
spec:
  selector: all()
  ingress:
  - action: Allow
    destination:
      ports: [80]
`,
    issue: /^spec\.ingress\[0\]\.destination\.ports: rules that specify ports must set protocol/m,
  },
  {
    doc: '3.31 network-policy/get-started/kubernetes-default-deny.mdx:97',
    why: 'ports without a protocol next to a service match',
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: deny-app-policy
spec:
  namespaceSelector: kubernetes.io/metadata.name not in {"calico-system", "kube-public", "kube-system", "tigera-operator"}
  types:
  - Ingress
  - Egress
  egress:
  - action: Allow
    destination:
      services:
        name: kube-dns
        namespace: kube-system
      ports:
      - 53
`,
    issue: /^spec\.egress\[0\]\.destination\.ports: /m,
  },
  {
    doc: 'reference/resources/overview.mdx:71',
    why: 'unknown field `interface` (the field is interfaceName)',
    yaml: `apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata:
  name: endpoint1
  labels:
    type: database
spec:
  interface: eth0
  node: host1
  profiles:
  - prof1
  - prof2
  expectedIPs:
  - 1.2.3.4
  - '00:bb::aa'
`,
    issue: /^spec\.interface: unknown field/m,
  },
  {
    doc: 'reference/calicoctl/get.mdx:156',
    why: 'HostEndpoint without interfaceName or expectedIPs',
    yaml: `apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata:
  name: myhost-eth0
spec:
  node: myhost
  profiles:
    - profile1
`,
    issue: /^spec\.interfaceName: no interface or expected IPs/m,
  },
  {
    doc: 'reference/resources/workloadendpoint.mdx:33',
    why: 'unquoted container ID: the decoder makes it the string "1.3374956e+24", not a valid container ID',
    yaml: `apiVersion: projectcalico.org/v3
kind: WorkloadEndpoint
metadata:
  name: node1-k8s-my--nginx--b1337a-eth0
  namespace: default
spec:
  node: node1
  orchestrator: k8s
  endpoint: eth0
  containerID: 1337495556942031415926535
  pod: my-nginx-b1337a
  interfaceName: cali0ef24ba
  ipNetworks:
  - 192.168.0.0/32
`,
    issue: /^spec\.containerID: invalid containerID "1\.3374956e\+24"/m,
  },
  {
    doc: 'reference/resources/workloadendpoint.mdx:33',
    why: 'the `endpoint` key appears twice',
    yaml: `apiVersion: projectcalico.org/v3
kind: WorkloadEndpoint
metadata:
  name: node1-k8s-my--nginx--b1337a-eth0
spec:
  node: node1
  endpoint: eth0
  pod: my-nginx-b1337a
  endpoint: eth0
`,
    issue: /syntax error/m,
  },
  {
    doc: 'networking/ipam/migrate-pools.mdx:236',
    why: 'a list without `kind`',
    yaml: `apiVersion: projectcalico.org/v3
items:
  - apiVersion: projectcalico.org/v3
    kind: IPPool
    metadata:
      name: new-pool
    spec:
      cidr: 10.0.0.0/16
`,
    issue: /^kind: /m,
  },
];
