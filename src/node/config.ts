/**
 * Agent configuration, merged as Felix merges it (highest first): FELIX_*
 * environment variables (names case-insensitive), FelixConfiguration
 * `node.<hostname>`, FelixConfiguration `default`, then Felix's defaults.
 * Plus calico-ts's own: the node name (CALICO_NODENAME, NODENAME,
 * FELIX_FELIXHOSTNAME, then the host name) and the dataplane
 * (CALICO_DATAPLANE=nftables|iptables, else nftablesMode: Enabled ->
 * nftables, Disabled -> iptables, Auto -> nftables when `nft` is installed).
 *
 * A bad environment value is a CalicoError CALICO_ERR_CONFIG naming the
 * variable and the parameter; a bad FelixConfiguration value names the
 * resource and the field. The datastore connection is read separately
 * (src/datastore/config.ts), with calicoctl's variables.
 */
import { existsSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { CalicoError } from '../lib/errors.js';
import type { ProtoPort } from '../dataplane/model/index.js';
import { CALC_PARAMS, PARAMS, RESTART_PARAMS, type ParamDef, type ParamValue } from './config-params.js';

export type ConfigSource = 'default' | 'datastore-global' | 'datastore-per-host' | 'env';
export type DataplaneKind = 'nftables' | 'iptables';
export type FelixSpec = Readonly<Record<string, unknown>>;

export interface AgentConfig {
  readonly hostname: string;
  readonly dataplane: DataplaneKind;
  /** Every known parameter by Go name, typed (seconds params in milliseconds). */
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly sources: Readonly<Record<string, ConfigSource>>;
  /** FELIX_* variables that are not parameters this agent knows (Felix ignores them too). */
  readonly ignoredEnv: readonly string[];
  readonly logSeverityScreen: string;
  readonly healthEnabled: boolean;
  readonly healthHost: string;
  readonly healthPort: number;
  readonly prometheusMetricsEnabled: boolean;
  readonly prometheusMetricsHost: string;
  readonly prometheusMetricsPort: number;
  /** Full resync period of the dataplane (nftablesRefreshInterval or iptablesRefreshInterval). */
  readonly dataplaneRefreshIntervalMs: number;
  readonly reportingIntervalMs: number;
}

export interface ConfigInputs {
  readonly env?: NodeJS.ProcessEnv;
  /** FelixConfiguration `default` spec (already validated by the API layer), if any. */
  readonly global?: FelixSpec | null;
  /** FelixConfiguration `node.<hostname>` spec, if any. */
  readonly perHost?: FelixSpec | null;
  /** Whether the nft binary is usable (for nftablesMode Auto); default: looks in /usr/sbin, /sbin, /usr/bin. */
  readonly nftAvailable?: () => boolean;
}

function configError(message: string): CalicoError {
  return new CalicoError('CALICO_ERR_CONFIG', message);
}

const TRUE = ['true', '1', 'yes', 'y', 't'];
const FALSE = ['false', '0', 'no', 'n', 'f'];

/** Felix's env syntax for each type. Returns the value or throws a reason. */
function parseEnvValue(def: ParamDef, raw: string): ParamValue {
  const t = def.type;
  const v = raw.trim();
  switch (t.t) {
    case 'bool':
      if (TRUE.includes(v.toLowerCase())) return true;
      if (FALSE.includes(v.toLowerCase())) return false;
      throw new Error('must be a boolean (true/false)');
    case 'int': {
      if (!/^-?\d+$/.test(v)) throw new Error(`must be an integer between ${t.min} and ${t.max}`);
      const n = Number(v);
      if (n < t.min || n > t.max) throw new Error(`must be an integer between ${t.min} and ${t.max}`);
      return n;
    }
    case 'seconds': {
      if (!/^(\d+\.?\d*|\.\d+)$/.test(v)) throw new Error('must be a number of seconds');
      return Math.round(Number(v) * 1000);
    }
    case 'oneof':
      return oneOf(t.values, v);
    case 'string':
      if (t.pattern && !t.pattern.test(v)) throw new Error(`must match ${String(t.pattern)}`);
      return v;
    case 'protoPorts':
      return parseProtoPortList(v);
  }
}

function oneOf(values: readonly string[], v: string): string {
  const hit = values.find((x) => x.toLowerCase() === v.toLowerCase());
  if (hit === undefined) throw new Error(`must be one of ${values.join(', ')}`);
  return hit;
}

/** Felix's port-list syntax: `none`, or comma-separated `[<proto>:][<cidr>:]<port>` (an IPv6 CIDR in brackets). */
export function parseProtoPortList(v: string): readonly ProtoPort[] {
  if (v === '' || v.toLowerCase() === 'none') return [];
  return v.split(',').map((item) => {
    const m = /^(?:(tcp|udp|sctp):)?(?:(\[[0-9a-fA-F:]+\/\d+\]|\d+\.\d+\.\d+\.\d+\/\d+):)?(\d+)$/i.exec(item.trim());
    if (!m) throw new Error(`invalid port entry "${item.trim()}": want [<protocol>:][<cidr>:]<port>`);
    const port = Number(m[3]);
    if (port < 0 || port > 65535) throw new Error(`port ${port} out of range`);
    const protocol = (m[1] ?? 'tcp').toLowerCase();
    return m[2] ? { protocol, port, net: m[2].replace(/^\[|\]$/g, '') } : { protocol, port };
  });
}

/** Go duration string (`1m30s`, `250ms`, `1h5m`) to milliseconds. */
export function parseGoDuration(v: string): number {
  if (v === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(v)) !== null) {
    total += Number(m[1]) * unit[m[2]!]!;
    pos = re.lastIndex;
  }
  if (pos !== v.length || v.length === 0) throw new Error(`invalid duration "${v}"`);
  return Math.round(total);
}

