import type { Command } from 'commander';
import { ResourceClient, resolveKind } from '../../datastore/resource-client.js';
import type { KindInfo, Resource } from '../../api/types.js';
import type { CtlContext } from '../context.js';
import { errorText, openForCommand } from '../config-command.js';
import { checkVersionMismatch } from '../version-info.js';
import { addConfigFlag, addNamespaceFlag } from './common-flags.js';
import { CommandFailed } from './report.js';

interface LabelOptions {
  overwrite?: boolean;
  remove?: boolean;
  namespace?: string;
  allowVersionMismatch?: boolean;
}

/**
 * `calicoctl label KIND NAME key=value [--overwrite]` and
 * `calicoctl label KIND NAME key --remove`. The update is a compare-and-swap
 * on the revision read, so a concurrent writer's change is never overwritten.
 */
export function registerLabelCommand(program: Command, ctx: CtlContext): void {
  const cmd = program.command('label').description('Add or update labels of resources.')
    .argument('<KIND>', 'resource type')
    .argument('<NAME>', 'resource name')
    .argument('<LABEL>', '<key>=<value>, or <key> with --remove')
    .option('--overwrite', 'Overwrite the value when the key is already present in labels.')
    .option('--remove', 'Remove the specified key from the labels of the resource.');
  addNamespaceFlag(addConfigFlag(cmd));
  cmd.action(async (kind: string, name: string, label: string, opts: LabelOptions) => {
    if (opts.overwrite && opts.remove) throw new CommandFailed('--overwrite cannot be used with --remove');
    let key: string;
    let value = '';
    if (opts.remove) {
      key = label;
    } else {
      const kv = label.split('=');
      if (kv.length !== 2) throw new CommandFailed(`invalid label ${label}`);
      [key, value] = kv as [string, string];
    }
    if (name === '') throw new CommandFailed('resource name may not be empty');
    let info: KindInfo;
    try {
      info = resolveKind(kind);
    } catch (e) {
      throw new CommandFailed(`failed to get ${kind} ${name}, error ${errorText(e as Error)}`);
    }
    if (!info.namespaced && opts.namespace) throw new CommandFailed(`failed to get ${kind} ${name}, error ${info.kind} is not namespaced`);
    const ds = await openForCommand(ctx);
    await checkVersionMismatch(ds, opts.allowVersionMismatch === true);
    const client = new ResourceClient(ds);
    let resource: Resource;
    try {
      resource = await client.get(info, name, { namespace: info.namespaced ? opts.namespace || 'default' : undefined });
    } catch (e) {
      throw new CommandFailed(`failed to get ${kind} ${name}, error ${errorText(e as Error)}`);
    }
    const labels = { ...(resource.metadata.labels ?? {}) };
    let overwritten = false;
    if (opts.remove) {
      if (!(key in labels)) throw new CommandFailed(`cannot remove label of ${kind} ${name}, key ${key} does not exist`);
      delete labels[key];
    } else if (key in labels) {
      if (!opts.overwrite && labels[key] !== value) {
        throw new CommandFailed(`failed to update label of ${kind} ${name}, key ${key} is already present. please use '--overwrite' to set a new value`);
      }
      labels[key] = value;
      overwritten = true;
    } else {
      labels[key] = value;
    }
    try {
      // resourceVersion is the one read: the update is conditional on nobody having changed it since.
      await client.update({ ...resource, metadata: { ...resource.metadata, labels } });
    } catch (e) {
      throw new CommandFailed(`failed to update ${kind} ${name}, label not changed: ${errorText(e as Error)}`);
    }
    if (opts.remove) ctx.stdout(`Successfully removed label ${key} from ${kind} ${name}\n`);
    else if (overwritten) ctx.stdout(`Successfully updated label ${key} on ${kind} ${name}\n`);
    else ctx.stdout(`Successfully set label ${key} on ${kind} ${name}\n`);
  });
}
