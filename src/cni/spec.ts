/**
 * CNI protocol types and the plugin skeleton (containernetworking/cni
 * SPEC.md, versions 0.3.0 - 1.1.0), shared by the `calico` and `calico-ipam`
 * plugins.
 *
 * This module is on the exec path of every pod ADD/DEL, so it imports only
 * `node:` built-ins: no logger, no CLI parser, no datastore.
 */
import { readFileSync } from 'node:fs';

// ---------------------------------------------------------------------------
// Versions

/** Spec versions this module can read and write, oldest first. */
export const SUPPORTED_VERSIONS: readonly string[] = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'];
/** The newest version we speak; what VERSION reports when the caller gave none. */
export const CURRENT_VERSION = '1.1.0';

/** Compares two dotted versions numerically: <0, 0, >0. A malformed part counts as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((p) => Number.parseInt(p, 10) || 0);
  const pb = b.split('.').map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export function versionAtLeast(v: string, min: string): boolean {
  return compareVersions(v, min) >= 0;
}

// ---------------------------------------------------------------------------
// Errors (SPEC.md "Error": codes 0-99 are well known, 100+ plugin-specific)

export const CNI_ERR_INCOMPATIBLE_VERSION = 1;
export const CNI_ERR_UNSUPPORTED_FIELD = 2;
export const CNI_ERR_UNKNOWN_CONTAINER = 3;
export const CNI_ERR_INVALID_ENV = 4;
export const CNI_ERR_IO_FAILURE = 5;
export const CNI_ERR_DECODING_FAILURE = 6;
export const CNI_ERR_INVALID_NETWORK_CONFIG = 7;
export const CNI_ERR_TRY_AGAIN_LATER = 11;
/** STATUS (1.1): the plugin cannot set up new containers now. */
export const CNI_ERR_PLUGIN_NOT_AVAILABLE = 50;
/** STATUS (1.1): not available, and existing containers may have limited connectivity. */
export const CNI_ERR_LIMITED_CONNECTIVITY = 51;
/** Plugin-specific (100+): the IP pools have no free address for this workload. */
export const CNI_ERR_IPAM_EXHAUSTED = 101;
/** Plugin-specific: the datastore refused or failed the request. */
export const CNI_ERR_DATASTORE = 102;
/** Plugin-specific: programming the kernel (links, addresses, routes, sysctls) failed. */
export const CNI_ERR_KERNEL = 103;
/** Plugin-specific: a delegated plugin (e.g. host-local IPAM) failed without a CNI error. */
export const CNI_ERR_DELEGATE = 104;
/** Anything else, as libcni's skel reports an unclassified error. */
export const CNI_ERR_INTERNAL = 999;

/**
 * CniError is what a plugin handler throws to report a CNI error: `code` is the
 * numeric CNI code (one of the CNI_ERR_* constants), printed as the error JSON.
 */
export class CniError extends Error {
  readonly code: number;
  readonly details: string | undefined;
  constructor(code: number, msg: string, details?: string, options?: { cause?: unknown }) {
    super(msg, options);
    this.code = code;
    this.details = details;
    this.name = 'CniError';
  }
}

/** The error JSON of SPEC.md. */
export interface CniErrorJson {
  cniVersion?: string;
  code: number;
  msg: string;
  details?: string;
}

/** Maps CalicoError codes (matched by `.code`, not instanceof, to stay import-free) to CNI codes. */
const CALICO_TO_CNI: Readonly<Record<string, number>> = {
  CALICO_ERR_VALIDATION: CNI_ERR_INVALID_NETWORK_CONFIG,
  CALICO_ERR_CONFIG: CNI_ERR_INVALID_NETWORK_CONFIG,
  CALICO_ERR_DATASTORE_CONFIG: CNI_ERR_INVALID_NETWORK_CONFIG,
  CALICO_ERR_UNSUPPORTED: CNI_ERR_UNSUPPORTED_FIELD,
  CALICO_ERR_IPAM_EXHAUSTED: CNI_ERR_IPAM_EXHAUSTED,
  CALICO_ERR_IPAM: CNI_ERR_INTERNAL,
  CALICO_ERR_CONFLICT: CNI_ERR_TRY_AGAIN_LATER,
  CALICO_ERR_DATASTORE: CNI_ERR_DATASTORE,
  CALICO_ERR_KERNEL: CNI_ERR_KERNEL,
};

