import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { CalicoError } from '../lib/errors.js';
import type { Datastore } from './datastore.js';

/**
 * Datastore connection settings, as calicoctl's CalicoAPIConfig spec carries
 * them (libcalico-go apiconfig), plus `sqlitePath` for our embedded backend.
 *
 * Where they come from, in calicoctl's order: an explicit config file, else
 * the default file /etc/calico/calicoctl.cfg when it exists, else environment
 * variables. A file is used alone: env vars do not override it (as upstream).
 */
export interface DatastoreConfig {
  datastoreType: 'sqlite' | 'etcdv3';
  sqlitePath?: string;
  etcdEndpoints?: string[];
  etcdKeyFile?: string;
  etcdCertFile?: string;
  etcdCACertFile?: string;
  /** Inline PEM alternatives to the *File fields (upstream etcdKey/etcdCert/etcdCACert). */
  etcdKey?: string;
  etcdCert?: string;
  etcdCACert?: string;
  etcdUsername?: string;
  etcdPassword?: string;
}

export const DEFAULT_CONFIG_FILE = '/etc/calico/calicoctl.cfg';
export const DEFAULT_SQLITE_PATH = '/var/lib/calico-ts/calico.db';

/** Spec fields upstream's CalicoAPIConfigSpec knows, plus ours. Unknown fields are an error (UnmarshalStrict). */
const SPEC_STRING_FIELDS = [
  'datastoreType', 'sqlitePath', 'etcdEndpoints', 'etcdDiscoverySrv', 'etcdUsername', 'etcdPassword',
  'etcdKeyFile', 'etcdCertFile', 'etcdCACertFile', 'etcdKey', 'etcdCert', 'etcdCACert',
  // Kubernetes datastore fields: accepted for compatibility, refused if datastoreType is kubernetes.
  'kubeconfig', 'k8sAPIEndpoint', 'k8sKeyFile', 'k8sCertFile', 'k8sCAFile', 'k8sAPIToken',
  'k8sInsecureSkipTLSVerify', 'k8sDisableNodePoll', 'usePodCIDR', 'kubeconfigInline', 'k8sClientQPS',
  'k8sCurrentContext', 'calicoAPIGroup',
] as const;

/** Environment variable names per spec field; first match wins (envconfig: CALICO_ prefix, then bare). */
const ENV_NAMES: Readonly<Record<string, readonly string[]>> = {
  datastoreType: ['CALICO_DATASTORE_TYPE', 'DATASTORE_TYPE'],
  sqlitePath: ['CALICO_DATASTORE_PATH'],
  etcdEndpoints: ['CALICO_ETCD_ENDPOINTS', 'ETCD_ENDPOINTS'],
  etcdDiscoverySrv: ['CALICO_ETCD_DISCOVERY_SRV', 'ETCD_DISCOVERY_SRV'],
  etcdUsername: ['CALICO_ETCD_USERNAME', 'ETCD_USERNAME'],
  etcdPassword: ['CALICO_ETCD_PASSWORD', 'ETCD_PASSWORD'],
  etcdKeyFile: ['CALICO_ETCD_KEY_FILE', 'ETCD_KEY_FILE'],
  etcdCertFile: ['CALICO_ETCD_CERT_FILE', 'ETCD_CERT_FILE'],
  etcdCACertFile: ['CALICO_ETCD_CA_CERT_FILE', 'ETCD_CA_CERT_FILE'],
  // Inline etcdKey / etcdCert / etcdCACert: config file only, as upstream (no env vars, to avoid exposure).
};

type RawSpec = Partial<Record<(typeof SPEC_STRING_FIELDS)[number], string>>;

function configError(field: string, reason: string, source: string): CalicoError {
  return new CalicoError('CALICO_ERR_DATASTORE_CONFIG', `${source}: ${field}: ${reason}`);
}

/**
 * Loads the datastore configuration. `configFile` (calicoctl --config) must
 * exist when given; without it the default file is used if present, else `env`
 * (default process.env). Throws CalicoError CALICO_ERR_DATASTORE_CONFIG naming
 * the offending field.
 */
export interface LoadDatastoreConfigOptions {
  configFile?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  /** The file tried when `configFile` is absent; default /etc/calico/calicoctl.cfg, null for none (tests). */
  defaultConfigFile?: string | null | undefined;
}

export function loadDatastoreConfig(opts: LoadDatastoreConfigOptions = {}): DatastoreConfig {
  const env = opts.env ?? process.env;
  if (opts.configFile !== undefined && opts.configFile !== '') {
    if (!existsSync(opts.configFile)) {
      throw new CalicoError('CALICO_ERR_DATASTORE_CONFIG', `config file ${opts.configFile} does not exist`);
    }
    return fromSpec(readSpecFile(opts.configFile), opts.configFile);
  }
  const fallback = opts.defaultConfigFile === undefined ? DEFAULT_CONFIG_FILE : opts.defaultConfigFile;
  if (fallback !== null && existsSync(fallback)) return fromSpec(readSpecFile(fallback), fallback);
  return fromSpec(readSpecEnv(env), 'environment');
}

/** Parses CalicoAPIConfig YAML or JSON text. Exported for tests and for `calicoctl` to report syntax errors. */
export function parseCalicoAPIConfig(text: string, source = 'config'): DatastoreConfig {
  return fromSpec(parseSpecText(text, source), source);
}

function readSpecFile(path: string): RawSpec {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CalicoError('CALICO_ERR_DATASTORE_CONFIG', `cannot read config file ${path}: ${(e as Error).message}`, { cause: e });
  }
  return parseSpecText(text, path);
}

