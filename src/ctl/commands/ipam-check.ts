import { readFileSync, writeFileSync } from 'node:fs';
import type { Datastore } from '../../datastore/datastore.js';
import { isCalicoError } from '../../lib/errors.js';
import type { CtlContext } from '../context.js';
import { CLIENT_VERSION } from '../version-info.js';
import { CommandFailed } from './report.js';

/**
 * `calicoctl ipam check` and `ipam release --from-report`, as calicoctl's
 * commands/ipam/check.go and release.go: the IPAMChecker's output, its
 * CheckReport file, and the checks before anything is released (same
 * cluster, current report, locked datastore or --force).
 */

type IpamLib = typeof import('../../ipam/index.js');

/** ClusterInformation `default`: GUID, type, revision, and whether the datastore is locked. */
export async function clusterInfo(ds: Datastore): Promise<{ guid: string; type: string; revision: string; locked: boolean }> {
  const e = await ds.get<{ spec?: { clusterGUID?: string; clusterType?: string; datastoreReady?: boolean } }>({ kind: 'ClusterInformation', name: 'default' });
  const s = e?.value.spec ?? {};
  return { guid: s.clusterGUID ?? '', type: s.clusterType ?? '', revision: e ? String(e.revision) : '', locked: s.datastoreReady === false };
}

function attrString(handle: string | null, attrs: Record<string, string>): string {
  const kv = Object.keys(attrs).sort().map((k) => `${k}=${attrs[k]}`).join(',');
  return `Main:${handle ?? '<none>'} Extra:${kv}`;
}

export async function check(ctx: CtlContext, lib: IpamLib, opts: { output?: string; showAllIps?: boolean; showProblemIps?: boolean }): Promise<void> {
  const ds = await ctx.datastore();
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

export async function releaseFromReports(ctx: CtlContext, lib: IpamLib, ds: Datastore, files: readonly string[], force: boolean): Promise<void> {
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
