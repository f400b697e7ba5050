import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Datastore } from '../../datastore/datastore.js';
import { isCalicoError } from '../../lib/errors.js';
import type { CtlContext } from '../context.js';
import { renderTable } from '../output/table.js';
import { CLIENT_VERSION } from '../version-info.js';
import { addConfigFlag } from './common-flags.js';
import { CommandFailed } from './report.js';

/**
 * `calicoctl ipam show | check | release | configure`, as calicoctl's
 * commands/ipam (show.go, check.go, release.go, configure.go): the same
 * wording, the same report file format, the same safety checks. Tables use
 * renderTable (no borders).
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

async function clusterInfo(ds: Datastore): Promise<{ guid: string; type: string; revision: string; locked: boolean }> {
  const e = await ds.get<{ spec?: { clusterGUID?: string; clusterType?: string; datastoreReady?: boolean } }>({ kind: 'ClusterInformation', name: 'default' });
  const s = e?.value.spec ?? {};
  return { guid: s.clusterGUID ?? '', type: s.clusterType ?? '', revision: e ? String(e.revision) : '', locked: s.datastoreReady === false };
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
      const owner = lib.affinityHost(a.affinity);
      const node = a.attrs['node'] ?? '';
      if (node === '') { unclassified++; continue; }
      if (owner === null || node === owner) continue;
      const entity = a.attrs['pod'] ? `${a.attrs['namespace'] ?? ''}/${a.attrs['pod']}` : (a.handleId ?? '');
      rows.push([a.ip, node, a.block, owner, a.attrs['type'] ?? (a.attrs['pod'] ? 'pod' : ''), entity]);
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

function attrString(handle: string | null, attrs: Record<string, string>): string {
  const kv = Object.keys(attrs).sort().map((k) => `${k}=${attrs[k]}`).join(',');
  return `Main:${handle ?? '<none>'} Extra:${kv}`;
}

async function check(ctx: CtlContext, opts: { output?: string; showAllIps?: boolean; showProblemIps?: boolean }): Promise<void> {
  const ds = await ctx.datastore();
  const lib = await ipamLib();
  const ci = await clusterInfo(ds);
  const r = await lib.checkIpam(ds);
  const showProblems = Boolean(opts.showProblemIps || opts.showAllIps);
  const out: string[] = ['Checking IPAM for inconsistencies...', ''];
  out.push('Loading all IPAM blocks...', `Found ${r.blocks.length} IPAM blocks.`);
  const all = opts.showAllIps ? await lib.listAllocations(ds) : [];
  for (const b of r.blocks) {
    out.push(` IPAM block ${b.cidr} affinity=${b.affinity ?? '<none>'}:`);
    for (const a of all) if (a.block === b.cidr) out.push(`  ${a.ip} allocated; attrs ${attrString(a.handleId, a.attrs)}`);
  }
  out.push(`IPAM blocks record ${r.allocationCount} allocations.`, '');
  out.push('Loading all IPAM pools...', ...r.pools.map((p) => `  ${p.cidr}`), `Found ${r.pools.length} active IP pools.`, '');
  out.push('Loading all nodes.', `Found ${r.nodeTunnelIps} node tunnel IPs.`, '');
  out.push('Loading all workload endpoints.', `Found ${r.workloadIps} workload IPs.`, `Workloads and nodes are using ${r.inUseIps} IPs.`, '');
  out.push('Loading all handles');
  const byNode = Object.entries(r.allocationsByNode).sort((a, b) => b[1] - a[1]);
  out.push('Looking for top (up to 20) nodes by allocations...');
  for (const [n, c] of byNode.slice(0, 20)) out.push(`  ${n} has ${c} allocations`);
  if (byNode.length) out.push(`Node with most allocations has ${byNode[0]![1]}; median is ${byNode[Math.floor(byNode.length / 2)]![1]}`);
  out.push('');
  out.push('Scanning for IPs that are allocated but not actually in use...');
  if (showProblems) for (const l of r.leakedIps) out.push(`  ${l.ip} leaked; attrs ${attrString(l.handleId, l.attrs)}`);
  out.push(`Found ${r.leakedIps.length} IPs that are allocated in IPAM but not actually in use.`);
  out.push('Scanning for IPs that are in use by a workload or node but not allocated in IPAM...');
  if (showProblems) {
    for (const d of r.doublyAllocatedIps) out.push(`  ${d.ip} has multiple owners.`);
    for (const m of r.nonPoolIps) out.push(`  ${m.ip} in use by ${m.owner} is not in any active IP pool.`);
    for (const m of r.missingAllocations) out.push(`  ${m.ip} in use by ${m.owner} and in active IPAM pool but has no IPAM allocation.`);
  }
  out.push(`Found ${r.nonPoolIps.length} in-use IPs that are not in active IP pools.`);
  out.push(`Found ${r.missingAllocations.length} in-use IPs that are in active IP pools but have no corresponding IPAM allocation.`, '');
  out.push(`Found ${r.doublyAllocatedIps.length} IPs with more than one owner.`);
  for (const d of r.doublyAllocatedIps) out.push(`  ${d.ip}: ${d.owners.join(', ')}`);
  out.push('Scanning for IPAM handles with no matching IPs...');
  if (opts.showAllIps) for (const h of r.leakedHandles) out.push(`  ${h.ID} doesn't have any active IPs.`);
  const referenced = new Set(Object.values(r.allocations).flat().map((a) => a.handle).filter((h) => h !== undefined));
  out.push(`Found ${r.leakedHandles.length} handles with no matching IPs (and ${referenced.size - r.missingHandles.length} handles with matches).`);
  out.push('Scanning for IPs with missing handle...');
  if (showProblems) for (const h of r.missingHandles) out.push(`  ${h} is in use in a block but doesn't exist.`);
  out.push(`Found ${r.missingHandles.length} handles mentioned in blocks with no matching handle resource.`);
  for (const h of r.inconsistentHandles) out.push(`  handle ${h.subject}: ${h.reason}`);
  out.push(`Found ${r.inconsistentHandles.length} handles whose block counts disagree with the blocks.`);
  out.push('Validating IPAMBlock structures...');
  for (const b of r.invalidBlocks) out.push(`  IPAMBlock ${b.subject} is invalid: ${b.reason}`);
  out.push(`Found ${r.invalidBlocks.length} invalid IPAMBlocks.`);
  for (const b of r.inconsistentBlocks) out.push(`  ${b.subject}: ${b.reason}`);
  out.push(`Found ${r.inconsistentBlocks.length} blocks whose affinity disagrees with their BlockAffinity.`);
  out.push(`Check complete; found ${r.problems} problems.`);
  ctx.stdout(out.join('\n') + '\n');
  if (opts.output) {
    // calicoctl's CheckReport, plus our own findings under `calicoTs`.
    const report = {
      version: CLIENT_VERSION,
      clusterGUID: ci.guid,
      datastoreLocked: ci.locked,
      clusterInformationRevision: ci.revision,
      clusterType: ci.type,
      allocations: r.allocations,
      leakedHandles: r.leakedHandles.length ? r.leakedHandles : undefined,
      calicoTs: {
        problems: r.problems, leakedIps: r.leakedIps, nonPoolIps: r.nonPoolIps, missingAllocations: r.missingAllocations,
        doublyAllocatedIps: r.doublyAllocatedIps, missingHandles: r.missingHandles, invalidBlocks: r.invalidBlocks,
        inconsistentHandles: r.inconsistentHandles, inconsistentBlocks: r.inconsistentBlocks,
      },
    };
    writeFileSync(opts.output, JSON.stringify(report, null, 2));
  }
}

interface ReportAllocation { ip?: unknown; handle?: unknown; sequenceNumber?: unknown; inUse?: unknown; coolingDown?: unknown }
interface ReportFile {
  version?: string; clusterGUID?: string; clusterInformationRevision?: string;
  allocations?: Record<string, ReportAllocation[]>;
  leakedHandles?: { ID?: string; Revision?: string }[];
}

async function releaseFromReports(ctx: CtlContext, lib: IpamLib, ds: Datastore, files: readonly string[], force: boolean): Promise<void> {
  const ci = await clusterInfo(ds);
  let foundCurrent = false;
  const reports: ReportFile[] = [];
  for (const f of files) {
    let r: ReportFile;
    try {
      r = JSON.parse(readFileSync(f, 'utf8')) as ReportFile;
    } catch (e) {
      throw new CommandFailed(`failed to read report ${f}: ${(e as Error).message}`);
    }
    // Never overridable: a report from another cluster must not release anything here.
    if ((r.clusterGUID ?? '') !== ci.guid) throw new CommandFailed(`cluster does not match the provided report (${f}): mismatched cluster GUID. Refusing to release`);
    if (r.version !== CLIENT_VERSION) {
      if (!force) throw new CommandFailed(`the provided report (${f}) was produced using a different version (${r.version ?? ''}) of calicoctl. Refusing to release`);
      ctx.stdout('WARNING: Report was produced using a different version of calicoctl. Ignoring due to --force option\n');
    }
    if ((r.clusterInformationRevision ?? '') === ci.revision) foundCurrent = true;
    reports.push(r);
  }
  if (!foundCurrent) throw new CommandFailed('the provided reports are all stale - at least one should be up-to-date. Please generate a new report while the data store is locked and try again');
  if (!ci.locked) {
    if (!force) throw new CommandFailed('data store is not locked. Either lock the data store, or re-run with --force');
    ctx.stdout('WARNING: Data store is not locked. Ignoring due to --force option\n');
  }
  // Only what is leaked in every report is released.
  let ips: Map<string, { ip: string; handleId?: string; sequenceNumber?: number }> | undefined;
  let handles: Map<string, string> | undefined;
  for (const r of reports) {
    const merged = new Map<string, { ip: string; handleId?: string; sequenceNumber?: number }>();
    for (const allocs of Object.values(r.allocations ?? {})) {
      for (const a of allocs) {
        if (a.inUse || a.coolingDown || typeof a.ip !== 'string') continue;
        if (ips && !ips.has(a.ip)) continue;
        const opt: { ip: string; handleId?: string; sequenceNumber?: number } = { ip: a.ip };
        if (typeof a.handle === 'string' && a.handle) opt.handleId = a.handle;
        if (typeof a.sequenceNumber === 'number') opt.sequenceNumber = a.sequenceNumber;
        merged.set(a.ip, opt);
      }
    }
    ips = merged;
    const mh = new Map<string, string>();
    for (const h of r.leakedHandles ?? []) {
      if (typeof h.ID !== 'string') continue;
      if (!handles || handles.get(h.ID) === h.Revision) mh.set(h.ID, h.Revision ?? '');
    }
    handles = mh;
  }
  const toRelease = [...(ips ?? new Map()).values()];
  if (toRelease.length) {
    ctx.stdout(`Releasing ${toRelease.length} old IPs...\n`);
    try {
      const unallocated = await new lib.IpamClient(ds).releaseIPs(toRelease);
      ctx.stdout(`Released ${toRelease.length - unallocated.length} IPs successfully\n`);
      if (unallocated.length) ctx.stdout(`${unallocated.length} addresses marked as leaked in the report had already been cleaned up.\n`);
    } catch (e) {
      ctx.stdout(`An error occurred while releasing some IPs: ${(e as Error).message}.  Problems are often caused by an out-of-date IPAM report.  Try regenerating the IPAM report and retry.\n`);
    }
  } else {
    ctx.stdout("Report didn't contain any leaked IPs to clean up.\n");
  }
  if (handles && handles.size) {
    ctx.stdout(`Deleting ${handles.size} handles...\n`);
    let ok = 0;
    let skipped = 0;
    let errors = 0;
    for (const [id, rev] of handles) {
      try {
        // CAS on the revision in the report: a handle that changed since is left alone.
        await ds.delete({ kind: 'IPAMHandle', name: id }, Number(rev));
        ok++;
      } catch (e) {
        if (isCalicoError(e, 'CALICO_ERR_NOT_FOUND') || isCalicoError(e, 'CALICO_ERR_CONFLICT')) skipped++;
        else { errors++; ctx.stdout(`\nDeleting handle ${id} failed: ${(e as Error).message}.\n`); }
      }
    }
    ctx.stdout(`Released ${ok} handles; ${skipped} skipped; ${errors} errors.\n`);
  } else {
    ctx.stdout("Report didn't contain any handles to clean up.\n");
  }
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
    .action((opts: { output?: string; showAllIps?: boolean; showProblemIps?: boolean }) => check(ctx, opts));
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
