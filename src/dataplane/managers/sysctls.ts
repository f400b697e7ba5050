/**
 * The sysctls a Calico node needs (Felix's int_dataplane + endpoint_mgr):
 * forwarding on, globally and on every workload interface. Written with
 * `sysctl -w` through the Exec (so inside the dataplane's namespace). An
 * interface that does not exist yet is retried at the next apply.
 */
import type { Exec } from '../kernel/exec-shim.js';
import type { Family } from '../rules/ir.js';

interface Warn { warn(obj: object, msg?: string): void }

export async function applySysctls(exec: Exec, families: readonly Family[], ifaces: readonly string[], done: Set<string>, log: Warn): Promise<void> {
  const wanted: string[] = ['net.ipv4.ip_forward=1'];
  if (families.includes(6)) wanted.push('net.ipv6.conf.all.forwarding=1');
  for (const i of ifaces) {
    // sysctl separates keys with dots; an interface name with a dot is written with '/'.
    const n = i.replace(/\./g, '/');
    wanted.push(`net.ipv4.conf.${n}.forwarding=1`);
    if (families.includes(6)) wanted.push(`net.ipv6.conf.${n}.forwarding=1`);
  }
  for (const s of [...done]) if (!wanted.includes(s)) done.delete(s);
  const todo = wanted.filter((s) => !done.has(s));
  if (!todo.length) return;
  for (const s of todo) {
    const r = await exec.run('sysctl', ['-q', '-w', s]);
    if (r.code === 0) done.add(s);
    else if (!/cannot stat|No such file/i.test(r.stderr)) log.warn({ sysctl: s, err: r.stderr.trim() }, 'sysctl failed');
  }
}
