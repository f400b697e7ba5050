/**
 * The `calico` CNI binary's command line (bin/calico): `-v` prints the
 * version, `-t` probes the datastore; otherwise one CNI invocation is run and
 * the process exits as soon as its output is flushed (no lingering datastore
 * handle may keep it alive). Run by calico-main.ts, or by the single-file
 * bundle that bin/calico prefers (scripts/bundle-cni.mjs).
 */
import { readFileSync } from 'node:fs';
import { CalicoPlugin } from './calico-plugin.js';
import { parseCalicoNetConf } from './netconf.js';
import { openPluginDatastore } from './plugin-datastore.js';
import { runPlugin, type NetConf } from './spec.js';

/** `calico -t`: 0 when the datastore answers and is not marked unready; else error JSON code 100, exit 1. */
async function testConnection(stdin: string): Promise<number> {
  try {
    const conf = parseCalicoNetConf({ cniVersion: '1.0.0', ...(JSON.parse(stdin) as object) } as NetConf);
    const ds = await openPluginDatastore(conf.datastore);
    try {
      const ci = await ds.get<{ spec?: { datastoreReady?: boolean } }>({ kind: 'ClusterInformation', name: 'default' });
      if (ci?.value.spec?.datastoreReady === false) throw new Error('Calico is currently not ready to process requests');
    } finally {
      await ds.close();
    }
    return 0;
  } catch (e) {
    process.stdout.write(JSON.stringify({ code: 100, msg: 'data store connection failed', details: (e as Error).message }) + '\n');
    return 1;
  }
}

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  // Runtimes may exec plugins with a bare environment; `ip`, `nsenter` and `sh` must still be found.
  process.env['PATH'] ||= '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  if (argv.includes('-v') || argv.includes('--version')) {
    process.stdout.write(`calico-ts CNI plugin ${version()}\n`);
    return;
  }
  if (argv.includes('-t')) {
    // Upstream's install-time probe: can the datastore named on stdin be reached (and is it ready)?
    const code = await testConnection(readFileSync(0, 'utf8'));
    process.stdout.write('', () => process.exit(code));
    return;
  }
  const code = await runPlugin(new CalicoPlugin());
  process.stdout.write('', () => process.exit(code));
}

