/**
 * Documented examples that docs-resources.ts does not hold (it collects
 * Calico's docs only), shared by the api and calicoctl tests so each is
 * written once.
 */
import { parse } from 'yaml';
import { docsYaml } from './docs-resources.js';

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

/**
 * kubernetes.io's NetworkPolicy example (concepts/services-networking/network-policies),
 * in `namespace`. Calico's staged-network-policies page stages exactly this
 * policy, so it is that docs resource with the Kubernetes apiVersion and kind.
 */
export function k8sNetworkPolicySample(namespace = 'default'): string {
  const staged = docsYaml('network-policy/staged-network-policies.mdx:93');
  const head = 'apiVersion: projectcalico.org/v3\nkind: StagedKubernetesNetworkPolicy\n';
  const ns = '\n  namespace: default\n';
  if (!staged.startsWith(head) || !staged.includes(ns)) throw new Error('staged-network-policies.mdx:93 changed shape');
  return `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n${staged.slice(head.length).replace(ns, `\n  namespace: ${namespace}\n`)}`;
}

/** The same policy decoded (what the converter and the validator take), in `namespace`. */
export function k8sNetworkPolicySampleObject(namespace = 'default'): { metadata: Record<string, unknown>; spec: Record<string, unknown> } {
  return parse(k8sNetworkPolicySample(namespace)) as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
}
