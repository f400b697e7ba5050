import type { ResourceKey } from '../datastore/datastore.js';
import type { IpNet } from './ip.js';
import { formatCidr } from './ip.js';

/**
 * The stored shapes of IPAM's own kinds (IPAMBlock, BlockAffinity,
 * IPAMHandle) and the parts of IPPool / IPReservation / IPAMConfiguration
 * that IPAM reads. Field names follow Calico's v3 / CRD JSON so a Calico user
 * reading the datastore sees familiar objects.
 */

export const API_VERSION = 'projectcalico.org/v3';
export const KIND_BLOCK = 'IPAMBlock';
export const KIND_AFFINITY = 'BlockAffinity';
export const KIND_HANDLE = 'IPAMHandle';
export const KIND_POOL = 'IPPool';
export const KIND_RESERVATION = 'IPReservation';
export const KIND_CONFIG = 'IPAMConfiguration';
export const KIND_NODE = 'Node';
export const KIND_WORKLOAD_ENDPOINT = 'WorkloadEndpoint';

/** Attribute keys Calico stores with an allocation (libcalico-go ipam.Attribute*). */
export const ATTR_NODE = 'node';
export const ATTR_NAMESPACE = 'namespace';
export const ATTR_POD = 'pod';
export const ATTR_TIMESTAMP = 'timestamp';

/** Handle Calico uses to pre-reserve Windows' per-block addresses; such blocks still count as empty. */
export const WINDOWS_RESERVED_HANDLE = 'windows-reserved-ipam-handle';

export interface AllocationAttribute {
  handle_id: string | null;
  secondary: Record<string, string> | null;
}

export interface IpamBlockSpec {
  cidr: string;
  /** `host:<node>` or null for a block nobody is affine to. */
  affinity: string | null;
  /** One entry per ordinal: index into `attributes`, or null when free. */
  allocations: (number | null)[];
  /** Free ordinals, in the order they will be handed out (released ones go to the back). */
  unallocated: number[];
  attributes: AllocationAttribute[];
  /** Block sequence number: seeded from the clock at creation, bumped on every write. */
  sequenceNumber: number;
  /** Ordinal -> sequence number of its current allocation. */
  sequenceNumberForAllocation: Record<string, number>;
  deleted: boolean;
}

export interface IpamBlock {
  apiVersion: string;
  kind: 'IPAMBlock';
  metadata: { name: string };
  spec: IpamBlockSpec;
}

export type AffinityState = 'pending' | 'confirmed' | 'pendingDeletion';

export interface BlockAffinity {
  apiVersion: string;
  kind: 'BlockAffinity';
  metadata: { name: string };
  spec: { state: AffinityState; node: string; cidr: string; type: 'host'; deleted: boolean };
}

export interface IpamHandle {
  apiVersion: string;
  kind: 'IPAMHandle';
  metadata: { name: string };
  /** `block` maps block CIDR -> number of this handle's addresses in it. */
  spec: { handleID: string; block: Record<string, number>; deleted: boolean };
}

/** The IPPool fields IPAM uses, already parsed. */
export interface PoolInfo {
  readonly name: string;
  readonly cidr: IpNet;
  readonly cidrText: string;
  readonly blockSize: number;
  readonly nodeSelector: string;
  /** Selects the namespaces whose pods may get addresses from the pool; '' = every namespace. */
  readonly namespaceSelector: string;
  readonly disabled: boolean;
  readonly allowedUses: readonly string[];
  readonly assignmentMode: string;
}

export interface IpamConfig {
  readonly strictAffinity: boolean;
  /** 0 = unlimited. */
  readonly maxBlocksPerHost: number;
  readonly autoAllocateBlocks: boolean;
}

export const DEFAULT_IPAM_CONFIG: IpamConfig = { strictAffinity: false, maxBlocksPerHost: 0, autoAllocateBlocks: true };

/** IPAMBlock name: the block CIDR with `/` replaced by `-` (e.g. `10.0.0.64-26`). */
export function blockName(cidr: IpNet): string {
  return formatCidr(cidr).replace('/', '-');
}

export function blockKey(cidr: IpNet): ResourceKey {
  return { kind: KIND_BLOCK, name: blockName(cidr) };
}

/** BlockAffinity name: `<node>-<block name>`, one per (node, block). */
export function affinityName(host: string, cidr: IpNet): string {
  return `${host}-${blockName(cidr)}`;
}

export function affinityKey(host: string, cidr: IpNet): ResourceKey {
  return { kind: KIND_AFFINITY, name: affinityName(host, cidr) };
}

export function handleKey(handleId: string): ResourceKey {
  return { kind: KIND_HANDLE, name: handleId };
}

export function hostAffinity(host: string): string {
  return `host:${host}`;
}

/** The node named by a `host:<node>` affinity, or null. */
export function affinityHost(affinity: string | null): string | null {
  return affinity !== null && affinity.startsWith('host:') ? affinity.slice(5) : null;
}
