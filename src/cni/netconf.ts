/**
 * The `calico` plugin's network configuration (cni-plugin/pkg/types NetConf):
 * parsed from the raw JSON, typed, defaulted and checked field by field.
 * A field of the wrong JSON type is CNI_ERR_INVALID_NETWORK_CONFIG naming
 * the field path; unknown fields are ignored (runtimes and conflists add
 * their own, and upstream's decoder ignores them too).
 */
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { CNI_ERR_INVALID_NETWORK_CONFIG, CniError, type NetConf } from './spec.js';

/** Datastore settings named in the network config (upstream's fields plus our `datastore_path`). */
export interface NetConfDatastore {
  readonly datastoreType: 'sqlite' | 'etcdv3';
  readonly sqlitePath?: string | undefined;
  readonly etcdEndpoints?: string[] | undefined;
  readonly etcdKeyFile?: string | undefined;
  readonly etcdCertFile?: string | undefined;
  readonly etcdCACertFile?: string | undefined;
}

export interface CalicoNetConf {
  readonly cniVersion: string;
  /** Network name: the IPAM handle prefix and, outside Kubernetes, the profile name. */
  readonly name: string;
  /** 0 = leave the kernel default. */
  readonly mtu: number;
  readonly numQueues: number;
  readonly nodename: string | undefined;
  readonly nodenameFile: string | undefined;
  /**
   * `nodename_file_optional`. Upstream's default (false) makes ADD wait for
   * calico-node's nodename file; here only an explicit `false` does, since a
   * calico-ts host need not run a node agent before its first pod.
   */
  readonly nodenameFileRequired: boolean;
  /** `ipam_lock_file`: the per-host IPAM lock (default /var/run/calico/ipam.lock). */
  readonly ipamLockFile: string | undefined;
  /** Datastore from the config; undefined = from the environment / calicoctl.cfg. */
  readonly datastore: NetConfDatastore | undefined;
  readonly logLevel: string;
  readonly ipam: { readonly type: string; readonly [k: string]: unknown };
  /** `policy.type`: `k8s` means endpoint profiles and labels come from the Pod. */
  readonly policyType: string;
  readonly allowIpForwarding: boolean;
  readonly includeDefaultRoutes: boolean;
  readonly ipAddrsNoIpam: boolean;
  readonly floatingIps: boolean;
  /** `kubernetes.node_name` overrides the node name for Kubernetes lookups. */
  readonly k8sNodeName: string | undefined;
  /** Deprecated `hostname`: the node name after `nodename` and the nodename file, as upstream. */
  readonly hostname: string | undefined;
  /** Upstream fields present in the config that have no effect here (logged at debug level by the plugin). */
  readonly ignoredFields: readonly string[];
  readonly raw: NetConf;
}

type Obj = Record<string, unknown>;

function bad(path: string, reason: string): CniError {
  return new CniError(CNI_ERR_INVALID_NETWORK_CONFIG, `invalid network config: ${path}: ${reason}`, path);
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(o: Obj, key: string, path: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw bad(path + key, `expected a string, got ${JSON.stringify(v)}`);
  return v;
}

function int(o: Obj, key: string, path: string, min: number, max: number): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw bad(path + key, `expected an integer, got ${JSON.stringify(v)}`);
  if (v < min || v > max) throw bad(path + key, `must be between ${min} and ${max}`);
  return v;
}

function bool(o: Obj, key: string, path: string): boolean | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw bad(path + key, `expected true or false, got ${JSON.stringify(v)}`);
  return v;
}

function obj(o: Obj, key: string, path: string): Obj {
  const v = o[key];
  if (v === undefined || v === null) return {};
  if (!isObj(v)) throw bad(path + key, 'expected an object');
  return v;
}

