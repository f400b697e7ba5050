/**
 * The sysctls a Calico node needs (Felix's int_dataplane + endpoint_mgr
 * configureInterface): forwarding on globally, and on every workload
 * interface forwarding, proxy ARP with no delay (pods route via 169.254.1.1),
 * strict reverse-path filtering (no spoofing unless the endpoint allows
 * spoofed prefixes) and proxy NDP for IPv6. Written with one `sysctl -w`
 * through the Exec (so inside the dataplane's namespace); an interface that
 * does not exist yet is retried at the next apply.
 */
import type { Exec } from '../kernel/exec-shim.js';
import type { Family } from '../rules/ir.js';

interface Warn { warn(obj: object, msg?: string): void }

export interface WorkloadInterface {
  readonly name: string;
  /** The endpoint has allowSpoofedSourcePrefixes: reverse-path filtering stays off. */
  readonly allowSpoofing: boolean;
}

/** The `key=value` settings wanted for the families and workload interfaces. */
export function wantedSysctls(families: readonly Family[], ifaces: readonly WorkloadInterface[]): string[] {
  const wanted: string[] = ['net.ipv4.ip_forward=1'];
  const v6 = families.includes(6);
  if (v6) wanted.push('net.ipv6.conf.all.forwarding=1');
  for (const i of ifaces) {
    // sysctl separates keys with dots; an interface name with a dot is written with '/'.
    const n = i.name.replace(/\./g, '/');
    wanted.push(`net.ipv4.conf.${n}.forwarding=1`, `net.ipv4.conf.${n}.proxy_arp=1`, `net.ipv4.neigh.${n}.proxy_delay=0`);
    if (!i.allowSpoofing) wanted.push(`net.ipv4.conf.${n}.rp_filter=1`);
    if (v6) wanted.push(`net.ipv6.conf.${n}.forwarding=1`, `net.ipv6.conf.${n}.proxy_ndp=1`);
  }
  return wanted;
}

/**
 * Writes the wanted settings not yet in `done` (which it updates). Returns
 * true when everything wanted is in place, false when something must be
 * retried (an interface not created yet).
 */
export async function applySysctls(exec: Exec, families: readonly Family[], ifaces: readonly WorkloadInterface[], done: Set<string>, log: Warn): Promise<boolean> {
  const wanted = wantedSysctls(families, ifaces);
  const keep = new Set(wanted);
  for (const s of [...done]) if (!keep.has(s)) done.delete(s);
  const todo = wanted.filter((s) => !done.has(s));
  if (!todo.length) return true;
  const all = await exec.run('sysctl', ['-q', '-w', ...todo]);
  if (all.code === 0) {
    for (const s of todo) done.add(s);
    return true;
  }
  // Something failed (usually an interface that is not there yet): find out which, one by one.
  for (const s of todo) {
    const r = await exec.run('sysctl', ['-q', '-w', s]);
    if (r.code === 0) done.add(s);
    else if (!/cannot stat|No such file/i.test(r.stderr)) log.warn({ sysctl: s, err: r.stderr.trim() }, 'sysctl failed');
  }
  return todo.every((s) => done.has(s));
}
