import type { Command } from 'commander';
import type { CtlContext } from '../context.js';
import { executeConfigCommand } from '../config-command.js';
import { addConfigFlag, addFileFlags, addNamespaceFlag, configArgs, type CrudOptions } from './common-flags.js';
import { reportBatch } from './report.js';

/** `calicoctl apply -f FILE`: create each resource, or replace it when it exists. */
export function registerApplyCommand(program: Command, ctx: CtlContext): void {
  const cmd = program.command('apply').description('Apply a resource by file, directory or stdin. This creates a resource if it does not exist, and replaces a resource if it does exist.');
  addFileFlags(cmd, true);
  addNamespaceFlag(addConfigFlag(cmd));
  cmd.action(async (opts: CrudOptions) => {
    reportBatch(ctx, await executeConfigCommand(ctx, configArgs(opts), 'apply'), 'apply');
  });
}
