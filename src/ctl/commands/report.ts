import { CalicoError } from '../../lib/errors.js';
import type { CtlContext } from '../context.js';
import { errorList, errorText, type CommandResults } from '../config-command.js';

/**
 * Result reporting as calicoctl's create/apply/validate/replace/delete
 * commands word it. Success lines go to stdout; a failure is thrown as a
 * CalicoError whose message main prints on stderr before exiting 1.
 */

export class CommandFailed extends CalicoError {
  constructor(message: string) {
    super('CALICO_ERR_USAGE', message);
    this.name = 'CommandFailed';
  }
}

function fileInvalid(r: CommandResults): CommandFailed {
  return new CommandFailed(`failed to execute command: ${r.err ? errorText(r.err) : 'unknown error'}`);
}

/** create, apply and validate (they share calicoctl's wording). */
export function reportBatch(ctx: CtlContext, r: CommandResults, verb: 'create' | 'apply' | 'validate'): void {
  const past = { create: 'created', apply: 'applied', validate: 'validated' }[verb];
  if (r.fileInvalid) throw fileInvalid(r);
  if (r.numResources === 0) {
    if (r.err) throw new CommandFailed(errorText(r.err));
    ctx.stdout('No resources specified\n');
    return;
  }
  if (r.numHandled === 0) {
    const errs = r.err ? [r.err, ...r.resErrs] : r.resErrs;
    if (r.numResources === 1) throw new CommandFailed(`failed to ${verb} '${r.singleKind}' resource: ${errorList(errs)}`);
    if (r.singleKind) throw new CommandFailed(`failed to ${verb} any '${r.singleKind}' resources: ${errorList(errs)}`);
    throw new CommandFailed(`failed to ${verb} any resources: ${errorList(errs)}`);
  }
  if (r.resErrs.length === 0) {
    ctx.stdout(r.singleKind
      ? `Successfully ${past} ${r.numHandled} '${r.singleKind}' resource(s)\n`
      : `Successfully ${past} ${r.numHandled} resource(s)\n`);
    return;
  }
  ctx.stdout('Partial success: ');
  ctx.stdout(r.singleKind
    ? `${past} the first ${r.numHandled} out of ${r.numResources} '${r.singleKind}' resources:\n`
    : `${past} the first ${r.numHandled} out of ${r.numResources} resources:\n`);
  throw new CommandFailed(`hit error${verb === 'create' ? '' : '(s)'}: ${errorList(r.resErrs)}`);
}

export function reportReplace(ctx: CtlContext, r: CommandResults): void {
  if (r.fileInvalid) throw fileInvalid(r);
  if (r.numResources === 0) {
    if (r.err) throw new CommandFailed(errorText(r.err));
    ctx.stdout('No resources specified\n');
    return;
  }
  const err = r.err ?? r.resErrs[0];
  const errs = r.resErrs.length ? errorList(r.resErrs) : err ? errorText(err) : '';
  if (r.numHandled === 0) {
    if (r.numResources === 1) throw new CommandFailed(`failed to replace '${r.singleKind}' resource: ${errs}`);
    if (r.singleKind) throw new CommandFailed(`failed to replace any '${r.singleKind}' resources: ${errs}`);
    throw new CommandFailed(`failed to replace any resources: ${errs}`);
  }
  if (!err) {
    ctx.stdout(r.singleKind
      ? `Successfully replaced ${r.numHandled} '${r.singleKind}' resource(s)\n`
      : `Successfully replaced ${r.numHandled} resource(s)\n`);
    return;
  }
  ctx.stdout('Partial success: ');
  ctx.stdout(r.singleKind
    ? `replaced the first ${r.numHandled} out of ${r.numResources} '${r.singleKind}' resources:\n`
    : `replaced the first ${r.numHandled} out of ${r.numResources} resources:\n`);
  throw new CommandFailed(`hit error: ${errorText(err)}`);
}

export function reportDelete(ctx: CtlContext, r: CommandResults): void {
  if (r.fileInvalid) throw fileInvalid(r);
  if (r.numResources === 0) {
    if (r.err) throw new CommandFailed(errorText(r.err));
    ctx.stdout('No resources specified\n');
    return;
  }
  if (!r.err && r.numHandled > 0) {
    ctx.stdout(r.singleKind
      ? `Successfully deleted ${r.numHandled} '${r.singleKind}' resource(s)\n`
      : `Successfully deleted ${r.numHandled} resource(s)\n`);
  } else if (r.err) {
    throw new CommandFailed(`hit error: ${errorText(r.err)}`);
  }
  if (r.resErrs.length) {
    const lines = r.resErrs.map((e) => (r.singleKind
      ? `Failed to delete '${r.singleKind}' resource: ${errorText(e)}`
      : `Failed to delete resource: ${errorText(e)}`));
    throw new CommandFailed(lines.join('\n'));
  }
}
