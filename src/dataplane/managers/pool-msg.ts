/**
 * IP pool messages: what the masquerade manager needs to know about IPPools
 * (Felix gets the same from its IPAMPoolUpdate). Kept out of the dataplane
 * model on purpose: they are routing/NAT inputs, not policy. The agent feeds
 * them through IntDataplane.onMessages next to the model's messages.
 */
export interface IpPoolInfo {
  /** Canonical CIDR. */
  readonly cidr: string;
  /** IPPool spec.natOutgoing. */
  readonly natOutgoing: boolean;
  /** IPPool spec.disabled: still counted as a pool destination, never masqueraded from. */
  readonly disabled?: boolean;
}

export type IpPoolMsg =
  | { readonly kind: 'IpPoolUpdate'; readonly id: string; readonly pool: IpPoolInfo }
  | { readonly kind: 'IpPoolRemove'; readonly id: string };

export function isIpPoolMsg(m: { readonly kind: string }): m is IpPoolMsg {
  return m.kind === 'IpPoolUpdate' || m.kind === 'IpPoolRemove';
}
