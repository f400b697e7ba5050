import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCalicoError } from '../lib/errors.js';
import { Lifecycle } from './lifecycle.js';

function comp(log: string[], name: string, dependsOn: string[] = [], failStart = false) {
  return {
    name,
    dependsOn,
    async start() { if (failStart) throw new Error(`${name} failed`); log.push(`start ${name}`); },
    async stop() { log.push(`stop ${name}`); },
  };
}

test('starts in dependency order and stops in reverse', async () => {
  const log: string[] = [];
  const lc = new Lifecycle()
    .register(comp(log, 'datastore'))
    .register(comp(log, 'dataplane'))
    .register(comp(log, 'calc', ['dataplane']))
    .register(comp(log, 'syncer', ['datastore', 'calc']))
    .register(comp(log, 'health'));
  await lc.start();
  assert.deepEqual(lc.running(), ['datastore', 'dataplane', 'calc', 'syncer', 'health']);
  await lc.stop();
  assert.deepEqual(log, [
    'start datastore', 'start dataplane', 'start calc', 'start syncer', 'start health',
    'stop health', 'stop syncer', 'stop calc', 'stop dataplane', 'stop datastore',
  ]);
  await lc.stop();
  assert.equal(log.length, 10, 'stop is idempotent');
});

test('bad wiring throws a coded error at registration', () => {
  const lc = new Lifecycle().register(comp([], 'a'));
  assert.throws(() => lc.register(comp([], 'a')), (e: unknown) => isCalicoError(e, 'CALICO_ERR_CONFIG') && /registered twice/.test(e.message));
  assert.throws(() => lc.register(comp([], 'b', ['c'])), (e: unknown) => isCalicoError(e, 'CALICO_ERR_CONFIG') && /depends on "c"/.test(e.message));
});

test('a failed start stops what was started, in reverse, and rethrows', async () => {
  const log: string[] = [];
  const lc = new Lifecycle().register(comp(log, 'a')).register(comp(log, 'b', ['a'])).register(comp(log, 'c', ['b'], true));
  await assert.rejects(lc.start(), /c failed/);
  assert.deepEqual(log, ['start a', 'start b', 'stop b', 'stop a']);
  assert.deepEqual(lc.running(), []);
});

test('stop keeps going past failures and reports them', async () => {
  const log: string[] = [];
  const lc = new Lifecycle()
    .register(comp(log, 'a'))
    .register({ name: 'b', start() { log.push('start b'); }, stop() { throw new Error('b stop failed'); } })
    .register(comp(log, 'c'));
  await lc.start();
  await assert.rejects(lc.stop(), /b stop failed/);
  assert.deepEqual(log, ['start a', 'start b', 'start c', 'stop c', 'stop a']);
});

test('stop during start stops the starting component and starts nothing more', async () => {
  const log: string[] = [];
  let release: () => void = () => undefined;
  const lc = new Lifecycle()
    .register(comp(log, 'a'))
    .register({
      name: 'slow',
      start: () => new Promise<void>((r) => { release = r; log.push('start slow (waiting)'); }),
      stop: () => { log.push('stop slow'); release(); },
    })
    .register(comp(log, 'c'));
  const starting = lc.start();
  await new Promise((r) => setTimeout(r, 10));
  await lc.stop();
  await starting;
  assert.deepEqual(log, ['start a', 'start slow (waiting)', 'stop slow', 'stop a']);
  assert.deepEqual(lc.running(), []);
});
