/**
 * Entry point of the `calico` CNI binary (bin/calico): `-v` prints the
 * version; otherwise one CNI invocation is run and the process exits as soon
 * as its output is flushed (no lingering datastore handle may keep it alive).
 */
import { readFileSync } from 'node:fs';
import { CalicoPlugin } from './calico-plugin.js';
import { runPlugin } from './spec.js';

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
  const code = await runPlugin(new CalicoPlugin());
  process.stdout.write('', () => process.exit(code));
}

await main();
