import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExecOptions, ExecResult } from '../lib/exec.js';
import { deleteHostVeth, doNetworking, type KernelShim } from './linux-dataplane.js';

/** Answers every command with `answer(line)` and records it; links exist as `exists` says. */
function fakeKernel(answer: (line: string) => ExecResult = () => ({ code: 0, stdout: '', stderr: '' }), exists = new Set<string>()) {
  const calls: string[] = [];
  const sysctls: string[] = [];
  const k: KernelShim = {
    async exec(cmd: string, args: readonly string[], opts?: ExecOptions): Promise<ExecResult> {
      const line = [cmd, ...args].join(' ') + (opts?.input ? ` <<< ${opts.input.trim().replaceAll('\n', ' ; ')}` : '');
      calls.push(line);
      return answer(line);
    },
    writeSysctl(key: string): void { sysctls.push(`${calls.length}:${key}`); },
    hostLinkExists: (name: string) => exists.has(name),
  };
  return { k, calls, sysctls };
}

const req = { netns: '/run/netns/x', ifName: 'eth0', hostVethName: 'cali0123456789a', mtu: 0, numQueues: 1, routes: ['0.0.0.0/0', '::/0'], allowIpForwarding: false, containerMac: '02:00:00:00:00:01' };

test('IPv4: the host side (veth, up, route) is one ip batch, then the workload side; sysctls between them', async () => {
  const { k, calls, sysctls } = fakeKernel();
  const r = await doNetworking({ ...req, addresses: ['10.0.0.5/26'] }, k);
  assert.deepEqual(r.addresses, ['10.0.0.5/32']);
  assert.equal(calls.length, 2, calls.join('\n'));
  assert.equal(calls[0], 'ip -batch - <<< link add cali0123456789a address ee:ee:ee:ee:ee:ee type veth peer name eth0 address 02:00:00:00:00:01 netns /run/netns/x ; link set dev cali0123456789a up ; route add 10.0.0.5/32 dev cali0123456789a scope link');
  assert.match(calls[1]!, /^nsenter --net=\/run\/netns\/x sh -c .*ip_forward.* <<< link set dev eth0 up ; addr add 10\.0\.0\.5\/32 dev eth0 ; route add 169\.254\.1\.1\/32 dev eth0 scope link ; route add 0\.0\.0\.0\/0 via 169\.254\.1\.1 dev eth0$/s);
  // Host sysctls are written after the veth exists and before the workload side is up.
  assert.ok(sysctls.length > 0 && sysctls.every((s) => s.startsWith('1:')), sysctls.join(' '));
});

test('dual stack: IPv6 host routes wait for disable_ipv6=0, so the host side is finished in a third spawn', async () => {
  const { k, calls, sysctls } = fakeKernel();
  await doNetworking({ ...req, addresses: ['10.0.0.5/26', 'fd00::5/122'] }, k);
  assert.equal(calls.length, 3, calls.join('\n'));
  assert.equal(calls[0], 'ip -batch - <<< link add cali0123456789a address ee:ee:ee:ee:ee:ee type veth peer name eth0 address 02:00:00:00:00:01 netns /run/netns/x');
  assert.match(calls[1]!, /accept_dad.* <<< link set dev eth0 up ; addr add 10\.0\.0\.5\/32 dev eth0 ; addr add fd00::5\/128 dev eth0 nodad ; .*route add ::\/0 via fe80::ecee:eeff:feee:eeee dev eth0$/s);
  assert.equal(calls[2], 'ip -batch - <<< link set dev cali0123456789a up ; route add 10.0.0.5/32 dev cali0123456789a scope link ; route add fd00::5/128 dev cali0123456789a scope link');
  assert.ok(sysctls.includes('1:net/ipv6/conf/cali0123456789a/disable_ipv6'), sysctls.join(' '));
});

test('a failed host route in the first batch deletes the new veth and names the conflict; a failed link add deletes nothing', async () => {
  const exists = new Set<string>();
  const routeTaken = fakeKernel((line) => {
    if (line.startsWith('ip -batch')) {
      exists.add('cali0123456789a'); // line 1 (link add) ran before the route failed
      return { code: 1, stdout: '', stderr: 'RTNETLINK answers: File exists\nCommand failed -:3\n' };
    }
    if (line.startsWith('ip link del')) exists.delete('cali0123456789a');
    return { code: 0, stdout: '', stderr: '' };
  }, exists);
  await assert.rejects(doNetworking({ ...req, addresses: ['10.0.0.5/32'] }, routeTaken.k), /route to 10\.0\.0\.5\/32 already exists for an interface other than 'cali0123456789a'/);
  assert.equal(routeTaken.calls.at(-1), 'ip link del dev cali0123456789a');
  assert.equal(exists.size, 0);

  const nameTaken = fakeKernel((line) => line.startsWith('ip -batch')
    ? { code: 2, stdout: '', stderr: 'RTNETLINK answers: File exists\nCommand failed -:1\n' } : { code: 0, stdout: '', stderr: '' });
  await assert.rejects(doNetworking({ ...req, addresses: ['10.0.0.5/32'] }, nameTaken.k), /creating veth cali0123456789a <-> eth0: RTNETLINK answers: File exists/);
  assert.equal(nameTaken.calls.length, 1, nameTaken.calls.join('\n'));
});

test('deleting a host veth that is not there costs no spawn; one that is there is deleted', async () => {
  const absent = fakeKernel();
  await deleteHostVeth('cali0123456789a', absent.k);
  assert.deepEqual(absent.calls, []);
  const present = fakeKernel(undefined, new Set(['cali0123456789a']));
  await deleteHostVeth('cali0123456789a', present.k);
  assert.deepEqual(present.calls, ['ip link del dev cali0123456789a']);
});
