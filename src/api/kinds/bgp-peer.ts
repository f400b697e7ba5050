import type { Resource } from '../types.js';
import type { Issues } from '../validate/issues.js';
import { parseIp } from '../validate/net.js';
import { array, bool, enumOf, int, object, string } from '../validate/schema.js';
import { selectorField } from '../validate/selector-field.js';
import { calicoKind, defineKind } from './define-kind.js';
import { asNumberField, bgpPasswordField, duration, nameField, optionalEnum, parseAsNumber } from './common-fields.js';

/**
 * BGPPeer (projectcalico.org/v3): a BGP session (or a set of them, by
 * selector) that Calico nodes establish. Validation follows bgppeer.go tags
 * and validator.go validateBGPPeerSpec (node vs nodeSelector, peerIP vs
 * peerSelector, localWorkloadSelector rules, reachableBy). No stored defaults.
 */

/**
 * Splits `peerIP` as validator.go processIPPort does: `<IPv4>`, `<IPv6>`,
 * `<IPv4>:<port>` or `[<IPv6>]:<port>`. Returns undefined when invalid.
 */
export function parsePeerIP(v: string): { ip: string; port?: number } | undefined {
  let ipText = v;
  let port: number | undefined;
  const v4 = /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(v);
  const v6 = /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(v);
  const m = v4 ?? v6;
  if (m) {
    ipText = m[1]!;
    port = Number(m[2]);
    if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  }
  const ip = parseIp(ipText);
  if (!ip.ok) return undefined;
  return port === undefined ? { ip: ip.value.address } : { ip: ip.value.address, port };
}

const peerIPField = string({
  check: (v) => (parsePeerIP(v) ? undefined : `invalid peerIP "${v}": expected <IP>, <IPv4>:<port> or [<IPv6>]:<port>`),
});

export const bgpPeerSpecSchema = object({
  node: nameField,
  nodeSelector: selectorField(),
  peerIP: peerIPField,
  asNumber: asNumberField,
  localASNumber: asNumberField,
  peerSelector: selectorField(),
  keepOriginalNextHop: bool(),
  nextHopMode: enumOf(['Auto', 'Self', 'Keep']),
  password: bgpPasswordField,
  sourceAddress: optionalEnum(['UseNodeIP', 'None']),
  maxRestartTime: duration,
  numAllowedLocalASNumbers: int({ min: -2147483648, max: 2147483647 }),
  ttlSecurity: int({ min: 0, max: 255 }),
  reachableBy: string({ check: (v) => (parseIp(v).ok ? undefined : 'ReachableBy is invalid address') }),
  filters: array(nameField),
  localWorkloadSelector: selectorField(),
  reversePeering: enumOf(['Auto', 'Manual']),
  // Added after v3.31.
  keepaliveTime: duration,
});

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function validateBGPPeer(r: Resource, issues: Issues): void {
  const s = (r.spec ?? {}) as Record<string, unknown>;
  const asn = s.asNumber === undefined ? 0 : parseAsNumber(s.asNumber) ?? 0;
  if (str(s.node) && str(s.nodeSelector)) issues.add('spec.node', 'Node field must be empty when NodeSelector is specified');
  if (str(s.peerIP) && str(s.peerSelector)) issues.add('spec.peerIP', 'PeerIP field must be empty when PeerSelector is specified');
  if (asn !== 0 && str(s.peerSelector)) issues.add('spec.asNumber', 'ASNumber field must be empty when PeerSelector is specified');
  if (asn === 0 && str(s.localWorkloadSelector)) {
    issues.add('spec.asNumber', 'ASNumber field must NOT be empty when LocalWorkloadSelector is specified');
  }
  if (str(s.peerIP) && str(s.localWorkloadSelector)) {
    issues.add('spec.peerIP', 'PeerIP field must be empty when LocalWorkloadSelector is specified');
  }
  if (str(s.peerSelector) && str(s.localWorkloadSelector)) {
    issues.add('spec.peerSelector', 'PeerSelector field must be empty when LocalWorkloadSelector is specified');
  }
  const reachableBy = str(s.reachableBy);
  if (reachableBy) {
    const peer = str(s.peerIP);
    const rb = parseIp(reachableBy);
    const p = peer ? parsePeerIP(peer) : undefined;
    if (!peer) issues.add('spec.reachableBy', 'ReachablyBy field must be empty when PeerIP is empty');
    else if (rb.ok && p) {
      const pf = parseIp(p.ip);
      if (pf.ok && pf.value.family !== rb.value.family) issues.add('spec.reachableBy', 'ReachableBy and PeerIP address family mismatched');
    }
  }
  if (s.keepOriginalNextHop === true && s.nextHopMode !== undefined) {
    issues.add(
      'spec.keepOriginalNextHop',
      'The KeepOriginalNextHop field is deprecated. It must not be set to true when NextHopMode is configured.',
    );
  }
}

export const bgpPeerKind = defineKind({
  info: calicoKind('BGPPeer', 'bgppeers', false, ['bgppeer', 'bgppeers', 'bgpp', 'bgpps', 'bp', 'bps']),
  spec: bgpPeerSpecSchema,
  validate: validateBGPPeer,
});

