/**
 * CIDR parsing with Go's net.ParseCIDR rules and IPNet.String() output,
 * which is what libcalico-go puts in nets/notNets when converting an ipBlock:
 * the host bits are masked off ("10.0.0.1/8" -> "10.0.0.0/8") and IPv6 is
 * printed in RFC 5952 form. Parsing is src/lib/net/ip.ts; what is k8s-specific
 * here is the prefix being required and the IPv4-mapped printing.
 */
import { formatIpNetwork, isIpv4Mapped, parseIpNetwork, unmapIpv4 } from '../../lib/net/ip.js';

/** Normalised network string, or null if Go's net.ParseCIDR would reject it. */
export function normaliseCidr(text: string): string | null {
  // Go treats a dotted-quad address as 16 bytes internally but with a 32-bit
  // mask, so the prefix limit follows the textual family.
  const net = parseIpNetwork(text);
  if (!net) return null;
  const base = { family: net.family, value: net.base };
  // Go's IPNet.String() turns an IPv4-mapped network back into IPv4 and
  // drops the 96 mapped bits from the prefix ("::ffff:1.2.3.0/120" -> "1.2.3.0/24").
  if (isIpv4Mapped(base)) {
    return formatIpNetwork({ family: 4, base: unmapIpv4(base).value, prefix: net.prefix - 96 });
  }
  return formatIpNetwork(net);
}
