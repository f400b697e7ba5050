import type { Command } from 'commander';
import { CalicoError } from '../../lib/errors.js';
import type { CtlContext } from '../context.js';
import { executeConfigCommand } from '../config-command.js';
import { addConfigFlag, addFileFlags, addNamespaceFlag, configArgs, type CrudOptions } from './common-flags.js';
import { reportDelete } from './report.js';

/**
 * `calicoctl delete (KIND [NAME...] | -f FILE) [-s]`: delete by name or by the
 * resources a file names (a resourceVersion in the file makes it conditional).
 */
export function registerDeleteCommand(program: Command, ctx: CtlContext): void {
  const cmd = program.command('delete').description('Delete a resource identified by file, directory, stdin or resource type and name.')
    .argument('[KIND]', 'resource type (case-insensitive, may be pluralized)')
    .argument('[NAME...]', 'names of the resources');
  addFileFlags(cmd, false);
  cmd.option('-s, --skip-not-exists', "Skip over and treat as successful, resources that don't exist.");
  addNamespaceFlag(addConfigFlag(cmd));
  cmd.action(async (kind: string | undefined, names: string[], opts: CrudOptions) => {
    if ((kind === undefined) === (opts.filename === undefined)) {
      throw new CalicoError('CALICO_ERR_USAGE', 'delete needs either <KIND> [<NAME>...] or --filename, not both');
    }
    if (kind !== undefined && names.length === 0) throw new CalicoError('CALICO_ERR_USAGE', 'resource name may not be empty');
    reportDelete(ctx, await executeConfigCommand(ctx, configArgs(opts, kind, names), 'delete'));
  });
}
