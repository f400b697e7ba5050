import type { Command } from 'commander';
import type { CtlContext } from '../context.js';
import { executeConfigCommand } from '../config-command.js';
import { addConfigFlag, addFileFlags, addNamespaceFlag, configArgs, type CrudOptions } from './common-flags.js';
import { reportReplace } from './report.js';

/**
 * `calicoctl replace -f FILE`: replace existing resources, stopping at the
 * first failure. A metadata.resourceVersion in the file must still be current.
 */
export function registerReplaceCommand(program: Command, ctx: CtlContext): void {
  const cmd = program.command('replace').description('Replace a resource by file, directory or stdin.');
  addFileFlags(cmd, true);
  addNamespaceFlag(addConfigFlag(cmd));
  cmd.action(async (opts: CrudOptions) => {
    reportReplace(ctx, await executeConfigCommand(ctx, configArgs(opts), 'replace'));
  });
}