function parseSpecText(text: string, source: string): RawSpec {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new CalicoError('CALICO_ERR_DATASTORE_CONFIG', `syntax error in ${source}: ${(e as Error).message}`, { cause: e });
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw configError('(document)', 'expected a CalicoAPIConfig object', source);
  }
  const obj = doc as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    if (!['apiVersion', 'kind', 'metadata', 'spec'].includes(k)) throw configError(k, 'unknown field', source);
  }
  if (obj['apiVersion'] !== 'projectcalico.org/v3') {
    throw configError('apiVersion', `unknown APIVersion '${String(obj['apiVersion'] ?? '')}', expected 'projectcalico.org/v3'`, source);
  }
  if (obj['kind'] !== 'CalicoAPIConfig') {
    throw configError('kind', `expected kind 'CalicoAPIConfig', got '${String(obj['kind'] ?? '')}'`, source);
  }
  const spec = obj['spec'] ?? {};
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) throw configError('spec', 'must be an object', source);
  const out: RawSpec = {};
  for (const [k, v] of Object.entries(spec as Record<string, unknown>)) {
    if (!(SPEC_STRING_FIELDS as readonly string[]).includes(k)) throw configError(`spec.${k}`, 'unknown field', source);
    if (v === null || v === undefined) continue;
    if (typeof v !== 'string' && typeof v !== 'boolean' && typeof v !== 'number') {
      throw configError(`spec.${k}`, 'must be a string', source);
    }
    out[k as keyof RawSpec] = String(v);
  }
  return out;
}

function readSpecEnv(env: NodeJS.ProcessEnv): RawSpec {
  const out: RawSpec = {};
  for (const [field, names] of Object.entries(ENV_NAMES)) {
    for (const n of names) {
      const v = env[n];
      if (v !== undefined && v !== '') {
        out[field as keyof RawSpec] = v;
        break;
      }
    }
  }
  return out;
}

function fromSpec(spec: RawSpec, source: string): DatastoreConfig {
  const field = (f: string): string => (source === 'environment' ? (ENV_NAMES[f]?.[ENV_NAMES[f]!.length - 1] ?? f) : `spec.${f}`);
  let type = (spec.datastoreType ?? '').trim().toLowerCase();
  // As upstream: no type but etcd endpoints means etcdv3. Our default otherwise is sqlite, not kubernetes.
  if (type === '') type = spec.etcdEndpoints ? 'etcdv3' : 'sqlite';
  if (type === 'kubernetes') {
    throw configError(field('datastoreType'), "datastore type 'kubernetes' is not supported by calico-ts; use 'etcdv3' or 'sqlite'", source);
  }
  if (type === 'sqlite') {
    const path = spec.sqlitePath?.trim() || DEFAULT_SQLITE_PATH;
    return { datastoreType: 'sqlite', sqlitePath: path };
  }
  if (type !== 'etcdv3') {
    throw configError(field('datastoreType'), `invalid datastore type '${spec.datastoreType}', expected 'etcdv3' or 'sqlite'`, source);
  }
  if (spec.etcdDiscoverySrv) throw configError(field('etcdDiscoverySrv'), 'etcd DNS discovery is not supported; list etcdEndpoints', source);
  const endpoints = (spec.etcdEndpoints ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (endpoints.length === 0) throw configError(field('etcdEndpoints'), 'no etcd endpoints specified', source);
  for (const ep of endpoints) {
    if (!/^https?:\/\/[^/\s]+:\d+\/?$/.test(ep)) {
      throw configError(field('etcdEndpoints'), `invalid endpoint '${ep}', expected http(s)://host:port`, source);
    }
  }
  const cfg: DatastoreConfig = { datastoreType: 'etcdv3', etcdEndpoints: endpoints };
  for (const f of ['etcdKeyFile', 'etcdCertFile', 'etcdCACertFile'] as const) {
    const v = spec[f]?.trim();
    if (!v) continue;
    if (!existsSync(v)) throw configError(field(f), `file ${v} does not exist`, source);
    cfg[f] = v;
  }
  for (const f of ['etcdKey', 'etcdCert', 'etcdCACert', 'etcdUsername', 'etcdPassword'] as const) {
    if (spec[f]) cfg[f] = spec[f];
  }
  const hasKey = Boolean(cfg.etcdKeyFile || cfg.etcdKey);
  const hasCert = Boolean(cfg.etcdCertFile || cfg.etcdCert);
  if (hasKey !== hasCert) {
    throw configError(field(hasKey ? 'etcdCertFile' : 'etcdKeyFile'), 'a client key and certificate must be given together', source);
  }
  if (Boolean(cfg.etcdUsername) !== Boolean(cfg.etcdPassword)) {
    throw configError(field(cfg.etcdUsername ? 'etcdPassword' : 'etcdUsername'), 'etcd username and password must be given together', source);
  }
  return cfg;
}

/** Opens the backend the configuration names. */
export async function openDatastore(cfg: DatastoreConfig): Promise<Datastore> {
  if (cfg.datastoreType === 'sqlite') {
    const { SqliteDatastore } = await import('./sqlite/sqlite-datastore.js');
    return SqliteDatastore.open(cfg.sqlitePath ?? DEFAULT_SQLITE_PATH);
  }
  if (cfg.datastoreType === 'etcdv3') {
    const { EtcdDatastore } = await import('./etcd/etcd-datastore.js');
    return EtcdDatastore.open(cfg);
  }
  throw new CalicoError('CALICO_ERR_DATASTORE_CONFIG', `datastoreType: unsupported datastore type '${String((cfg as { datastoreType: unknown }).datastoreType)}'`);
}

/** loadDatastoreConfig + openDatastore: what calicoctl, the CNI plugin and calico-node call. */
export async function openDatastoreFromEnv(opts: LoadDatastoreConfigOptions = {}): Promise<Datastore> {
  return openDatastore(loadDatastoreConfig(opts));
}
