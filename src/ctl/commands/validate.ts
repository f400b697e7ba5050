import type { Command } from 'commander';
import type { CtlContext } from '../context.js';
import { executeConfigCommand } from '../config-command.js';
import { addFileFlags, configArgs, type CrudOptions } from './common-flags.js';
import { reportBatch } from './report.js';

/** `calicoctl validate -f FILE`: full validation offline; never opens the datastore. */
export function registerValidateCommand(program: Command, ctx: CtlContext): void {
  const cmd = program.command('validate').description('Validate a resource by file, directory or stdin without applying it.');
  addFileFlags(cmd, true);
  cmd.option('--allow-version-mismatch', 'Allow client and cluster versions mismatch.');
  cmd.action(async (opts: CrudOptions) => {
    reportBatch(ctx, await executeConfigCommand(ctx, configArgs(opts), 'validate'), 'validate');
  });
}
