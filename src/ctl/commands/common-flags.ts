import type { Command } from 'commander';
import type { ConfigCommandArgs } from '../config-command.js';

/**
 * Flags shared by calicoctl's resource commands, spelled as calicoctl v3.31's
 * docopt usage spells them, and their conversion to ConfigCommandArgs.
 */

export const DEFAULT_CONFIG_PATH = '/etc/calico/calicoctl.cfg';

export function addConfigFlag(cmd: Command): Command {
  return cmd
    .option('-c, --config <CONFIG>', 'Path to the file containing connection configuration in YAML or JSON format.', DEFAULT_CONFIG_PATH)
    .option('--context <context>', 'The name of the kubeconfig context to use (accepted, unused: no Kubernetes datastore).')
    .option('--allow-version-mismatch', 'Allow client and cluster versions mismatch.');
}

export function addNamespaceFlag(cmd: Command): Command {
  return cmd.option('-n, --namespace <NS>', 'Namespace of the resource. Only applicable to namespaced kinds; uses the default namespace if not specified.');
}

export function addFileFlags(cmd: Command, required: boolean): Command {
  const help = 'Filename to use. If set to "-" loads from stdin. If filename is a directory, every .json .yaml and .yml file in it is used.';
  if (required) cmd.requiredOption('-f, --filename <FILENAME>', help);
  else cmd.option('-f, --filename <FILENAME>', help);
  return cmd
    .option('-R, --recursive', 'Process the filename specified in -f or --filename recursively.')
    .option('--skip-empty', 'Do not error if any files or directory specified using -f or --filename contain no data.');
}

/** Options as commander hands them to an action. */
export interface CrudOptions {
  filename?: string;
  recursive?: boolean;
  skipEmpty?: boolean;
  skipExists?: boolean;
  skipNotExists?: boolean;
  namespace?: string;
  allNamespaces?: boolean;
  export?: boolean;
  allowVersionMismatch?: boolean;
}

export function configArgs(opts: CrudOptions, kind?: string, names?: readonly string[]): ConfigCommandArgs {
  return {
    filename: opts.filename,
    recursive: opts.recursive,
    skipEmpty: opts.skipEmpty,
    kind,
    names,
    namespace: opts.namespace,
    allNamespaces: opts.allNamespaces,
    skipExists: opts.skipExists,
    skipNotExists: opts.skipNotExists,
    export: opts.export,
    allowVersionMismatch: opts.allowVersionMismatch,
  };
}
