/**
 * Kernel object names, as Felix names them (felix/rules/rule_defs.go): every
 * name starts with `cali` so resync never touches what others own, and every
 * name fits iptables' 28-character chain limit and ipset's 31-character set
 * limit (nftables has no such limits but uses the same names).
 */
import { createHash } from 'node:crypto';
import type { PolicyId } from '../model/ids.js';
import type { Family } from './ir.js';

/** iptables' chain name limit (XT_EXTENSION_MAXNAMELEN - 1 is 28 for chains). */
export const MAX_CHAIN_NAME = 28;
/** ipset's set name limit (IPSET_MAXNAMELEN - 1). */
export const MAX_IPSET_NAME = 31;
/** Workload interfaces Calico owns (FelixConfiguration interfacePrefix default). */
export const WORKLOAD_IFACE_PREFIX = 'cali';
/** Default FelixConfiguration logPrefix. */
export const LOG_PREFIX = 'calico-packet';

export const CHAIN = {
  fromWorkloadDispatch: 'cali-from-wl-dispatch',
  toWorkloadDispatch: 'cali-to-wl-dispatch',
  workloadToHost: 'cali-wl-to-host',
  fromHostDispatch: 'cali-from-host-endpoint',
  toHostDispatch: 'cali-to-host-endpoint',
  fromHostForwardDispatch: 'cali-from-hep-forward',
  toHostForwardDispatch: 'cali-to-hep-forward',
  failsafeIn: 'cali-failsafe-in',
  failsafeOut: 'cali-failsafe-out',
  forward: 'cali-FORWARD',
  input: 'cali-INPUT',
  output: 'cali-OUTPUT',
  prerouting: 'cali-PREROUTING',
  postrouting: 'cali-POSTROUTING',
  natOutgoing: 'cali-nat-outgoing',
  rpfSkip: 'cali-rpf-skip',
} as const;

/** Endpoint chain prefixes (rule_defs.go). */
export const PREFIX = {
  toWorkload: 'cali-tw-',
  fromWorkload: 'cali-fw-',
  toHost: 'cali-th-',
  fromHost: 'cali-fh-',
  toHostForward: 'cali-thfw-',
  fromHostForward: 'cali-fhfw-',
  policyInbound: 'cali-pi-',
  policyOutbound: 'cali-po-',
  profileInbound: 'cali-pri-',
  profileOutbound: 'cali-pro-',
} as const;

/**
 * Felix's hashutils.GetLengthLimitedID: `prefix + suffix` when it fits, else
 * `prefix + '_' + base64url(sha224(suffix))` cut to the limit.
 */
export function lengthLimitedId(prefix: string, suffix: string, max: number): string {
  if (prefix.length + suffix.length <= max) return prefix + suffix;
  return hashedId(prefix, suffix, max);
}

function hashedId(prefix: string, suffix: string, max: number): string {
  const hash = createHash('sha224').update(suffix).digest('base64url');
  return `${prefix}_${hash}`.slice(0, max);
}

/**
 * Characters both drivers accept in a chain name; a suffix with anything else
 * (policy suffixes contain `/`) is hashed, as Felix hashes long names.
 */
const SAFE = /^[A-Za-z0-9_.-]*$/;

function chainName(prefix: string, suffix: string): string {
  if (!SAFE.test(suffix)) return hashedId(prefix, suffix, MAX_CHAIN_NAME);
  return lengthLimitedId(prefix, suffix, MAX_CHAIN_NAME);
}

/** `tier/namespace/name` (namespace omitted for global kinds): what policy chain names are made from. */
export function policyChainSuffix(id: PolicyId, tier: string): string {
  return id.namespace ? `${tier}/${id.namespace}/${id.name}` : `${tier}/${id.name}`;
}

export function policyChainName(id: PolicyId, tier: string, dir: 'inbound' | 'outbound'): string {
  return chainName(dir === 'inbound' ? PREFIX.policyInbound : PREFIX.policyOutbound, policyChainSuffix(id, tier));
}

export function profileChainName(name: string, dir: 'inbound' | 'outbound'): string {
  return chainName(dir === 'inbound' ? PREFIX.profileInbound : PREFIX.profileOutbound, name);
}

/** Endpoint chain: prefix + interface name (interface names are at most 15 characters). */
export function endpointChainName(prefix: string, iface: string): string {
  return chainName(prefix, iface === '*' ? 'any-interface' : iface);
}

/**
 * Kernel name of a model IP set in one family. ipset: `cali40` / `cali60` + the
 * id, cut to 31 characters (Felix's IPVersionConfig.NameForMainIPSet). nftables
 * does not accept `:` in set names, so the id's `:` becomes `_` there.
 */
export function ipSetName(id: string, family: Family, backend: 'nft' | 'ipset'): string {
  const prefix = family === 4 ? 'cali40' : 'cali60';
  if (backend === 'ipset') return (prefix + id).slice(0, MAX_IPSET_NAME);
  return prefix + id.replace(/:/g, '_');
}

/** Sets holding all IPAM pools and the natOutgoing pools (Felix's masq manager). */
export function poolSetName(kind: 'all' | 'masq', family: Family): string {
  return `cali${family === 4 ? '4' : '6'}0${kind}-ipam-pools`;
}
