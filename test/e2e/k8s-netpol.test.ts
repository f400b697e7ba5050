/**
 * The Kubernetes network-policy e2e scenarios (test/e2e/network/netpol in
 * the Kubernetes project: namespaces x, y, z with pods a, b, c each, serving
 * TCP and UDP 80/81 with named ports serve-80-tcp ...), run on real packets
 * through calico-lab: the agents program nftables or iptables in each node
 * netns and `calico-lab probe` makes real connections between pod netns.
 * One lab per dataplane; every scenario removes its policies (and labels)
 * afterwards. Needs root (skips otherwise).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { main } from '../../dist/lab/cli.js';
import { canUseNetns } from '../support/netns.js';

const root = await canUseNetns();

const NAMESPACES = ['x', 'y', 'z'];
const PODS = ['a', 'b', 'c'];
const PORTS = [80, 81].flatMap((port) => (['TCP', 'UDP'] as const).map((protocol) => ({ name: `serve-${port}-${protocol.toLowerCase()}`, containerPort: port, protocol })));
const TOPOLOGY = {
  nodes: 2,
  namespaces: NAMESPACES.map((ns) => ({ name: ns, labels: { ns } })),
  pods: NAMESPACES.flatMap((ns) => PODS.map((pod) => ({ namespace: ns, name: pod, labels: { pod }, ports: PORTS }))),
};

type Allowed = (from: string, to: string) => boolean;
type Matrix = Map<string, boolean>;
const allowAll: Allowed = () => true;
const ns = (id: string): string => id.split('/')[0]!;

function netpol(namespace: string, name: string, spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec };
}

for (const dataplane of ['nftables', 'iptables'] as const) {
  describe(`Kubernetes NetworkPolicy e2e scenarios (${dataplane})`, { skip: !root && 'needs root and ip netns' }, () => {
    const dir = root ? mkdtempSync(join(tmpdir(), 'calico-netpol-')) : '';
    const env = { CALICO_LAB_STATE_DIR: dir, CALICO_LAB_NAME: `np${dataplane[0]}${randomBytes(2).toString('hex')}` };
    const ips = new Map<string, string>();
    let seq = 0;
    // The CLI's main() in this process (bin/calico-lab itself is exercised by lab-cli.test.ts): saves a node start per call.
    const lab = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
      let stdout = '';
      let stderr = '';
      const code = await main(args, { ...process.env, ...env }, { out: (t: string) => { stdout += t; }, err: (t: string) => { stderr += t; } });
      return { code, stdout, stderr };
    };
    const ok = async (...args: string[]): Promise<string> => {
      const r = await lab(...args);
      assert.equal(r.code, 0, `calico-lab ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    const write = (docs: readonly Record<string, unknown>[]): string => {
      const p = join(dir, `r${seq++}.json`);
      writeFileSync(p, docs.length === 1 ? JSON.stringify(docs[0]) : JSON.stringify({ apiVersion: 'v1', kind: 'List', items: docs }));
      return p;
    };
    /** Applies the resources for the body of a scenario, then deletes them (even when the scenario fails). */
    const withPolicies = async (docs: readonly Record<string, unknown>[], body: () => Promise<void>): Promise<void> => {
      const files = docs.map((d) => write([d]));
      for (const f of files) await ok('apply', '-f', f);
      try {
        await body();
      } finally {
        for (const f of files.reverse()) await lab('delete', '-f', f);
      }
    };
    const probe = async (port: number, protocol: 'TCP' | 'UDP' = 'TCP', extra: string[] = []): Promise<Matrix> => {
      const out = JSON.parse(await ok('probe', '--port', String(port), '--protocol', protocol, '--timeout-ms', '500', '-o', 'json', ...extra)) as
        { results: { from: string; to: string; port: number; protocol: string; connected: boolean }[] };
      for (const r of out.results) {
        assert.equal(r.port, port);
        assert.equal(r.protocol, protocol);
      }
      return new Map(out.results.map((r) => [`${r.from}>${r.to}`, r.connected]));
    };
    /** Every probed pair is connected exactly when `allowed` says so. */
    const expectMatrix = (m: Matrix, allowed: Allowed, what: string): void => {
      const wrong: string[] = [];
      for (const [pair, connected] of m) {
        const [from, to] = pair.split('>') as [string, string];
        if (connected !== allowed(from, to)) wrong.push(`${pair}: ${connected ? 'connected' : 'blocked'}, expected ${connected ? 'blocked' : 'connected'}`);
      }
      assert.ok(m.size > 0, `${what}: nothing probed`);
      assert.deepEqual(wrong, [], `${what}:\n${wrong.join('\n')}`);
    };
    /**
     * Probes and compares. Pairs that disagree are probed once more with a longer
     * timeout (a loaded CI machine can be slower than 500 ms on a first packet);
     * only a pair that disagrees twice fails the scenario.
     */
    const check = async (allowed: Allowed, what: string, port = 80, protocol: 'TCP' | 'UDP' = 'TCP', extra: string[] = []): Promise<void> => {
      const m = await probe(port, protocol, extra);
      const bySource = new Map<string, string[]>();
      for (const [pair, connected] of m) {
        const [from, to] = pair.split('>') as [string, string];
        if (connected !== allowed(from, to)) bySource.set(from, [...(bySource.get(from) ?? []), to]);
      }
      for (const [from, tos] of bySource) {
        const again = JSON.parse(await ok('probe', '--port', String(port), '--protocol', protocol, '--timeout-ms', '2000', '-o', 'json',
          '--from', from, ...tos.flatMap((t) => ['--to', t]))) as { results: { from: string; to: string; connected: boolean }[] };
        for (const r of again.results) m.set(`${r.from}>${r.to}`, r.connected);
      }
      expectMatrix(m, allowed, `${what} (${protocol}/${port})`);
    };

    before(async () => {
      if (!root) return;
      await ok('up', '--topology', write([TOPOLOGY]), '--dataplane', dataplane);
      const s = JSON.parse(await ok('status', '-o', 'json')) as { pods: { namespace: string; name: string; ips: string[] }[] };
      for (const p of s.pods) ips.set(`${p.namespace}/${p.name}`, p.ips[0]!);
      assert.equal(ips.size, 9);
    });

    after(async () => {
      if (!root) return;
      await lab('down');
      rmSync(dir, { recursive: true, force: true });
    });

    test('without policy every pod reaches every pod (TCP and UDP)', async () => {
      await check(allowAll, 'no policy');
      await check(allowAll, 'no policy', 81, 'UDP');
    });

    test('should support a default-deny-ingress policy', async () => {
      await withPolicies([netpol('x', 'deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] })], async () => {
        await check((_f, to) => ns(to) !== 'x', 'default-deny-ingress in x');
      });
      await check(allowAll, 'after delete');
    });

    test('should support a default-deny-egress policy', async () => {
      await withPolicies([netpol('x', 'deny-egress', { podSelector: {}, policyTypes: ['Egress'] })], async () => {
        await check((from) => ns(from) !== 'x', 'default-deny-egress in x');
      });
    });

    test('should support default-deny-all plus allow-all ingress: allow-all wins (policies are additive)', async () => {
      await withPolicies([
        netpol('x', 'deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }),
        netpol('x', 'allow-all-ingress', { podSelector: {}, ingress: [{}], policyTypes: ['Ingress'] }),
      ], async () => {
        await check((from) => ns(from) !== 'x', 'deny all egress of x, all ingress allowed');
      });
    });

    test('should deny ingress from pods on other namespaces (empty podSelector peer)', async () => {
      await withPolicies([netpol('x', 'same-ns-only', { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] })], async () => {
        await check((from, to) => ns(to) !== 'x' || ns(from) === 'x', 'x only from x');
      });
    });

    test('should enforce except clause while egress access to server in CIDR block', async () => {
      const yb = ips.get('y/b')!;
      await withPolicies([netpol('x', 'egress-except', {
        podSelector: { matchLabels: { pod: 'a' } },
        policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: '10.244.0.0/16', except: [`${yb}/32`] } }] }],
      })], async () => {
        await check((from, to) => from !== 'x/a' || to !== 'y/b', 'x/a egress to the pod range except y/b', 80, 'TCP', ['--from', 'x/a']);
      });
    });

    test('should enforce policy to allow traffic from pods within server namespace based on PodSelector', async () => {
      await withPolicies([netpol('x', 'x-a-allows-x-b', {
        podSelector: { matchLabels: { pod: 'a' } },
        ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }] }],
      })], async () => {
        await check((from, to) => to !== 'x/a' || from === 'x/b', 'x/a only from x/b', 80, 'TCP', ['--to', 'x/a']);
      });
    });

    test('should enforce policy based on NamespaceSelector with MatchExpressions', async () => {
      await withPolicies([netpol('x', 'allow-ns-y', {
        podSelector: { matchLabels: { pod: 'a' } },
        ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: 'ns', operator: 'In', values: ['y'] }] } }] }],
      })], async () => {
        await check((from, to) => to !== 'x/a' || ns(from) === 'y', 'x/a only from namespace y', 80, 'TCP', ['--to', 'x/a']);
      });
    });

    test('should enforce policy based on PodSelector and NamespaceSelector with MatchExpressions', async () => {
      await withPolicies([netpol('x', 'allow-ns-not-x-pod-b-or-c', {
        podSelector: { matchLabels: { pod: 'a' } },
        ingress: [{ from: [{
          namespaceSelector: { matchExpressions: [{ key: 'ns', operator: 'NotIn', values: ['x'] }] },
          podSelector: { matchExpressions: [{ key: 'pod', operator: 'In', values: ['b', 'c'] }] },
        }] }],
      })], async () => {
        await check((from, to) => to !== 'x/a' || (ns(from) !== 'x' && !from.endsWith('/a')), 'x/a from b,c outside x', 80, 'TCP', ['--to', 'x/a']);
      });
    });

    test('should enforce policy based on PodSelector or NamespaceSelector (two peers)', async () => {
      await withPolicies([netpol('x', 'allow-ns-z-or-pod-b', {
        podSelector: { matchLabels: { pod: 'a' } },
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: 'z' } } }, { podSelector: { matchLabels: { pod: 'b' } } }] }],
      })], async () => {
        await check((from, to) => to !== 'x/a' || ns(from) === 'z' || from === 'x/b', 'x/a from z/* or x/b', 80, 'TCP', ['--to', 'x/a']);
      });
    });

    test('should enforce policy to allow ingress traffic for a target on a specific port (numbered and named)', async () => {
      await withPolicies([netpol('x', 'allow-81', {
        podSelector: { matchLabels: { pod: 'a' } },
        ingress: [{ ports: [{ port: 81, protocol: 'TCP' }] }],
      })], async () => {
        await check((_f, to) => to !== 'x/a', 'port 81 only: 80 blocked', 80, 'TCP', ['--to', 'x/a']);
        await check(allowAll, 'port 81 only: 81 open', 81, 'TCP', ['--to', 'x/a']);
      });
      await withPolicies([netpol('x', 'allow-named-81-udp', {
        podSelector: { matchLabels: { pod: 'a' } },
        ingress: [{ ports: [{ port: 'serve-81-udp', protocol: 'UDP' }] }],
      })], async () => {
        await check(allowAll, 'named port serve-81-udp: UDP 81 open', 81, 'UDP', ['--to', 'x/a']);
        await check((_f, to) => to !== 'x/a', 'named port serve-81-udp: TCP 81 blocked', 81, 'TCP', ['--to', 'x/a']);
        await check((_f, to) => to !== 'x/a', 'named port serve-81-udp: UDP 80 blocked', 80, 'UDP', ['--to', 'x/a']);
      });
    });

    test('should allow egress only to a namespace (egress with namespaceSelector and named port)', async () => {
      await withPolicies([netpol('x', 'x-a-egress-to-y', {
        podSelector: { matchLabels: { pod: 'a' } },
        policyTypes: ['Egress'],
        egress: [{ to: [{ namespaceSelector: { matchLabels: { ns: 'y' } } }], ports: [{ port: 'serve-80-tcp' }] }],
      })], async () => {
        await check((from, to) => from !== 'x/a' || ns(to) === 'y', 'x/a egress only to y on serve-80-tcp', 80, 'TCP', ['--from', 'x/a']);
        await check((from) => from !== 'x/a', 'x/a egress on 81 blocked', 81, 'TCP', ['--from', 'x/a']);
      });
    });

    test('should allow ingress from an ipBlock except a /32, and egress to an ipBlock', async () => {
      const xb = ips.get('x/b')!;
      await withPolicies([netpol('x', 'ipblock-except', {
        podSelector: { matchLabels: { pod: 'a' } },
        ingress: [{ from: [{ ipBlock: { cidr: '10.244.0.0/16', except: [`${xb}/32`] } }] }],
      })], async () => {
        await check((from, to) => to !== 'x/a' || from !== 'x/b', 'x/a from the pod range except x/b', 80, 'TCP', ['--to', 'x/a']);
      });
      const ya = ips.get('y/a')!;
      await withPolicies([netpol('x', 'egress-ipblock', {
        podSelector: { matchLabels: { pod: 'a' } },
        policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: `${ya}/32` } }] }],
      })], async () => {
        await check((from, to) => from !== 'x/a' || to === 'y/a', 'x/a egress only to y/a', 80, 'TCP', ['--from', 'x/a']);
      });
    });

    test('should enforce updated policy (same name, new peer)', async () => {
      const first = write([netpol('x', 'updated', { podSelector: { matchLabels: { pod: 'a' } }, ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }] }] })]);
      const second = write([netpol('x', 'updated', { podSelector: { matchLabels: { pod: 'a' } }, ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'c' } } }] }] })]);
      await ok('apply', '-f', first);
      try {
        await check((from, to) => to !== 'x/a' || from === 'x/b', 'before update', 80, 'TCP', ['--to', 'x/a']);
        await ok('apply', '-f', second);
        await check((from, to) => to !== 'x/a' || from === 'x/c', 'after update', 80, 'TCP', ['--to', 'x/a']);
      } finally {
        await lab('delete', '-f', second);
      }
      await check(allowAll, 'after delete', 80, 'TCP', ['--to', 'x/a']);
    });

    test('should enforce policy after pod and namespace label changes', async () => {
      await withPolicies([netpol('x', 'by-labels', {
        podSelector: { matchLabels: { pod: 'a' } },
        ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }, { namespaceSelector: { matchLabels: { ns2: 'updated' } } }] }],
      })], async () => {
        await check((from, to) => to !== 'x/a' || from === 'x/b', 'before labels', 80, 'TCP', ['--to', 'x/a']);
        await ok('label', 'pod', 'x/c', 'pod=b', '--overwrite');
        try {
          await check((from, to) => to !== 'x/a' || from === 'x/b' || from === 'x/c', 'x/c relabelled pod=b', 80, 'TCP', ['--to', 'x/a']);
        } finally {
          await ok('label', 'pod', 'x/c', 'pod=c', '--overwrite');
        }
        await ok('label', 'namespace', 'y', 'ns2=updated');
        try {
          await check((from, to) => to !== 'x/a' || from === 'x/b' || ns(from) === 'y', 'namespace y labelled ns2=updated', 80, 'TCP', ['--to', 'x/a']);
        } finally {
          await ok('label', 'namespace', 'y', 'ns2-');
        }
        await check((from, to) => to !== 'x/a' || from === 'x/b', 'labels restored', 80, 'TCP', ['--to', 'x/a']);
      });
    });

    test('should stop enforcing a deleted policy', async () => {
      await withPolicies([netpol('y', 'deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] })], async () => {
        await check((_f, to) => ns(to) !== 'y', 'deny ingress in y');
      });
      await check(allowAll, 'policy deleted');
    });

    test('all nodes report in sync at the end', async () => {
      const s = JSON.parse(await ok('status', '-o', 'json')) as { nodes: { inSync: boolean }[] };
      assert.equal(s.nodes.length, 2);
      assert.ok(s.nodes.every((n) => n.inSync));
    });
  });
}
