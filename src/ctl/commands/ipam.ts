import type { Command } from 'commander';
import type { Datastore } from '../../datastore/datastore.js';
import { isCalicoError } from '../../lib/errors.js';
import type { CtlContext } from '../context.js';
import { renderTable } from '../output/table.js';
import { check, clusterInfo, releaseFromReports } from './ipam-check.js';
import { addConfigFlag } from './common-flags.js';
import { CommandFailed } from './report.js';

/**
 * `calicoctl ipam show | check | release | configure | split`, as
 * calicoctl's commands/ipam (show.go, configure.go, split.go here; check.go
 * and release.go's report path in ipam-check.ts): the same wording and
 * safety checks. Tables use renderTable (no borders).
 */

type IpamLib = typeof import('../../ipam/index.js');

async function ipamLib(): Promise<IpamLib> {
  return import('../../ipam/index.js');
}

/** Go's %.f: round half to even (so 37.5 -> 38, 62.5 -> 62). */
function goRound(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** Go's %.5g for a count: plain up to 5 digits, else `1.2089e+24`. */
export function goG5(n: bigint): string {
  if (n < 100000n) return n.toString();
  const [mant, exp] = Number(n).toExponential(4).split('e');
  const m = mant!.includes('.') ? mant!.replace(/0+$/, '').replace(/\.$/, '') : mant!;
  const e = Number(exp);
  return `${m}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

function withPct(n: bigint, total: bigint): string {
  const pct = total === 0n ? 0 : goRound((100 * Number(n)) / Number(total));
  return `${goG5(n)} (${pct}%)`;
}

async function showIp(ctx: CtlContext, lib: IpamLib, ds: Datastore, ip: string): Promise<void> {
  const { tryParseIp, formatIp } = await import('../../ipam/ip.js');
  const addr = tryParseIp(ip);
  if (!addr) throw new CommandFailed(`invalid IP address: ${ip}`);
  const text = formatIp(addr);
  let a;
  try {
    a = await new lib.IpamClient(ds).getAssignmentAttributes(text);
  } catch (e) {
    if (!isCalicoError(e, 'CALICO_ERR_NOT_FOUND')) throw e;
    ctx.stdout(`${text} is not assigned\n`);
    return;
  }
  let out = `IP ${text} is in use\nHandle ID: ${a.handleId ?? '<none>'}\n`;
  const keys = Object.keys(a.attrs).sort();
  out += keys.length ? `Active Owner Attributes:\n${keys.map((k) => `  ${k}: ${a.attrs[k]}\n`).join('')}` : 'No Active Owner attributes defined\n';
  ctx.stdout(out);
}

async function show(ctx: CtlContext, opts: { ip?: string; showBlocks?: boolean; showBorrowed?: boolean; showConfiguration?: boolean }): Promise<void> {
  const ds = await ctx.datastore();
  const lib = await ipamLib();
  if (opts.ip !== undefined) return showIp(ctx, lib, ds, opts.ip);
  if (opts.showConfiguration) {
    const c = await lib.readIpamConfig(ds);
    ctx.stdout(renderTable(['PROPERTY', 'VALUE'], [
      ['StrictAffinity', String(c.strictAffinity)],
      ['AutoAllocateBlocks', String(c.autoAllocateBlocks)],
      ['MaxBlocksPerHost', String(c.maxBlocksPerHost)],
    ]));
    return;
  }
  if (opts.showBorrowed) {
    const rows: string[][] = [];
    let unclassified = 0;
    for (const a of await lib.listAllocations(ds)) {
      // Borrowed: allocated for another node than the block's (or from a block with no affinity).
      const owner = lib.affinityHost(a.affinity) ?? '';
      const node = a.attrs['node'];
      if (node === undefined) { unclassified++; continue; }
      if (node === owner) continue;
      const pod = a.attrs['pod'];
      const ns = a.attrs['namespace'] ?? '';
      rows.push([a.ip, node, a.block, owner, pod !== undefined ? 'pod' : (a.attrs['type'] ?? ''), pod !== undefined ? `${ns}/${pod}` : '']);
    }
    let out = renderTable(['IP', 'BORROWING-NODE', 'BLOCK', 'BLOCK OWNER', 'TYPE', 'ALLOCATED-TO'], rows);
    if (unclassified) out += `\nNote: found ${unclassified} IP allocations without an explicit node association. Unable to determine if they are borrowed.\n`;
    ctx.stdout(out);
    return;
  }
  const rows: string[][] = [];
  const row = (kind: string, cidr: string, u: { total: bigint; inUse: bigint; reserved: bigint; available: bigint }): string[] =>
    [kind, cidr, goG5(u.total), withPct(u.inUse, u.total), withPct(u.reserved, u.total), withPct(u.available, u.total)];
  for (const p of await lib.poolUsage(ds)) {
    rows.push(row('IP Pool', p.cidr, p));
    if (opts.showBlocks) for (const b of p.blocks) rows.push(row('Block', b.cidr, b));
  }
  ctx.stdout(renderTable(['GROUPING', 'CIDR', 'IPS TOTAL', 'IPS IN USE', 'IPS RESERVED', 'IPS FREE'], rows));
}

async function release(ctx: CtlContext, opts: { ip?: string; fromReport?: string[]; force?: boolean }): Promise<void> {
  if (!opts.ip && !opts.fromReport?.length) throw new CommandFailed('one of --ip or --from-report is required');
  if (opts.ip && opts.fromReport?.length) throw new CommandFailed('--ip and --from-report cannot be used together');
  const ds = await ctx.datastore();
  const lib = await ipamLib();
  if (opts.fromReport?.length) return releaseFromReports(ctx, lib, ds, opts.fromReport, Boolean(opts.force));
  const { tryParseIp, formatIp } = await import('../../ipam/ip.js');
  const addr = tryParseIp(opts.ip!);
  if (!addr) throw new CommandFailed(`invalid IP address: ${opts.ip!}`);
  const ip = formatIp(addr);
  const unallocated = await new lib.IpamClient(ds).releaseIPs([ip]);
  if (unallocated.length) throw new CommandFailed(`IP address ${ip} is not assigned`);
  ctx.stdout(`Successfully released IP address ${ip}\n`);
}

function parseBool(v: string): boolean {
  const s = v.toLowerCase();
  if (s === 'true' || s === '1' || s === 't') return true;
  if (s === 'false' || s === '0' || s === 'f') return false;
  throw new CommandFailed(`invalid value for --strictaffinity: ${v} (expected true or false)`);
}

async function configure(ctx: CtlContext, opts: { strictaffinity?: string; maxBlocksPerHost?: string }): Promise<void> {
  if (opts.strictaffinity === undefined && opts.maxBlocksPerHost === undefined) throw new CommandFailed('at least one of --strictaffinity or --max-blocks-per-host is required');
  const strict = opts.strictaffinity === undefined ? undefined : parseBool(opts.strictaffinity);
  let max: number | undefined;
  if (opts.maxBlocksPerHost !== undefined) {
    max = Number(opts.maxBlocksPerHost);
    if (!Number.isInteger(max) || max < 0) throw new CommandFailed(`invalid value for --max-blocks-per-host: ${opts.maxBlocksPerHost} (expected a non-negative integer)`);
  }
  const ds = await ctx.datastore();
  const lib = await ipamLib();
  const ipam = new lib.IpamClient(ds);
  const cur = await ipam.getIPAMConfig();
  await ipam.setIPAMConfig({ ...cur, strictAffinity: strict ?? cur.strictAffinity, maxBlocksPerHost: max ?? cur.maxBlocksPerHost });
  if (strict !== undefined) ctx.stdout(`Successfully set StrictAffinity to: ${strict}\n`);
  if (max !== undefined) ctx.stdout(`Successfully set MaxBlocksPerHost to: ${max}\n`);
}

/** The `parts` equal sub-CIDRs of `cidr` (a power of two), as calicoctl's splitCIDR. */
export async function splitCidr(cidrText: string, parts: number): Promise<string[]> {
  const { bitsOf, formatCidr, tryParseCidr } = await import('../../ipam/ip.js');
  const power = Math.log2(parts);
  if (!Number.isInteger(parts) || parts < 2 || !Number.isInteger(power)) throw new CommandFailed(`number to split CIDR into is not a valid power of 2: ${parts}`);
  const cidr = tryParseCidr(cidrText);
  if (!cidr) throw new CommandFailed(`error reading CIDR ${cidrText} before attempting to split it`);
  const bits = bitsOf(cidr.version);
  if (cidr.prefix + power > bits) throw new CommandFailed(`the CIDR ${cidrText} is not large enough to be split into ${parts} parts`);
  const prefix = cidr.prefix + power;
  const step = 1n << BigInt(bits - prefix);
  return Array.from({ length: parts }, (_, i) => formatCidr({ version: cidr.version, base: cidr.base + BigInt(i) * step, prefix }));
}

type PoolResource = { apiVersion: string; kind: string; metadata: { name: string; [k: string]: unknown }; spec: { cidr: string; disabled?: boolean; [k: string]: unknown } };

/**
 * `ipam split`: replaces a pool by `parts` pools covering the same range
 * (same settings, names `split-<name>-<i>`), in one transaction. Like
 * calicoctl it insists on a locked datastore, so no IPAM runs meanwhile.
 */
async function split(ctx: CtlContext, number: string, opts: { cidr?: string; name?: string }): Promise<void> {
  if (!opts.cidr && !opts.name) throw new CommandFailed('no name or CIDR provided. Provide a name or CIDR to denote the IP pool to split');
  const parts = Number(number);
  const ds = await ctx.datastore();
  if (!(await clusterInfo(ds)).locked) throw new CommandFailed('datastore is not locked. Run the `calicoctl datastore migrate lock` command in order split the IP pools');
  const pools = (await ds.list<PoolResource>({ kind: 'IPPool' })).items;
  const old = opts.name ? pools.find((e) => e.key.name === opts.name) : pools.find((e) => e.value.spec.cidr === opts.cidr);
  if (!old) throw new CommandFailed(opts.name ? `unable to find IP pool with name ${opts.name}` : `unable to find IP pool  covering the specified CIDR ${opts.cidr!}`);
  const cidrs = await splitCidr(old.value.spec.cidr, parts);
  const created = cidrs.map((c, i) => {
    const base = old.key.name.length > 245 ? old.key.name.slice(0, 245) : old.key.name;
    const v = structuredClone(old.value);
    const { resourceVersion: _rv, uid: _uid, creationTimestamp: _ct, generation: _g, ...meta } = v.metadata;
    return { ...v, metadata: { ...meta, name: `split-${base}-${i}` }, spec: { ...v.spec, cidr: c, disabled: false } };
  });
  await ds.transact([
    ...created.map((value) => ({ op: 'create' as const, key: { kind: 'IPPool', name: value.metadata.name }, value })),
    { op: 'delete' as const, key: old.key, expectedRevision: old.revision },
  ]);
  let out = `IP Pool ${old.key.name} was successfully split into ${parts} smaller pools.\n`;
  for (const p of created) out += `Created ${p.metadata.name} with CIDR ${p.spec.cidr}.\n`;
  ctx.stdout(`${out}Please refer to the documentation for final steps.\n`);
}

export function registerIpamCommand(program: Command, ctx: CtlContext): void {
  const ipam = program.command('ipam').description('IP address management.');
  addConfigFlag(ipam.command('show').description('Show details of a Calico configuration, IP address, IP pool, or block.')
    .option('--ip <IP>', 'Report whether this specific IP address is in use.')
    .option('--show-blocks', 'Show detailed information for IP blocks as well as pools.')
    .option('--show-borrowed', 'Show detailed information for "borrowed" IP addresses.')
    .option('--show-configuration', 'Show current Calico IPAM configuration.'))
    .action((opts: { ip?: string; showBlocks?: boolean; showBorrowed?: boolean; showConfiguration?: boolean }) => show(ctx, opts));
  addConfigFlag(ipam.command('check').description('Check the integrity of the IPAM datastructures.')
    .option('-o, --output <report>', 'Path to output report file.')
    .option('--show-all-ips', 'Print all IPs that are checked.')
    .option('--show-problem-ips', 'Print all IPs that are leaked or not allocated properly.'))
    .action(async (opts: { output?: string; showAllIps?: boolean; showProblemIps?: boolean }) => check(ctx, await ipamLib(), opts));
  addConfigFlag(ipam.command('release').description('Release a Calico assigned IP address.')
    .option('--ip <IP>', 'IP address to release.')
    .option('--from-report <report>', 'Release all leaked addresses from the report (repeatable: only what is leaked in all reports).', (v: string, prev: string[] = []) => [...prev, v])
    .option('--force', 'Force release of leaked addresses even if the data store is not locked or the report is from another calicoctl version.'))
    .action((opts: { ip?: string; fromReport?: string[]; force?: boolean }) => release(ctx, opts));
  addConfigFlag(ipam.command('split').description('Split an IP pool into the specified number of smaller IP pools.')
    .argument('<NUMBER>', 'Number of pools to split into (a power of two).')
    .option('--cidr <CIDR>', 'CIDR of the IP pool to split.')
    .option('--name <POOL>', 'Name of the IP pool to split.'))
    .action((number: string, opts: { cidr?: string; name?: string }) => split(ctx, number, opts));
  addConfigFlag(ipam.command('configure').description('Configure IPAM.')
    .option('--strictaffinity <bool>', 'Set StrictAffinity to true/false (no borrowing from other nodes\' blocks when true).')
    .option('--max-blocks-per-host <n>', 'Set the maximum number of blocks a host may claim (0 = unlimited).'))
    .action((opts: { strictaffinity?: string; maxBlocksPerHost?: string }) => configure(ctx, opts));
}
