/**
 * TypeScript shapes of the non-policy kinds' specs, as they are after
 * `validateResource` (validated, Calico's defaults filled). Field names and
 * optionality follow Calico's Go types (json tags); policy kinds are in
 * `policy/types.ts`.
 */
export type { FelixConfigurationSpec, ProtoPort, HealthTimeoutOverride, RouteTableIDRange } from './felix/felix-spec.js';

export type EncapMode = 'Never' | 'Always' | 'CrossSubnet';
export type IPPoolAllowedUse = 'Workload' | 'Tunnel' | 'LoadBalancer';

/** IPPool spec after defaulting: blockSize, modes, nodeSelector, allowedUses and assignmentMode are always set. */
export interface IPPoolSpec {
  readonly cidr: string;
  readonly blockSize: number;
  readonly ipipMode: EncapMode;
  readonly vxlanMode: EncapMode;
  readonly natOutgoing?: boolean;
  readonly disabled?: boolean;
  readonly disableBGPExport?: boolean;
  readonly nodeSelector: string;
  readonly namespaceSelector?: string;
  readonly allowedUses: readonly IPPoolAllowedUse[];
  readonly assignmentMode: 'Automatic' | 'Manual';
}

export interface IPReservationSpec {
  readonly reservedCIDRs?: readonly string[];
}

export interface IPAMConfigurationSpec {
  readonly strictAffinity: boolean;
  readonly maxBlocksPerHost?: number;
  readonly autoAllocateBlocks?: boolean;
  readonly kubeVirtVMAddressPersistence?: 'Enabled' | 'Disabled';
  readonly ipCooldownSeconds?: number;
}

export interface SecretKeyRef {
  readonly secretKeyRef?: { readonly name: string; readonly key: string; readonly optional?: boolean };
}

/** An AS number as written: an integer, or a string (decimal or dotted `a.b`); see parseAsNumber. */
export type ASNumber = number | string;

export interface BGPConfigurationSpec {
  readonly logSeverityScreen?: string;
  readonly nodeToNodeMeshEnabled?: boolean;
  readonly asNumber?: ASNumber;
  readonly serviceLoadBalancerIPs?: readonly { readonly cidr?: string }[];
  readonly serviceExternalIPs?: readonly { readonly cidr?: string }[];
  readonly serviceClusterIPs?: readonly { readonly cidr?: string }[];
  readonly serviceLoadBalancerAggregation?: 'Enabled' | 'Disabled';
  readonly communities?: readonly { readonly name: string; readonly value: string }[];
  readonly prefixAdvertisements?: readonly { readonly cidr: string; readonly communities: readonly string[] }[];
  readonly listenPort?: number;
  readonly nodeMeshPassword?: SecretKeyRef;
  readonly nodeMeshMaxRestartTime?: string;
  readonly bindMode?: 'None' | 'NodeIP';
  readonly ignoredInterfaces?: readonly string[];
  readonly localWorkloadPeeringIPV4?: string;
  readonly localWorkloadPeeringIPV6?: string;
  readonly programClusterRoutes?: 'Enabled' | 'Disabled' | 'EnabledIPIPOnly' | 'EnabledNoEncapOnly';
  readonly ipv4NormalRoutePriority?: number;
  readonly ipv6NormalRoutePriority?: number;
}

export interface BGPPeerSpec {
  readonly node?: string;
  readonly nodeSelector?: string;
  /** `<IP>`, `<IPv4>:<port>` or `[<IPv6>]:<port>`; see parsePeerIP. */
  readonly peerIP?: string;
  readonly asNumber?: ASNumber;
  readonly localASNumber?: ASNumber;
  readonly peerSelector?: string;
  readonly keepOriginalNextHop?: boolean;
  readonly nextHopMode?: 'Auto' | 'Self' | 'Keep';
  readonly password?: SecretKeyRef;
  readonly sourceAddress?: 'UseNodeIP' | 'None';
  readonly maxRestartTime?: string;
  readonly numAllowedLocalASNumbers?: number;
  readonly ttlSecurity?: number;
  readonly reachableBy?: string;
  readonly filters?: readonly string[];
  readonly localWorkloadSelector?: string;
  readonly reversePeering?: 'Auto' | 'Manual';
  readonly keepaliveTime?: string;
}

export interface BGPFilterRule {
  readonly cidr?: string;
  readonly prefixLength?: { readonly min?: number; readonly max?: number };
  readonly source?: 'RemotePeers';
  readonly interface?: string;
  readonly matchOperator?: 'Equal' | 'NotEqual' | 'In' | 'NotIn';
  readonly action: 'Accept' | 'Reject';
  readonly peerType?: 'eBGP' | 'iBGP';
  readonly priority?: number;
  readonly communities?: { readonly values?: readonly string[] };
  readonly operations?: readonly {
    readonly addCommunity?: { readonly value: string };
    readonly prependASPath?: { readonly prefix: readonly number[] };
    readonly setPriority?: { readonly value: number };
  }[];
}

export interface BGPFilterSpec {
  readonly exportV4?: readonly BGPFilterRule[];
  readonly importV4?: readonly BGPFilterRule[];
  readonly exportV6?: readonly BGPFilterRule[];
  readonly importV6?: readonly BGPFilterRule[];
}

