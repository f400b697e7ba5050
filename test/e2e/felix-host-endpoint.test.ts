/**
 * Felix's host-endpoint scenarios on real packets, after upstream
 * felix/fv/hostendpoints_test.go, apply_on_forward_test.go,
 * donottrack_test.go, ep_to_host_action_test.go and the failsafe cases,
 * on one node running our agent, for both dataplanes.
 *
 * Upstream runs two Felix hosts; here the second host is the `ext` netns
 * (no agent) on the node's eth0, which carries the HostEndpoint (named
 * `eth0`, or all-interfaces `*`, as upstream runs both):
 *   ext -> host        ingress into the host endpoint (INPUT)
 *   host -> ext        egress from the host endpoint (OUTPUT)
 *   ext <-> pod        forwarded through the host endpoint (FORWARD)
 *   host -> own pod    always allowed
 * Needs root (skips otherwise).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execChecked } from '../../dist/lib/exec.js';
import { canUseNetns } from '../support/netns.js';
import { API, FelixNode, NODE, type Expectation } from '../support/felix-harness.js';

const root = await canUseNetns();
const P = 8055;
const W = 'default/w';
const W2 = 'default/w2';
const CLUSTER_IP = '10.101.0.20';
const SVC_PORT = 8066;

const gnp = (name: string, spec: Record<string, unknown>) => ({ apiVersion: API, kind: 'GlobalNetworkPolicy', metadata: { name }, spec });
const x = (from: string, to: string, port: number, expect: boolean, why?: string): Expectation => ({ from, to, port, expect, ...(why ? { why } : {}) });

/** Upstream runs the suite for a named host endpoint (eth0) and an all-interfaces one ("*"). */
const MODES = (['nftables', 'iptables'] as const).flatMap((dataplane) => (['eth0', '*'] as const).map((iface) => ({ dataplane, iface })));