/** FelixConfiguration values (API shapes) to typed values. */
function parseSpecValue(def: ParamDef, raw: unknown): ParamValue {
  const t = def.type;
  switch (t.t) {
    case 'bool':
      if (typeof raw !== 'boolean') throw new Error('must be a boolean');
      return raw;
    case 'int':
      if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < t.min || raw > t.max) throw new Error(`must be an integer between ${t.min} and ${t.max}`);
      return raw;
    case 'seconds':
      if (typeof raw === 'number') return Math.round(raw * 1000);
      if (typeof raw !== 'string') throw new Error('must be a duration');
      return parseGoDuration(raw);
    case 'oneof':
      if (typeof raw !== 'string') throw new Error(`must be one of ${t.values.join(', ')}`);
      return oneOf(t.values, raw);
    case 'string':
      if (typeof raw !== 'string') throw new Error('must be a string');
      if (t.pattern && raw !== '' && !t.pattern.test(raw)) throw new Error(`must match ${String(t.pattern)}`);
      return raw;
    case 'protoPorts':
      if (!Array.isArray(raw)) throw new Error('must be a list of {protocol, port}');
      return raw.map((e: unknown, i: number) => {
        const o = (e ?? {}) as { protocol?: unknown; port?: unknown; net?: unknown };
        const port = typeof o.port === 'number' ? o.port : Number(o.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`[${i}].port: must be a port number`);
        const protocol = typeof o.protocol === 'string' && o.protocol !== '' ? o.protocol.toLowerCase() : 'tcp';
        return typeof o.net === 'string' && o.net !== '' ? { protocol, port, net: o.net } : { protocol, port };
      });
  }
}

/** FELIX_* variables by lower-case parameter name (Felix matches names case-insensitively). */
function felixEnv(env: NodeJS.ProcessEnv): Map<string, { name: string; value: string }> {
  const out = new Map<string, { name: string; value: string }>();
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || !/^felix_/i.test(k)) continue;
    out.set(k.slice(6).toLowerCase(), { name: k, value: v });
  }
  return out;
}

function defaultNftAvailable(): boolean {
  return ['/usr/sbin/nft', '/sbin/nft', '/usr/bin/nft', '/usr/local/sbin/nft'].some((p) => existsSync(p));
}

/**
 * Merges env, FelixConfiguration node.<host> and default, and Felix's
 * defaults. Throws CALICO_ERR_CONFIG on the first bad value, naming it.
 */
