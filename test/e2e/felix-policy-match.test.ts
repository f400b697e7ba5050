/**
 * Felix's rule-matching scenarios on real packets, after upstream felix/fv
 * ingress_egress_test.go, named_ports_test.go, netsets_test.go and the
 * namespaceSelector / serviceAccounts / ICMP / IPv6 cases, on one node
 * running our agent, for both dataplanes. One bed per dataplane; each
 * scenario applies its policies, checks real TCP, UDP and ICMP (v4 and v6),
 * and removes them again.
 *
 *   prod (env=prod): web  (app=web;  named ports http=8080, metrics=9090, dns=53/UDP)
 *                    db   (app=db;   named port http=8081; also serves 8080)
 *                    client (app=client, service account "frontend")
 *   dev  (env=dev):  client (app=client, service account "default")
 *   ext: a host outside the node; the pools are routed to it via the node.
 *
 * Needs root (skips otherwise).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { canUseNetns } from '../support/netns.js';
import { API, FelixNode, type Expectation } from '../support/felix-harness.js';

const root = await canUseNetns();
const WEB = 'prod/web';
const DB = 'prod/db';
const PCLIENT = 'prod/client';
const DCLIENT = 'dev/client';

const np = (name: string, namespace: string, spec: Record<string, unknown>) => ({ apiVersion: API, kind: 'NetworkPolicy', metadata: { name, namespace }, spec });
const gnp = (name: string, spec: Record<string, unknown>) => ({ apiVersion: API, kind: 'GlobalNetworkPolicy', metadata: { name }, spec });
const tcp = (from: string, to: string, port: number, expect: boolean, why?: string): Expectation => ({ from, to, port, expect, ...(why ? { why } : {}) });

for (const dataplane of ['nftables', 'iptables'] as const) describe(`felix rule matching on real packets (${dataplane})`, { skip: !root && 'needs root and ip netns' }, () => {
  let node: FelixNode;

  before(async () => {
    if (!root) return;
    node = await FelixNode.start({
      tag: dataplane === 'nftables' ? 'fmn' : 'fmi', dataplane, ipv6: true,
      namespaces: [{ name: 'prod', labels: { env: 'prod' } }, { name: 'dev', labels: { env: 'dev' } }],
      pods: [
        { namespace: 'prod', name: 'web', labels: { app: 'web' },
          ports: [{ name: 'http', containerPort: 8080 }, { name: 'metrics', containerPort: 9090 }, { name: 'dns', containerPort: 53, protocol: 'UDP' }] },
        { namespace: 'prod', name: 'db', labels: { app: 'db' }, ports: [{ name: 'http', containerPort: 8081 }], serve: [8080, 8081] },
        { namespace: 'prod', name: 'client', labels: { app: 'client' }, serviceAccountName: 'frontend' },
        { namespace: 'dev', name: 'client', labels: { app: 'client' } },
      ],
      extServe: [8080],
    });
  });

  after(async () => { await node?.stop(); });

  test('no policy: the namespace profiles allow everything, v4 and v6, TCP, UDP and ICMP', async () => {
    await node.expectConnectivity([
      tcp(PCLIENT, WEB, 8080, true), tcp(DCLIENT, WEB, 9090, true), tcp('ext', WEB, 8080, true), tcp(WEB, DB, 8081, true),
      { from: PCLIENT, to: WEB, port: 53, protocol: 'UDP', expect: true },
      { from: PCLIENT, to: WEB, protocol: 'ICMP', expect: true },
      { from: PCLIENT, to: WEB, port: 8080, ipv6: true, expect: true },
      { from: DCLIENT, to: DB, protocol: 'ICMP', ipv6: true, expect: true },
    ]);
  });

  test('ingress vs egress: an ingress policy leaves egress to the profile; an egress policy leaves ingress', async () => {
    await node.withResources([
      np('web-ingress', 'prod', { selector: "app == 'web'", types: ['Ingress'], ingress: [{ action: 'Allow', protocol: 'TCP', source: { selector: "app == 'client'" } }] }),
    ], async () => {
      await node.expectConnectivity([
        tcp(PCLIENT, WEB, 8080, true, 'same-namespace client'),
        tcp(DCLIENT, WEB, 8080, false, 'a namespaced policy\'s selector only sees its own namespace'),
        tcp('ext', WEB, 8080, false, 'not a client'),
        tcp(DB, WEB, 8080, false, 'not a client'),
        { from: PCLIENT, to: WEB, port: 53, protocol: 'UDP', expect: false, why: 'the rule is TCP only' },
        tcp(WEB, DB, 8081, true, 'web egress falls to the profile'),
        tcp(WEB, 'ext', 8080, true, 'web egress falls to the profile'),
      ]);
    });
    await node.withResources([
      np('db-egress', 'prod', { selector: "app == 'db'", types: ['Egress'], egress: [{ action: 'Allow', protocol: 'TCP', destination: { selector: "app == 'web'", ports: [8080] } }] }),
    ], async () => {
      await node.expectConnectivity([
        tcp(DB, WEB, 8080, true), tcp(DB, WEB, 9090, false, 'egress port not allowed'), tcp(DB, PCLIENT, 8080, false),
        tcp(PCLIENT, DB, 8081, true, 'db ingress falls to the profile'), tcp(DCLIENT, DB, 8080, true),
      ]);
    });
  });

  test('namespaceSelector and serviceAccounts pick sources across namespaces', async () => {
    await node.withResources([
      np('from-dev', 'prod', { selector: "app == 'web'", types: ['Ingress'], ingress: [
        { action: 'Allow', protocol: 'TCP', source: { namespaceSelector: "env == 'dev'", selector: "app == 'client'" }, destination: { ports: [8080] } },
        { action: 'Allow', protocol: 'TCP', source: { serviceAccounts: { names: ['frontend'] } }, destination: { ports: [9090] } },
      ] }),
    ], async () => {
      await node.expectConnectivity([
        tcp(DCLIENT, WEB, 8080, true, 'namespaceSelector env == dev'),
        tcp(PCLIENT, WEB, 8080, false, 'prod is not env == dev'),
        tcp(PCLIENT, WEB, 9090, true, 'service account frontend'),
        tcp(DCLIENT, WEB, 9090, false, 'service account default'),
        tcp(DB, WEB, 9090, false, 'service account default'),
      ]);
      const ex = await node.explain(DCLIENT, WEB, 8080);
      assert.equal(ex.allowed, true);
      assert.equal(ex.ingress?.policy, 'prod/from-dev');
      assert.equal(ex.ingress?.ruleIndex, 0);
    });
    // A GlobalNetworkPolicy's namespaceSelector selects endpoints by their namespace's labels.
    await node.withResources([
      gnp('dev-cannot-egress', { namespaceSelector: "env == 'dev'", types: ['Egress'], egress: [{ action: 'Deny' }] }),
    ], async () => {
      await node.expectConnectivity([tcp(DCLIENT, WEB, 8080, false), tcp(PCLIENT, WEB, 8080, true)]);
    });
  });

  test('serviceAccounts by selector over the service account labels; egress to nets from a namespace', async () => {
    const sa = (labels: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'frontend', namespace: 'prod', labels } });
    await node.apply(sa({ role: 'fe' }));
    try {
      await node.withResources([
        np('sa-selector', 'prod', { selector: "app == 'web'", types: ['Ingress'], ingress: [
          { action: 'Allow', protocol: 'TCP', source: { serviceAccounts: { selector: "role == 'fe'" } } },
        ] }),
        gnp('prod-not-to-ext', { namespaceSelector: "env == 'prod'", types: ['Egress'], egress: [
          { action: 'Deny', destination: { nets: [`${node.endpoint('ext').ip}/32`] } }, { action: 'Allow' },
        ] }),
      ], () => node.expectConnectivity([
        tcp(PCLIENT, WEB, 8080, true, 'service account frontend has role=fe'),
        tcp(DB, WEB, 8080, false, 'service account default has no labels'),
        tcp(DB, 'ext', 8080, false, 'egress Deny to the ext host from prod'),
        tcp(DCLIENT, 'ext', 8080, true, 'dev is not selected'),
        tcp(DB, WEB, 9090, false),
      ]));
    } finally {
      // The pod keeps its service account; only its labels go back.
      await node.applyAndConverge(sa({}));
    }
  });

  test('policy follows label changes: source sets and endpoint selection', async () => {
    await node.withResources([
      np('by-label', 'prod', { selector: "app == 'web'", types: ['Ingress'], ingress: [{ action: 'Allow', protocol: 'TCP', source: { selector: "role == 'trusted'" } }] }),
    ], async () => {
      try {
        await node.expectConnectivity([tcp(PCLIENT, WEB, 8080, false, 'client is not trusted yet')]);
        await node.relabelWorkload(PCLIENT, { app: 'client', role: 'trusted' });
        await node.expectConnectivity([tcp(PCLIENT, WEB, 8080, true, 'client labelled trusted'), tcp(DB, WEB, 8080, false)]);
        await node.relabelWorkload(WEB, { app: 'web-v2' });
        await node.expectConnectivity([tcp(DB, WEB, 8080, true, 'web no longer selected: back to the profile')]);
      } finally {
        await node.relabelWorkload(PCLIENT, { app: 'client' });
        await node.relabelWorkload(WEB, { app: 'web' });
      }
    });
  });

  test('a Kubernetes NetworkPolicy is enforced as its converted Calico policy', async () => {
    await node.withResources([{
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'web-from-dev', namespace: 'prod' },
      spec: { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'], ingress: [{
        from: [{ namespaceSelector: { matchLabels: { env: 'dev' } } }],
        ports: [{ protocol: 'TCP', port: 'http' }],
      }] },
    }], async () => {
      await node.expectConnectivity([
        tcp(DCLIENT, WEB, 8080, true, 'from env=dev to the named port http'),
        tcp(DCLIENT, WEB, 9090, false, 'metrics is not http'),
        tcp(PCLIENT, WEB, 8080, false, 'prod is not env=dev'),
        tcp(PCLIENT, DB, 8081, true, 'db is not selected'),
      ]);
      const ex = await node.explain(DCLIENT, WEB, 8080);
      assert.equal(ex.allowed, true);
      assert.match(ex.ingress?.policy ?? '', /knp\.default\.web-from-dev/);
    });
  });

  test('named ports resolve per endpoint, per protocol', async () => {
    await node.withResources([
      np('named', 'prod', { selector: "app in {'web', 'db'}", types: ['Ingress'], ingress: [
        { action: 'Allow', protocol: 'TCP', destination: { ports: ['http'] } },
        { action: 'Allow', protocol: 'UDP', destination: { ports: ['dns'] } },
      ] }),
    ], async () => {
      await node.expectConnectivity([
        tcp(PCLIENT, WEB, 8080, true, "web's http is 8080"),
        tcp(PCLIENT, WEB, 9090, false, 'metrics is not http'),
        tcp(PCLIENT, DB, 8081, true, "db's http is 8081"),
        tcp(PCLIENT, DB, 8080, false, "8080 is not db's http"),
        { from: PCLIENT, to: WEB, port: 53, protocol: 'UDP', expect: true, why: 'dns is 53/UDP' },
        { from: PCLIENT, to: DB, port: 8081, ipv6: true, expect: true, why: 'named ports over IPv6' },
      ]);
    });
    // notPorts with a named port.
    await node.withResources([
      np('not-named', 'prod', { selector: "app == 'web'", types: ['Ingress'], ingress: [
        { action: 'Allow', protocol: 'TCP', destination: { notPorts: ['metrics'] } },
      ] }),
    ], async () => {
      await node.expectConnectivity([tcp(PCLIENT, WEB, 8080, true), tcp(PCLIENT, WEB, 9090, false, 'notPorts metrics')]);
    });
  });

  test('network sets: selector over GlobalNetworkSet and NetworkSet nets, updates to nets, notNets', async () => {
    const extIp = node.endpoint('ext').ip;
    const dbIp = node.endpoint(DB).ip;
    const gns = (nets: string[]) => ({ apiVersion: API, kind: 'GlobalNetworkSet', metadata: { name: 'outside', labels: { role: 'outside' } }, spec: { nets } });
    // Without global(), a namespaced policy's selector sees only its own namespace's endpoints and sets.
    await node.withResources([
      gns([`${extIp}/32`]),
      np('plain', 'prod', { selector: "app == 'web'", types: ['Ingress'], ingress: [{ action: 'Allow', source: { selector: "role == 'outside'" } }] }),
    ], () => node.expectConnectivity([tcp('ext', WEB, 8080, false, 'a plain selector in a NetworkPolicy does not see GlobalNetworkSets')]));
    await node.withResources([
      gns([`${extIp}/32`]),
      { apiVersion: API, kind: 'NetworkSet', metadata: { name: 'db-net', namespace: 'prod', labels: { role: 'dbnet' } }, spec: { nets: [`${dbIp}/32`] } },
      np('sets', 'prod', { selector: "app == 'web'", types: ['Ingress'], ingress: [
        { action: 'Allow', source: { namespaceSelector: 'global()', selector: "role == 'outside'" } },
        { action: 'Allow', source: { selector: "role == 'dbnet'" }, destination: { ports: [9090] }, protocol: 'TCP' },
      ] }),
    ], async () => {
      await node.expectConnectivity([
        tcp('ext', WEB, 8080, true, "ext is in GlobalNetworkSet outside, matched with namespaceSelector global()"),
        tcp(DB, WEB, 9090, true, 'db is in NetworkSet db-net'),
        tcp(DB, WEB, 8080, false, 'db-net only to 9090'),
        tcp(PCLIENT, WEB, 8080, false, 'in no set'),
      ]);
      await node.applyAndConverge(gns(['192.0.2.0/24']));
      await node.expectConnectivity([tcp('ext', WEB, 8080, false, 'ext removed from the set'), tcp(DB, WEB, 9090, true)]);
    });
    await node.withResources([
      np('not-nets', 'prod', { selector: "app == 'web'", types: ['Ingress'], ingress: [
        { action: 'Allow', source: { nets: ['10.0.0.0/8'], notNets: [`${dbIp}/32`] } },
      ] }),
    ], async () => {
      await node.expectConnectivity([
        tcp(PCLIENT, WEB, 8080, true, 'in 10/8'), tcp(DB, WEB, 8080, false, 'notNets db'), tcp('ext', WEB, 8080, false, 'not in 10/8'),
        { from: PCLIENT, to: WEB, port: 8080, ipv6: true, expect: false, why: 'an IPv4 nets rule never matches IPv6' },
      ]);
    });
  });

  test('ports, port ranges, notPorts and protocol numbers', async () => {
    await node.withResources([
      np('ports', 'prod', { selector: "app == 'web'", types: ['Ingress'], ingress: [
        { action: 'Deny', protocol: 6, destination: { ports: [9090] } },
        { action: 'Allow', protocol: 'TCP', destination: { ports: ['8000:8100'] } },
        { action: 'Allow', protocol: 'UDP', destination: { notPorts: [9090] } },
      ] }),
    ], async () => {
      await node.expectConnectivity([
        tcp(PCLIENT, WEB, 8080, true, 'in 8000:8100'),
        tcp(PCLIENT, WEB, 9090, false, 'protocol 6 == TCP, Deny 9090'),
        { from: PCLIENT, to: WEB, port: 53, protocol: 'UDP', expect: true, why: 'UDP notPorts 9090' },
        { from: PCLIENT, to: WEB, protocol: 'ICMP', expect: false, why: 'no rule matches ICMP' },
      ]);
    });
  });

  test('ICMP and ICMPv6 by type, notICMP, ipVersion', async () => {
    await node.withResources([
      np('icmp', 'prod', { selector: "app == 'web'", types: ['Ingress'], ingress: [
        { action: 'Allow', protocol: 'ICMP', icmp: { type: 8 } },
        { action: 'Allow', protocol: 'ICMPv6', icmp: { type: 13 } },
        { action: 'Allow', ipVersion: 6, protocol: 'TCP' },
      ] }),
      np('icmp-db', 'prod', { selector: "app == 'db'", types: ['Ingress'], ingress: [
        { action: 'Allow', protocol: 'ICMP', notICMP: { type: 8 } },
        { action: 'Allow', protocol: 'ICMPv6', icmp: { type: 128, code: 0 } },
      ] }),
    ], async () => {
      await node.expectConnectivity([
        { from: PCLIENT, to: WEB, protocol: 'ICMP', expect: true, why: 'ICMP type 8 (echo request)' },
        { from: PCLIENT, to: WEB, protocol: 'ICMP', ipv6: true, expect: false, why: 'ICMPv6 type 13 is not echo request (128)' },
        { from: PCLIENT, to: WEB, port: 8080, ipv6: true, expect: true, why: 'ipVersion 6 TCP' },
        tcp(PCLIENT, WEB, 8080, false, 'ipVersion 6 only'),
        { from: PCLIENT, to: DB, protocol: 'ICMP', expect: false, why: 'notICMP type 8' },
        { from: PCLIENT, to: DB, protocol: 'ICMP', ipv6: true, expect: true, why: 'ICMPv6 type 128 code 0' },
      ]);
    });
  });

  test('IPv6 selector policy: the same rules over v6 addresses', async () => {
    await node.withResources([
      np('v6', 'prod', { selector: "app == 'db'", types: ['Ingress', 'Egress'],
        ingress: [{ action: 'Allow', protocol: 'TCP', source: { selector: "app == 'client'" }, destination: { ports: [8081] } }],
        egress: [{ action: 'Allow', destination: { nets: ['fd00::/8'] } }] }),
    ], async () => {
      await node.expectConnectivity([
        { from: PCLIENT, to: DB, port: 8081, ipv6: true, expect: true },
        { from: PCLIENT, to: DB, port: 8080, ipv6: true, expect: false },
        { from: WEB, to: DB, port: 8081, ipv6: true, expect: false },
        { from: DB, to: WEB, port: 8080, ipv6: true, expect: true, why: 'egress to fd00::/8' },
        { from: DB, to: WEB, port: 8080, expect: false, why: 'egress v4 matches no rule' },
      ]);
    });
  });
});
