// Importing this module registers every kind with the registry.
import './policy/index.js';
import './ip-pool.js';
import './ip-reservation.js';
import './ipam-configuration.js';
import './bgp-configuration.js';
import './bgp-peer.js';
import './bgp-filter.js';
import './felix-configuration.js';
import './cluster-information.js';
import './kube-controllers-configuration.js';
import './node.js';
import './calico-node-status.js';
import './k8s-namespace.js';
import './k8s-pod.js';
import './k8s-network-policy.js';
export {};