for (const { dataplane, iface } of MODES) describe(`felix host endpoints on real packets (${dataplane}, interfaceName ${iface})`, { skip: !root && 'needs root and ip netns' }, () => {
  let node: FelixNode;
  const hep = (extra: Record<string, unknown> = {}) => ({
    apiVersion: API, kind: 'HostEndpoint',
    metadata: { name: 'hep-node', labels: { name: 'hep-node', hostname: NODE, 'host-endpoint': 'true' } },
    spec: { node: NODE, interfaceName: iface, expectedIPs: [node.endpoint('host').ip], ...extra },
  });
  /** What holds whatever the host endpoint's policy says (upstream's expectPodToPod / expectHostToOwnPod). */
  const always = (): Expectation[] => [
    x(W, W2, P, true, 'pod to pod on the node'),
    x('host', W, P, true, 'host to own pod'),
  ];

  before(async () => {
    if (!root) return;
    node = await FelixNode.start({
      tag: `fh${dataplane[0]}${iface === '*' ? 'a' : 'e'}`, dataplane, ipv6: true,
      namespaces: [{ name: 'default' }],
      pods: [
        { namespace: 'default', name: 'w', labels: { name: 'w' }, serve: [P, 9090] },
        { namespace: 'default', name: 'w2', labels: { name: 'w2' }, serve: [P] },
      ],
      hostServe: [P, 9090, 22],
      extServe: [P, 6443],
    });
    // A kube-proxy-like DNAT on the node: cluster IP -> w, for the preDNAT scenario.
    await execChecked('ip', ['netns', 'exec', node.hostNetns, 'nft', '-f', '-'], {
      input: `table ip ${node.scope.prefix}svc {\n chain pre {\n  type nat hook prerouting priority -100;\n  ip daddr ${CLUSTER_IP} tcp dport ${SVC_PORT} dnat to ${node.endpoint(W).ip}:${P}\n }\n}\n`,
    });
    await execChecked('ip', ['-n', node.extNetns, 'route', 'add', `${CLUSTER_IP}/32`, 'via', node.endpoint('host').ip]);
  });

  after(async () => { await node?.stop(); });

  test('before any host endpoint, host traffic is not policed', async () => {
    await node.expectConnectivity([
      x('ext', 'host', P, true), x('host', 'ext', P, true), x('ext', W, P, true), x(W, 'ext', P, true), ...always(),
      { from: 'ext', to: 'host', port: P, ipv6: true, expect: true }, { from: 'ext', to: W, port: P, ipv6: true, expect: true },
    ]);
  });

  test('a host endpoint with no policy and no profile: deny host traffic except failsafes; forwarded and pod traffic unaffected', async () => {
    await node.withResources([hep()], async () => {
      await node.expectConnectivity([
        x('ext', 'host', P, false, 'host endpoint ingress, no policy'),
        x('host', 'ext', P, false, 'host endpoint egress, no policy'),
        { from: 'ext', to: 'host', protocol: 'ICMP', expect: false, why: 'no policy, not failsafe' },
        x('ext', 'host', 22, true, 'failsafe inbound tcp:22'),
        x('host', 'ext', 6443, true, 'failsafe outbound tcp:6443'),
        x('ext', W, P, true, 'forwarded: no applyOnForward policy'),
        x(W, 'ext', P, true, 'forwarded: no applyOnForward policy'),
        ...always(),
        // The host endpoint is the interface: IPv6 through it is policed the same way.
        { from: 'ext', to: 'host', port: P, ipv6: true, expect: false, why: 'IPv6 host endpoint ingress, no policy' },
        { from: 'ext', to: 'host', port: 22, ipv6: true, expect: true, why: 'IPv6 failsafe inbound tcp:22' },
        { from: 'host', to: 'ext', port: P, ipv6: true, expect: false, why: 'IPv6 host endpoint egress, no policy' },
        { from: 'ext', to: W, port: P, ipv6: true, expect: true, why: 'IPv6 forwarded: no applyOnForward policy' },
      ]);
      const ssh = await node.explain(node.endpoint('ext').ip, 'hep-node', 22);
      assert.equal(ssh.allowed, true);
      assert.equal(ssh.ingress?.decision.by, 'failsafe');
      assert.equal((await node.explain(node.endpoint('ext').ip, 'hep-node', P)).allowed, false);
    });
  });

  test('policies in a non-default tier open the host endpoint one direction at a time; a change to Deny closes it', async () => {
    await node.withResources([
      hep(),
      { apiVersion: API, kind: 'Tier', metadata: { name: 'security' }, spec: { order: 10 } },
      gnp('security.host-egress', { tier: 'security', selector: "hostname == 'felix-node'", types: ['Egress'], egress: [{ action: 'Allow' }] }),
    ], async () => {
      await node.expectConnectivity([x('host', 'ext', P, true, 'egress allowed'), x('ext', 'host', P, false, 'no ingress policy'), ...always()]);
      const ingress = (action: string) => gnp('security.host-ingress', { tier: 'security', selector: "hostname == 'felix-node'", types: ['Ingress'], ingress: [{ action }] });
      try {
        await node.applyAndConverge(ingress('Allow'));
        await node.expectConnectivity([x('ext', 'host', P, true, 'ingress allowed'), x('host', 'ext', P, true), ...always()]);
        await node.applyAndConverge(ingress('Deny'));
        await node.expectConnectivity([x('ext', 'host', P, false, 'ingress policy changed to Deny'), x('ext', 'host', 22, true, 'failsafe still open')]);
      } finally {
        await node.remove('GlobalNetworkPolicy', 'security.host-ingress');
      }
    });
  });

  test('a normal deny policy on the host endpoint does not touch forwarded or host-to-own-pod traffic', async () => {
    await node.withResources([
      hep(),
      gnp('hep-deny', { selector: 'has(host-endpoint)', types: ['Ingress', 'Egress'], ingress: [{ action: 'Deny' }], egress: [{ action: 'Deny' }] }),
    ], () => node.expectConnectivity([
      x('ext', 'host', P, false), x('host', 'ext', P, false), x('ext', W, P, true), x(W, 'ext', P, true), ...always(),
    ]));
  });

  test('an allow-all profile on the host endpoint, then policies that deny one direction', async () => {
    await node.withResources([
      { apiVersion: API, kind: 'Profile', metadata: { name: 'allow-all' }, spec: { ingress: [{ action: 'Allow' }], egress: [{ action: 'Allow' }] } },
      hep({ profiles: ['allow-all'] }),
    ], async () => {
      await node.expectConnectivity([x('ext', 'host', P, true, 'profile allows'), x('host', 'ext', P, true, 'profile allows'), x('ext', W, P, true), ...always()]);
      await node.withResources([gnp('host-egress-deny', { selector: "hostname == 'felix-node'", types: ['Egress'], egress: [{ action: 'Deny' }] })],
        () => node.expectConnectivity([x('host', 'ext', P, false, 'egress denied by policy'), x('ext', 'host', P, true, 'ingress falls to the profile'), x(W, 'ext', P, true), ...always()]));
      await node.withResources([gnp('host-ingress-deny', { selector: "hostname == 'felix-node'", types: ['Ingress'], ingress: [{ action: 'Deny' }] })],
        () => node.expectConnectivity([x('ext', 'host', P, false, 'ingress denied by policy'), x('host', 'ext', P, true), x('ext', W, P, true, 'forwarded traffic unaffected'), ...always()]));
    });
  });

  test('profiles decide only when no policy selects the endpoint; a tier that selects it ends in its default action', async () => {
    await node.withResources([
      { apiVersion: API, kind: 'Profile', metadata: { name: 'only-9090' }, spec: {
        ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: [9090] } }], egress: [{ action: 'Allow' }] } },
      hep({ profiles: ['only-9090'] }),
    ], async () => {
      await node.expectConnectivity([
        x('ext', 'host', 9090, true, 'profile rule allows 9090'),
        x('ext', 'host', P, false, 'no profile rule matched: drop'),
        x('host', 'ext', P, true, 'profile allows egress'),
      ]);
      // An egress-only policy selects the endpoint: ingress still falls to the profile, egress is policy's.
      await node.withResources([gnp('egress-only', { selector: "hostname == 'felix-node'", types: ['Egress'], egress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: [6443] } }] })],
        () => node.expectConnectivity([
          x('ext', 'host', 9090, true, 'ingress: profile'),
          x('host', 'ext', 6443, true, 'egress: policy allows'),
          x('host', 'ext', P, false, 'egress: selected by a default-tier policy, no match: end of tier drop, not the profile'),
        ]));
      const ex = await node.explain('hep-node', node.endpoint('ext').ip, 9090);
      assert.equal(ex.egress?.profile, 'only-9090');
    });
  });

  test('applyOnForward policy polices forwarded traffic through the host endpoint', async () => {
    await node.withResources([
      hep(),
      gnp('aof', { selector: "hostname == 'felix-node'", applyOnForward: true, types: ['Ingress', 'Egress'],
        ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: [9090] } }], egress: [{ action: 'Allow' }] }),
    ], () => node.expectConnectivity([
      x('ext', W, P, false, 'forwarded in through eth0: applyOnForward ingress allows only 9090'),
      x('ext', W, 9090, true, 'applyOnForward ingress allows 9090'),
      x(W, 'ext', P, true, 'forwarded out through eth0: applyOnForward egress allows'),
      x('ext', 'host', 9090, true, 'an applyOnForward policy also applies to the host itself'),
      x('ext', 'host', P, false),
      ...always(),
    ]));
  });

  test('preDNAT policy sees the destination before DNAT', async () => {
    await node.withResources([
      hep({ profiles: [] }),
      gnp('pre-dnat', { selector: "hostname == 'felix-node'", preDNAT: true, applyOnForward: true, types: ['Ingress'],
        ingress: [{ action: 'Deny', protocol: 'TCP', destination: { nets: [`${CLUSTER_IP}/32`] } }] }),
    ], async () => {
      await node.expectConnectivity([
        x('ext', CLUSTER_IP, SVC_PORT, false, 'preDNAT Deny on the cluster IP'),
        x('ext', W, P, true, 'the same pod straight to its IP: no preDNAT match, forwarded allowed'),
        ...always(),
      ]);
    });
    await node.withResources([hep()], () => node.expectConnectivity([x('ext', CLUSTER_IP, SVC_PORT, true, 'no preDNAT policy: DNAT to w, forwarded allowed')]));
  });

  // Upstream donottrack_test.go: untracked Allow in both directions gives connectivity with no normal
  // policy (the raw table's accept mark must survive mangle PREROUTING to filter INPUT).
  test('doNotTrack policy: untracked Allow passes both directions without conntrack', async () => {
    await node.withResources([
      hep(),
      gnp('dnt-allow', { selector: "hostname == 'felix-node'", doNotTrack: true, applyOnForward: true, types: ['Ingress', 'Egress'],
        ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: [P] } }],
        egress: [{ action: 'Allow', protocol: 'TCP', source: { ports: [P] } }] }),
    ], () => node.expectConnectivity([
      x('ext', 'host', P, true, 'untracked Allow both ways, though no normal policy exists'),
      x('ext', 'host', 9090, false, 'not untracked-allowed, and no normal policy'),
    ]));
  });

  test('doNotTrack policy: untracked Deny drops before the profile, both directions; failsafes stay open', async () => {
    await node.withResources([
      { apiVersion: API, kind: 'Profile', metadata: { name: 'allow-all' }, spec: { ingress: [{ action: 'Allow' }], egress: [{ action: 'Allow' }] } },
      hep({ profiles: ['allow-all'] }),
      gnp('dnt-deny', { selector: "hostname == 'felix-node'", doNotTrack: true, applyOnForward: true, types: ['Ingress'],
        ingress: [{ action: 'Deny', source: { nets: [`${node.endpoint('ext').ip}/32`] } }] }),
    ], () => node.expectConnectivity([
      x('ext', 'host', P, false, 'untracked Deny before the profile'),
      x('ext', 'host', 22, true, 'failsafe tcp:22 even against untracked Deny'),
      x('host', 'ext', P, false, 'the replies from ext are dropped by the untracked Deny'),
      ...always(),
    ]));
  });

  // Felix's raw failsafe-in chain also accepts replies from outbound failsafe ports (source port match), and
  // raw failsafe-out replies to inbound ones, so an untracked Deny cannot cut a failsafe connection in half.
  test('doNotTrack policy: replies on failsafe connections pass an untracked Deny', async () => {
    await node.withResources([
      { apiVersion: API, kind: 'Profile', metadata: { name: 'allow-all' }, spec: { ingress: [{ action: 'Allow' }], egress: [{ action: 'Allow' }] } },
      hep({ profiles: ['allow-all'] }),
      gnp('dnt-deny', { selector: "hostname == 'felix-node'", doNotTrack: true, applyOnForward: true, types: ['Ingress'],
        ingress: [{ action: 'Deny', source: { nets: [`${node.endpoint('ext').ip}/32`] } }] }),
    ], () => node.expectConnectivity([x('host', 'ext', 6443, true, 'the reply from ext:6443 (outbound failsafe) is accepted in raw')]));
  });

  test('failsafe ports and DefaultEndpointToHostAction follow FelixConfiguration', async () => {
    await node.expectConnectivity([x(W, 'host', P, false, 'DefaultEndpointToHostAction Drop (default)')]);
    await node.withResources([
      hep(),
      { apiVersion: API, kind: 'FelixConfiguration', metadata: { name: 'default' },
        spec: { defaultEndpointToHostAction: 'Accept', failsafeInboundHostPorts: [{ protocol: 'TCP', port: P }] } },
    ], async () => {
      await node.expectConnectivity([
        x(W, 'host', P, true, 'DefaultEndpointToHostAction Accept'),
        x('ext', 'host', P, true, `failsafe inbound now tcp:${P}`),
        x('ext', 'host', 22, false, 'tcp:22 no longer failsafe'),
        ...always(),
      ]);
    });
    await node.expectConnectivity([x(W, 'host', P, false, 'back to Drop')]);
  });
});
