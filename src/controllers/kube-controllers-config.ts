/**
 * KubeControllersConfiguration `default`: what calico-kube-controllers reads
 * to decide which controllers run and how often they reconcile. This module
 * turns the stored spec (plus explicit options, which win, as upstream's
 * environment variables do) into the effective configuration the controllers
 * run with, and builds the default resource upstream creates when none exists.
 *
 * A controller section that is absent disables that controller, as upstream:
 *   namespace        -> Profiles kns.*           serviceAccount -> Profiles ksa.*
 *   workloadEndpoint -> WorkloadEndpoint labels  node -> IPAM GC and auto host endpoints
 *   policy           -> nothing to run here (k8s NetworkPolicy is converted where it is read)
 */
import { formatGoDuration, parseGoDuration } from '../api/validate/go-duration.js';

export const KIND_KUBE_CONTROLLERS_CONFIGURATION = 'KubeControllersConfiguration';
export const KCC_NAME = 'default';

export type ControllerName = 'namespace' | 'serviceaccount' | 'pod' | 'ipam' | 'hostendpoint';

/** One `controllers.node.hostEndpoint.templates[]` entry. */
export interface AutoHostEndpointTemplate {
  readonly generateName: string;
  readonly interfaceCIDRs: readonly string[];
  readonly interfacePattern: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly nodeSelector: string;
}

export interface AutoHostEndpointConfig {
  readonly autoCreate: boolean;
  /** Default true (upstream: createDefaultHostEndpoint Enabled unless Disabled). */
  readonly createDefaultHostEndpoint: boolean;
  readonly templates: readonly AutoHostEndpointTemplate[];
}

/** What the controllers run with. Periods are ms; 0 = no periodic run. */
export interface EffectiveControllersConfig {
  readonly controllers: readonly ControllerName[];
  readonly namespaceReconcileMs: number;
  readonly serviceAccountReconcileMs: number;
  readonly workloadEndpointReconcileMs: number;
  /** The node controller's reconcilerPeriod: IPAM GC and the auto host endpoint resync. */
  readonly nodeReconcileMs: number;
  readonly leakGracePeriodMs: number;
  readonly syncLabels: boolean;
  readonly hostEndpoint: AutoHostEndpointConfig;
  readonly healthChecks: boolean;
  readonly etcdV3CompactionPeriodMs: number;
  readonly logSeverityScreen: string;
  readonly prometheusMetricsPort: number;
}

/** Explicit settings (API options or environment) that override the stored configuration. */
export interface ControllerOverrides {
  readonly controllers?: readonly ControllerName[] | undefined;
  /** One period for namespace, serviceaccount and pod resyncs. */
  readonly resyncIntervalMs?: number | undefined;
  readonly ipamGcIntervalMs?: number | undefined;
  readonly leakGracePeriodMs?: number | undefined;
  readonly autoHostEndpoints?: boolean | undefined;
}

type Obj = Record<string, unknown>;
const MIN5 = 5 * 60_000;

function obj(v: unknown): Obj | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
}