export function loadAgentConfig(inputs: ConfigInputs = {}): AgentConfig {
  const env = inputs.env ?? process.env;
  const fenv = felixEnv(env);
  const params: Record<string, ParamValue> = {};
  const sources: Record<string, ConfigSource> = {};
  const known = new Set<string>();
  for (const def of PARAMS) {
    const lname = def.name.toLowerCase();
    known.add(lname);
    const e = fenv.get(lname);
    if (e !== undefined) {
      try {
        params[def.name] = parseEnvValue(def, e.value);
      } catch (err) {
        throw configError(`${e.name}: invalid value ${JSON.stringify(e.value)} for ${def.name}: ${(err as Error).message}`);
      }
      sources[def.name] = 'env';
      continue;
    }
    const layers: [FelixSpec | null | undefined, ConfigSource, string][] = [
      [inputs.perHost, 'datastore-per-host', 'node.<hostname>'],
      [inputs.global, 'datastore-global', 'default'],
    ];
    let set = false;
    for (const [spec, source, resName] of layers) {
      const raw = def.field !== undefined ? spec?.[def.field] : undefined;
      if (raw === undefined || raw === null || raw === '') continue;
      try {
        params[def.name] = parseSpecValue(def, raw);
      } catch (err) {
        throw configError(`FelixConfiguration ${resName}: spec.${def.field}: invalid value ${JSON.stringify(raw)}: ${(err as Error).message}`);
      }
      sources[def.name] = source;
      set = true;
      break;
    }
    if (!set) {
      params[def.name] = def.default as ParamValue;
      sources[def.name] = 'default';
    }
  }
  const ignoredEnv = [...fenv.entries()].filter(([k]) => !known.has(k)).map(([, v]) => v.name).sort();
  const hostname = pickHostname(env, params['FelixHostname'] as string);
  const dataplane = pickDataplane(env, params['NFTablesMode'] as string, inputs.nftAvailable ?? defaultNftAvailable);
  return {
    hostname,
    dataplane,
    params,
    sources,
    ignoredEnv,
    logSeverityScreen: params['LogSeverityScreen'] as string,
    healthEnabled: params['HealthEnabled'] as boolean,
    healthHost: params['HealthHost'] as string,
    healthPort: params['HealthPort'] as number,
    prometheusMetricsEnabled: params['PrometheusMetricsEnabled'] as boolean,
    prometheusMetricsHost: params['PrometheusMetricsHost'] as string,
    prometheusMetricsPort: params['PrometheusMetricsPort'] as number,
    dataplaneRefreshIntervalMs: (dataplane === 'nftables' ? params['NftablesRefreshInterval'] : params['IptablesRefreshInterval']) as number,
    reportingIntervalMs: params['ReportingIntervalSecs'] as number,
  };
}

function pickHostname(env: NodeJS.ProcessEnv, felixHostname: string): string {
  const name = env['CALICO_NODENAME'] || env['NODENAME'] || felixHostname || osHostname();
  if (!/^[a-zA-Z0-9_.-]+$/.test(name)) throw configError(`node name ${JSON.stringify(name)} is not valid: must match ^[a-zA-Z0-9_.-]+$`);
  return name;
}

function pickDataplane(env: NodeJS.ProcessEnv, nftablesMode: string, nftAvailable: () => boolean): DataplaneKind {
  const explicit = env['CALICO_DATAPLANE'];
  if (explicit !== undefined && explicit !== '') {
    const v = explicit.toLowerCase();
    if (v !== 'nftables' && v !== 'iptables') throw configError(`CALICO_DATAPLANE: invalid value ${JSON.stringify(explicit)}: must be nftables or iptables`);
    return v;
  }
  if (nftablesMode === 'Enabled') return 'nftables';
  if (nftablesMode === 'Disabled') return 'iptables';
  return nftAvailable() ? 'nftables' : 'iptables';
}

/**
 * The FelixConfiguration fields the calc graph reads, for parameters set by
 * environment: they must win over the datastore there too, so the agent
 * overlays them on the `node.<hostname>` spec it feeds the graph.
 */
export function calcOverrides(cfg: AgentConfig): Readonly<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const def of PARAMS) {
    if (!CALC_PARAMS.includes(def.name) || cfg.sources[def.name] !== 'env' || def.field === undefined) continue;
    out[def.field] = cfg.params[def.name];
  }
  return out;
}

/** Parameters whose value differs and that only take effect at start (and the dataplane choice). */
export function restartRequiredChanges(a: AgentConfig, b: AgentConfig): string[] {
  const out = RESTART_PARAMS.filter((p) => JSON.stringify(a.params[p]) !== JSON.stringify(b.params[p]));
  if (a.dataplane !== b.dataplane) out.push('dataplane');
  return out;
}
