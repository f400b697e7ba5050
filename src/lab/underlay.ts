/**
 * The lab's underlay: one netns holding a bridge (the "switch"), and one netns
 * per node joined to it by a veth (`eth0` in the node). Node i gets
 * 172.30.0.(10+i)/24 (and fd00:ca1::(10+i)/64 with IPv6); the bridge holds
 * .1 / ::1, the nodes' default gateway, so the CNI plugin's proxy ARP answers
 * (it needs a route to 169.254.1.1 on the host). Nothing here touches the
 * machine's own netns: every object lives in a netns named with the lab prefix.
 */
import { exec, execChecked } from '../lib/exec.js';
import { CalicoError } from '../lib/errors.js';

export const UNDERLAY_V4 = { subnet: '172.30.0.0/24', gateway: '172.30.0.1', prefixLen: 24 };
export const UNDERLAY_V6 = { subnet: 'fd00:ca1::/64', gateway: 'fd00:ca1::1', prefixLen: 64 };
const BRIDGE = 'br0';

export function nodeUnderlayIPv4(index: number): string {
  return `172.30.0.${10 + index}`;
}

export function nodeUnderlayIPv6(index: number): string {
  return `fd00:ca1::${(10 + index).toString(16)}`;
}

async function ip(args: readonly string[]): Promise<void> {
  await execChecked('ip', args);
}

async function sysctl(netns: string, key: string, value: string): Promise<void> {
  await execChecked('ip', ['netns', 'exec', netns, 'sysctl', '-q', '-w', `${key}=${value}`]);
}

export async function createNetns(name: string): Promise<void> {
  await ip(['netns', 'add', name]);
  await ip(['-n', name, 'link', 'set', 'lo', 'up']);
}

/** The underlay netns with its bridge and gateway addresses. */
export async function createUnderlay(netns: string, ipv6: boolean): Promise<void> {
  await createNetns(netns);
  await ip(['-n', netns, 'link', 'add', BRIDGE, 'type', 'bridge']);
  await ip(['-n', netns, 'addr', 'add', `${UNDERLAY_V4.gateway}/${UNDERLAY_V4.prefixLen}`, 'dev', BRIDGE]);
  if (ipv6) {
    await sysctl(netns, 'net.ipv6.conf.all.disable_ipv6', '0');
    await ip(['-n', netns, 'addr', 'add', `${UNDERLAY_V6.gateway}/${UNDERLAY_V6.prefixLen}`, 'dev', BRIDGE, 'nodad']);
  }
  await ip(['-n', netns, 'link', 'set', BRIDGE, 'up']);
}

/**
 * A node netns joined to the underlay: `eth0` with its underlay address,
 * a default route via the bridge, forwarding on (a node routes for its pods).
 */
export async function createNodeNetns(underlay: string, netns: string, index: number, ipv6: boolean): Promise<void> {
  await createNetns(netns);
  const port = `vn${index}`;
  await ip(['-n', underlay, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
  await ip(['-n', underlay, 'link', 'set', port, 'master', BRIDGE, 'up']);
  await sysctl(netns, 'net.ipv4.ip_forward', '1');
  // Pod traffic from other nodes arrives on eth0 with pod source addresses; a strict
  // reverse-path check would drop nothing here, but keep the kernel default out of the way.
  await sysctl(netns, 'net.ipv4.conf.all.rp_filter', '0');
  await sysctl(netns, 'net.ipv4.conf.default.rp_filter', '0');
  await ip(['-n', netns, 'addr', 'add', `${nodeUnderlayIPv4(index)}/${UNDERLAY_V4.prefixLen}`, 'dev', 'eth0']);
  if (ipv6) {
    await sysctl(netns, 'net.ipv6.conf.all.disable_ipv6', '0');
    await sysctl(netns, 'net.ipv6.conf.all.forwarding', '1');
    await ip(['-n', netns, 'addr', 'add', `${nodeUnderlayIPv6(index)}/${UNDERLAY_V6.prefixLen}`, 'dev', 'eth0', 'nodad']);
  }
  await ip(['-n', netns, 'link', 'set', 'eth0', 'up']);
  await ip(['-n', netns, 'route', 'add', 'default', 'via', UNDERLAY_V4.gateway]);
  if (ipv6) await ip(['-n', netns, '-6', 'route', 'add', 'default', 'via', UNDERLAY_V6.gateway]);
}

/** Every netns whose name starts with `prefix` (the lab's kernel objects all live in these). */
export async function listLabNetns(prefix: string): Promise<string[]> {
  const r = await exec('ip', ['netns', 'list']);
  if (r.code !== 0) throw new CalicoError('CALICO_ERR_KERNEL', `ip netns list: ${r.stderr.trim()}`);
  return r.stdout.split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '').filter((n) => n.startsWith(prefix));
}

/** PIDs of processes inside a netns (`ip netns pids`). */
export async function netnsPids(netns: string): Promise<number[]> {
  const r = await exec('ip', ['netns', 'pids', netns]);
  if (r.code !== 0) return [];
  return r.stdout.split('\n').map((l) => Number(l.trim())).filter((n) => Number.isInteger(n) && n > 0);
}

export async function deleteNetns(netns: string): Promise<void> {
  const r = await exec('ip', ['netns', 'del', netns]);
  if (r.code !== 0 && !/No such file/.test(r.stderr)) {
    throw new CalicoError('CALICO_ERR_KERNEL', `ip netns del ${netns}: ${r.stderr.trim()}`);
  }
}