/** A Go duration field in ms; `dflt` when absent or unparsable. */
function durationMs(v: unknown, dflt: number): number {
  if (typeof v !== 'string' || v === '') return dflt;
  const ns = parseGoDuration(v);
  if (ns === undefined || ns < 0n) return dflt;
  return Number(ns / 1_000_000n);
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function stringMap(v: unknown): Record<string, string> {
  const o = obj(v) ?? {};
  return Object.fromEntries(Object.entries(o).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/** The spec upstream writes when `default` does not exist (kube-controllers' config defaults, etcd mode). */
export function defaultKubeControllersSpec(): Obj {
  const five = formatGoDuration(BigInt(MIN5) * 1_000_000n);
  return {
    logSeverityScreen: 'Info',
    healthChecks: 'Enabled',
    etcdV3CompactionPeriod: '10m0s',
    prometheusMetricsPort: 9094,
    controllers: {
      node: { reconcilerPeriod: five, syncLabels: 'Enabled', hostEndpoint: { autoCreate: 'Disabled' }, leakGracePeriod: '15m0s' },
      policy: { reconcilerPeriod: five },
      workloadEndpoint: { reconcilerPeriod: five },
      serviceAccount: { reconcilerPeriod: five },
      namespace: { reconcilerPeriod: five },
    },
  };
}

/** The stored resource for the default configuration. */
export function defaultKubeControllersConfiguration(): Obj {
  return {
    apiVersion: 'projectcalico.org/v3', kind: KIND_KUBE_CONTROLLERS_CONFIGURATION,
    metadata: { name: KCC_NAME }, spec: defaultKubeControllersSpec(),
  };
}

function templatesOf(v: unknown): AutoHostEndpointTemplate[] {
  if (!Array.isArray(v)) return [];
  return v.map(obj).filter((t): t is Obj => t !== undefined).map((t) => ({
    generateName: typeof t['generateName'] === 'string' ? t['generateName'] : '',
    interfaceCIDRs: strings(t['interfaceCIDRs']),
    interfacePattern: typeof t['interfacePattern'] === 'string' ? t['interfacePattern'] : '',
    labels: stringMap(t['labels']),
    nodeSelector: typeof t['nodeSelector'] === 'string' && t['nodeSelector'] !== '' ? t['nodeSelector'] : 'all()',
  })).filter((t) => t.generateName !== '');
}

/**
 * The effective configuration from a stored spec (null: none stored, so the
 * defaults) and the overrides.
 */
export function effectiveConfig(spec: Obj | null, o: ControllerOverrides = {}): EffectiveControllersConfig {
  const s = spec ?? defaultKubeControllersSpec();
  const c = obj(s['controllers']) ?? {};
  const node = obj(c['node']);
  const hep = obj(node?.['hostEndpoint']);
  const enabled: ControllerName[] = [];
  if (c['namespace'] !== undefined) enabled.push('namespace');
  if (c['serviceAccount'] !== undefined) enabled.push('serviceaccount');
  if (c['workloadEndpoint'] !== undefined) enabled.push('pod');
  if (node) enabled.push('ipam', 'hostendpoint');
  const period = (k: string): number => durationMs(obj(c[k])?.['reconcilerPeriod'], MIN5);
  const autoCreate = o.autoHostEndpoints ?? hep?.['autoCreate'] === 'Enabled';
  return {
    controllers: o.controllers ? [...o.controllers] : enabled,
    namespaceReconcileMs: o.resyncIntervalMs ?? period('namespace'),
    serviceAccountReconcileMs: o.resyncIntervalMs ?? period('serviceAccount'),
    workloadEndpointReconcileMs: o.resyncIntervalMs ?? period('workloadEndpoint'),
    nodeReconcileMs: o.ipamGcIntervalMs ?? durationMs(node?.['reconcilerPeriod'], MIN5),
    leakGracePeriodMs: o.leakGracePeriodMs ?? durationMs(node?.['leakGracePeriod'], 15 * 60_000),
    syncLabels: node?.['syncLabels'] !== 'Disabled',
    hostEndpoint: {
      autoCreate,
      createDefaultHostEndpoint: hep?.['createDefaultHostEndpoint'] !== 'Disabled',
      templates: templatesOf(hep?.['templates']),
    },
    healthChecks: s['healthChecks'] !== 'Disabled',
    etcdV3CompactionPeriodMs: durationMs(s['etcdV3CompactionPeriod'], 10 * 60_000),
    logSeverityScreen: typeof s['logSeverityScreen'] === 'string' ? s['logSeverityScreen'] : 'Info',
    prometheusMetricsPort: typeof s['prometheusMetricsPort'] === 'number' ? s['prometheusMetricsPort'] : 9094,
  };
}

function dur(ms: number): string {
  return formatGoDuration(BigInt(ms) * 1_000_000n);
}

/**
 * `status.runningConfig`: the effective configuration written back in the
 * spec's own shape, as upstream reports what it actually runs with.
 */
export function runningConfigOf(e: EffectiveControllersConfig, stored: Obj | null): Obj {
  const on = new Set(e.controllers);
  const controllers: Obj = {};
  if (on.has('ipam') || on.has('hostendpoint')) {
    const hostEndpoint: Obj = { autoCreate: e.hostEndpoint.autoCreate ? 'Enabled' : 'Disabled' };
    const storedHep = obj(obj(obj(stored?.['controllers'])?.['node'])?.['hostEndpoint']);
    if (storedHep?.['createDefaultHostEndpoint'] !== undefined) hostEndpoint['createDefaultHostEndpoint'] = storedHep['createDefaultHostEndpoint'];
    if (storedHep?.['templates'] !== undefined) hostEndpoint['templates'] = storedHep['templates'];
    controllers['node'] = {
      reconcilerPeriod: dur(e.nodeReconcileMs), syncLabels: e.syncLabels ? 'Enabled' : 'Disabled',
      hostEndpoint, leakGracePeriod: dur(e.leakGracePeriodMs),
    };
  }
  if (obj(stored?.['controllers'])?.['policy'] !== undefined) controllers['policy'] = obj(stored?.['controllers'])?.['policy'];
  if (on.has('pod')) controllers['workloadEndpoint'] = { reconcilerPeriod: dur(e.workloadEndpointReconcileMs) };
  if (on.has('serviceaccount')) controllers['serviceAccount'] = { reconcilerPeriod: dur(e.serviceAccountReconcileMs) };
  if (on.has('namespace')) controllers['namespace'] = { reconcilerPeriod: dur(e.namespaceReconcileMs) };
  return {
    logSeverityScreen: e.logSeverityScreen,
    healthChecks: e.healthChecks ? 'Enabled' : 'Disabled',
    etcdV3CompactionPeriod: dur(e.etcdV3CompactionPeriodMs),
    prometheusMetricsPort: e.prometheusMetricsPort,
    controllers,
  };
}
