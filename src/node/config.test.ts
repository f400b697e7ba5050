import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCalicoError } from '../lib/errors.js';
import { calcOverrides, loadAgentConfig, parseGoDuration, parseProtoPortList, restartRequiredChanges } from './config.js';

const base = { CALICO_NODENAME: 'node1' };
const nft = () => true;

test('defaults are Felix\'s', () => {
  const c = loadAgentConfig({ env: base, nftAvailable: nft });
  assert.equal(c.hostname, 'node1');
  assert.equal(c.healthEnabled, false);
  assert.equal(c.healthHost, 'localhost');
  assert.equal(c.healthPort, 9099);
  assert.equal(c.prometheusMetricsEnabled, false);
  assert.equal(c.prometheusMetricsPort, 9091);
  assert.equal(c.logSeverityScreen, 'INFO');
  assert.equal(c.dataplaneRefreshIntervalMs, 180_000);
  assert.equal(c.params['RouteRefreshInterval'], 90_000);
  assert.equal(c.params['Ipv6Support'], true);
  assert.equal(c.dataplane, 'nftables');
  assert.equal(c.sources['HealthPort'], 'default');
});

test('FELIX_* names are case-insensitive; bools, ints, seconds, oneof parse as Felix does', () => {
  const c = loadAgentConfig({
    env: { ...base, FELIX_HEALTHENABLED: 'yes', felix_healthport: '19099', Felix_PrometheusMetricsEnabled: 'T',
      FELIX_IPTABLESREFRESHINTERVAL: '2.5', FELIX_LOGSEVERITYSCREEN: 'debug', FELIX_DEFAULTENDPOINTTOHOSTACTION: 'ACCEPT',
      FELIX_FAILSAFEINBOUNDHOSTPORTS: 'tcp:22, udp:68,10.0.0.0/8:179', FELIX_NOSUCHTHING: 'x' },
    nftAvailable: nft,
  });
  assert.equal(c.healthEnabled, true);
  assert.equal(c.healthPort, 19099);
  assert.equal(c.prometheusMetricsEnabled, true);
  assert.equal(c.params['IptablesRefreshInterval'], 2500);
  assert.equal(c.logSeverityScreen, 'DEBUG');
  assert.equal(c.params['DefaultEndpointToHostAction'], 'Accept');
  assert.deepEqual(c.params['FailsafeInboundHostPorts'], [
    { protocol: 'tcp', port: 22 }, { protocol: 'udp', port: 68 }, { protocol: 'tcp', port: 179, net: '10.0.0.0/8' },
  ]);
  assert.deepEqual(c.ignoredEnv, ['FELIX_NOSUCHTHING']);
  assert.deepEqual(calcOverrides(c), {
    defaultEndpointToHostAction: 'Accept',
    failsafeInboundHostPorts: c.params['FailsafeInboundHostPorts'],
  });
});

test('bad env values are CALICO_ERR_CONFIG naming the variable and the parameter', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ FELIX_HEALTHPORT: 'abc' }, /FELIX_HEALTHPORT: invalid value "abc" for HealthPort: must be an integer between 0 and 65535/],
    [{ FELIX_HEALTHPORT: '70000' }, /HealthPort/],
    [{ FELIX_HEALTHENABLED: 'maybe' }, /FELIX_HEALTHENABLED.*HealthEnabled.*boolean/],
    [{ FELIX_LOGSEVERITYSCREEN: 'loud' }, /LogSeverityScreen: must be one of TRACE, DEBUG/],
    [{ FELIX_NFTABLESMODE: 'sometimes' }, /NFTablesMode/],
    [{ FELIX_IPTABLESREFRESHINTERVAL: '-1' }, /IptablesRefreshInterval/],
    [{ FELIX_FAILSAFEINBOUNDHOSTPORTS: 'tcp:abc' }, /FailsafeInboundHostPorts: invalid port entry "tcp:abc"/],
    [{ CALICO_DATAPLANE: 'bpf' }, /CALICO_DATAPLANE: invalid value "bpf"/],
    [{ CALICO_NODENAME: 'bad name' }, /node name/],
  ];
  for (const [env, re] of cases) {
    assert.throws(() => loadAgentConfig({ env: { ...base, ...env }, nftAvailable: nft }), (e: unknown) => isCalicoError(e, 'CALICO_ERR_CONFIG') && re.test(e.message), JSON.stringify(env));
  }
});

