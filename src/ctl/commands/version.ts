import type { Command } from 'commander';
import type { CtlContext } from '../context.js';
import { isCalicoError } from '../../lib/errors.js';
import { errorText } from '../config-command.js';
import { CLIENT_VERSION, clusterInformation, gitCommit } from '../version-info.js';
import { addConfigFlag } from './common-flags.js';
import { CommandFailed } from './report.js';

interface VersionOptions {
  client?: boolean;
  poll?: string;
}

/**
 * `calicoctl version [--client]`: the client version and commit, then the
 * cluster's Calico version and type from ClusterInformation `default`.
 */
export function registerVersionCommand(program: Command, ctx: CtlContext): void {
  const cmd = program.command('version').description('Display the version of this binary.')
    .option('--client', 'Display the client version only.')
    .option('--poll <POLL>', 'Accepted for compatibility; polling is not implemented (0 = off).');
  addConfigFlag(cmd);
  cmd.action(async (opts: VersionOptions) => {
    if (opts.poll !== undefined && !/^0[a-z]*$/.test(opts.poll)) throw new CommandFailed('--poll is not supported by calico-ts');
    // Go's fmt.Println("Client Version:   ", v) puts one more space between the two.
    ctx.stdout(`Client Version:    ${CLIENT_VERSION}\n`);
    ctx.stdout(`Git commit:        ${gitCommit()}\n`);
    if (opts.client) return;
    let ds;
    try {
      ds = await ctx.datastore();
    } catch (e) {
      if (isCalicoError(e, 'CALICO_ERR_DATASTORE_CONFIG') || isCalicoError(e, 'CALICO_ERR_DATASTORE')) {
        ctx.stdout('Unable to detect installed Calico version\n');
        return;
      }
      throw e;
    }
    let spec: Record<string, unknown> | undefined;
    try {
      spec = await clusterInformation(ds);
    } catch (e) {
      throw new CommandFailed(`unable to retrieve Cluster Version or Type: ${errorText(e as Error)}`);
    }
    if (!spec) throw new CommandFailed('unable to retrieve Cluster Version or Type: resource does not exist: ClusterInformation(default) with error: <nil>');
    const v = typeof spec['calicoVersion'] === 'string' && spec['calicoVersion'] !== '' ? spec['calicoVersion'] : 'unknown';
    const t = typeof spec['clusterType'] === 'string' && spec['clusterType'] !== '' ? spec['clusterType'] : 'unknown';
    ctx.stdout(`Cluster Version:   ${v}\n`);
    ctx.stdout(`Cluster Type:      ${t}\n`);
  });
}
