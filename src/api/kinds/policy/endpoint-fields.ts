import { checkDns1123Subdomain, parseIp } from '../../validate/net.js';
import { string } from '../../validate/schema.js';
import type { Spec } from '../../validate/schema.js';

/** Field validators shared by HostEndpoint and WorkloadEndpoint (validator.go tags). */

const interfaceRegex = /^[a-zA-Z0-9_.-]{1,15}$/;

/** The `interface` tag: `*` or a Linux interface name (1-15 of `[a-zA-Z0-9_.-]`). */
export function interfaceNameProblem(v: string): string | undefined {
  if (v === '*' || interfaceRegex.test(v)) return undefined;
  return 'invalid interface name: must be "*" or 1-15 characters of letters, digits, "_", "." or "-"';
}

/** The `omitempty,name` tag: empty, or a DNS-1123 subdomain (node, profile, pod, workload names). */
export const resourceNameSpec: Spec = string({ check: (v) => (v === '' ? undefined : checkDns1123Subdomain(v)) });

/** The `ip` tag: an IPv4 or IPv6 address. */
export const ipSpec: Spec = string({
  check: (v) => {
    const p = parseIp(v);
    return p.ok ? undefined : p.reason;
  },
});
