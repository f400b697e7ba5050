/**
 * The host's interface addresses (`ip -j addr show`), for host endpoints
 * that name expected IPs instead of an interface. Read at the first apply,
 * when host endpoints change and at every resync (Felix watches netlink for
 * the same; we poll at those points).
 */
import { CalicoError } from '../../lib/errors.js';
import type { Exec } from '../kernel/exec-shim.js';

interface IpAddrJson {
  readonly ifname?: string;
  readonly addr_info?: readonly { readonly local?: string }[];
}

export function parseIpAddrJson(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const link of JSON.parse(text) as IpAddrJson[]) {
    if (!link.ifname) continue;
    out.set(link.ifname, (link.addr_info ?? []).map((a) => a.local).filter((a): a is string => typeof a === 'string'));
  }
  return out;
}

export async function readInterfaceAddrs(exec: Exec): Promise<Map<string, string[]>> {
  const r = await exec.run('ip', ['-j', 'addr', 'show']);
  if (r.code !== 0) throw new CalicoError('CALICO_ERR_KERNEL', `ip -j addr show failed: ${r.stderr.trim()}`);
  return parseIpAddrJson(r.stdout);
}