function datastoreFrom(c: Obj): NetConfDatastore | undefined {
  const type = str(c, 'datastore_type', '');
  const path = str(c, 'datastore_path', '');
  const endpoints = str(c, 'etcd_endpoints', '');
  if (str(c, 'etcd_discovery_srv', '')) throw bad('etcd_discovery_srv', 'etcd DNS discovery is not supported; list etcd_endpoints');
  const files = {
    etcdKeyFile: str(c, 'etcd_key_file', ''),
    etcdCertFile: str(c, 'etcd_cert_file', ''),
    etcdCACertFile: str(c, 'etcd_ca_cert_file', ''),
  };
  if (!type && !path && !endpoints) return undefined;
  const t = (type || (endpoints ? 'etcdv3' : 'sqlite')).toLowerCase();
  if (t === 'kubernetes') throw bad('datastore_type', "'kubernetes' is not supported by calico-ts; use 'etcdv3' or 'sqlite'");
  if (t === 'sqlite') return { datastoreType: 'sqlite', sqlitePath: path };
  if (t !== 'etcdv3') throw bad('datastore_type', `unknown datastore type '${t}', expected 'etcdv3' or 'sqlite'`);
  const eps = (endpoints ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (eps.length === 0) throw bad('etcd_endpoints', 'required when datastore_type is etcdv3');
  return { datastoreType: 'etcdv3', etcdEndpoints: eps, ...files };
}

/**
 * Fields Calico's NetConf has that mean nothing without a Kubernetes API
 * server, log rotation, Windows or the VXLAN-mode plugin: accepted (a
 * config written for Calico must work) and reported so that a debug log
 * shows they were not applied.
 */
const IGNORED_TOP = [
  'log_file_max_size', 'log_file_max_age', 'log_file_max_count', 'readiness_gates', 'policy_setup_timeout_seconds',
  'mode', 'vxlan_mac_prefix', 'vxlan_vni', 'etcd_scheme', 'etcd_authority', 'windows_pod_deletion_timestamp_timeout',
  'windows_use_single_network', 'windows_disable_default_deny_all_policy', 'windows_loopback_DSR',
];
const IGNORED_K8S = ['kubeconfig', 'k8s_api_root'];
const IGNORED_POLICY = ['k8s_api_root', 'k8s_auth_token', 'k8s_client_certificate', 'k8s_client_key', 'k8s_certificate_authority'];

function ignoredFieldsOf(c: Obj, k8s: Obj, policy: Obj): string[] {
  return [
    ...IGNORED_TOP.filter((k) => c[k] !== undefined && c[k] !== null),
    ...IGNORED_K8S.filter((k) => k8s[k] !== undefined && k8s[k] !== '').map((k) => `kubernetes.${k}`),
    ...IGNORED_POLICY.filter((k) => policy[k] !== undefined && policy[k] !== '').map((k) => `policy.${k}`),
  ];
}

/** Parses and checks the `calico` plugin's config. Throws CniError 7 naming the field. */
export function parseCalicoNetConf(raw: NetConf): CalicoNetConf {
  const c = raw as Obj;
  const name = str(c, 'name', '');
  if (!name) throw bad('name', 'required');
  const ipam = obj(c, 'ipam', '');
  const ipamType = str(ipam, 'type', 'ipam.');
  if (!ipamType) throw bad('ipam.type', 'required');
  const policy = obj(c, 'policy', '');
  const k8s = obj(c, 'kubernetes', '');
  const container = obj(c, 'container_settings', '');
  const features = obj(c, 'feature_control', '');
  const logLevel = str(c, 'log_level', '') ?? 'info';
  return {
    cniVersion: raw.cniVersion,
    name,
    mtu: int(c, 'mtu', '', 0, 65535) || mtuFromFile(bool(c, 'require_mtu_file', '') ?? false),
    numQueues: int(c, 'num_queues', '', 0, 1024) || 1,
    nodename: str(c, 'nodename', '') || undefined,
    nodenameFile: str(c, 'nodename_file', '') || undefined,
    nodenameFileRequired: bool(c, 'nodename_file_optional', '') === false,
    ipamLockFile: str(c, 'ipam_lock_file', '') || undefined,
    datastore: datastoreFrom(c),
    logLevel: logLevel.toLowerCase(),
    ipam: { ...ipam, type: ipamType },
    policyType: str(policy, 'type', 'policy.') ?? '',
    allowIpForwarding: bool(container, 'allow_ip_forwarding', 'container_settings.') ?? false,
    includeDefaultRoutes: bool(c, 'include_default_routes', '') ?? false,
    ipAddrsNoIpam: bool(features, 'ip_addrs_no_ipam', 'feature_control.') ?? false,
    floatingIps: bool(features, 'floating_ips', 'feature_control.') ?? false,
    k8sNodeName: str(k8s, 'node_name', 'kubernetes.') || undefined,
    hostname: str(c, 'hostname', '') || undefined,
    ignoredFields: ignoredFieldsOf(c, k8s, policy),
    raw,
  };
}

/** The MTU calico-node detected and wrote to /var/lib/calico/mtu (used when the config has none); 0 if absent. */
export const MTU_FILE = '/var/lib/calico/mtu';

export function mtuFromFile(required: boolean, path = MTU_FILE): number {
  if (!existsSync(path)) {
    if (required) throw bad('require_mtu_file', `${path} does not exist: calico-node has not written the MTU yet`);
    return 0;
  }
  const n = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
  if (!Number.isInteger(n) || n <= 0 || n > 65535) throw bad('mtu', `${path} holds no valid MTU`);
  return n;
}

/**
 * ADD's gate (upstream cmdAdd): with `nodename_file_optional: false` the
 * nodename file must exist, i.e. calico-node has started on this host.
 */
export function checkNodenameFile(conf: CalicoNetConf): void {
  const file = conf.nodenameFile ?? NODENAME_FILE;
  if (conf.nodenameFileRequired && !existsSync(file)) {
    throw new CniError(CNI_ERR_INVALID_NETWORK_CONFIG,
      `stat ${file}: no such file or directory: check that the calico/node container is running and has mounted /var/lib/calico/`, 'nodename_file_optional');
  }
}

/** Where calico-node writes the node name. */
export const NODENAME_FILE = '/var/lib/calico/nodename';

/**
 * The node name, as utils.DetermineNodename: `nodename` from the config, else
 * the nodename file (`nodename_file`, default /var/lib/calico/nodename) when
 * present, else the deprecated `hostname` field, else the host name.
 */
export function determineNodename(conf: CalicoNetConf): string {
  if (conf.nodename) return conf.nodename;
  const file = conf.nodenameFile ?? NODENAME_FILE;
  if (existsSync(file)) {
    const n = readFileSync(file, 'utf8').trim();
    if (n) return n;
  }
  if (conf.hostname) return conf.hostname;
  return hostname().trim().toLowerCase();
}
