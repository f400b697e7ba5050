/**
 * Kernel-state checks for the latency benchmarks: after the agent reports a
 * revision applied, the change must really be in the kernel.
 */
import type { Driver } from './kernel.js';
import { BULK_TIMEOUT_MS, inNs } from './kernel.js';

/**
 * Whole ruleset as the kernel lists it: `nft -j` (a few times faster than
 * nft's text; it includes set elements), or iptables-nft-save followed by
 * `ipset save` (rules of compiled allow-only runs live in ipset members).
 */
export async function rulesetText(ns: string, driver: Driver): Promise<string> {
  if (driver === 'nftables') return inNs(ns, 'nft', ['-j', 'list', 'ruleset'], undefined, BULK_TIMEOUT_MS);
  const [rules, sets] = await Promise.all([
    inNs(ns, 'iptables-nft-save', [], undefined, BULK_TIMEOUT_MS),
    inNs(ns, 'ipset', ['save'], undefined, BULK_TIMEOUT_MS),
  ]);
  return `${rules}\n${sets}`;
}

/** Names of the kernel sets (nft sets / ipsets) that hold `ip` as a member. */
export async function setsContaining(ns: string, driver: Driver, ip: string): Promise<string[]> {
  const out: string[] = [];
  if (driver === 'nftables') {
    const j = JSON.parse(await inNs(ns, 'nft', ['-j', 'list', 'ruleset'], undefined, BULK_TIMEOUT_MS)) as { nftables: { set?: { name: string; elem?: unknown[] } }[] };
    for (const o of j.nftables) if (o.set?.elem && JSON.stringify(o.set.elem).includes(`"${ip}"`)) out.push(o.set.name);
    return out.sort();
  }
  let name = '';
  for (const line of (await inNs(ns, 'ipset', ['list'], undefined, BULK_TIMEOUT_MS)).split('\n')) {
    if (line.startsWith('Name: ')) name = line.slice(6).trim();
    else if (line === ip || line.startsWith(`${ip},`) || line.startsWith(`${ip} `)) out.push(name);
  }
  return [...new Set(out)].sort();
}
