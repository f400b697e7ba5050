/**
 * Runs the controllers as their own process (calico-kube-controllers'
 * role): `node dist/controllers/main.js [--config <calicoctl.cfg>]`. The
 * datastore comes from the calicoctl-style configuration (file or
 * DATASTORE_TYPE / CALICO_DATASTORE_PATH / ETCD_ENDPOINTS env); the periods
 * from env: RECONCILER_PERIOD (s), IPAM_GC_PERIOD (s), LEAK_GRACE_PERIOD (s),
 * ENABLED_CONTROLLERS (comma list: namespace,serviceaccount,pod,ipam — the
 * names upstream uses for the same variable, `node` standing for IPAM GC and
 * auto host endpoints), AUTO_HOST_ENDPOINTS (enabled|disabled). These
 * override KubeControllersConfiguration `default`, which is followed live
 * otherwise; the ones set are reported in its status.environmentVars, as
 * upstream does. On etcd, the datastore is compacted every
 * etcdV3CompactionPeriod.
 * SIGTERM/SIGINT stop the controllers and close the datastore.
 */
import { loadDatastoreConfig, openDatastore } from '../datastore/config.js';
import { startControllers, type ControllerName, type ControllerOptions } from './index.js';

function seconds(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name}: expected a number of seconds, got '${v}'`);
  return n * 1000;
}

/** Parses ENABLED_CONTROLLERS; upstream's `workloadendpoint` maps to pod, `node` to IPAM GC plus auto host endpoints. */
export function enabledControllers(v: string | undefined): ControllerName[] | undefined {
  if (!v) return undefined;
  const map: Record<string, ControllerName[]> = {
    namespace: ['namespace'], serviceaccount: ['serviceaccount'], pod: ['pod'], workloadendpoint: ['pod'], ipam: ['ipam'],
    node: ['ipam', 'hostendpoint'], hostendpoint: ['hostendpoint'],
  };
  const out = new Set<ControllerName>();
  for (const raw of v.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)) {
    const c = map[raw];
    if (!c) {
      if (raw === 'policy') continue; // k8s NetworkPolicy is converted where it is read: nothing to run
      throw new Error(`ENABLED_CONTROLLERS: unknown controller '${raw}'`);
    }
    for (const x of c) out.add(x);
  }
  return [...out];
}

/** AUTO_HOST_ENDPOINTS: enabled | disabled (upstream's values). */
function autoHostEndpoints(v: string | undefined): boolean | undefined {
  if (v === undefined || v === '') return undefined;
  if (v.toLowerCase() === 'enabled') return true;
  if (v.toLowerCase() === 'disabled') return false;
  throw new Error(`AUTO_HOST_ENDPOINTS: expected 'enabled' or 'disabled', got '${v}'`);
}

const OVERRIDE_VARS = ['ENABLED_CONTROLLERS', 'RECONCILER_PERIOD', 'IPAM_GC_PERIOD', 'LEAK_GRACE_PERIOD', 'AUTO_HOST_ENDPOINTS'];

export async function main(argv: readonly string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const i = argv.indexOf('--config');
  const configFile = i >= 0 ? argv[i + 1] : undefined;
  const dsConfig = loadDatastoreConfig({ configFile, env });
  const ds = await openDatastore(dsConfig);
  const auto = autoHostEndpoints(env['AUTO_HOST_ENDPOINTS']);
  const environmentVars = Object.fromEntries(OVERRIDE_VARS.filter((k) => env[k] !== undefined && env[k] !== '').map((k) => [k, env[k]!]));
  const opts: ControllerOptions = {
    ...(auto !== undefined ? { autoHostEndpoints: auto } : {}),
    environmentVars,
    etcdCompaction: dsConfig.datastoreType === 'etcdv3',
    ...(enabledControllers(env['ENABLED_CONTROLLERS']) ? { controllers: enabledControllers(env['ENABLED_CONTROLLERS'])! } : {}),
    ...(seconds(env, 'RECONCILER_PERIOD') !== undefined ? { resyncIntervalMs: seconds(env, 'RECONCILER_PERIOD')! } : {}),
    ...(seconds(env, 'IPAM_GC_PERIOD') !== undefined ? { ipamGcIntervalMs: seconds(env, 'IPAM_GC_PERIOD')! } : {}),
    ...(seconds(env, 'LEAK_GRACE_PERIOD') !== undefined ? { leakGracePeriodMs: seconds(env, 'LEAK_GRACE_PERIOD')! } : {}),
    onError: (e: unknown) => process.stderr.write(`${new Date().toISOString()} controllers: ${(e as Error)?.message ?? String(e)}\n`),
  };
  const running = await startControllers(ds, opts);
  process.stderr.write(`${new Date().toISOString()} controllers: started\n`);
  // Datastore polls and controller timers do not hold the event loop open; this process exists to run them.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    clearInterval(keepAlive);
    await running.stop();
    await ds.close();
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e: unknown) => {
    process.stderr.write(`controllers: ${(e as Error)?.message ?? String(e)}\n`);
    process.exitCode = 1;
  });
}
