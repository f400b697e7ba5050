import type { Resource } from '../types.js';
import type { Issues } from '../validate/issues.js';
import { array, object, required, string, type Spec } from '../validate/schema.js';
import { calicoKind, defineKind } from './define-kind.js';
import { asNumberField, cidrV4Field, cidrV6Field, ipv4Field, ipv6Field, macField, nameField, netField } from './common-fields.js';

/**
 * Node (projectcalico.org/v3): a Calico node (host) with its BGP addresses,
 * tunnel addresses, orchestrator references and, in status, the WireGuard
 * public keys and pod CIDRs. Field rules from libcalico-go's node.go tags and
 * validator.go validateNodeSpec (an empty `bgp` object is rejected). No defaults.
 */

/** A WireGuard key: 32 bytes, standard base64 (44 characters ending in '='). */
export const wireguardKeyField: Spec = string({
  check: (v) => {
    if (!/^[A-Za-z0-9+/]{43}=$/.test(v)) return 'invalid WireGuard public key';
    return Buffer.from(v, 'base64').length === 32 ? undefined : 'invalid WireGuard public key';
  },
});

export const nodeSpecSchema = object({
  bgp: object({
    asNumber: asNumberField,
    ipv4Address: cidrV4Field,
    ipv6Address: cidrV6Field,
    ipv4IPIPTunnelAddr: ipv4Field,
    routeReflectorClusterID: ipv4Field,
  }),
  ipv4VXLANTunnelAddr: ipv4Field,
  vxlanTunnelMACAddr: macField,
  ipv6VXLANTunnelAddr: ipv6Field,
  vxlanTunnelMACAddrV6: macField,
  orchRefs: array(object({ nodeName: string(), orchestrator: required(string()) })),
  wireguard: object({ interfaceIPv4Address: ipv4Field, interfaceIPv6Address: ipv6Field }),
  addresses: array(object({
    address: required(netField),
    type: string({ check: (v) => (v === '' || /^(CalicoNodeIP|InternalIP|ExternalIP)$/.test(v) ? undefined : 'must be one of "CalicoNodeIP", "InternalIP", "ExternalIP"') }),
  })),
  interfaces: array(object({ name: nameField, addresses: array(string()) })),
});

export const nodeStatusSchema = object({
  wireguardPublicKey: wireguardKeyField,
  wireguardPublicKeyV6: wireguardKeyField,
  podCIDRs: array(string()),
});

function validateNode(r: Resource, issues: Issues): void {
  const bgp = (r.spec as Record<string, unknown> | undefined)?.bgp;
  if (bgp && typeof bgp === 'object' && Object.keys(bgp).length === 0) issues.add('spec.bgp', 'Spec.BGP should not be empty');
}

export const nodeKind = defineKind({
  info: calicoKind('Node', 'nodes', false, ['node', 'nodes', 'no', 'nos']),
  spec: nodeSpecSchema,
  status: nodeStatusSchema,
  validate: validateNode,
});
