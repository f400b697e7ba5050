import type { Command } from 'commander';
import type { CtlContext } from '../context.js';
import { executeConfigCommand } from '../config-command.js';
import { addConfigFlag, addFileFlags, addNamespaceFlag, configArgs, type CrudOptions } from './common-flags.js';
import { reportBatch } from './report.js';

/** `calicoctl create -f FILE [--skip-exists]`: create each resource; an existing one is an error unless skipped. */
export function registerCreateCommand(program: Command, ctx: CtlContext): void {
  const cmd = program.command('create').description('Create a resource by file, directory or stdin.');
  addFileFlags(cmd, true);
  cmd.option('--skip-exists', 'Skip over and treat as successful any attempts to create an entry that already exists.');
  addNamespaceFlag(addConfigFlag(cmd));
  cmd.action(async (opts: CrudOptions) => {
    reportBatch(ctx, await executeConfigCommand(ctx, configArgs(opts), 'create'), 'create');
  });
}