/** Turns anything thrown by a handler into a CniError with the best-fitting code. */
export function toCniError(e: unknown): CniError {
  if (e instanceof CniError) return e;
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    const mapped = typeof code === 'string' ? CALICO_TO_CNI[code] : undefined;
    return new CniError(mapped ?? CNI_ERR_INTERNAL, e.message, typeof code === 'string' ? code : undefined, { cause: e });
  }
  return new CniError(CNI_ERR_INTERNAL, String(e));
}

export function errorJson(err: CniError, cniVersion?: string): CniErrorJson {
  const out: CniErrorJson = cniVersion !== undefined ? { cniVersion, code: err.code, msg: err.message } : { code: err.code, msg: err.message };
  if (err.details) out.details = err.details;
  return out;
}

// ---------------------------------------------------------------------------
// Results (held internally in the 1.0.0 shape; encoded per requested version)

export interface CniInterface {
  name: string;
  mac?: string;
  mtu?: number;
  /** Netns path for container interfaces; absent for host interfaces. */
  sandbox?: string;
  socketPath?: string;
  pciID?: string;
}

export interface CniIpConfig {
  /** CIDR notation: `10.0.0.5/32`. */
  address: string;
  gateway?: string;
  /** Index into `interfaces`. */
  interface?: number;
}

export interface CniRoute {
  dst: string;
  gw?: string;
  mtu?: number;
  advmss?: number;
  priority?: number;
  table?: number;
  scope?: number;
}

