import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { isCalicoError } from '../../lib/errors.js';
import type { CtlContext } from '../context.js';
import { renderTable } from '../output/table.js';
import { addConfigFlag } from './common-flags.js';
import { CommandFailed } from './report.js';
import type { Datastore } from '../../datastore/datastore.js';

/**
 * `calicoctl ipam show | check | release | configure`, as calicoctl's
 * commands/ipam. Output wording follows calicoctl; tables use renderTable.
 */

function pct(part: bigint, total: bigint): string {
  if (total === 0n) return '0%';
  return `${Math.round(Number((part * 10000n) / total) / 100)}%`;
}

async function ipamLib(): Promise<typeof import('../../ipam/index.js')> {
  return import('../../ipam/index.js');
}

async function show(ctx: CtlContext, opts: { ip?: string; showBlocks?: boolean; showBorrowed?: boolean; showConfiguration?: boolean }): Promise<void> {
  const ds = await ctx.datastore();
  const lib = await ipamLib();
  if (opts.ip !== undefined) {
    const { tryParseIp } = await import('../../ipam/ip.js');
    if (!tryParseIp(opts.ip)) throw new CommandFailed(`invalid IP address: ${opts.ip}`);
    try {
      const a = await new lib.IpamClient(ds).getAssignmentAttributes(opts.ip);
      let out = `IP ${opts.ip} is in use\n`;
      if (a.handleId !== null) out += `Handle ID: ${a.handleId}\n`;
      const entries = Object.entries(a.attrs).sort(([x], [y]) => x.localeCompare(y));
      out += entries.length ? `Attributes:\n${entries.map(([k, v]) => `  ${k}: ${v}\n`).join('')}` : 'No attributes defined\n';
      ctx.stdout(out);
    } catch (e) {
      if (!isCalicoError(e, 'CALICO_ERR_NOT_FOUND')) throw e;
      ctx.stdout(`IP ${opts.ip} is not currently assigned\n`);
    }
    return;
  }
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
    for (const a of await lib.listAllocations(ds)) {
      const owner = lib.affinityHost(a.affinity);
      const node = a.attrs['node'] ?? '';
      if (owner === null || node === '' || node === owner) continue;
      const entity = a.attrs['pod'] ? `${a.attrs['namespace'] ?? ''}/${a.attrs['pod']}` : (a.handleId ?? '');
      rows.push([a.ip, node, a.block, owner, a.attrs['pod'] ? 'pod' : (a.attrs['type'] ?? ''), entity]);
    }
    ctx.stdout(renderTable(['IP', 'BORROWING-NODE', 'BLOCK', 'BLOCK OWNER', 'TYPE', 'ALLOCATED-TO'], rows));
    return;
  }
  const rows: string[][] = [];
  for (const p of await lib.poolUsage(ds)) {
    rows.push(['IP Pool', p.cidr, String(p.total), `${p.inUse} (${pct(p.inUse, p.total)})`, `${p.free} (${pct(p.free, p.total)})`]);
    if (opts.showBlocks) {
      for (const b of p.blocks) rows.push(['Block', b.cidr, String(b.total), `${b.inUse} (${pct(b.inUse, b.total)})`, `${b.free} (${pct(b.free, b.total)})`]);
    }
  }
  ctx.stdout(renderTable(['GROUPING', 'CIDR', 'IPS TOTAL', 'IPS IN USE', 'IPS FREE'], rows));
}

async function check(ctx: CtlContext, opts: { output?: string; showAllIps?: boolean; showProblemIps?: boolean }): Promise<void> {
  const ds = await ctx.datastore();
  const lib = await ipamLib();
  const r = await lib.checkIpam(ds);
  const lines: string[] = ['Checking IPAM for inconsistencies...', ''];
  lines.push(`Found ${r.pools.length} active IP pools.`);
  lines.push(`Found ${r.blocks} IPAM blocks with ${r.allocations} allocations.`);
  if (opts.showAllIps) {
    for (const a of await lib.listAllocations(ds)) lines.push(`  ${a.ip} handle=${a.handleId ?? '<none>'} block=${a.block}`);
  }
  lines.push(`Found ${r.leakedIps.length} IPs that are allocated in IPAM but not actually in use.`);
  if (opts.showProblemIps || opts.showAllIps) for (const l of r.leakedIps) lines.push(`  ${l.ip} leaked: handle=${l.handleId ?? '<none>'} ${JSON.stringify(l.attrs)}`);
  lines.push(`Found ${r.missingAllocations.length} in-use IPs that are in active IP pools but have no corresponding IPAM allocation.`);
  if (opts.showProblemIps || opts.showAllIps) for (const m of r.missingAllocations) lines.push(`  ${m.ip} used by ${m.owner}`);
  lines.push(`Found ${r.doublyAllocatedIps.length} IPs that are allocated to more than one owner.`);
  for (const d of r.doublyAllocatedIps) lines.push(`  ${d.ip}: ${d.owners.join(', ')}`);
  lines.push(`Found ${r.inconsistentHandles.length} handle inconsistencies.`);
  for (const h of r.inconsistentHandles) lines.push(`  ${h.subject}: ${h.reason}`);
  lines.push(`Found ${r.inconsistentBlocks.length} block/affinity inconsistencies.`);
  for (const b of r.inconsistentBlocks) lines.push(`  ${b.subject}: ${b.reason}`);
  const problems = r.leakedIps.length + r.missingAllocations.length + r.doublyAllocatedIps.length + r.inconsistentHandles.length + r.inconsistentBlocks.length;
  lines.push('', `Check complete; found ${problems} problems.`);
  if (opts.output) {
    writeFileSync(opts.output, JSON.stringify({ version: 'v1', ...r }, null, 2) + '\n');
    lines.push(`Report written to ${opts.output}`);
  }
  ctx.stdout(lines.join('\n') + '\n');
}

