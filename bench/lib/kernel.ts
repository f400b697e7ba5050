/**
 * Kernel helpers for benchmarks, always inside a named network namespace the
 * benchmark created: run a command, and dump / flush / load a whole ruleset
 * with the kernel's own bulk loaders (the "raw" baseline the dataplane's
 * programming is compared with).
 */
import { writeFileSync } from 'node:fs';
import { exec } from '../../dist/lib/exec.js';

export type Driver = 'nftables' | 'iptables';

export interface RunResult { readonly code: number; readonly stdout: string; readonly stderr: string }

/** Listing or loading a 10k-endpoint ruleset takes the nft/iptables tools minutes on a small machine. */
export const BULK_TIMEOUT_MS = 900_000;

/** Runs `cmd args` in netns `ns` (stdin from `input`); throws on a non-zero exit (or after `timeoutMs`, default 60 s). */
export async function inNs(ns: string, cmd: string, args: readonly string[], input?: string, timeoutMs = 60_000): Promise<string> {
  const r = await exec('ip', ['netns', 'exec', ns, cmd, ...args], input === undefined ? { timeoutMs } : { input, timeoutMs });
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} in ${ns}: exit ${r.code}: ${(r.stderr.trim() || r.stdout.trim()).slice(0, 500)}`);
  return r.stdout;
}

/** Runs `ip -batch` of `lines` in netns `ns` (fast creation of many links/routes). */
export async function ipBatch(ns: string, lines: readonly string[]): Promise<void> {
  if (!lines.length) return;
  const r = await exec('ip', ['-n', ns, '-batch', '-'], { input: `${lines.join('\n')}\n` });
  if (r.code !== 0) throw new Error(`ip -batch in ${ns}: ${r.stderr.trim()}`);
}

/** A ruleset as the kernel prints it: nft text, or ipset save + iptables-save. */
export interface RulesetDump { readonly driver: Driver; readonly nft?: string; readonly ipsets?: string; readonly iptables?: string }

export async function dumpRuleset(ns: string, driver: Driver): Promise<RulesetDump> {
  if (driver === 'nftables') return { driver, nft: await inNs(ns, 'nft', ['list', 'ruleset'], undefined, BULK_TIMEOUT_MS) };
  return { driver, ipsets: await inNs(ns, 'ipset', ['save'], undefined, BULK_TIMEOUT_MS), iptables: await inNs(ns, 'iptables-nft-save', [], undefined, BULK_TIMEOUT_MS) };
}

/** Empties the namespace's netfilter state (nft tables, iptables-nft chains, ipsets). */
export async function flushRuleset(ns: string): Promise<void> {
  await inNs(ns, 'nft', ['flush', 'ruleset'], undefined, BULK_TIMEOUT_MS);
  await inNs(ns, 'ipset', ['destroy'], undefined, BULK_TIMEOUT_MS);
}

/** Size of a ruleset, for the tables: rules and set elements as the kernel lists them. */
export function rulesetSize(d: RulesetDump): { rules: number; bytes: number } {
  if (d.nft !== undefined) {
    const rules = d.nft.split('\n').filter((l) => /^\t\t(?!type |policy |elements|flags )\S/.test(l)).length;
    return { rules, bytes: d.nft.length };
  }
  const rules = (d.iptables ?? '').split('\n').filter((l) => l.startsWith('-A ')).length;
  return { rules, bytes: (d.iptables ?? '').length + (d.ipsets ?? '').length };
}

/**
 * Loads a dump with the kernel tools' bulk loaders from files, as an
 * operator would: `nft -f FILE`, or `ipset restore` then `iptables-restore`.
 */
export async function loadRuleset(ns: string, d: RulesetDump, dir: string): Promise<void> {
  if (d.driver === 'nftables') {
    const file = `${dir}/ruleset.nft`;
    writeFileSync(file, d.nft ?? '');
    await inNs(ns, 'nft', ['-f', file], undefined, BULK_TIMEOUT_MS);
    return;
  }
  const sets = `${dir}/ipsets.save`;
  const rules = `${dir}/iptables.save`;
  writeFileSync(sets, d.ipsets ?? '');
  writeFileSync(rules, d.iptables ?? '');
  await inNs(ns, 'ipset', ['restore', '-file', sets], undefined, BULK_TIMEOUT_MS);
  await inNs(ns, 'iptables-nft-restore', [rules], undefined, BULK_TIMEOUT_MS);
}
