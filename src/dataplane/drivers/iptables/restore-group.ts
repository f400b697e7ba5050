import { CalicoError } from '../../../lib/errors.js';
import type { Exec, ExecResult } from '../../kernel/exec-shim.js';
import { gatedRestoreInput, restoreInput, type IptablesTable, type TablePlan } from './iptables-table.js';

/**
 * Reads the kernel state of every table (of one IP version and backend) whose
 * state is unknown, with one `iptables-save` for all of them (`-t` when only
 * one is needed). Returns whether anything was read.
 */
export async function readTables(exec: Exec, tables: readonly IptablesTable[]): Promise<boolean> {
  const need = tables.filter((t) => t.needsRead);
  const first = need[0];
  if (!first) return false;
  const args = need.length === 1 ? ['-t', first.name] : [];
  const r = await exec.run(first.cmds.save, args);
  if (r.code !== 0) throw new CalicoError('CALICO_ERR_KERNEL', `${first.cmds.save} ${args.join(' ')} failed: ${r.stderr.trim()}`);
  for (const t of need) t.adoptSave(r.stdout);
  return true;
}

/** The plans of the tables that have something to send (their kernel state must be known). */
export function planTables(tables: readonly IptablesTable[]): TablePlan[] {
  const plans: TablePlan[] = [];
  for (const t of tables) {
    const p = t.pending ? t.plan() : null;
    if (p) plans.push(p);
  }
  return plans;
}

/**
 * Sends several tables' plans through one `iptables-restore --noflush`
 * (stdin streamed: one `*table ... COMMIT` block per table, each its own
 * kernel transaction), and records them as applied on success. On failure
 * every table's state is marked unknown (a block before the failing one may
 * have been committed) and the result is returned for the caller to retry.
 * With `gate`, no table is committed before it settles (gatedRestoreInput).
 */
export async function restoreTables(exec: Exec, tables: readonly IptablesTable[], plans: readonly TablePlan[], gate?: Promise<unknown>): Promise<ExecResult & { lines: number }> {
  const first = tables[0];
  if (!first || plans.length === 0) return { code: 0, stdout: '', stderr: '', lines: 0 };
  let r: ExecResult;
  try {
    r = await exec.run(first.cmds.restore, ['--noflush', '--wait=10'], gate ? gatedRestoreInput(plans, gate) : restoreInput(plans));
  } catch (e) {
    for (const t of tables) t.invalidate();
    throw e;
  }
  if (r.code !== 0) {
    for (const t of tables) t.invalidate();
    return { ...r, lines: 0 };
  }
  let lines = 0;
  for (const p of plans) { p.commit(); lines += p.count; }
  return { ...r, lines };
}
