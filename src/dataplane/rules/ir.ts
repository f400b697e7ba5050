/**
 * A small backend-neutral rule language (like Felix's generictables Match and
 * Action): the chain builders describe policy, endpoint and static chains once
 * in these terms, and `nft-render.ts` / `ipt-render.ts` print them in each
 * backend's syntax. Nothing here knows the model; nothing here does I/O.
 */
import type { PortRange } from '../model/types.js';

export type Family = 4 | 6;
export type CtState = 'established' | 'related' | 'invalid' | 'untracked';

/** One match condition; all of a rule's matches must hold. `neg` inverts it. */
export type Match =
  | { readonly k: 'ct'; readonly states: readonly CtState[] }
  /** Interface name; a trailing `*` is a prefix wildcard (iptables `+`). */
  | { readonly k: 'iif' | 'oif'; readonly name: string; readonly neg?: boolean }
  | { readonly k: 'proto'; readonly proto: number; readonly neg?: boolean }
  | { readonly k: 'icmp'; readonly type: number; readonly code?: number; readonly neg?: boolean }
  /** Address in any of the CIDRs (all of the rule's family). */
  | { readonly k: 'nets'; readonly dir: 'src' | 'dst'; readonly nets: readonly string[]; readonly neg?: boolean }
  /** Address in the named kernel set (`net` / `ip` type). */
  | { readonly k: 'set'; readonly dir: 'src' | 'dst'; readonly set: string; readonly neg?: boolean }
  /** Port in any of the ranges; `proto` is the rule's protocol (ports need one). */
  | { readonly k: 'ports'; readonly dir: 'src' | 'dst'; readonly proto: number; readonly ranges: readonly PortRange[]; readonly neg?: boolean }
  /** (address, protocol, port) in the named named-port set. */
  | { readonly k: 'namedPort'; readonly dir: 'src' | 'dst'; readonly set: string; readonly neg?: boolean }
  /**
   * (address, protocol, port) in a `net-and-port` set: the address from side
   * `addr`, the port from side `port` (compiled allow-only runs, allow-runs.ts).
   */
  | { readonly k: 'addrPortSet'; readonly addr: 'src' | 'dst'; readonly port: 'src' | 'dst'; readonly set: string }
  /** (packet mark & mask) == value. */
  | { readonly k: 'mark'; readonly mask: number; readonly value: number }
  /** Strict reverse-path check fails: no route back to the source via the incoming interface. */
  | { readonly k: 'rpfFail' };

export type Action =
  | { readonly k: 'accept' }
  | { readonly k: 'drop' }
  | { readonly k: 'return' }
  | { readonly k: 'jump'; readonly chain: string }
  | { readonly k: 'goto'; readonly chain: string }
  /** mark |= bits. */
  | { readonly k: 'setMark'; readonly bits: number }
  /** mark &= ~bits. */
  | { readonly k: 'clearMark'; readonly bits: number }
  | { readonly k: 'log'; readonly prefix: string }
  | { readonly k: 'notrack' }
  | { readonly k: 'masquerade' }
  /** nftables only: dispatch through a verdict map keyed by interface name. */
  | { readonly k: 'vmap'; readonly key: 'iif' | 'oif'; readonly map: string };

/**
 * A rule: its matches, then its actions in order. At most one terminal action
 * (accept, drop, return, jump, goto, masquerade, vmap), and it comes last.
 */
export interface IrRule {
  readonly match: readonly Match[];
  readonly actions: readonly Action[];
  readonly comment?: string;
}

export interface IrChain {
  readonly name: string;
  readonly rules: readonly IrRule[];
}

/** Shorthand for building rules. */
export function rule(match: readonly Match[], actions: readonly Action[] | Action, comment?: string): IrRule {
  const acts = Array.isArray(actions) ? actions : [actions as Action];
  return comment === undefined ? { match, actions: acts } : { match, actions: acts, comment };
}

/**
 * Felix's mark bits (default IptablesMarkMask 0xffff0000): accept = policy
 * allowed the packet, pass = a policy passed it to the next tier. Both are
 * cleared at the start of every endpoint chain.
 */
export const MARK_ACCEPT = 0x10000;
export const MARK_PASS = 0x20000;
export const MARK_SCRATCH0 = 0x40000;
