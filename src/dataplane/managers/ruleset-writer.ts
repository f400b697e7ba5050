/**
 * RulesetWriter: what the managers program, in backend-neutral terms (IR
 * chains, dispatch tables, IP sets). One implementation per backend turns it
 * into driver calls: `nft-writer.ts` (one nftables table per family, verdict
 * maps) and `ipt-writer.ts` (iptables-restore + ipset). Calls only record
 * desired state; `apply()` sends the delta to the kernel.
 */
import type { Family, IrChain, IrRule } from '../rules/ir.js';
import type { ChainNamer, HookChain, HookTable } from '../rules/static-chains.js';

/**
 * Kernel set contents: `net` members are CIDRs, `ip-and-port` members
 * `ip,proto:port` (model form, named ports), `net-and-port` members
 * `cidr,proto:port` or `cidr,proto:first-last` (an address or CIDR with a
 * protocol name and a destination port or port range: compiled tier allow sets).
 */
export type WriterSetKind = 'net' | 'ip-and-port' | 'net-and-port';

/** A dispatch chain: picks the endpoint chain for the packet's interface. */
export interface DispatchSpec {
  readonly table: HookTable;
  /** The dispatch chain's (table-qualified) name. */
  readonly name: string;
  readonly key: 'iif' | 'oif';
  /** Rules after the lookup, for interfaces with no entry (unknown workload: drop). */
  readonly fallback: readonly IrRule[];
}

/** What one writer apply did, summed over families and kernel tools. */
export interface WriterApplyResult {
  readonly commands: number;
  readonly readKernel: boolean;
}

export interface RulesetWriter {
  readonly backend: 'nftables' | 'iptables';
  /** Table-qualified chain names for hook, dispatch and endpoint chains. */
  readonly chainName: ChainNamer;
  /** Kernel name of a model IP set in a family. */
  setName(id: string, f: Family): string;
  /** Declares which families are programmed; a family that goes away has its objects removed at apply. */
  setFamilies(families: readonly Family[]): void;
  /**
   * A hook's chain. `append` (FelixConfiguration chainInsertMode Append) puts
   * iptables' jump at the end of the built-in chain instead of the top;
   * nftables base chains have no such choice and ignore it.
   */
  setHookChain(f: Family, hook: HookChain, append?: boolean): void;
  /** A regular chain in the given tables (nftables has one table per family and ignores the list). */
  updateChain(f: Family, tables: readonly HookTable[], chain: IrChain): void;
  removeChain(f: Family, tables: readonly HookTable[], name: string): void;
  /** Declares a dispatch chain or changes its fallback; its entries are kept. */
  setDispatch(f: Family, spec: DispatchSpec): void;
  /**
   * Points `iface` at an endpoint chain (reached by goto, so the endpoint
   * chain's return ends the dispatch step), or removes the entry (null).
   */
  setDispatchEntry(f: Family, table: HookTable, dispatch: string, iface: string, chain: string | null): void;
  /** Replaces a set's members (all of family `f`). */
  setIpSet(f: Family, name: string, kind: WriterSetKind, members: Iterable<string>): void;
  removeIpSet(f: Family, name: string): void;
  apply(): Promise<WriterApplyResult>;
  /** Re-reads the kernel and repairs any difference (tampering). */
  resync(): Promise<WriterApplyResult>;
  /** Deletes every object the OTHER backend's dataplane left behind (dataplane switch-over). */
  removeOtherDataplane(): Promise<void>;
  close(): Promise<void>;
}