export interface CniDns {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

export interface CniResult {
  cniVersion: string;
  interfaces?: CniInterface[];
  ips?: CniIpConfig[];
  routes?: CniRoute[];
  dns?: CniDns;
}

/** Family of an address or CIDR: 6 when it contains a colon. */
export function ipFamily(addrOrCidr: string): 4 | 6 {
  return addrOrCidr.includes(':') ? 6 : 4;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function dnsIsEmpty(dns: CniDns | undefined): boolean {
  return !dns || (!dns.nameservers?.length && !dns.domain && !dns.search?.length && !dns.options?.length);
}

/**
 * Encodes a result in the wire format of `version`: 1.x as is; 0.3.x/0.4.0 add
 * `version` to each IP; 0.1.0/0.2.0 use `ip4`/`ip6` objects with their routes.
 */
export function encodeResult(result: CniResult, version: string): Record<string, unknown> {
  const dns = dnsIsEmpty(result.dns) ? undefined : result.dns;
  if (versionAtLeast(version, '0.3.0')) {
    const legacy = !versionAtLeast(version, '1.0.0');
    const out: Record<string, unknown> = { cniVersion: version };
    if (result.interfaces?.length) out['interfaces'] = result.interfaces;
    if (result.ips?.length) {
      out['ips'] = result.ips.map((ip) => (legacy ? { version: String(ipFamily(ip.address)), ...ip } : { ...ip }));
    }
    if (result.routes?.length) out['routes'] = result.routes;
    if (dns) out['dns'] = dns;
    return out;
  }
  const out: Record<string, unknown> = { cniVersion: version };
  for (const fam of [4, 6] as const) {
    const ip = result.ips?.find((i) => ipFamily(i.address) === fam);
    if (!ip) continue;
    const routes = (result.routes ?? []).filter((r) => ipFamily(r.dst) === fam).map((r) => (r.gw ? { dst: r.dst, gw: r.gw } : { dst: r.dst }));
    const v: Record<string, unknown> = { ip: ip.address };
    if (ip.gateway) v['gateway'] = ip.gateway;
    if (routes.length) v['routes'] = routes;
    out[fam === 4 ? 'ip4' : 'ip6'] = v;
  }
  if (dns) out['dns'] = dns;
  return out;
}

/**
 * Parses a result of any supported version (a prevResult, or a delegated IPAM
 * plugin's stdout) into the internal 1.0.0 shape. Throws CNI_ERR_DECODING_FAILURE.
 */
export function parseResult(raw: unknown, fallbackVersion = CURRENT_VERSION): CniResult {
  if (!isRecord(raw)) throw new CniError(CNI_ERR_DECODING_FAILURE, 'result is not a JSON object');
  const version = typeof raw['cniVersion'] === 'string' ? raw['cniVersion'] : fallbackVersion;
  const out: CniResult = { cniVersion: version };
  if (isRecord(raw['dns'])) out.dns = raw['dns'] as CniDns;
  if (!versionAtLeast(version, '0.3.0')) {
    const ips: CniIpConfig[] = [];
    const routes: CniRoute[] = [];
    for (const k of ['ip4', 'ip6']) {
      const v = raw[k];
      if (!isRecord(v)) continue;
      if (typeof v['ip'] !== 'string') throw new CniError(CNI_ERR_DECODING_FAILURE, `result ${k}.ip is missing`);
      ips.push(typeof v['gateway'] === 'string' ? { address: v['ip'], gateway: v['gateway'] } : { address: v['ip'] });
      if (Array.isArray(v['routes'])) routes.push(...(v['routes'] as CniRoute[]));
    }
    if (ips.length) out.ips = ips;
    if (routes.length) out.routes = routes;
    return out;
  }
  if (raw['interfaces'] !== undefined) {
    if (!Array.isArray(raw['interfaces'])) throw new CniError(CNI_ERR_DECODING_FAILURE, 'result interfaces is not a list');
    out.interfaces = (raw['interfaces'] as unknown[]).map((i, n) => {
      if (!isRecord(i) || typeof i['name'] !== 'string') throw new CniError(CNI_ERR_DECODING_FAILURE, `result interfaces[${n}].name is missing`);
      return i as unknown as CniInterface;
    });
  }
  if (raw['ips'] !== undefined) {
    if (!Array.isArray(raw['ips'])) throw new CniError(CNI_ERR_DECODING_FAILURE, 'result ips is not a list');
    out.ips = (raw['ips'] as unknown[]).map((i, n) => {
      if (!isRecord(i) || typeof i['address'] !== 'string') throw new CniError(CNI_ERR_DECODING_FAILURE, `result ips[${n}].address is missing`);
      const ip: CniIpConfig = { address: i['address'] };
      if (typeof i['gateway'] === 'string') ip.gateway = i['gateway'];
      if (typeof i['interface'] === 'number') ip.interface = i['interface'];
      return ip;
    });
  }
  if (raw['routes'] !== undefined) {
    if (!Array.isArray(raw['routes'])) throw new CniError(CNI_ERR_DECODING_FAILURE, 'result routes is not a list');
    out.routes = (raw['routes'] as unknown[]).map((r, n) => {
      if (!isRecord(r) || typeof r['dst'] !== 'string') throw new CniError(CNI_ERR_DECODING_FAILURE, `result routes[${n}].dst is missing`);
      return r as unknown as CniRoute;
    });
  }
  return out;
}

// ---------------------------------------------------------------------------
// Network configuration and the CNI environment

/** The fields every network config carries (SPEC.md "Network configuration"); plugins extend it. */
export interface NetConf {
  cniVersion: string;
  name: string;
  type: string;
  capabilities?: Record<string, boolean>;
  ipam?: { type: string; [k: string]: unknown };
  dns?: CniDns;
  args?: Record<string, unknown>;
  runtimeConfig?: Record<string, unknown>;
  prevResult?: unknown;
  [k: string]: unknown;
}

export type CniCommand = 'ADD' | 'DEL' | 'CHECK' | 'VERSION' | 'STATUS' | 'GC';

/** One invocation: the CNI_* environment plus the parsed stdin. */
export interface CmdArgs {
  readonly command: CniCommand;
  readonly containerId: string;
  /** Netns path; empty on DEL when the runtime no longer has it. */
  readonly netns: string;
  readonly ifName: string;
  /** CNI_ARGS split into key/value pairs (`IgnoreUnknown=1;K8S_POD_NAME=x`). */
  readonly args: ReadonlyMap<string, string>;
  /** CNI_PATH split on ':'. */
  readonly path: readonly string[];
  /** Raw stdin, passed on unchanged when delegating to another plugin. */
  readonly stdinData: string;
  readonly config: NetConf;
  /** `config.cniVersion`, defaulted to 0.1.0 as libcni does when absent. */
  readonly cniVersion: string;
}

/** Parses CNI_ARGS; a pair without `=` is CNI_ERR_INVALID_ENV. */
export function parseCniArgs(s: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!s) return out;
  for (const pair of s.split(';')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CniError(CNI_ERR_INVALID_ENV, `CNI_ARGS: invalid pair "${pair}"`);
    out.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return out;
}

const CONTAINER_ID_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** Interface name rules of libcni (IFNAMSIZ, no '/', ':' or whitespace, not '.'/'..'). */
export function validateIfName(name: string): string | undefined {
  if (name === '') return 'interface name is empty';
  if (name.length > 15) return `interface name is too long: ${name}`;
  if (name === '.' || name === '..') return `interface name is . or ..`;
  if (/[/:\s]/.test(name)) return `interface name contains / or : or whitespace characters: ${name}`;
  return undefined;
}

const REQUIRED_ENV: Readonly<Record<CniCommand, readonly string[]>> = {
  ADD: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH'],
  CHECK: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH'],
  DEL: ['CNI_CONTAINERID', 'CNI_IFNAME', 'CNI_PATH'],
  VERSION: [],
  STATUS: [],
  GC: ['CNI_PATH'],
};

function isCommand(s: string): s is CniCommand {
  return s in REQUIRED_ENV;
}

/**
 * Reads the CNI environment and stdin into CmdArgs, as libcni's skel does:
 * missing variables -> 4, undecodable stdin -> 6, unsupported cniVersion -> 1.
 */
export function readCmdArgs(env: NodeJS.ProcessEnv, stdin: string, supported: readonly string[] = SUPPORTED_VERSIONS): CmdArgs {
  const command = env['CNI_COMMAND'] ?? '';
  if (command === '') throw new CniError(CNI_ERR_INVALID_ENV, 'required env variables [CNI_COMMAND] missing');
  if (!isCommand(command)) throw new CniError(CNI_ERR_INVALID_ENV, `unknown CNI_COMMAND: ${command}`);
  const missing = REQUIRED_ENV[command].filter((k) => !env[k]);
  if (missing.length) throw new CniError(CNI_ERR_INVALID_ENV, `required env variables [${missing.join(',')}] missing`);
  const containerId = env['CNI_CONTAINERID'] ?? '';
  if (containerId && !CONTAINER_ID_RE.test(containerId)) {
    throw new CniError(CNI_ERR_INVALID_ENV, 'invalid characters in containerID', containerId);
  }
  const ifName = env['CNI_IFNAME'] ?? '';
  if (ifName) {
    const bad = validateIfName(ifName);
    if (bad) throw new CniError(CNI_ERR_INVALID_ENV, bad, ifName);
  }
  const args = parseCniArgs(env['CNI_ARGS']);

  let parsed: unknown;
  try {
    parsed = stdin.trim() === '' && (command === 'VERSION') ? {} : JSON.parse(stdin);
  } catch (e) {
    throw new CniError(CNI_ERR_DECODING_FAILURE, `error decoding network config: ${(e as Error).message}`);
  }
  if (!isRecord(parsed)) throw new CniError(CNI_ERR_DECODING_FAILURE, 'network config is not a JSON object');
  const rawVersion = parsed['cniVersion'];
  if (rawVersion !== undefined && typeof rawVersion !== 'string') {
    throw new CniError(CNI_ERR_DECODING_FAILURE, 'network config cniVersion is not a string');
  }
  const cniVersion = rawVersion === undefined || rawVersion === '' ? '0.1.0' : rawVersion;
  if (command !== 'VERSION') {
    if (!supported.includes(cniVersion)) {
      throw new CniError(CNI_ERR_INCOMPATIBLE_VERSION, 'incompatible CNI versions', `config is "${cniVersion}", plugin supports ${JSON.stringify(supported)}`);
    }
    if (command === 'CHECK' && !versionAtLeast(cniVersion, '0.4.0')) {
      throw new CniError(CNI_ERR_INCOMPATIBLE_VERSION, 'config version does not allow CHECK');
    }
    if ((command === 'STATUS' || command === 'GC') && !versionAtLeast(cniVersion, '1.1.0')) {
      throw new CniError(CNI_ERR_INCOMPATIBLE_VERSION, `config version does not allow ${command}`);
    }
  }
  const path = (env['CNI_PATH'] ?? '').split(':').filter((p) => p !== '');
  return {
    command,
    containerId,
    netns: env['CNI_NETNS'] ?? '',
    ifName,
    args,
    path,
    stdinData: stdin,
    config: { ...parsed, cniVersion } as NetConf,
    cniVersion,
  };
}

/** VERSION output: echoes the caller's cniVersion when we support it. */
export function versionInfo(requested: string | undefined, supported: readonly string[] = SUPPORTED_VERSIONS): { cniVersion: string; supportedVersions: string[] } {
  const current = supported[supported.length - 1] ?? CURRENT_VERSION;
  return { cniVersion: requested && supported.includes(requested) ? requested : current, supportedVersions: [...supported] };
}

// ---------------------------------------------------------------------------
// The plugin skeleton

export interface PluginHandlers {
  add(args: CmdArgs): Promise<CniResult>;
  del(args: CmdArgs): Promise<void>;
  check?(args: CmdArgs): Promise<void>;
  /** 1.1 STATUS: resolve when ready to ADD, throw CNI_ERR_PLUGIN_NOT_AVAILABLE otherwise. */
  status?(args: CmdArgs): Promise<void>;
  /** 1.1 GC: release what is not in `config['cni.dev/valid-attachments']`. */
  gc?(args: CmdArgs): Promise<void>;
  /** Defaults to SUPPORTED_VERSIONS. */
  readonly supportedVersions?: readonly string[];
}

/** Where the skeleton reads and writes; tests inject their own. */
export interface PluginIo {
  readonly env: NodeJS.ProcessEnv;
  readStdin(): string;
  writeStdout(s: string): void;
}

const processIo: PluginIo = {
  env: process.env,
  readStdin: () => {
    try {
      return readFileSync(0, 'utf8');
    } catch (e) {
      // EAGAIN/EOF on a closed or TTY stdin: treat as empty, decoding reports it.
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN' || (e as NodeJS.ErrnoException).code === 'EOF') return '';
      throw new CniError(CNI_ERR_IO_FAILURE, `reading stdin: ${(e as Error).message}`);
    }
  },
  writeStdout: (s) => { process.stdout.write(s); },
};

/**
 * runPlugin dispatches one CNI invocation to `handlers`, prints the result
 * (encoded in the config's cniVersion) or the error JSON on stdout, and
 * returns the exit code (0 or 1). With the default io it also sets
 * process.exitCode.
 */
export async function runPlugin(handlers: PluginHandlers, io: PluginIo = processIo): Promise<number> {
  const supported = handlers.supportedVersions ?? SUPPORTED_VERSIONS;
  let version: string | undefined;
  let code = 0;
  try {
    const stdin = io.readStdin();
    const args = readCmdArgs(io.env, stdin, supported);
    version = args.cniVersion;
    switch (args.command) {
      case 'VERSION': {
        // The defaulted 0.1.0 is not a request: only an explicit cniVersion is echoed.
        const raw: unknown = stdin.trim() === '' ? undefined : (JSON.parse(stdin) as Record<string, unknown>)['cniVersion'];
        const requested = typeof raw === 'string' && raw !== '' ? raw : undefined;
        io.writeStdout(JSON.stringify(versionInfo(requested, supported)) + '\n');
        break;
      }
      case 'ADD': {
        const result = await handlers.add(args);
        io.writeStdout(JSON.stringify(encodeResult(result, args.cniVersion), null, 4) + '\n');
        break;
      }
      case 'DEL':
        await handlers.del(args);
        break;
      case 'CHECK':
        if (!handlers.check) throw new CniError(CNI_ERR_UNSUPPORTED_FIELD, 'CHECK is not supported by this plugin');
        await handlers.check(args);
        break;
      case 'STATUS':
        if (handlers.status) await handlers.status(args);
        break;
      case 'GC':
        if (handlers.gc) await handlers.gc(args);
        break;
    }
  } catch (e) {
    const err = toCniError(e);
    io.writeStdout(JSON.stringify(errorJson(err, version), null, 4) + '\n');
    code = 1;
  }
  if (io === processIo) process.exitCode = code;
  return code;
}