export interface NodeSpec {
  readonly bgp?: {
    readonly asNumber?: ASNumber;
    /** CIDR form, e.g. `10.244.0.1/24`. */
    readonly ipv4Address?: string;
    readonly ipv6Address?: string;
    readonly ipv4IPIPTunnelAddr?: string;
    readonly routeReflectorClusterID?: string;
  };
  readonly ipv4VXLANTunnelAddr?: string;
  readonly vxlanTunnelMACAddr?: string;
  readonly ipv6VXLANTunnelAddr?: string;
  readonly vxlanTunnelMACAddrV6?: string;
  readonly orchRefs?: readonly { readonly nodeName?: string; readonly orchestrator: string }[];
  readonly wireguard?: { readonly interfaceIPv4Address?: string; readonly interfaceIPv6Address?: string };
  readonly addresses?: readonly { readonly address: string; readonly type?: 'CalicoNodeIP' | 'InternalIP' | 'ExternalIP' }[];
  readonly interfaces?: readonly { readonly name?: string; readonly addresses?: readonly string[] }[];
}

export interface NodeStatus {
  readonly wireguardPublicKey?: string;
  readonly wireguardPublicKeyV6?: string;
  readonly podCIDRs?: readonly string[];
}

export interface ClusterInformationSpec {
  readonly clusterGUID?: string;
  readonly clusterType?: string;
  readonly calicoVersion?: string;
  readonly datastoreReady?: boolean;
  readonly variant?: string;
}

export interface KubeControllersConfigurationSpec {
  readonly logSeverityScreen?: string;
  readonly healthChecks?: 'Enabled' | 'Disabled';
  readonly etcdV3CompactionPeriod?: string;
  readonly prometheusMetricsPort: number;
  readonly debugProfilePort?: number;
  readonly controllers: {
    readonly node?: {
      readonly reconcilerPeriod?: string;
      readonly syncLabels?: 'Enabled' | 'Disabled';
      readonly hostEndpoint?: {
        readonly autoCreate?: 'Enabled' | 'Disabled';
        readonly createDefaultHostEndpoint?: 'Enabled' | 'Disabled';
        readonly templates?: readonly {
          readonly generateName?: string;
          readonly interfaceCIDRs?: readonly string[];
          readonly interfacePattern?: string;
          readonly labels?: Readonly<Record<string, string>>;
          readonly annotations?: Readonly<Record<string, string>>;
          readonly nodeSelector?: string;
        }[];
      };
      readonly leakGracePeriod?: string;
    };
    readonly policy?: { readonly reconcilerPeriod?: string };
    readonly workloadEndpoint?: { readonly reconcilerPeriod?: string };
    readonly serviceAccount?: { readonly reconcilerPeriod?: string };
    readonly namespace?: { readonly reconcilerPeriod?: string };
    readonly loadBalancer?: { readonly assignIPs?: 'AllServices' | 'RequestedServicesOnly' };
    readonly migration?: { readonly policyNameMigrator?: 'Enabled' | 'Disabled' };
  };
}

export interface CalicoNodeStatusSpec {
  readonly node: string;
  readonly classes: readonly ('Agent' | 'BGP' | 'Routes')[];
  readonly updatePeriodSeconds: number;
}

/** networking.k8s.io/v1 LabelSelector. */
export interface K8sLabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly { readonly key: string; readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; readonly values?: readonly string[] }[];
}

export interface K8sNetworkPolicyPeer {
  readonly podSelector?: K8sLabelSelector;
  readonly namespaceSelector?: K8sLabelSelector;
  readonly ipBlock?: { readonly cidr: string; readonly except?: readonly string[] };
}

export interface K8sNetworkPolicyPort {
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
  readonly port?: number | string;
  readonly endPort?: number;
}

/** networking.k8s.io/v1 NetworkPolicySpec after defaulting (policyTypes and port protocols set). */
export interface K8sNetworkPolicySpec {
  readonly podSelector: K8sLabelSelector;
  readonly policyTypes: readonly ('Ingress' | 'Egress')[];
  readonly ingress?: readonly { readonly ports?: readonly K8sNetworkPolicyPort[]; readonly from?: readonly K8sNetworkPolicyPeer[] }[];
  readonly egress?: readonly { readonly ports?: readonly K8sNetworkPolicyPort[]; readonly to?: readonly K8sNetworkPolicyPeer[] }[];
}

/** The parts of a v1 Pod spec Calico reads (other fields pass through). */
export interface PodSpec {
  readonly serviceAccountName: string;
  readonly nodeName?: string;
  readonly hostNetwork?: boolean;
  readonly containers?: readonly {
    readonly name?: string;
    readonly ports?: readonly { readonly name?: string; readonly containerPort: number; readonly protocol: 'TCP' | 'UDP' | 'SCTP'; readonly hostPort?: number; readonly hostIP?: string }[];
  }[];
}

export interface PodStatus {
  readonly podIP?: string;
  readonly podIPs?: readonly { readonly ip: string }[];
}
