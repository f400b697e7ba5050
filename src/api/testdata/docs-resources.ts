/**
 * Every projectcalico.org/v3 and networking.k8s.io/v1 NetworkPolicy resource
 * in Calico's documentation (docs.tigera.io calico "next" and 3.31 trees,
 * fenced YAML blocks and `calicoctl apply` heredocs), de-duplicated, that
 * real calicoctl accepts: 178 resources. Collected by a throw-away script;
 * `doc` is the page and line of the block. Examples with placeholders
 * (`<CIDR>`, `...`) are left out; the ones real Calico rejects are in
 * docs-rejected.ts.
 */
export interface DocsResource {
  readonly doc: string;
  readonly yaml: string;
}

export const docsResources: readonly DocsResource[] = [
  {
    doc: "network-policy/staged-network-policies.mdx:42",
    yaml: `apiVersion: projectcalico.org/v3
kind: StagedGlobalNetworkPolicy
metadata:
  name: default.allow-tcp-6379
spec:
  tier: default
  selector: role == 'database'
  types:
    - Ingress
    - Egress
  ingress:
    - action: Allow
      protocol: TCP
      source:
        selector: role == 'frontend'
      destination:
        ports:
          - 6379
  egress:
    - action: Allow
`,
  },
  {
    doc: "network-policy/staged-network-policies.mdx:67",
    yaml: `apiVersion: projectcalico.org/v3
kind: StagedNetworkPolicy
metadata:
  name: default.allow-tcp-6379
  namespace: default
spec:
  tier: default
  selector: role == 'database'
  types:
    - Ingress
    - Egress
  ingress:
    - action: Allow
      protocol: TCP
      source:
        selector: role == 'frontend'
      destination:
        ports:
          - 6379
  egress:
    - action: Allow
`,
  },
  {
    doc: "network-policy/staged-network-policies.mdx:93",
    yaml: `apiVersion: projectcalico.org/v3
kind: StagedKubernetesNetworkPolicy
metadata:
  name: test-network-policy
  namespace: default
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
`,
  },
  {
    doc: "network-policy/adopt-zero-trust.mdx:160",
    yaml: `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: post-allow-list
  namespace: microblog
spec:
  selector: svc == 'post'
  types:
    - Ingress
  ingress:
    - action: Allow
      source:
        serviceAccounts:
          names:
            - api
            - search
        namespaceSelector: app == 'microblog'
      protocol: TCP
      destination:
        ports:
          - 8080
`,
  },
  {
    doc: "network-policy/adopt-zero-trust.mdx:240",
    yaml: `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: post-allow-list
  namespace: microblog
spec:
  selector: svc == 'post'
  types:
    - Ingress
  ingress:
    - action: Allow
      source:
        serviceAccounts:
          selector: svc-post == 'access'
        namespaceSelector: app == 'microblog'
      protocol: TCP
      destination:
        ports:
          - 8080
`,
  },
  {
    doc: "network-policy/encrypt-cluster-pod-traffic.mdx:217",
    yaml: `apiVersion: projectcalico.org/v3
kind: FelixConfiguration
metadata:
  name: node.my-node
spec:
  logSeverityScreen: Info
  reportingInterval: 0s
  wireguardEnabled: false
  wireguardEnabledV6: false
`,
  },
  {
    doc: "network-policy/extreme-traffic/defend-dos-attack.mdx:50",
    yaml: `apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata:
  name: production-host
  labels:
    apply-dos-mitigation: "true"
spec:
  interfaceName: eth0
  node: jasper
  expectedIPs:
    - 10.0.0.1
`,
  },
  {
    doc: "network-policy/extreme-traffic/defend-dos-attack.mdx:67",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkSet
metadata:
  name: dos-mitigation
  labels:
    dos-deny-list: "true"
spec:
  nets:
    - 1.2.3.4/32
    - 5.6.0.0/16
`,
  },
  {
    doc: "network-policy/extreme-traffic/defend-dos-attack.mdx:84",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: dos-mitigation
spec:
  selector: apply-dos-mitigation == 'true'
  doNotTrack: true
  applyOnForward: true
  types:
    - Ingress
  ingress:
    - action: Deny
      source:
        selector: dos-deny-list == 'true'
`,
  },
  {
    doc: "network-policy/extreme-traffic/high-connection-workloads.mdx:48",
    yaml: `apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata:
  name: memcached-node-1-eth0
  labels:
    memcached: server
spec:
  interfaceName: eth0
  node: memcached-node-1
  expectedIPs:
    - 10.128.0.162
`,
  },
  {
    doc: "network-policy/extreme-traffic/high-connection-workloads.mdx:48",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: memcached-server
spec:
  selector: memcached == 'server'
  applyOnForward: true
  doNotTrack: true
  ingress:
    - action: Allow
      protocol: TCP
      source:
        selector: memcached == 'client'
      destination:
        ports:
          - 12211
  egress:
    - action: Allow
      protocol: TCP
      source:
        ports:
          - 12211
      destination:
        selector: memcached == 'client'
`,
  },
  {
    doc: "network-policy/services/kubernetes-node-ports.mdx:68",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: allow-outbound-external
spec:
  order: 10
  egress:
    - action: Allow
  selector: has(kubernetes-host)
`,
  },
  {
    doc: "network-policy/services/kubernetes-node-ports.mdx:106",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: allow-nodeport
spec:
  preDNAT: true
  applyOnForward: true
  order: 10
  ingress:
    - action: Allow
      protocol: TCP
      destination:
        selector: has(kubernetes-host)
        ports:
          - 31852
  selector: has(kubernetes-host)
`,
  },
  {
    doc: "network-policy/services/services-cluster-ips.mdx:157",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: allow-nodes-svc-a
spec:
  selector: k8s-svc == 'svc-a'
  types:
    - Ingress
  ingress:
    - action: Allow
      protocol: TCP
      source:
        selector: k8s-role == 'node'
      destination:
        ports:
          - 80
          - 443
    - action: Allow
      protocol: UDP
      source:
        selector: k8s-role == 'node'
      destination:
        ports:
          - 80
          - 443
`,
  },
  {
    doc: "network-policy/policy-rules/external-ips-policy.mdx:38",
    yaml: `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: allow-egress-external
  namespace: production
spec:
  selector: color == 'red'
  types:
    - Egress
  egress:
    - action: Allow
      destination:
        nets:
          - 192.0.2.0/24
`,
  },
  {
    doc: "network-policy/policy-rules/external-ips-policy.mdx:61",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkSet
metadata:
  name: ip-protect
  labels:
    ip-deny-list: "true"
spec:
  nets:
    - 192.0.2.55/32
    - 203.0.113.0/24
`,
  },
  {
    doc: "network-policy/policy-rules/external-ips-policy.mdx:76",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: forward-default-allow
spec:
  selector: apply-ip-protect == 'true'
  order: 1000
  doNotTrack: true
  applyOnForward: true
  types:
    - Ingress
  ingress:
    - action: Allow
`,
  },
  {
    doc: "network-policy/policy-rules/external-ips-policy.mdx:76",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: ip-protect
spec:
  selector: apply-ip-protect == 'true'
  order: 0
  doNotTrack: true
  applyOnForward: true
  types:
    - Ingress
  ingress:
    - action: Deny
      source:
        selector: ip-deny-list == 'true' && !has(projectcalico.org/namespace)
`,
  },
  {
    doc: "network-policy/policy-rules/icmp-ping.mdx:49",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: block-icmp
spec:
  order: 200
  selector: all()
  types:
    - Ingress
    - Egress
  ingress:
    - action: Deny
      protocol: ICMP
    - action: Deny
      protocol: ICMPv6
  egress:
    - action: Deny
      protocol: ICMP
    - action: Deny
      protocol: ICMPv6
`,
  },
  {
    doc: "network-policy/policy-rules/service-policy.mdx:29",
    yaml: `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: allow-api-access
  namespace: my-app
spec:
  selector: all()
  egress:
    - action: Allow
      destination:
        services:
          name: kubernetes
          namespace: default
`,
  },
  {
    doc: "network-policy/policy-rules/service-policy.mdx:52",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: allow-kube-dns
spec:
  selector: all()
  egress:
    - action: Allow
      destination:
        services:
          name: kube-dns
          namespace: kube-system
`,
  },
  {
    doc: "network-policy/policy-rules/service-policy.mdx:78",
    yaml: `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: allow-frontend-service-access
  namespace: backend
spec:
  selector: all()
  ingress:
    - action: Allow
      source:
        services:
          name: frontend-service
          namespace: frontend
`,
  },
  {
    doc: "network-policy/policy-rules/service-policy.mdx:97",
    yaml: `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: allow-frontend-service-access
  namespace: backend
spec:
  selector: all()
  ingress:
    - action: Allow
      protocol: TCP
      source:
        services:
          name: frontend-service
          namespace: frontend
      destination:
        ports:
          - 80
`,
  },
  {
    doc: "network-policy/policy-rules/service-accounts.mdx:53",
    yaml: `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: demo-calico
  namespace: prod-engineering
spec:
  ingress:
    - action: Allow
      source:
        serviceAccounts:
          names:
            - api-service
            - user-auth-service
  selector: app == "db"
`,
  },
  {
    doc: "network-policy/policy-rules/service-accounts.mdx:74",
    yaml: `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: allow-web-frontend
  namespace: prod-engineering
spec:
  ingress:
    - action: Allow
      source:
        serviceAccounts:
          selector: app == "web-frontend"
  selector: app == "db"
`,
  },
  {
    doc: "network-policy/policy-rules/service-accounts.mdx:95",
    yaml: `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: restrict-intern-access
  namespace: prod-engineering
spec:
  serviceAccountSelector: role == "intern"
  ingress:
    - action: Allow
      source:
        serviceAccounts:
          selector: role == "intern"
  egress:
    - action: Allow
      destination:
        serviceAccounts:
          selector: role == "intern"
`,
  },
  {
    doc: "network-policy/policy-rules/namespace-policy.mdx:24",
    yaml: `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: allow-tcp-6379
  namespace: production
spec:
  selector: color == 'red'
  ingress:
    - action: Allow
      protocol: TCP
      source:
        selector: color == 'blue'
      destination:
        ports:
          - 6379
`,
  },
  {
    doc: "network-policy/policy-rules/namespace-policy.mdx:44",
    yaml: `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: allow-tcp-6379
  namespace: production
spec:
  selector: color == 'red'
  ingress:
    - action: Allow
      protocol: TCP
      source:
        selector: color == 'blue'
        namespaceSelector: shape == 'circle'
      destination:
        ports:
          - 6379
`,
  },
  {
    doc: "network-policy/policy-rules/namespace-policy.mdx:69",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: restrict-development-access
spec:
  namespaceSelector: environment == "development"
  ingress:
    - action: Allow
      source:
        namespaceSelector: environment == "development"
  egress:
    - action: Allow
      destination:
        namespaceSelector: environment == "development"
`,
  },
  {
    doc: "network-policy/hosts/host-forwarded-traffic.mdx:94",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: allow-ssh-maintenance
spec:
  selector: network == 'maintenance'
  applyOnForward: true
  types:
    - Egress
  egress:
    - action: Allow
      protocol: TCP
      destination:
        ports:
          - 22
`,
  },
  {
    doc: "network-policy/hosts/host-forwarded-traffic.mdx:123",
    yaml: `apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata:
  name: myhost.eth1
  labels:
    network: maintenance
spec:
  interfaceName: eth1
  node: myhost
  expectedIPs:
    - 192.168.0.45
`,
  },
  {
    doc: "network-policy/hosts/protect-hosts.mdx:133",
    yaml: `apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata:
  name: my-host-eth0
  labels:
    role: k8s-worker
    environment: production
spec:
  interfaceName: eth0
  node: my-host
  expectedIPs:
    - 10.0.0.1
`,
  },
  {
    doc: "network-policy/hosts/protect-hosts.mdx:163",
    yaml: `apiVersion: projectcalico.org/v3
kind: FelixConfiguration
metadata:
  name: default
spec:
  ipipEnabled: true
  logSeverityScreen: Info
  reportingInterval: 0s
  defaultEndpointToHostAction: Accept
`,
  },
  {
    doc: "network-policy/hosts/protect-hosts-tutorial.mdx:48",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: allow-cluster-internal-ingress
spec:
  order: 10
  preDNAT: true
  applyOnForward: true
  ingress:
    - action: Allow
      source:
        nets:
          - 10.240.0.0/16
          - 192.168.0.0/16
  selector: has(host-endpoint)
`,
  },
  {
    doc: "network-policy/hosts/protect-hosts-tutorial.mdx:48",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: drop-other-ingress
spec:
  order: 20
  preDNAT: true
  applyOnForward: true
  ingress:
    - action: Deny
  selector: has(host-endpoint)
`,
  },
  {
    doc: "network-policy/hosts/protect-hosts-tutorial.mdx:103",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: allow-outbound-external
spec:
  order: 10
  egress:
    - action: Allow
  selector: has(host-endpoint)
`,
  },
  {
    doc: "network-policy/hosts/protect-hosts-tutorial.mdx:139",
    yaml: `apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata:
  name: node1-eth0
  labels:
    host-endpoint: ingress
spec:
  interfaceName: eth0
  node: node1
`,
  },
  {
    doc: "network-policy/hosts/protect-hosts-tutorial.mdx:165",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: allow-nodeport
spec:
  preDNAT: true
  applyOnForward: true
  order: 10
  ingress:
    - action: Allow
      protocol: TCP
      destination:
        selector: has(host-endpoint)
        ports:
          - 31852
  selector: has(host-endpoint)
`,
  },
  {
    doc: "network-policy/hosts/kubernetes-nodes.mdx:114",
    yaml: `apiVersion: projectcalico.org/v3
kind: KubeControllersConfiguration
metadata:
  name: default
spec:
  controllers:
    node:
      hostEndpoint:
        autoCreate: Enabled
        createDefaultHostEndpoint: Enabled
        templates:
          - generateName: custom-host-endpoint
            interfaceCIDRs:
              - 192.168.0.0/16
            labels:
              custom-label: template-host-endpoint
            annotations:
              custom-annotation: template-host-endpoint
`,
  },
  {
    doc: "network-policy/hosts/kubernetes-nodes.mdx:163",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: all-nodes-policy
spec:
  selector: has(kubernetes-host)
`,
  },
  {
    doc: "network-policy/hosts/kubernetes-nodes.mdx:184",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: some-nodes-policy
spec:
  selector: has(kubernetes-host) && environment == 'dev'
`,
  },
  {
    doc: "network-policy/hosts/kubernetes-nodes.mdx:216",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: ingress-k8s-masters
spec:
  selector: has(node-role.kubernetes.io/control-plane)
  ingress:
    - action: Allow
      protocol: TCP
      destination:
        ports:
          - 6443
    - action: Allow
      destination:
        nets:
          - 127.0.0.0/8
    - action: Allow
      protocol: TCP
      source:
        selector: has(node-role.kubernetes.io/control-plane)
      destination:
        ports:
          - 2380
          - 10250
`,
  },
  {
    doc: "network-policy/hosts/kubernetes-nodes.mdx:265",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: ingress-k8s-workers
spec:
  selector: has(kubernetes-worker)
  ingress:
    - action: Allow
      destination:
        nets:
          - 127.0.0.0/8
    - action: Allow
      protocol: TCP
      source:
        selector: has(node-role.kubernetes.io/control-plane)
      destination:
        ports:
          - 10250
`,
  },
  {
    doc: "network-policy/istio/http-methods.mdx:31",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: customer
spec:
  selector: app == 'tradingapp'
  ingress:
    - action: Allow
      http:
        methods:
          - GET
        paths:
          - exact: /projects/calico
          - prefix: /users
  egress:
    - action: Allow
`,
  },
  {
    doc: "network-policy/istio/app-layer-policy.mdx:358",
    yaml: `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: allow-http-get
  namespace: default
spec:
  selector: app == "myapp"
  types:
    - Ingress
  ingress:
    - action: Allow
      protocol: TCP
      destination:
        ports:
          - 80
`,
  },
  {
    doc: "network-policy/istio/enforce-policy-istio.mdx:159",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: customer
spec:
  selector: app == 'customer'
  ingress:
    - action: Allow
      http:
        methods:
          - GET
  egress:
    - action: Allow
`,
  },
  {
    doc: "network-policy/istio/enforce-policy-istio.mdx:178",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: summary
spec:
  selector: app == 'summary'
  ingress:
    - action: Allow
      source:
        serviceAccounts:
          names:
            - customer
  egress:
    - action: Allow
`,
  },
  {
    doc: "network-policy/istio/enforce-policy-istio.mdx:198",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: database
spec:
  selector: app == 'database'
  ingress:
    - action: Allow
      source:
        serviceAccounts:
          names:
            - summary
  egress:
    - action: Allow
`,
  },
  {
    doc: "network-policy/get-started/kubernetes-default-deny.mdx:51",
    yaml: `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: engineering
spec:
  selector: all()
  types:
    - Ingress
    - Egress
`,
  },
  {
    doc: "network-policy/get-started/kubernetes-default-deny.mdx:66",
    yaml: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: engineering
spec:
  podSelector: {}
  policyTypes:
    - Ingress
    - Egress
`,
  },
  {
    doc: "network-policy/get-started/kubernetes-default-deny.mdx:97",
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
      protocol: UDP
      destination:
        selector: k8s-app == "kube-dns"
        ports:
          - 53
    - action: Allow
      protocol: TCP
      destination:
        selector: k8s-app == "kube-dns"
        ports:
          - 53
`,
  },
  {
    doc: "network-policy/get-started/kubernetes-default-deny.mdx:137",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: default.default-deny
spec:
  tier: default
  selector: all()
  types:
    - Ingress
    - Egress
`,
  },
  {
    doc: "network-policy/get-started/calico-policy/calico-policy-tutorial.mdx:70",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: default-deny
spec:
  selector: projectcalico.org/namespace not in  {'kube-system', 'calico-system', 'calico-apiserver'}
  types:
    - Ingress
    - Egress
`,
  },
  {
    doc: "network-policy/get-started/calico-policy/calico-policy-tutorial.mdx:116",
    yaml: `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: allow-busybox-egress
  namespace: advanced-policy-demo
spec:
  selector: run == 'access'
  types:
    - Egress
  egress:
    - action: Allow
`,
  },
  {
    doc: "network-policy/get-started/calico-policy/calico-policy-tutorial.mdx:165",
    yaml: `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: allow-nginx-ingress
  namespace: advanced-policy-demo
spec:
  selector: app == 'nginx'
  types:
    - Ingress
  ingress:
    - action: Allow
      source:
        selector: run == 'access'
`,
  },
  {
    doc: "network-policy/get-started/calico-policy/calico-network-policy.mdx:35",
    yaml: `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: allow-tcp-6379
  namespace: production
`,
  },
  {
    doc: "network-policy/get-started/calico-policy/calico-network-policy.mdx:45",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: allow-tcp-port-6379
`,
  },
  {
    doc: "network-policy/get-started/calico-policy/calico-network-policy.mdx:144",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: deny-blue
spec:
  selector: color == 'red'
  ingress:
    - action: Deny
      protocol: TCP
      source:
        selector: color == 'blue'
`,
  },
  {
    doc: "network-policy/get-started/calico-policy/calico-network-policy.mdx:160",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: deny-circle-blue
spec:
  selector: color == 'red'
  ingress:
    - action: Deny
      protocol: TCP
      source:
        selector: color == 'blue'
        namespaceSelector: shape == 'circle'
`,
  },
  {
    doc: "network-policy/get-started/calico-policy/calico-network-policy.mdx:181",
    yaml: `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: allow-egress-external
  namespace: production
spec:
  selector: color == 'red'
  types:
    - Egress
  egress:
    - action: Allow
      destination:
        nets:
          - 1.2.3.0/24
`,
  },
  {
    doc: "network-policy/get-started/calico-policy/calico-network-policy.mdx:204",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: drop-other-ingress
spec:
  order: 20
`,
  },
  {
    doc: "network-policy/get-started/calico-policy/calico-network-policy.mdx:214",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: allow-cluster-internal-ingress
spec:
  order: 10
`,
  },
  {
    doc: "network-policy/get-started/calico-policy/calico-network-policy.mdx:228",
    yaml: `apiVersion: projectcalico.org/v3
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
    - action: Log
      protocol: TCP
      source:
        selector: role == 'frontend'
    - action: Deny
      protocol: TCP
      source:
        selector: role == 'frontend'
`,
  },
  {
    doc: "network-policy/get-started/calico-policy/network-policy-openstack.mdx:43",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: deny-lexluthor-to-superman
spec:
  order: 10
  selector: projectcalico.org/openstack-project-name == 'superman'
  types:
    - Ingress
  ingress:
    - action: Deny
      source:
        selector: projectcalico.org/openstack-project-name == 'lexluthor'
`,
  },
  {
    doc: "network-policy/get-started/calico-policy/network-policy-openstack.mdx:43",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: deny-superman-to-lexluthor
spec:
  order: 10
  selector: projectcalico.org/openstack-project-name == 'lexluthor'
  types:
    - Ingress
  ingress:
    - action: Deny
      source:
        selector: projectcalico.org/openstack-project-name == 'superman'
`,
  },
  {
    doc: "network-policy/get-started/calico-policy/network-policy-openstack.mdx:77",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: allow-tcp-80
spec:
  selector: has(sg.projectcalico.org/openstack-a7734e61-b545-452d-a3cd-0189cbd9747a)
  types:
    - Ingress
  ingress:
    - action: Allow
      protocol: TCP
      source:
        selector: has(sg.projectcalico.org/openstack-85cc3048-abc3-43cc-89b3-377341426ac5)
      destination:
        ports:
          - 80
`,
  },
  {
    doc: "network-policy/get-started/kubernetes-policy/kubernetes-policy-advanced.mdx:74",
    yaml: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-ingress
  namespace: advanced-policy-demo
spec:
  podSelector:
    matchLabels: {}
  policyTypes:
    - Ingress
`,
  },
  {
    doc: "network-policy/get-started/kubernetes-policy/kubernetes-policy-advanced.mdx:123",
    yaml: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: access-nginx
  namespace: advanced-policy-demo
spec:
  podSelector:
    matchLabels:
      app: nginx
  ingress:
    - from:
        - podSelector:
            matchLabels: {}
`,
  },
  {
    doc: "network-policy/get-started/kubernetes-policy/kubernetes-policy-advanced.mdx:164",
    yaml: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-egress
  namespace: advanced-policy-demo
spec:
  podSelector:
    matchLabels: {}
  policyTypes:
    - Egress
`,
  },
  {
    doc: "network-policy/get-started/kubernetes-policy/kubernetes-policy-advanced.mdx:222",
    yaml: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-dns-access
  namespace: advanced-policy-demo
spec:
  podSelector:
    matchLabels: {}
  policyTypes:
    - Egress
  egress:
    - to:
        - namespaceSelector:
            matchLabels:
              name: kube-system
      ports:
        - protocol: UDP
          port: 53
`,
  },
  {
    doc: "network-policy/get-started/kubernetes-policy/kubernetes-policy-advanced.mdx:284",
    yaml: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-egress-to-advance-policy-ns
  namespace: advanced-policy-demo
spec:
  podSelector:
    matchLabels: {}
  policyTypes:
    - Egress
  egress:
    - to:
        - podSelector:
            matchLabels:
              app: nginx
`,
  },
  {
    doc: "network-policy/get-started/kubernetes-policy/kubernetes-policy-basic.mdx:65",
    yaml: `kind: NetworkPolicy
apiVersion: networking.k8s.io/v1
metadata:
  name: default-deny
  namespace: policy-demo
spec:
  podSelector:
    matchLabels: {}
`,
  },
  {
    doc: "network-policy/get-started/kubernetes-policy/kubernetes-policy-basic.mdx:118",
    yaml: `kind: NetworkPolicy
apiVersion: networking.k8s.io/v1
metadata:
  name: access-nginx
  namespace: policy-demo
spec:
  podSelector:
    matchLabels:
      app: nginx
  ingress:
    - from:
        - podSelector:
            matchLabels:
              run: access
`,
  },
  {
    doc: "network-policy/get-started/kubernetes-policy/kubernetes-network-policy.mdx:53",
    yaml: `kind: NetworkPolicy
apiVersion: networking.k8s.io/v1
metadata:
  name: allow-same-namespace
  namespace: default
spec:
  podSelector:
    matchLabels:
      color: blue
  ingress:
    - from:
        - podSelector:
            matchLabels:
              color: red
      ports:
        - port: 80
`,
  },
  {
    doc: "network-policy/get-started/kubernetes-policy/kubernetes-network-policy.mdx:84",
    yaml: `kind: NetworkPolicy
apiVersion: networking.k8s.io/v1
metadata:
  name: allow-different-namespace
  namespace: default
spec:
  podSelector:
    matchLabels:
      color: blue
  ingress:
    - from:
        - podSelector:
            matchLabels:
              color: red
          namespaceSelector:
            matchLabels:
              shape: square
      ports:
        - port: 80
`,
  },
  {
    doc: "network-policy/get-started/kubernetes-policy/kubernetes-network-policy.mdx:114",
    yaml: `kind: NetworkPolicy
apiVersion: networking.k8s.io/v1
metadata:
  name: allow-egress-same-namespace
  namespace: default
spec:
  podSelector:
    matchLabels:
      color: blue
  egress:
    - to:
        - podSelector:
            matchLabels:
              color: red
      ports:
        - port: 80
`,
  },
  {
    doc: "network-policy/get-started/kubernetes-policy/kubernetes-network-policy.mdx:139",
    yaml: `kind: NetworkPolicy
apiVersion: networking.k8s.io/v1
metadata:
  name: allow-egress-external
  namespace: default
spec:
  podSelector:
    matchLabels:
      color: red
  egress:
    - to:
        - ipBlock:
            cidr: 172.18.0.0/24
`,
  },
  {
    doc: "network-policy/get-started/kubernetes-policy/kubernetes-network-policy.mdx:163",
    yaml: `kind: NetworkPolicy
apiVersion: networking.k8s.io/v1
metadata:
  name: default-deny
  namespace: policy-demo
spec:
  podSelector:
    matchLabels: {}
  policyTypes:
    - Ingress
    - Egress
`,
  },
  {
    doc: "network-policy/policy-tiers/tiered-policy.mdx:31",
    yaml: `apiVersion: projectcalico.org/v3
kind: Tier
metadata:
  name: security
spec:
  order: 300
`,
  },
  {
    doc: "network-policy/policy-tiers/tiered-policy.mdx:163",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: devops.stage-env
spec:
  tier: devops
  order: 255
  selector: env == "stage"
  ingress:
    - action: Deny
      source:
        selector: env != "stage"
    - action: Pass
  egress:
    - action: Deny
      destination:
        selector: env != "stage"
    - action: Pass
  types:
    - Ingress
    - Egress
`,
  },
  {
    doc: "network-policy/policy-tiers/tiered-policy.mdx:191",
    yaml: `apiVersion: projectcalico.org/v3
kind: Tier
metadata:
  name: devops
spec:
  order: 300
  defaultAction: Pass
`,
  },
  {
    doc: "network-policy/comms/secure-bgp.mdx:134",
    yaml: `apiVersion: projectcalico.org/v3
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
`,
  },
  {
    doc: "network-policy/comms/secure-bgp.mdx:154",
    yaml: `kind: BGPConfiguration
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
`,
  },
  {
    doc: "network-policy/comms/secure-metrics.mdx:56",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: default-host
spec:
  selector: running-calico == "true"
  order: 5000
  ingress:
    - action: Allow
  egress:
    - action: Allow
`,
  },
  {
    doc: "network-policy/comms/secure-metrics.mdx:96",
    yaml: `apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata:
  name: kubeadm-master.eth0
  labels:
    running-calico: "true"
spec:
  node: kubeadm-master
  interfaceName: eth0
  expectedIPs:
    - 10.100.0.15
`,
  },
  {
    doc: "network-policy/comms/secure-metrics.mdx:96",
    yaml: `apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata:
  name: kubeadm-node-0.eth0
  labels:
    running-calico: "true"
spec:
  node: kubeadm-node-0
  interfaceName: eth0
  expectedIPs:
    - 10.100.0.16
`,
  },
  {
    doc: "network-policy/comms/secure-metrics.mdx:141",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: restrict-calico-node-prometheus
spec:
  selector: running-calico == "true"
  order: 500
  types:
    - Ingress
  ingress:
    - action: Deny
      protocol: TCP
      source:
        notSelector: calico-prometheus-access == "true"
      destination:
        ports:
          - 9091
`,
  },
  {
    doc: "network-policy/comms/secure-metrics.mdx:194",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkSet
metadata:
  name: calico-prometheus-set
  labels:
    calico-prometheus-access: "true"
spec:
  nets:
    - 172.15.0.0/24
    - 172.101.0.0/24
`,
  },
  {
    doc: "network-policy/comms/secure-metrics.mdx:215",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: restrict-calico-node-prometheus
spec:
  selector: running-calico == "true"
  order: 500
  types:
    - Ingress
  ingress:
    - action: Deny
      protocol: TCP
      source:
        notSelector: calico-prometheus-access == "true"
      destination:
        ports:
          - 9093
`,
  },
  {
    doc: "network-policy/comms/secure-metrics.mdx:258",
    yaml: `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: restrict-kube-controllers-prometheus
  namespace: calico-system
spec:
  selector: k8s-app == "calico-kube-controllers"
  order: 500
  types:
    - Ingress
  ingress:
    - action: Deny
      protocol: TCP
      source:
        notSelector: calico-prometheus-access == "true"
      destination:
        ports:
          - 9094
`,
  },
  {
    doc: "network-policy/comms/secure-metrics.mdx:380",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: restrict-calico-node-prometheus
spec:
  selector: running-calico == "true"
  order: 500
  types:
    - Ingress
  ingress:
    - action: Allow
      protocol: TCP
      source:
        selector: calico-prometheus-access == "true"
      destination:
        ports:
          - 9091
`,
  },
  {
    doc: "network-policy/comms/secure-metrics.mdx:429",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkSet
metadata:
  name: calico-prometheus-set
  labels:
    calico-prometheus-access: "true"
spec:
  nets:
    - 172.15.0.101/32
`,
  },
  {
    doc: "network-policy/comms/secure-metrics.mdx:449",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: restrict-typha-prometheus
spec:
  selector: running-calico == "true"
  order: 500
  types:
    - Ingress
  ingress:
    - action: Allow
      protocol: TCP
      source:
        selector: calico-prometheus-access == "true"
      destination:
        ports:
          - 9093
`,
  },
  {
    doc: "network-policy/comms/secure-metrics.mdx:487",
    yaml: `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: restrict-kube-controllers-prometheus
  namespace: calico-system
spec:
  selector: k8s-app == "calico-kube-controllers"
  order: 500
  types:
    - Ingress
  ingress:
    - action: Allow
      protocol: TCP
      source:
        selector: calico-prometheus-access == "true"
      destination:
        ports:
          - 9094
`,
  },
  {
    doc: "networking/ipam/migrate-pools.mdx:203",
    yaml: `apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: new-pool
spec:
  cidr: 10.0.0.0/16
  ipipMode: Always
  natOutgoing: true
`,
  },
  {
    doc: "networking/ipam/migrate-pools.mdx:261",
    yaml: `apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: default-ipv4-ippool
spec:
  cidr: 192.0.0.0/16
  ipipMode: Always
  natOutgoing: true
  disabled: true
`,
  },
  {
    doc: "networking/ipam/service-loadbalancer.mdx:46",
    yaml: `apiVersion: projectcalico.org/v3
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
`,
  },
  {
    doc: "networking/ipam/ip-autodetection.mdx:31",
    yaml: `apiVersion: projectcalico.org/v3
kind: Node
metadata:
  name: node-hostname
spec:
  bgp:
    asNumber: 64512
    ipv4Address: 10.244.0.1/24
    ipv6Address: 2000:db8:85a3::8a2e:370:7335/120
    ipv4IPIPTunnelAddr: 192.168.0.1
`,
  },
  {
    doc: "networking/ipam/ippools.mdx:88",
    yaml: `apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: pool-zone-1
spec:
  cidr: 192.168.0.0/24
  vxlanMode: Always
  natOutgoing: true
  nodeSelector: zone == "zone-1"
`,
  },
  {
    doc: "networking/ipam/ippools.mdx:102",
    yaml: `apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: pool-zone-2
spec:
  cidr: 192.168.1.0/24
  vxlanMode: Always
  natOutgoing: true
  nodeSelector: zone == "zone-2"
`,
  },
  {
    doc: "networking/ipam/assign-ip-addresses-topology.mdx:36",
    yaml: `apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: zone-west-ippool
spec:
  cidr: 192.168.0.0/24
  ipipMode: Always
  natOutgoing: true
  nodeSelector: zone == "west"
`,
  },
  {
    doc: "networking/ipam/assign-ip-addresses-topology.mdx:108",
    yaml: `apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: rack-0-ippool
spec:
  cidr: 192.168.0.0/24
  ipipMode: Always
  natOutgoing: true
  nodeSelector: rack == "0"
`,
  },
  {
    doc: "networking/ipam/assign-ip-addresses-topology.mdx:122",
    yaml: `apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: rack-1-ippool
spec:
  cidr: 192.168.1.0/24
  ipipMode: Always
  natOutgoing: true
  nodeSelector: rack == "1"
`,
  },
  {
    doc: "networking/ipam/change-block-size.mdx:120",
    yaml: `apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: temporary-pool
spec:
  cidr: 10.0.0.0/16
  ipipMode: Always
  natOutgoing: true
`,
  },
  {
    doc: "networking/ipam/change-block-size.mdx:201",
    yaml: `apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: default-ipv4-ippool
spec:
  blockSize: 28
  cidr: 192.0.0.0/16
  ipipMode: Always
  natOutgoing: true
`,
  },
  {
    doc: "networking/kubevirt/live-migration-bgp.mdx:114",
    yaml: `apiVersion: projectcalico.org/v3
kind: BGPFilter
metadata:
  name: kubevirt-live-migration
spec:
  exportV4:
    - action: Accept
      peerType: eBGP
      priority: 512
      operations:
        - addCommunity:
            value: 65000:100
  importV4:
    - action: Accept
      communities:
        values:
          - 65000:100
      operations:
        - setPriority:
            value: 512
  exportV6:
    - action: Accept
      peerType: eBGP
      priority: 512
      operations:
        - addCommunity:
            value: 65000:100
  importV6:
    - action: Accept
      communities:
        values:
          - 65000:100
      operations:
        - setPriority:
            value: 512
`,
  },
  {
    doc: "networking/configuring/bgp-to-workload.mdx:124",
    yaml: `apiVersion: projectcalico.org/v3
kind: BGPFilter
metadata:
  name: no-export
spec:
  exportV4:
    - action: Reject
  exportV6:
    - action: Reject
`,
  },
  {
    doc: "networking/configuring/bgp-to-workload.mdx:141",
    yaml: `apiVersion: projectcalico.org/v3
kind: BGPFilter
metadata:
  name: accept-nested-ip-pools
spec:
  importV4:
    - action: Accept
      matchOperator: In
      cidr: 10.123.0.0/16
  importV6:
    - action: Accept
      matchOperator: In
      cidr: ca11:c0::/48
`,
  },
  {
    doc: "networking/configuring/bgp-to-workload.mdx:161",
    yaml: `apiVersion: projectcalico.org/v3
kind: BGPFilter
metadata:
  name: export-to-tor
spec:
  exportV4:
    - action: Accept
      matchOperator: In
      cidr: 10.123.0.0/16
      source: RemotePeers
  exportV6:
    - action: Accept
      matchOperator: In
      cidr: ca11:c0::/48
      source: RemotePeers
`,
  },
  {
    doc: "networking/configuring/advertise-service-ips.mdx:103",
    yaml: `apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata:
  name: default
spec:
  serviceClusterIPs:
    - cidr: 10.96.0.0/16
    - cidr: fd00:1234::/112
`,
  },
  {
    doc: "networking/configuring/vxlan-ipip.mdx:100",
    yaml: `apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: ippool-ipip-cross-subnet-1
spec:
  cidr: 192.168.0.0/16
  ipipMode: CrossSubnet
  natOutgoing: true
`,
  },
  {
    doc: "networking/configuring/vxlan-ipip.mdx:115",
    yaml: `apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: ippool-ipip-1
spec:
  cidr: 192.168.0.0/16
  ipipMode: Always
  natOutgoing: true
`,
  },
  {
    doc: "networking/configuring/vxlan-ipip.mdx:132",
    yaml: `apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: ippool-vxlan-cross-subnet-1
spec:
  cidr: 192.168.0.0/16
  vxlanMode: CrossSubnet
  natOutgoing: true
`,
  },
  {
    doc: "networking/configuring/vxlan-ipip.mdx:147",
    yaml: `apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: ippool-vxlan-1
spec:
  cidr: 192.168.0.0/16
  vxlanMode: Always
  natOutgoing: true
`,
  },
  {
    doc: "networking/configuring/bgp.mdx:82",
    yaml: `apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata:
  name: my-global-peer
spec:
  peerIP: 192.20.30.40
  asNumber: 64567
`,
  },
  {
    doc: "networking/configuring/bgp.mdx:98",
    yaml: `apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata:
  name: rack1-tor
spec:
  peerIP: 192.20.30.40
  asNumber: 64567
  nodeSelector: rack == 'rack-1'
`,
  },
  {
    doc: "networking/configuring/bgp.mdx:140",
    yaml: `kind: BGPPeer
apiVersion: projectcalico.org/v3
metadata:
  name: peer-with-route-reflectors
spec:
  nodeSelector: all()
  peerSelector: route-reflector == 'true'
`,
  },
  {
    doc: "networking/configuring/bgp.mdx:262",
    yaml: `apiVersion: projectcalico.org/v3
kind: BGPFilter
metadata:
  name: my-filter
spec:
  exportV4:
    - action: Accept
      matchOperator: In
      cidr: 77.0.0.0/16
    - action: Reject
      source: RemotePeers
    - action: Reject
      interface: "*.calico"
  importV4:
    - action: Reject
      matchOperator: NotIn
      cidr: 44.0.0.0/16
  exportV6:
    - action: Reject
      source: RemotePeers
    - action: Reject
      interface: "*.calico"
  importV6:
    - action: Accept
      matchOperator: Equal
      cidr: 5000::0/64
    - action: Reject
`,
  },
  {
    doc: "networking/configuring/bgp.mdx:303",
    yaml: `kind: BGPFilter
apiVersion: projectcalico.org/v3
metadata:
  name: first-bgp-filter
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
      interface: "*.calico"
  importV6:
    - action: Accept
      matchOperator: Equal
      cidr: 5000::0/64
`,
  },
  {
    doc: "networking/configuring/bgp.mdx:303",
    yaml: `kind: BGPFilter
apiVersion: projectcalico.org/v3
metadata:
  name: second-bgp-filter
spec:
  exportV4:
    - action: Accept
      matchOperator: In
      cidr: 77.0.0.0/16
      interface: "*.calico"
  importV4:
    - action: Reject
      matchOperator: NotIn
      cidr: 44.0.0.0/16
  exportV6:
    - action: Reject
      source: RemotePeers
  importV6:
    - action: Reject
`,
  },
  {
    doc: "networking/configuring/bgp.mdx:303",
    yaml: `kind: BGPPeer
apiVersion: projectcalico.org/v3
metadata:
  name: peer-with-filter
spec:
  peerSelector: has(filter-bgp)
  filters:
    - first-bgp-filter
    - second-bgp-filter
`,
  },
  {
    doc: "networking/configuring/local-subnet-l2-reachability.mdx:95",
    yaml: `apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: host-subnet-pod-pool
spec:
  cidr: 10.0.1.0/24
  ipipMode: Never
  vxlanMode: Never
  natOutgoing: false
  disabled: false
  assignmentMode: Manual
`,
  },
  {
    doc: "networking/configuring/local-subnet-l2-reachability.mdx:113",
    yaml: `apiVersion: projectcalico.org/v3
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
`,
  },
  {
    doc: "networking/configuring/node-local-dns-cache.mdx:29",
    yaml: `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: default.local-dns-to-core-dns
  namespace: kube-system
spec:
  tier: default
  selector: k8s-app == "kube-dns"
  ingress:
    - action: Allow
      protocol: TCP
      destination:
        selector: k8s-app == "kube-dns"
        ports:
          - "53"
  types:
    - Ingress
`,
  },
  {
    doc: "networking/configuring/allowed-source-prefixes.mdx:30",
    yaml: `apiVersion: projectcalico.org/v3
kind: FelixConfiguration
metadata:
  name: default
spec:
  workloadSourceSpoofing: Any
`,
  },
  {
    doc: "networking/configuring/workloads-outside-cluster.mdx:42",
    yaml: `apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: default-ipv4-ippool
spec:
  cidr: 192.168.0.0/16
  natOutgoing: true
`,
  },
  {
    doc: "networking/configuring/workloads-outside-cluster.mdx:56",
    yaml: `apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: no-nat-10.0.0.0-8
spec:
  cidr: 10.0.0.0/8
  disabled: true
`,
  },
  {
    doc: "reference/faq.mdx:145",
    yaml: `apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: ippool-1
spec:
  cidr: 192.168.0.0/16
  ipipMode: Always
  natOutgoing: true
`,
  },
  {
    doc: "reference/calicoctl/get.mdx:156",
    yaml: `apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata:
  labels:
    type: database
  name: endpoint1
spec:
  node: host1
  expectedIPs:
    - 1.2.3.4
    - 0:bb::aa
  profiles:
    - prof1
    - prof2
`,
  },
  {
    doc: "reference/public-cloud/aws.mdx:49",
    yaml: `apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: ippool-cs-1
spec:
  cidr: 192.168.0.0/16
  ipipMode: CrossSubnet
`,
  },
  {
    doc: "reference/public-cloud/aws.mdx:74",
    yaml: `apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: ippool-1
spec:
  cidr: 192.168.0.0/16
  ipipMode: CrossSubnet
  natOutgoing: true
`,
  },
  {
    doc: "reference/host-endpoints/forwarded.mdx:57",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: empty-default-deny
spec:
  types:
    - Ingress
    - Egress
  selector: has(host-endpoint)
  applyOnForward: true
`,
  },
  {
    doc: "reference/host-endpoints/selector.mdx:13",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: webserver
spec:
  selector: role=="webserver"
  order: 100
  ingress:
    - action: Allow
      protocol: TCP
      destination:
        ports:
          - 80
  egress:
    - action: Allow
`,
  },
  {
    doc: "reference/resources/caliconodestatus.mdx:30",
    yaml: `apiVersion: projectcalico.org/v3
kind: CalicoNodeStatus
metadata:
  name: my-caliconodestatus-1
spec:
  classes:
    - Agent
    - BGP
    - Routes
  node: my-kadm-node-0
  updatePeriodSeconds: 10
`,
  },
  {
    doc: "reference/resources/caliconodestatus.mdx:48",
    yaml: `apiVersion: projectcalico.org/v3
kind: CalicoNodeStatus
metadata:
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: |
      {"apiVersion":"crd.projectcalico.org/v1","kind":"CalicoNodeStatus","metadata":{"annotations":{},"name":"my-caliconodestatus-1"},"spec":{"classes":["Agent","BGP","Routes"],"node":"my-kadm-node-0","updatePeriodSeconds":10}}
    projectcalico.org/metadata: '{"uid":"6e3b676b-546a-41db-aeda-ad44f25ff73f","generation":2,"creationTimestamp":"2021-10-18T10:30:43Z","managedFields":[{"manager":"kubectl-client-side-apply","operation":"Update","apiVersion":"projectcalico.org/v3","time":"2021-10-18T10:30:43Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:annotations":{".":{},"f:kubectl.kubernetes.io/last-applied-configuration":{}}},"f:spec":{".":{},"f:node":{},"f:updatePeriodSeconds":{}}}},{"manager":"kubectl-edit","operation":"Update","apiVersion":"crd.projectcalico.org/v1","time":"2021-10-18T12:59:25Z","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:classes":{}}}}]}'
  creationTimestamp: 2021-10-18T10:30:43Z
  generation: 139
  name: my-caliconodestatus-1
  resourceVersion: "203255"
  uid: 6e3b676b-546a-41db-aeda-ad44f25ff73f
spec:
  classes:
    - Agent
    - BGP
    - Routes
  node: my-kadm-node-0
  updatePeriodSeconds: 10
status:
  agent:
    birdV4:
      lastBootTime: 2021-10-18 09:23:19
      lastReconfigurationTime: 2021-10-18 09:23:19
      routerID: 10.128.0.240
      state: Ready
      version: v0.3.3+birdv1.6.8
    birdV6:
      lastBootTime: 2021-10-18 09:23:19
      lastReconfigurationTime: 2021-10-18 09:23:19
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
        since: 09:23:22
        state: Established
        type: NodeMesh
      - peerIP: 10.128.0.200
        since: 09:23:21
        state: Established
        type: NodeMesh
      - peerIP: 10.128.0.241
        since: 09:23:22
        state: OpenSent
        type: NodeMesh
  lastUpdated: 2021-10-18T13:22:03Z
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
      - destination: 192.168.36.0/26
        gateway: 10.128.0.242
        interface: eth0
        learnedFrom:
          peerIP: 10.128.0.242
          sourceType: NodeMesh
        type: FIB
      - destination: 10.128.0.5/16
        gateway: N/A
        interface: eth0
        learnedFrom:
          sourceType: Direct
        type: FIB
`,
  },
  {
    doc: "reference/resources/profile.mdx:18",
    yaml: `apiVersion: projectcalico.org/v3
kind: Profile
metadata:
  name: dev-apps
spec:
  labelsToApply:
    stage: development
`,
  },
  {
    doc: "reference/resources/ipreservation.mdx:12",
    yaml: `apiVersion: projectcalico.org/v3
kind: IPReservation
metadata:
  name: my-ipreservation-1
spec:
  reservedCIDRs:
    - 192.168.2.3
    - 10.0.2.3/32
    - cafe:f00d::/123
`,
  },
  {
    doc: "reference/resources/stagedglobalnetworkpolicy.mdx:47",
    yaml: `apiVersion: projectcalico.org/v3
kind: StagedGlobalNetworkPolicy
metadata:
  name: internal-access.allow-tcp-6379
spec:
  tier: internal-access
  selector: role == 'database'
  types:
    - Ingress
    - Egress
  ingress:
    - action: Allow
      protocol: TCP
      source:
        selector: role == 'frontend'
      destination:
        ports:
          - 6379
  egress:
    - action: Allow
`,
  },
  {
    doc: "reference/resources/globalnetworkpolicy.mdx:42",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: allow-tcp-6379
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
`,
  },
  {
    doc: "reference/resources/bgpfilter.mdx:24",
    yaml: `apiVersion: projectcalico.org/v3
kind: BGPFilter
metadata:
  name: my-filter
spec:
  exportV4:
    - action: Accept
      matchOperator: In
      cidr: 77.0.0.0/16
      source: RemotePeers
    - action: Reject
      interface: "*.calico"
  importV4:
    - action: Accept
      matchOperator: In
      cidr: 55.0.0.0/16
      prefixLength:
        min: 30
    - action: Reject
      matchOperator: NotIn
      cidr: 44.0.0.0/16
  exportV6:
    - action: Reject
      source: RemotePeers
    - action: Reject
      interface: "*.calico"
  importV6:
    - action: Accept
      matchOperator: Equal
      cidr: 5000::0/64
    - action: Reject
`,
  },
  {
    doc: "reference/resources/node.mdx:19",
    yaml: `apiVersion: projectcalico.org/v3
kind: Node
metadata:
  name: node-hostname
spec:
  bgp:
    asNumber: 64512
    ipv4Address: 10.244.0.1/24
    ipv6Address: 2001:db8:85a3::8a2e:370:7334/120
    ipv4IPIPTunnelAddr: 192.168.0.1
`,
  },
  {
    doc: "reference/resources/felixconfig.mdx:16",
    yaml: `apiVersion: projectcalico.org/v3
kind: FelixConfiguration
metadata:
  name: default
spec:
  ipv6Support: false
  ipipMTU: 1400
  chainInsertMode: Append
`,
  },
  {
    doc: "reference/resources/felixconfig.mdx:51",
    yaml: `apiVersion: projectcalico.org/v3
kind: FelixConfiguration
metadata:
  name: gpu-nodes
spec:
  nodeSelector: role == 'gpu'
  logSeverityScreen: Debug
  bpfEnabled: true
`,
  },
  {
    doc: "reference/resources/bgpconfig.mdx:12",
    yaml: `apiVersion: projectcalico.org/v3
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
    - cidr: 172.217.3.0/24
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
`,
  },
  {
    doc: "reference/resources/networkset.mdx:35",
    yaml: `apiVersion: projectcalico.org/v3
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
`,
  },
  {
    doc: "reference/resources/kubecontrollersconfig.mdx:13",
    yaml: `apiVersion: projectcalico.org/v3
kind: KubeControllersConfiguration
metadata:
  name: default
spec:
  logSeverityScreen: Info
  healthChecks: Enabled
  etcdV3CompactionPeriod: 10m
  prometheusMetricsPort: 9094
  controllers:
    node:
      reconcilerPeriod: 5m
      leakGracePeriod: 15m
      syncLabels: Enabled
      hostEndpoint:
        autoCreate: Disabled
        createDefaultHostEndpoint: Enabled
        templates:
          - generateName: custom-host-endpoint
            interfaceCIDRs:
              - 1.2.3.0/24
            interfacePattern: eth0|eth1
            nodeSelector: has(my-label)
            labels:
              key: value
            annotations:
              key: value
    policy:
      reconcilerPeriod: 5m
    workloadEndpoint:
      reconcilerPeriod: 5m
    serviceAccount:
      reconcilerPeriod: 5m
    namespace:
      reconcilerPeriod: 5m
    loadbalancer:
      assignIPs: AllServices
`,
  },
  {
    doc: "reference/resources/globalnetworkset.mdx:29",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkSet
metadata:
  name: a-name-for-the-set
  labels:
    role: external-database
spec:
  nets:
    - 198.51.100.0/28
    - 203.0.113.0/24
`,
  },
  {
    doc: "reference/resources/stagednetworkpolicy.mdx:47",
    yaml: `apiVersion: projectcalico.org/v3
kind: StagedNetworkPolicy
metadata:
  name: internal-access.allow-tcp-6379
  namespace: production
spec:
  tier: internal-access
  selector: role == 'database'
  types:
    - Ingress
    - Egress
  ingress:
    - action: Allow
      protocol: TCP
      source:
        selector: role == 'frontend'
      destination:
        ports:
          - 6379
  egress:
    - action: Allow
`,
  },
  {
    doc: "reference/resources/ippool.mdx:14",
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
  assignmentMode: Automatic
`,
  },
  {
    doc: "reference/resources/tier.mdx:37",
    yaml: `apiVersion: projectcalico.org/v3
kind: Tier
metadata:
  name: internal-access
spec:
  order: 100
  defaultAction: Deny
`,
  },
  {
    doc: "reference/resources/bgppeer.mdx:18",
    yaml: `apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata:
  name: some.name
spec:
  node: rack1-host1
  peerIP: 192.168.1.1
  asNumber: 63400
`,
  },
  {
    doc: "reference/resources/bgppeer.mdx:106",
    yaml: `apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata:
  name: peer-a
spec:
  password:
    secretKeyRef:
      name: bgp-passwords
      key: peer_a_pw
`,
  },
  {
    doc: "reference/resources/bgppeer.mdx:106",
    yaml: `apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata:
  name: peer-b
spec:
  password:
    secretKeyRef:
      name: bgp-passwords
      key: peer_b_pw
`,
  },
  {
    doc: "reference/resources/ipamconfig.mdx:11",
    yaml: `apiVersion: projectcalico.org/v3
kind: IPAMConfiguration
metadata:
  name: default
spec:
  strictAffinity: false
  maxBlocksPerHost: 4
  kubeVirtVMAddressPersistence: Enabled
`,
  },
  {
    doc: "reference/resources/networkpolicy.mdx:42",
    yaml: `apiVersion: projectcalico.org/v3
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
`,
  },
  {
    doc: "reference/resources/hostendpoint.mdx:63",
    yaml: `apiVersion: projectcalico.org/v3
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
    - profile2
  ports:
    - name: some-port
      port: 1234
      protocol: TCP
    - name: another-port
      port: 5432
      protocol: UDP
`,
  },
  {
    doc: "getting-started/kubernetes/quickstart.mdx:305",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: default-deny
spec:
  selector: projectcalico.org/namespace not in {'kube-system', 'calico-system', 'calico-apiserver'}
  types:
    - Ingress
    - Egress
`,
  },
  {
    doc: "getting-started/kubernetes/quickstart.mdx:366",
    yaml: `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: allow-busybox-egress
  namespace: quickstart
spec:
  selector: run == 'access'
  types:
    - Egress
  egress:
    - action: Allow
`,
  },
  {
    doc: "getting-started/kubernetes/quickstart.mdx:415",
    yaml: `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: allow-nginx-ingress
  namespace: quickstart
spec:
  selector: app == 'nginx'
  types:
    - Ingress
  ingress:
    - action: Allow
      source:
        selector: run == 'access'
`,
  },
  {
    doc: "getting-started/kubernetes/hardway/test-networking.mdx:94",
    yaml: `apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: pool2
spec:
  cidr: 192.168.192.0/19
  ipipMode: Never
  natOutgoing: true
  disabled: false
  nodeSelector: all()
`,
  },
  {
    doc: "getting-started/kubernetes/hardway/configure-bgp-peering.mdx:92",
    yaml: `kind: BGPPeer
apiVersion: projectcalico.org/v3
metadata:
  name: peer-to-rrs
spec:
  nodeSelector: "!has(calico-route-reflector)"
  peerSelector: has(calico-route-reflector)
`,
  },
  {
    doc: "getting-started/kubernetes/hardway/configure-bgp-peering.mdx:106",
    yaml: `kind: BGPPeer
apiVersion: projectcalico.org/v3
metadata:
  name: rrs-to-rrs
spec:
  nodeSelector: has(calico-route-reflector)
  peerSelector: has(calico-route-reflector)
`,
  },
  {
    doc: "getting-started/kubernetes/hardway/configure-bgp-peering.mdx:120",
    yaml: `apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata:
  name: default
spec:
  nodeToNodeMeshEnabled: false
  asNumber: 64512
`,
  },
  {
    doc: "getting-started/kubernetes/hardway/configure-ip-pools.mdx:19",
    yaml: `apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: pool1
spec:
  cidr: 192.168.0.0/18
  ipipMode: Never
  natOutgoing: true
  disabled: false
  nodeSelector: all()
`,
  },
  {
    doc: "getting-started/kubernetes/hardway/configure-ip-pools.mdx:41",
    yaml: `apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: pool2
spec:
  cidr: 192.168.192.0/19
  ipipMode: Never
  natOutgoing: true
  disabled: true
  nodeSelector: all()
`,
  },
  {
    doc: "getting-started/kubernetes/hardway/end-user-rbac.mdx:143",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkSet
metadata:
  name: niks-set
spec:
  nets:
    - 110.120.130.0/24
    - 210.220.230.0/24
`,
  },
  {
    doc: "getting-started/kubernetes/hardway/end-user-rbac.mdx:281",
    yaml: `apiVersion: projectcalico.org/v3
kind: NetworkSet
metadata:
  name: sams-set
  namespace: sam
spec:
  nets:
    - 110.120.130.0/24
    - 210.220.230.0/24
`,
  },
  {
    doc: "getting-started/kubernetes/windows-calico/limitations.mdx:136",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: calico-dest-selector
spec:
  selector: all()
  order: 500
  ingress:
    - action: Allow
      destination:
        selector: role == "webserver"
      source:
        selector: role == "client"
`,
  },
  {
    doc: "getting-started/kubernetes/windows-calico/limitations.mdx:156",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: calico-dest-selector
spec:
  selector: role == "webserver"
  order: 500
  ingress:
    - action: Allow
      source:
        selector: role == "client"
`,
  },
  {
    doc: "getting-started/kubernetes/windows-calico/demo.mdx:224",
    yaml: `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: allow-busybox
  namespace: calico-demo
spec:
  selector: app == 'porter'
  types:
    - Ingress
  ingress:
    - action: Allow
      protocol: TCP
      source:
        selector: app == 'busybox'
`,
  },
  {
    doc: "getting-started/kubernetes/windows-calico/demo.mdx:555",
    yaml: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-busybox
  namespace: calico-demo
spec:
  podSelector:
    matchLabels:
      app: porter
  policyTypes:
    - Ingress
  ingress:
    - from:
        - podSelector:
            matchLabels:
              app: busybox
      ports:
        - protocol: TCP
          port: 80
`,
  },
  {
    doc: "operations/decommissioning-a-node.mdx:72",
    yaml: `apiVersion: projectcalico.org/v3
kind: Node
metadata:
  name: node-02
`,
  },
  {
    doc: "operations/decommissioning-a-node.mdx:72",
    yaml: `apiVersion: projectcalico.org/v3
kind: Node
metadata:
  name: node-03
`,
  },
  {
    doc: "about/kubernetes-training/about-network-policy.mdx:169",
    yaml: `kind: NetworkPolicy
apiVersion: networking.k8s.io/v1
metadata:
  name: front-end
  namespace: staging
spec:
  podSelector:
    matchLabels:
      app: back-end
  ingress:
    - from:
        - podSelector:
            matchLabels:
              app: front-end
      ports:
        - protocol: TCP
          port: 443
  egress:
    - to:
        - podSelector:
            matchLabels:
              app: database
      ports:
        - protocol: TCP
          port: 27017
`,
  },
  {
    doc: "about/kubernetes-training/about-network-policy.mdx:209",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: default-app-policy
spec:
  namespaceSelector: has(projectcalico.org/name) && projectcalico.org/name not in {"kube-system", "calico-system", "calico-apiserver"}
  types:
    - Ingress
    - Egress
  egress:
    - action: Allow
      protocol: UDP
      destination:
        selector: k8s-app == "kube-dns"
        ports:
          - 53
`,
  },
  {
    doc: "network-policy/hosts/kubernetes-nodes.mdx:112",
    yaml: `apiVersion: projectcalico.org/v3
kind: KubeControllersConfiguration
metadata:
  name: default
spec:
  controllers:
    node:
      hostEndpoint:
        autoCreate: Enabled
        createDefaultHostEndpoint: Enabled
        templates:
          - generateName: custom-host-endpoint
            interfaceCIDRs:
              - 192.168.0.0/16
            labels:
              custom-label: template-host-endpoint
`,
  },
  {
    doc: "reference/resources/kubecontrollersconfig.mdx:13",
    yaml: `apiVersion: projectcalico.org/v3
kind: KubeControllersConfiguration
metadata:
  name: default
spec:
  logSeverityScreen: Info
  healthChecks: Enabled
  etcdV3CompactionPeriod: 10m
  prometheusMetricsPort: 9094
  controllers:
    node:
      reconcilerPeriod: 5m
      leakGracePeriod: 15m
      syncLabels: Enabled
      hostEndpoint:
        autoCreate: Disabled
        createDefaultHostEndpoint: Enabled
        templates:
          - generateName: custom-host-endpoint
            interfaceCIDRs:
              - 1.2.3.0/24
            interfacePattern: eth0|eth1
            nodeSelector: has(my-label)
            labels:
              key: value
    policy:
      reconcilerPeriod: 5m
    workloadEndpoint:
      reconcilerPeriod: 5m
    serviceAccount:
      reconcilerPeriod: 5m
    namespace:
      reconcilerPeriod: 5m
    loadbalancer:
      assignIPs: AllServices
`,
  },
  {
    doc: "reference/resources/ipamconfig.mdx:11",
    yaml: `apiVersion: projectcalico.org/v3
kind: IPAMConfiguration
metadata:
  name: default
spec:
  strictAffinity: false
  maxBlocksPerHost: 4
`,
  },
];

/**
 * The YAML of the docs block at `doc` (page:line, as in `docsResources`), for
 * tests that want particular documented examples. Where both docs trees hold
 * a different block at the same place, the first is returned.
 */
export function docsYaml(doc: string): string {
  const found = docsResources.find((r) => r.doc === doc);
  if (!found) throw new Error(`no docs resource at ${doc}`);
  return found.yaml;
}

/** Joins single-resource YAML texts into one multi-document stream, as `calicoctl apply -f` reads. */
export function yamlStream(...texts: readonly string[]): string {
  return texts.map((t) => (t.endsWith('\n') ? t : `${t}\n`)).join('---\n');
}
