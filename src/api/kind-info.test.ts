import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allKinds, kindInfo, kindInfoFor, resourceKey } from './index.js';
import { isCalicoError } from '../lib/errors.js';

test('kindInfo: calicoctl names, case-insensitive', () => {
  const cases: [string, string][] = [
    ['ippool', 'IPPool'], ['IPPools', 'IPPool'], ['ipp', 'IPPool'], ['pool', 'IPPool'],
    ['ipreservation', 'IPReservation'], ['reservations', 'IPReservation'],
    ['bgpconfig', 'BGPConfiguration'], ['BGPConfigurations', 'BGPConfiguration'],
    ['bgppeer', 'BGPPeer'], ['bp', 'BGPPeer'], ['bgpf', 'BGPFilter'], ['bfs', 'BGPFilter'],
    ['felixconfig', 'FelixConfiguration'], ['felixconfigurations', 'FelixConfiguration'],
    ['clusterinfo', 'ClusterInformation'], ['node', 'Node'], ['nos', 'Node'],
    ['kubecontrollersconfig', 'KubeControllersConfiguration'], ['ipamconfig', 'IPAMConfiguration'],
    ['caliconodestatus', 'CalicoNodeStatus'],
  ];
  for (const [alias, kind] of cases) assert.equal(kindInfo(alias)?.kind, kind, alias);
  assert.equal(kindInfo('nonsense'), undefined);
});

test('allKinds lists every required kind once per apiVersion', () => {
  const ids = allKinds().map((k) => `${k.apiVersion}/${k.kind}`);
  for (const k of ['IPPool', 'IPReservation', 'BGPConfiguration', 'BGPPeer', 'BGPFilter', 'FelixConfiguration', 'ClusterInformation',
    'Node', 'KubeControllersConfiguration', 'IPAMConfiguration', 'CalicoNodeStatus']) {
    assert.ok(ids.includes(`projectcalico.org/v3/${k}`), k);
  }
  for (const k of ['v1/Namespace', 'v1/Pod', 'v1/ServiceAccount', 'networking.k8s.io/v1/NetworkPolicy']) assert.ok(ids.includes(k), k);
  assert.equal(new Set(ids).size, ids.length);
  const pool = kindInfoFor('projectcalico.org/v3', 'IPPool')!;
  assert.deepEqual([pool.namespaced, pool.plural, pool.storageKind], [false, 'ippools', 'IPPool']);
});

test('resourceKey uses the storage kind; unknown kinds are coded errors', () => {
  assert.deepEqual(resourceKey({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p' } }), { kind: 'IPPool', name: 'p' });
  assert.throws(() => resourceKey({ apiVersion: 'x/v1', kind: 'IPPool', metadata: { name: 'p' } }), (e: unknown) => isCalicoError(e, 'CALICO_ERR_UNKNOWN_KIND'));
});
