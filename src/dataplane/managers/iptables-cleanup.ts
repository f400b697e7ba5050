/**
 * Removing the other dataplane's state on a switch-over (Felix does the same
 * when the nftables mode starts: it cleans the iptables dataplane, and back).
 * Only objects named `cali-` / `cali40` / `cali60` / table `calico` are touched.
 */
import type { Exec } from '../kernel/exec-shim.js';

const IPTABLES_TOOLS = ['iptables-legacy', 'iptables-nft', 'ip6tables-legacy', 'ip6tables-nft'];

/**
 * The iptables-restore input that removes our chains from one `*-save`
 * output: `-D` for every rule in a non-Calico chain that jumps to ours, then
 * `-F` and `-X` for every `cali-` chain (flush all before deleting any, since
 * our chains refer to each other). Empty when there is nothing of ours.
 */
export function iptablesCleanupInput(save: string): string {
  const out: string[] = [];
  let table = '';
  let lines: string[] = [];
  let chains: string[] = [];
  for (const raw of save.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('*')) { table = line.slice(1); lines = []; chains = []; continue; }
    if (line.startsWith(':cali-')) { chains.push(line.slice(1).split(' ')[0]!); continue; }
    if (line.startsWith('-A ')) {
      const [, chain] = line.split(' ');
      if (!chain!.startsWith('cali-') && /(^| )-[jg] cali-/.test(line)) lines.push(`-D ${line.slice(3)}`);
      continue;
    }
    if (line === 'COMMIT' && table) {
      if (lines.length || chains.length) {
        out.push(`*${table}`, ...lines, ...chains.map((c) => `-F ${c}`), ...chains.map((c) => `-X ${c}`), 'COMMIT');
      }
      table = '';
    }
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

/**
 * Deletes Calico's chains and jumps through the given iptables tools (e.g.
 * `iptables-legacy`). The tools are independent (IP version, backend), so
 * they are read and cleaned concurrently: start-up pays one round, not four.
 */
export async function removeIptablesChains(exec: Exec, tools: readonly string[] = IPTABLES_TOOLS): Promise<void> {
  await Promise.all(tools.map(async (tool) => {
    const save = await exec.run(`${tool}-save`, []).catch(() => null);
    if (!save || save.code !== 0) return;
    const input = iptablesCleanupInput(save.stdout);
    if (input) await exec.run(`${tool}-restore`, ['--noflush'], input);
  }));
}

/** Deletes Calico's iptables chains (both backends, both families) and then its ipsets. */
export async function removeIptablesDataplane(exec: Exec): Promise<void> {
  await removeIptablesChains(exec);
  const list = await exec.run('ipset', ['list', '-n']).catch(() => null);
  if (!list || list.code !== 0) return;
  for (const name of list.stdout.split('\n').map((s) => s.trim())) {
    if (name.startsWith('cali40') || name.startsWith('cali60')) await exec.run('ipset', ['destroy', name]);
  }
}

/**
 * Deletes our nftables tables (`ip calico`, `ip6 calico`); other tables are
 * never touched. One `nft list tables` finds them (no spawn per family when
 * there is nothing to remove, the usual start-up).
 */
export async function removeNftablesDataplane(exec: Exec, table = 'calico'): Promise<void> {
  const r = await exec.run('nft', ['list', 'tables']).catch(() => null);
  if (!r || r.code !== 0) return;
  const present = new Set(r.stdout.split('\n').map((l) => l.trim()));
  for (const family of ['ip', 'ip6']) {
    if (present.has(`table ${family} ${table}`)) await exec.run('nft', ['delete', 'table', family, table]);
  }
}
