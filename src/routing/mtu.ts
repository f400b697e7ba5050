/**
 * MTU as Felix computes it: the underlay MTU minus the encapsulation
 * overhead (VXLAN over IPv4 50 bytes, over IPv6 70) unless
 * FelixConfiguration sets vxlanMTU / vxlanMTUV6. The result is written to
 * the file the CNI plugin reads when its config has no `mtu`
 * (/var/lib/calico/mtu), only when it changes.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { FelixRoutingConfig } from './routing-model.js';

export const DEFAULT_MTU_FILE = '/var/lib/calico/mtu';
export const VXLAN_OVERHEAD_V4 = 50;
export const VXLAN_OVERHEAD_V6 = 70;

export interface MtuDecision {
  /** MTU of vxlan.calico. */
  readonly vxlanMtu: number;
  readonly vxlanMtuV6: number;
  /** MTU pods should use (the smallest over the encapsulations in use). */
  readonly podMtu: number;
}

export function computeMtu(underlayMtu: number, felix: FelixRoutingConfig, vxlanInUse: boolean, vxlanV6InUse = false): MtuDecision {
  const vxlanMtu = felix.vxlanMTU > 0 ? felix.vxlanMTU : underlayMtu - VXLAN_OVERHEAD_V4;
  const vxlanMtuV6 = felix.vxlanMTUV6 > 0 ? felix.vxlanMTUV6 : underlayMtu - VXLAN_OVERHEAD_V6;
  const used = [...(vxlanInUse ? [vxlanMtu] : []), ...(vxlanV6InUse ? [vxlanMtuV6] : [])];
  return { vxlanMtu, vxlanMtuV6, podMtu: used.length ? Math.min(...used) : underlayMtu };
}

/** Writes the MTU file when its content differs; returns true if it wrote. */
export function writeMtuFile(path: string, mtu: number): boolean {
  const text = `${mtu}\n`;
  try {
    if (readFileSync(path, 'utf8') === text) return false;
  } catch { /* absent: write it */ }
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
  return true;
}