test('precedence: env > node.<host> > default > built-in', () => {
  const global = { healthPort: 1000, healthHost: '0.0.0.0', iptablesRefreshInterval: '1m30s', logSeverityScreen: 'Warning' };
  const perHost = { healthPort: 2000, iptablesRefreshInterval: '10s' };
  const c = loadAgentConfig({ env: { ...base, FELIX_IPTABLESREFRESHINTERVAL: '5' }, global, perHost, nftAvailable: nft });
  assert.equal(c.healthPort, 2000);
  assert.equal(c.sources['HealthPort'], 'datastore-per-host');
  assert.equal(c.healthHost, '0.0.0.0');
  assert.equal(c.sources['HealthHost'], 'datastore-global');
  assert.equal(c.params['IptablesRefreshInterval'], 5000);
  assert.equal(c.sources['IptablesRefreshInterval'], 'env');
  assert.equal(c.logSeverityScreen, 'WARNING');
  const bad = { healthPort: 'x' };
  assert.throws(() => loadAgentConfig({ env: base, perHost: bad, nftAvailable: nft }), /FelixConfiguration node.<hostname>: spec.healthPort/);
});

test('node name and dataplane selection', () => {
  assert.equal(loadAgentConfig({ env: { NODENAME: 'n2' }, nftAvailable: nft }).hostname, 'n2');
  assert.equal(loadAgentConfig({ env: { FELIX_FELIXHOSTNAME: 'n3' }, nftAvailable: nft }).hostname, 'n3');
  assert.equal(loadAgentConfig({ env: { CALICO_NODENAME: 'a', NODENAME: 'b' }, nftAvailable: nft }).hostname, 'a');
  assert.equal(loadAgentConfig({ env: { ...base, CALICO_DATAPLANE: 'IPTABLES' }, nftAvailable: nft }).dataplane, 'iptables');
  assert.equal(loadAgentConfig({ env: { ...base, FELIX_NFTABLESMODE: 'disabled' }, nftAvailable: nft }).dataplane, 'iptables');
  assert.equal(loadAgentConfig({ env: base, global: { nftablesMode: 'Disabled' }, nftAvailable: nft }).dataplane, 'iptables');
  assert.equal(loadAgentConfig({ env: base, nftAvailable: () => false }).dataplane, 'iptables');
  assert.equal(loadAgentConfig({ env: { ...base, FELIX_NFTABLESMODE: 'Enabled' }, nftAvailable: () => false }).dataplane, 'nftables');
  const a = loadAgentConfig({ env: base, nftAvailable: nft });
  const b = loadAgentConfig({ env: base, global: { healthPort: 1, nftablesMode: 'Disabled', logSeverityScreen: 'Debug' }, nftAvailable: nft });
  assert.deepEqual(restartRequiredChanges(a, b), ['NFTablesMode', 'HealthPort', 'dataplane']);
});

test('Go durations and port lists', () => {
  assert.equal(parseGoDuration('1m30s'), 90_000);
  assert.equal(parseGoDuration('250ms'), 250);
  assert.equal(parseGoDuration('1h5m'), 3_900_000);
  assert.equal(parseGoDuration('0'), 0);
  assert.throws(() => parseGoDuration('5'));
  assert.throws(() => parseGoDuration('1x'));
  assert.deepEqual(parseProtoPortList('none'), []);
  assert.deepEqual(parseProtoPortList('udp:[fd00::/8]:53'), [{ protocol: 'udp', port: 53, net: 'fd00::/8' }]);
});
