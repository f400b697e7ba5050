import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ValidationError } from '../lib/errors.js';
import {
  extractNameParts, nameMatches, parseWorkloadEndpointName, vethNameForContainer, vethNameForWorkload, workloadEndpointName,
} from './names.js';

// Cases from libcalico-go lib/names/workloadendpoint_test.go.
test('workloadEndpointName per orchestrator, dashes escaped', () => {
  assert.equal(workloadEndpointName({ node: 'node1', orchestrator: 'k8s', pod: 'pod1', endpoint: 'eth0' }), 'node1-k8s-pod1-eth0');
  assert.equal(workloadEndpointName({ node: 'node-1', orchestrator: 'k8s', pod: 'pod-1', endpoint: 'eth0' }), 'node--1-k8s-pod--1-eth0');
  assert.equal(workloadEndpointName({ node: 'n', orchestrator: 'cni', containerId: 'abc-def', endpoint: 'eth0' }), 'n-cni-abc--def-eth0');
  assert.equal(workloadEndpointName({ node: 'n', orchestrator: 'libnetwork', endpoint: 'ep' }), 'n-libnetwork-libnetwork-ep');
  assert.equal(workloadEndpointName({ node: 'n', orchestrator: 'mesos', workload: 'w', endpoint: 'ep' }), 'n-mesos-w-ep');
});

test('prefix names stop at the first missing segment', () => {
  assert.equal(workloadEndpointName({ node: 'node1', orchestrator: 'k8s', pod: 'mypod-1' }, true), 'node1-k8s-mypod--1-');
  assert.equal(workloadEndpointName({ node: 'node1', orchestrator: 'k8s' }, true), 'node1-k8s-');
});

test('missing or dash-edged segments are validation errors naming the field', () => {
  assert.throws(() => workloadEndpointName({ node: '', orchestrator: 'k8s', pod: 'p', endpoint: 'e' }),
    (e: ValidationError) => e.issues[0]?.path === 'node');
  assert.throws(() => workloadEndpointName({ node: 'n', orchestrator: 'k8s', pod: 'p', endpoint: '' }),
    (e: ValidationError) => e.issues[0]?.path === 'endpoint');
  assert.throws(() => workloadEndpointName({ node: 'n', orchestrator: 'k8s', pod: '-p', endpoint: 'e' }),
    (e: ValidationError) => e.issues[0]?.path === 'pod' && /begin/.test(e.issues[0].reason));
  assert.throws(() => workloadEndpointName({ node: 'n', orchestrator: 'cni', containerId: 'c-', endpoint: 'e' }),
    (e: ValidationError) => e.issues[0]?.path === 'containerID' && /end/.test(e.issues[0].reason));
});

test('nameMatches tells mypod from mypod-1 (the prefix-list pitfall)', () => {
  const ids = { node: 'node1', orchestrator: 'k8s', pod: 'mypod' };
  assert.equal(nameMatches(ids, 'node1-k8s-mypod-eth0'), true);
  assert.equal(nameMatches(ids, 'node1-k8s-mypod--1-eth0'), false);
  assert.equal(nameMatches({ ...ids, endpoint: 'eth1' }, 'node1-k8s-mypod-eth0'), false);
  assert.deepEqual(extractNameParts('node--1-k8s-pod--1-eth0'), ['node-1', 'k8s', 'pod-1', 'eth0']);
});

test('parseWorkloadEndpointName inverts the name', () => {
  assert.deepEqual(parseWorkloadEndpointName('node--1-k8s-pod--1-eth0'), { node: 'node-1', orchestrator: 'k8s', pod: 'pod-1', endpoint: 'eth0' });
  assert.deepEqual(parseWorkloadEndpointName('n-cni-abc-eth0'), { node: 'n', orchestrator: 'cni', containerId: 'abc', endpoint: 'eth0' });
});

test('host veth names: cali + sha1("<ns>.<pod>")[:11] for pods, cali + container id[:11] otherwise', () => {
  const want = 'cali' + createHash('sha1').update('default.nginx').digest('hex').slice(0, 11);
  assert.equal(vethNameForWorkload('default', 'nginx', {}), want);
  assert.equal(want.length, 15);
  assert.equal(vethNameForWorkload('default', 'nginx', { FELIX_INTERFACEPREFIX: 'tap,cali' }).slice(0, 3), 'tap');
  assert.equal(vethNameForContainer('0123456789abcdef'), 'cali0123456789a');
  assert.equal(vethNameForContainer('short'), 'calishort');
});
