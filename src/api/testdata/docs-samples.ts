/**
 * Documented examples that docs-resources.ts does not hold (it collects
 * Calico's docs only), shared by the api and calicoctl tests so each is
 * written once.
 */

/**
 * The WorkloadEndpoint sample of Calico's workloadendpoint.mdx. The docs
 * sample repeats `endpoint` and leaves the container ID unquoted; written here
 * as calicoctl reads it.
 */
export const WORKLOAD_ENDPOINT_SAMPLE = `apiVersion: projectcalico.org/v3
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
  containerID: "1337495556942031415926535"
  pod: my-nginx-b1337a
  endpoint: eth0
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
`;

/** kubernetes.io's NetworkPolicy example (concepts/services-networking/network-policies), in `namespace`. */
export function k8sNetworkPolicySample(namespace = 'default'): string {
  return `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: test-network-policy
  namespace: ${namespace}
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
`;
}
