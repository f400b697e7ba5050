import type { Rule } from '../table.js';

/** nftables address families we own tables in. */
export type NftFamily = 'ip' | 'ip6' | 'inet';

/** The hook of a base chain (`{ type filter hook forward priority 0; policy accept; }`). */
export interface NftBaseChainSpec {
  readonly type: 'filter' | 'nat' | 'route';
  readonly hook: 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting' | 'ingress';
  /** Numeric priority (filter = 0, raw = -300, mangle = -150, dstnat = -100, srcnat = 100). */
  readonly priority: number;
  /** Default `accept`. */
  readonly policy?: 'accept' | 'drop';
  /** Only for netdev/ingress hooks. */
  readonly device?: string;
}

/** A chain as managers describe it: a regular chain, or a base chain when `base` is set. */
export interface NftChain {
  readonly name: string;
  readonly rules: readonly Rule[];
  readonly base?: NftBaseChainSpec;
}

export type NftSetFlag = 'interval' | 'constant' | 'timeout';

/**
 * A named set: `type` is an nft data type or a concatenation, e.g. `ipv4_addr`,
 * `ipv6_addr`, `ipv4_addr . inet_proto . inet_service` (named ports). CIDR
 * members need `flags: ['interval']`.
 */
export interface NftSetSpec {
  readonly name: string;
  readonly type: string;
  readonly flags?: readonly NftSetFlag[];
}

/**
 * A named map; `valueType: 'verdict'` makes a verdict map (e.g. `ifname` ->
 * `jump cali-fw-cali1234`) used for dispatch by interface.
 */
export interface NftMapSpec {
  readonly name: string;
  readonly keyType: string;
  readonly valueType: string;
  readonly flags?: readonly NftSetFlag[];
}

/** A chain as read from the kernel: only what identity needs. */
export interface KernelChain {
  readonly base?: NftBaseChainSpec;
  /** Our hash of each rule in order ('' for a rule without our comment). */
  readonly hashes: string[];
  /** Names of the sets and maps its rules reference (`@name`): the chains to rewrite when one is retyped. */
  readonly refs: Set<string>;
}

export interface KernelSet {
  readonly type: string;
  readonly flags: readonly string[];
  /** Canonical member strings. */
  readonly members: Set<string>;
}

export interface KernelMap {
  readonly keyType: string;
  readonly valueType: string;
  readonly flags: readonly string[];
  /** Canonical key -> canonical value. */
  readonly elements: Map<string, string>;
}

/** What the driver believes the kernel holds in its table. */
export interface KernelTable {
  exists: boolean;
  readonly chains: Map<string, KernelChain>;
  readonly sets: Map<string, KernelSet>;
  readonly maps: Map<string, KernelMap>;
}

export function emptyKernelTable(exists: boolean): KernelTable {
  return { exists, chains: new Map(), sets: new Map(), maps: new Map() };
}
