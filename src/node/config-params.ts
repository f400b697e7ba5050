/**
 * The Felix configuration parameters the agent reads, with Felix's names,
 * types and defaults (felix/config/config_params.go, v3.31). Each has its Go
 * name (the env var is FELIX_<NAME>, matched case-insensitively as Felix
 * does) and, unless env-only, its FelixConfiguration field.
 */
import { DEFAULT_FAILSAFE_INBOUND, DEFAULT_FAILSAFE_OUTBOUND } from '../calc/config-calculator.js';
import type { ProtoPort } from '../dataplane/model/index.js';

export type ParamType =
  | { readonly t: 'bool' }
  | { readonly t: 'int'; readonly min: number; readonly max: number }
  /** Env: floating-point seconds; FelixConfiguration: Go duration string. Parsed to milliseconds. */
  | { readonly t: 'seconds' }
  /** Case-insensitive; the canonical spelling is the one listed. */
  | { readonly t: 'oneof'; readonly values: readonly string[] }
  | { readonly t: 'string'; readonly pattern?: RegExp }
  /** Env: `[proto:][cidr:]port,...`; FelixConfiguration: [{protocol, port, net?}]. */
  | { readonly t: 'protoPorts' };

export interface ParamDef {
  /** Felix's Go field name, e.g. `HealthPort`. */
  readonly name: string;
  /** FelixConfiguration spec field, absent for env/file-only params. */
  readonly field?: string;
  readonly type: ParamType;
  readonly default: unknown;
}

const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARNING', 'ERROR', 'FATAL'];
const port = { t: 'int', min: 0, max: 65535 } as const;
const bool = { t: 'bool' } as const;
const seconds = { t: 'seconds' } as const;

export const PARAMS: readonly ParamDef[] = [
  { name: 'FelixHostname', type: { t: 'string', pattern: /^[a-zA-Z0-9_.-]+$/ }, default: '' },
  { name: 'LogSeverityScreen', field: 'logSeverityScreen', type: { t: 'oneof', values: LOG_LEVELS }, default: 'INFO' },
  { name: 'HealthEnabled', field: 'healthEnabled', type: bool, default: false },
  { name: 'HealthHost', field: 'healthHost', type: { t: 'string', pattern: /^[a-zA-Z0-9:._+-]{1,64}$/ }, default: 'localhost' },
  { name: 'HealthPort', field: 'healthPort', type: port, default: 9099 },
  { name: 'PrometheusMetricsEnabled', field: 'prometheusMetricsEnabled', type: bool, default: false },
  { name: 'PrometheusMetricsHost', field: 'prometheusMetricsHost', type: { t: 'string', pattern: /^[a-zA-Z0-9:._+-]{0,64}$/ }, default: '' },
  { name: 'PrometheusMetricsPort', field: 'prometheusMetricsPort', type: port, default: 9091 },
  { name: 'PrometheusGoMetricsEnabled', field: 'prometheusGoMetricsEnabled', type: bool, default: true },
  { name: 'PrometheusProcessMetricsEnabled', field: 'prometheusProcessMetricsEnabled', type: bool, default: true },
  // Upstream's default is Disabled; calico-ts makes nftables its default dataplane (issue 8), so Auto.
  { name: 'NFTablesMode', field: 'nftablesMode', type: { t: 'oneof', values: ['Disabled', 'Enabled', 'Auto'] }, default: 'Auto' },
  { name: 'IptablesBackend', field: 'iptablesBackend', type: { t: 'oneof', values: ['Legacy', 'NFT', 'Auto'] }, default: 'Auto' },
  { name: 'IptablesRefreshInterval', field: 'iptablesRefreshInterval', type: seconds, default: 180_000 },
  { name: 'NftablesRefreshInterval', field: 'nftablesRefreshInterval', type: seconds, default: 180_000 },
  { name: 'IpsetsRefreshInterval', field: 'ipsetsRefreshInterval', type: seconds, default: 90_000 },
  { name: 'RouteRefreshInterval', field: 'routeRefreshInterval', type: seconds, default: 90_000 },
  { name: 'ReportingIntervalSecs', field: 'reportingInterval', type: seconds, default: 30_000 },
  { name: 'Ipv6Support', field: 'ipv6Support', type: bool, default: true },
  { name: 'InterfacePrefix', field: 'interfacePrefix', type: { t: 'string', pattern: /^[a-zA-Z0-9_.+-]+(,[a-zA-Z0-9_.+-]+)*$/ }, default: 'cali' },
  { name: 'DefaultEndpointToHostAction', field: 'defaultEndpointToHostAction', type: { t: 'oneof', values: ['Drop', 'Return', 'Accept'] }, default: 'Drop' },
  { name: 'FailsafeInboundHostPorts', field: 'failsafeInboundHostPorts', type: { t: 'protoPorts' }, default: DEFAULT_FAILSAFE_INBOUND },
  { name: 'FailsafeOutboundHostPorts', field: 'failsafeOutboundHostPorts', type: { t: 'protoPorts' }, default: DEFAULT_FAILSAFE_OUTBOUND },
  // Garbage-collector tuning: Felix's names and defaults, applied to V8 (see runtime-tuning.ts).
  { name: 'GoGCThreshold', field: 'goGCThreshold', type: { t: 'int', min: -1, max: Number.MAX_SAFE_INTEGER }, default: 40 },
  { name: 'GoMemoryLimitMB', field: 'goMemoryLimitMB', type: { t: 'int', min: -1, max: Number.MAX_SAFE_INTEGER }, default: -1 },
];

/** Params whose values the calc graph reads from FelixConfiguration (env overrides are forwarded there). */
export const CALC_PARAMS: readonly string[] = ['Ipv6Support', 'DefaultEndpointToHostAction', 'FailsafeInboundHostPorts', 'FailsafeOutboundHostPorts'];

/** Params that only take effect at start (Felix restarts for them). */
export const RESTART_PARAMS: readonly string[] = [
  'NFTablesMode', 'IptablesBackend', 'HealthEnabled', 'HealthHost', 'HealthPort',
  'PrometheusMetricsEnabled', 'PrometheusMetricsHost', 'PrometheusMetricsPort', 'InterfacePrefix',
];

export type ParamValue = boolean | number | string | readonly ProtoPort[];
