import type { Command } from 'commander';
import type { Resource } from '../../api/types.js';
import { ResourceClient, resolveKind } from '../../datastore/resource-client.js';
import { CalicoError } from '../../lib/errors.js';
import type { CtlContext } from '../context.js';
import { errorText, openForCommand } from '../config-command.js';
import { applyPatch, type PatchType } from '../json-patch.js';
import { checkVersionMismatch } from '../version-info.js';
import { addConfigFlag, addNamespaceFlag } from './common-flags.js';
import { CommandFailed } from './report.js';

interface PatchOptions {
  patch: string;
  type: string;
  namespace?: string;
  allowVersionMismatch?: boolean;
}

/**
 * `calicoctl patch KIND NAME -p PATCH [-t strategic|merge|json]`: patch the
 * stored resource, validate the result, and write it with compare-and-swap
 * on the revision that was read (a concurrent change makes it fail, not lose
 * data). Labels and annotations in the patch are added to the existing ones.
 */
export function registerPatchCommand(program: Command, ctx: CtlContext): void {
  const cmd = program.command('patch').description('Patch a preexisting resource in place.')
    .argument('<KIND>', 'resource type')
    .argument('<NAME>', 'resource name')
    .requiredOption('-p, --patch <PATCH>', 'Spec to use to patch the resource.')
    .option('-t, --type <TYPE>', 'Format of patch type: strategic (default), merge or json.', 'strategic');
  addNamespaceFlag(addConfigFlag(cmd));
  cmd.action(async (kind: string, name: string, opts: PatchOptions) => {
    if (!['strategic', 'merge', 'json'].includes(opts.type)) throw new CalicoError('CALICO_ERR_USAGE', `unknown patch type '${opts.type}': use strategic, merge or json`);
    let info;
    try {
      info = resolveKind(kind);
    } catch (e) {
      throw new CommandFailed(errorText(e as Error));
    }
    if (name === '') throw new CommandFailed('resource name may not be empty');
    if (!info.namespaced && opts.namespace) throw new CommandFailed(`hit error: ${info.kind} is not namespaced`);
    const ds = await openForCommand(ctx);
    await checkVersionMismatch(ds, opts.allowVersionMismatch === true);
    const client = new ResourceClient(ds);
    const namespace = info.namespaced ? opts.namespace || 'default' : undefined;
    let current: Resource;
    try {
      current = await client.get(info, name, { namespace });
    } catch (e) {
      throw new CommandFailed(`hit error: ${errorText(e as Error)}`);
    }
    let patched: Resource;
    try {
      patched = applyPatch(current, opts.patch, opts.type as PatchType) as Resource;
    } catch (e) {
      throw new CommandFailed(`hit error: performing ${opts.type} merge patch: ${errorText(e as Error)}`);
    }
    // Identity and revision come from what was read (calicoctl mergeMetadataForPatch): labels and annotations merge.
    const merged = patched.metadata ?? current.metadata;
    patched = {
      ...patched,
      apiVersion: current.apiVersion,
      kind: current.kind,
      metadata: {
        ...current.metadata,
        labels: opts.type === 'json' ? merged.labels : { ...(current.metadata.labels ?? {}), ...(merged.labels ?? {}) },
        annotations: opts.type === 'json' ? merged.annotations : { ...(current.metadata.annotations ?? {}), ...(merged.annotations ?? {}) },
      },
    };
    if (patched.metadata.labels && Object.keys(patched.metadata.labels).length === 0 && !current.metadata.labels) delete patched.metadata.labels;
    if (patched.metadata.annotations && Object.keys(patched.metadata.annotations).length === 0 && !current.metadata.annotations) delete patched.metadata.annotations;
    try {
      await client.update(patched);
    } catch (e) {
      throw new CommandFailed(`hit error: updating existing resource: ${errorText(e as Error)}`);
    }
    ctx.stdout(`Successfully patched 1 '${info.kind}' resource\n`);
  });
}
