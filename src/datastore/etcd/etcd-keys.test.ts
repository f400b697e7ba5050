import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { etcdError } from './etcd-errors.js';
import { ROOT, etcdKey, kindPrefix, namespacePrefix, parseEtcdKey, prefixEnd } from './etcd-keys.js';

describe('etcd key layout', () => {
  it('matches libcalico-go for v3 resources', () => {
    assert.equal(etcdKey({ kind: 'GlobalNetworkPolicy', name: 'default.deny' }), '/calico/resources/v3/projectcalico.org/globalnetworkpolicies/default.deny');
    assert.equal(etcdKey({ kind: 'WorkloadEndpoint', namespace: 'ns1', name: 'node1-k8s-pod1-eth0' }),
      '/calico/resources/v3/projectcalico.org/workloadendpoints/ns1/node1-k8s-pod1-eth0');
    assert.equal(kindPrefix('Node'), `${ROOT}nodes/`);
    assert.equal(namespacePrefix('NetworkSet', 'a'), `${ROOT}networksets/a/`);
  });

  it('round-trips keys, including kinds outside the table and names with slashes', () => {
    for (const key of [
      { kind: 'IPPool', name: 'p' },
      { kind: 'NetworkPolicy', namespace: 'n', name: 'x' },
      { kind: 'Namespace', name: 'kube-system' },
      { kind: 'networking.k8s.io/NetworkPolicy', namespace: 'n', name: 'allow' },
      { kind: 'IPAMBlock', name: 'fd00::/122' },
      { kind: 'Pod', namespace: '50%', name: 'a%2Fb' },
    ]) {
      assert.deepEqual(parseEtcdKey(etcdKey(key)), key);
    }
    assert.equal(parseEtcdKey('/calico/ipam/v2/assignment/ipv4/block/10.0.0.0-26'), null);
    assert.equal(parseEtcdKey(`${ROOT}ippools/a/b/c`), null);
  });

  it('prefixEnd bounds exactly the keys with the prefix', () => {
    assert.deepEqual(prefixEnd('abc/'), Buffer.from('abc0'));
    assert.deepEqual(prefixEnd('x'), Buffer.from('y'));
  });
});

describe('etcd error mapping', () => {
  it('names the endpoint and says what kind of failure it is', () => {
    const tls = etcdError(new Error('14 UNAVAILABLE: No connection established. Last error: Error: self-signed certificate in certificate chain'), ['https://h:2379'], 'get');
    assert.equal(tls.code, 'CALICO_ERR_DATASTORE');
    assert.match(tls.message, /^etcd https:\/\/h:2379: get failed: TLS handshake failed/);
    assert.match(etcdError(new Error('connect ECONNREFUSED 127.0.0.1:1'), ['http://127.0.0.1:1'], 'list').message, /cannot connect/);
    assert.equal(etcdError(new Error('etcdserver: mvcc: required revision has been compacted'), ['x'], 'watch').code, 'CALICO_ERR_COMPACTED');
  });
});
