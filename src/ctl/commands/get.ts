import type { Command } from 'commander';
import { ResourceClient } from '../../datastore/resource-client.js';
import { isCalicoError } from '../../lib/errors.js';
import type { CtlContext } from '../context.js';
import { errorText, executeConfigCommand, openForCommand, type CommandResults } from '../config-command.js';
import type { ColumnContext } from '../output/kind-columns.js';
import { parseOutputFormat, printOutputs } from '../output/resource-printer.js';
import { addConfigFlag, addFileFlags, addNamespaceFlag, configArgs, type CrudOptions } from './common-flags.js';
import { CommandFailed } from './report.js';

interface GetOptions extends CrudOptions {
  output: string;
}

/**
 * `calicoctl get (KIND [NAME...] | -f FILE) [-o yaml|json|ps|wide|custom-columns=...] [-n NS | -A] [--export]`.
 * A name that does not exist is reported on stderr after the others print, and the exit code is 1.
 */
export function registerGetCommand(program: Command, ctx: CtlContext): void {
  const cmd = program.command('get').description('Get a resource identified by file, directory, stdin or resource type and name.')
    .argument('[KIND]', 'resource type (case-insensitive, may be pluralized)')
    .argument('[NAME...]', 'names of the resources (all when omitted)');
  addFileFlags(cmd, false);
  cmd.option('-o, --output <OUTPUT FORMAT>', 'Output format. One of: yaml, json, ps, wide, custom-columns=...', 'ps');
  addNamespaceFlag(addConfigFlag(cmd));
  cmd.option('-A, --all-namespaces', 'If present, list the requested object(s) across all namespaces.');
  cmd.option('--export', 'If present, returns the requested object(s) stripped of cluster-specific information.');
  cmd.action(async (kind: string | undefined, names: string[], opts: GetOptions) => {
    if ((kind === undefined) === (opts.filename === undefined)) {
      throw new CommandFailed('get needs either <KIND> [<NAME>...] or --filename, not both');
    }
    const printNamespace = opts.allNamespaces === true || (opts.namespace ?? '') !== '';
    const format = parseOutputFormat(opts.output, printNamespace);
    const r = await executeConfigCommand(ctx, configArgs(opts, kind, names), 'get');
    if (r.fileInvalid) throw new CommandFailed(`failed to execute command: ${r.err ? errorText(r.err) : ''}`);
    if (r.err) throw new CommandFailed(`failed to get resources: ${errorText(r.err)}`);
    ctx.stdout(printOutputs(r.outputs, format, await columnContext(ctx, r)));
    if (r.resErrs.length) throw new CommandFailed(r.resErrs.map(errorText).join('\n'));
  });
}

/** The Node ASN column shows the global AS number (calicoctl's `config "asnumber"`): 64512 unless BGPConfiguration default sets one. */
async function columnContext(ctx: CtlContext, r: CommandResults): Promise<ColumnContext> {
  const needsAsn = r.outputs.some((o) => (o.type === 'resource' ? o.resource.kind : o.info.kind) === 'Node');
  if (!needsAsn) return { defaultASNumber: '64512' };
  try {
    const bgp = await new ResourceClient(await openForCommand(ctx)).get('bgpconfiguration', 'default');
    const asn = (bgp.spec as Record<string, unknown> | undefined)?.['asNumber'];
    return { defaultASNumber: asn === undefined ? '64512' : String(asn) };
  } catch (e) {
    return { defaultASNumber: isCalicoError(e, 'CALICO_ERR_NOT_FOUND') || isCalicoError(e, 'CALICO_ERR_UNKNOWN_KIND') ? '64512' : 'unknown' };
  }
}