interface ReportFile { leakedIps?: { ip?: unknown; handleId?: unknown }[] }

/** IPs leaked in every given report (calicoctl releases only those). */
function leakedInAll(paths: readonly string[]): { ip: string; handleId?: string }[] {
  let common: Map<string, string | undefined> | undefined;
  for (const p of paths) {
    let rep: ReportFile;
    try {
      rep = JSON.parse(readFileSync(p, 'utf8')) as ReportFile;
    } catch (e) {
      throw new CommandFailed(`failed to read report ${p}: ${(e as Error).message}`);
    }
    const here = new Map<string, string | undefined>();
    for (const l of rep.leakedIps ?? []) if (typeof l.ip === 'string') here.set(l.ip, typeof l.handleId === 'string' ? l.handleId : undefined);
    common = common === undefined ? here : new Map([...common].filter(([ip, h]) => here.has(ip) && here.get(ip) === h));
  }
  return [...(common ?? new Map<string, string | undefined>())].map(([ip, handleId]) => (handleId === undefined ? { ip } : { ip, handleId }));
}

async function release(ctx: CtlContext, opts: { ip?: string; fromReport?: string[]; force?: boolean }): Promise<void> {
  if (!opts.ip && !opts.fromReport?.length) throw new CommandFailed('one of --ip or --from-report is required');
  const ds: Datastore = await ctx.datastore();
  const lib = await ipamLib();
  const ipam = new lib.IpamClient(ds);
  if (opts.ip) {
    const { tryParseIp } = await import('../../ipam/ip.js');
    if (!tryParseIp(opts.ip)) throw new CommandFailed(`invalid IP address: ${opts.ip}`);
    const unallocated = await ipam.releaseIPs([opts.ip]);
    if (unallocated.length) throw new CommandFailed(`IP address ${opts.ip} is not assigned`);
    ctx.stdout(`Successfully released IP address ${opts.ip}\n`);
    return;
  }
  const leaked = leakedInAll(opts.fromReport ?? []);
  let released = 0;
  for (const l of leaked) {
    try {
      // Handle-checked: an address re-used since the report was taken is not released.
      const un = await ipam.releaseIPs([l.handleId === undefined ? { ip: l.ip } : { ip: l.ip, handleId: l.handleId }]);
      if (!un.length) released++;
    } catch (e) {
      if (!isCalicoError(e, 'CALICO_ERR_CONFLICT')) throw e;
      ctx.stderr(`Skipping ${l.ip}: it has been re-allocated since the report was generated\n`);
    }
  }
  ctx.stdout(`Released ${released} IPs successfully\n`);
}

function parseBool(v: string): boolean {
  const s = v.toLowerCase();
  if (s === 'true' || s === '1' || s === 't') return true;
  if (s === 'false' || s === '0' || s === 'f') return false;
  throw new CommandFailed(`invalid value for --strictaffinity: ${v} (expected true or false)`);
}

async function configure(ctx: CtlContext, opts: { strictaffinity: string; maxBlocksPerHost?: string }): Promise<void> {
  const strict = parseBool(opts.strictaffinity);
  let max: number | undefined;
  if (opts.maxBlocksPerHost !== undefined) {
    max = Number(opts.maxBlocksPerHost);
    if (!Number.isInteger(max) || max < 0) throw new CommandFailed(`invalid value for --max-blocks-per-host: ${opts.maxBlocksPerHost} (expected a non-negative integer)`);
  }
  const ds = await ctx.datastore();
  const lib = await ipamLib();
  const ipam = new lib.IpamClient(ds);
  const cur = await ipam.getIPAMConfig();
  await ipam.setIPAMConfig({ ...cur, strictAffinity: strict, maxBlocksPerHost: max ?? cur.maxBlocksPerHost });
  ctx.stdout(`Successfully set StrictAffinity to: ${strict}\n`);
  if (max !== undefined) ctx.stdout(`Successfully set MaxBlocksPerHost to: ${max}\n`);
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
    .option('--from-report <report>', 'Release all leaked addresses from the report (repeatable: only IPs leaked in all reports).', (v: string, prev: string[] = []) => [...prev, v])
    .option('--force', 'Accepted for compatibility (there is no datastore lock to check).'))
    .action((opts: { ip?: string; fromReport?: string[]; force?: boolean }) => release(ctx, opts));
  addConfigFlag(ipam.command('configure').description('Configure IPAM.')
    .requiredOption('--strictaffinity <bool>', 'Set StrictAffinity to true/false (no borrowing from other nodes\' blocks when true).')
    .option('--max-blocks-per-host <n>', 'Set the maximum number of blocks a host may claim (0 = unlimited).'))
    .action((opts: { strictaffinity: string; maxBlocksPerHost?: string }) => configure(ctx, opts));
}
