import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '../lib/errors.js';
import { applyLabelArgs } from './lab-ops.js';
import { choice, intFlag, parseArgs } from './cli-args.js';
import { emptyTopology, parseTopology } from './topology.js';

function issues(doc: unknown): string[] {
  try {
    parseTopology(doc);
  } catch (e) {
    assert.ok(e instanceof ValidationError);
    return e.issues.map((i) => `${i.path}: ${i.reason}`);
  }
  assert.fail('expected a ValidationError');
}

test('nodes as a count or names; pods without a node are spread round-robin; namespaces implied by pods', () => {
  const t = parseTopology({
    nodes: 3,
    namespaces: [{ name: 'x', labels: { team: 'a' } }],
    pods: [
      { namespace: 'x', name: 'a' }, { namespace: 'x', name: 'b', node: 'node-1' }, { namespace: 'y', name: 'c' },
      { namespace: 'x', name: 'd', ports: [{ name: 'http', containerPort: 80 }, { containerPort: 53, protocol: 'UDP' }], serviceAccountName: 'sa' },
    ],
  });
  assert.deepEqual(t.nodes, ['node-1', 'node-2', 'node-3']);
  assert.deepEqual(t.pods.map((p) => p.node), ['node-1', 'node-1', 'node-2', 'node-3']);
  assert.deepEqual(t.namespaces, [{ name: 'x', labels: { team: 'a' } }, { name: 'y', labels: {} }]);
  assert.deepEqual(t.pods[3]!.ports, [{ name: 'http', containerPort: 80, protocol: 'TCP' }, { containerPort: 53, protocol: 'UDP' }]);
  assert.equal(t.pods[3]!.serviceAccountName, 'sa');
  assert.deepEqual(parseTopology({ nodes: ['n1', { name: 'n2' }] }).nodes, ['n1', 'n2']);
  assert.deepEqual(parseTopology({}, 4).nodes, emptyTopology(4).nodes);
});

test('bad fields are named with their path', () => {
  assert.deepEqual(issues({ nodes: 2, pods: [{ name: 'a' }, { name: 'b' }, { name: 'c', ports: [{ containerPort: 0 }] }] }),
    ['pods[2].ports[0].containerPort: must be 1-65535']);
  const all = issues({
    nodes: ['Node_1', 'n2', 'n2'],
    namespaces: [{ name: 'x', labels: { 'a/b/c': 'v', ok: 'bad value!' } }, 5],
    pods: [
      { namespace: 'x', name: 'a', node: 'n9' },
      { namespace: 'x', name: 'b', ports: [{ containerPort: 80, protocol: 'ICMP' }, { name: 'toolongportname1', containerPort: 81 }] },
      { namespace: 'x', name: 'b' },
      'c',
    ],
    extra: 1,
  });
  for (const want of [
    'extra: unknown field',
    'nodes[0]: must be a lower-case DNS label',
    'nodes[2]: duplicate node name',
    'namespaces[0].labels.a/b/c: invalid label key',
    'namespaces[0].labels.ok: invalid label value',
    'namespaces[1]: must be a name or {name, labels}',
    'pods[0].node: must be one of the nodes (n2)',
    'pods[1].ports[0].protocol: must be TCP, UDP or SCTP',
    'pods[1].ports[1].name: must be an IANA service name',
    'pods[2].name: duplicate pod x/b',
    'pods[3]: must be an object',
  ]) assert.ok(all.some((i) => i.startsWith(want)), `missing "${want}" in\n${all.join('\n')}`);
  assert.deepEqual(issues({ nodes: 0 }), ['nodes: must be 1-16']);
  assert.deepEqual(issues('just text'), ['(topology): must be a map with nodes, namespaces and pods']);
});

test('label arguments as kubectl: set, remove, --overwrite', () => {
  assert.deepEqual(applyLabelArgs({ a: '1', b: '2' }, ['c=3', 'b-'], false, 'pod/p'), { a: '1', c: '3' });
  assert.deepEqual(applyLabelArgs({ a: '1' }, ['a=1'], false, 'pod/p'), { a: '1' });
  assert.throws(() => applyLabelArgs({ a: '1' }, ['a=2'], false, 'pod/p'), /pod\/p: 'a' already has a value \(1\), and --overwrite is false/);
  assert.deepEqual(applyLabelArgs({ a: '1' }, ['a=2'], true, 'pod/p'), { a: '2' });
  assert.deepEqual(applyLabelArgs({}, ['x.io/k=v-1'], false, 'pod/p'), { 'x.io/k': 'v-1' });
  assert.throws(() => applyLabelArgs({}, ['=v'], false, 'pod/p'), /invalid label update/);
  assert.throws(() => applyLabelArgs({}, ['k=bad value'], false, 'pod/p'), /invalid label value/);
  assert.throws(() => applyLabelArgs({}, [], false, 'pod/p'), /at least one label/);
});

test('flag parsing: values, aliases, booleans, repeats, unknown flags', () => {
  const p = parseArgs(['--port', '80', '-o', 'json', '--from=x/a', '--from', 'y/b', '--ipv6', '--wait=false', 'pos'], {
    values: ['port', 'output', 'from'], booleans: ['ipv6', 'wait'], repeatable: ['from'], aliases: { o: 'output' },
  });
  assert.deepEqual(p.flags.get('from'), ['x/a', 'y/b']);
  assert.equal(p.flags.get('output')?.[0], 'json');
  assert.equal(p.bools.get('ipv6'), true);
  assert.equal(p.bools.get('wait'), false);
  assert.deepEqual(p.positionals, ['pos']);
  assert.equal(intFlag(p, 'port', 1, 65535), 80);
  assert.equal(choice(p, 'output', ['table', 'json'], 'table'), 'json');
  assert.equal(parseArgs(['--no-wait'], { booleans: ['wait'] }).bools.get('wait'), false);
  assert.throws(() => parseArgs(['--bogus'], {}), /unknown flag --bogus/);
  assert.throws(() => parseArgs(['--port'], { values: ['port'] }), /needs a value/);
  assert.throws(() => parseArgs(['--port', '1', '--port', '2'], { values: ['port'] }), /given twice/);
  assert.throws(() => intFlag(parseArgs(['--port', '0'], { values: ['port'] }), 'port', 1, 65535), /--port: must be an integer 1-65535/);
});
