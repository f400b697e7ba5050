import type { Exec } from '../../kernel/exec-shim.js';

/** Which iptables implementation programs the kernel. */
export type IptablesBackend = 'legacy' | 'nft';
/** Felix's `iptablesBackend` setting. */
export type IptablesBackendSetting = 'auto' | 'legacy' | 'nft';

/** Counts rule lines (lines starting with `-`) in iptables-save output, as Felix does. */
export function countRules(saveOutput: string): number {
  let n = 0;
  for (const line of saveOutput.split('\n')) if (line.startsWith('-')) n++;
  return n;
}

/**
 * Detects the backend like Felix's `iptablesBackend: Auto`
 * (felix/environment DetectBackend, itself after Kubernetes' iptables-wrapper):
 * 10 or more rules in the legacy save output of both IP versions means legacy;
 * otherwise legacy wins only if it has at least as many rules as nft.
 * A specified backend other than auto is used as given.
 */
export async function detectIptablesBackend(exec: Exec, setting: IptablesBackendSetting = 'auto'): Promise<IptablesBackend> {
  if (setting !== 'auto') return setting;
  const rules = async (cmd: string): Promise<number> => {
    try {
      const r = await exec.run(cmd, []);
      return r.code === 0 ? countRules(r.stdout) : 0;
    } catch {
      return 0; // binary missing
    }
  };
  const legacy = (await rules('ip6tables-legacy-save')) + (await rules('iptables-legacy-save'));
  if (legacy >= 10) return 'legacy';
  const nft = (await rules('ip6tables-nft-save')) + (await rules('iptables-nft-save'));
  return legacy >= nft ? 'legacy' : 'nft';
}

/** The save/restore binaries for one IP version and backend (Debian ships both variants). */
export function iptablesCommands(ipVersion: 4 | 6, backend: IptablesBackend): { save: string; restore: string } {
  const base = ipVersion === 6 ? 'ip6tables' : 'iptables';
  return { save: `${base}-${backend}-save`, restore: `${base}-${backend}-restore` };
}
