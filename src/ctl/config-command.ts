import type { KindInfo, Resource } from '../api/types.js';
import { prepareResource, ResourceClient, resolveKind, resolveKindOf, resourceIdentifier } from '../datastore/resource-client.js';
import { CalicoError, isCalicoError } from '../lib/errors.js';
import type { CtlContext } from './context.js';
import { ensureInitialized } from './ensure-initialized.js';
import { FileInvalidError, loadResources, type LoadedResource } from './resource-loader.js';
import { checkVersionMismatch } from './version-info.js';

/**
 * executeConfigCommand is calicoctl's ExecuteConfigCommand: the shared engine
 * of create, apply, replace, delete, get and validate.
 *
 *   -f files / KIND NAME...  ->  resources  ->  namespace rules (handleNamespace)
 *        -> [writes] validate EVERY resource first: any invalid one and nothing is written
 *        -> one client call per resource, in order, collecting per-resource errors
 */

export type ConfigAction = 'apply' | 'create' | 'replace' | 'delete' | 'get' | 'validate';

export interface ConfigCommandArgs {
  readonly filename?: string | undefined;
  readonly recursive?: boolean | undefined;
  readonly skipEmpty?: boolean | undefined;
  readonly kind?: string | undefined;
  readonly names?: readonly string[] | undefined;
  readonly namespace?: string | undefined;
  readonly allNamespaces?: boolean | undefined;
  readonly skipExists?: boolean | undefined;
  readonly skipNotExists?: boolean | undefined;
  readonly export?: boolean | undefined;
  readonly allowVersionMismatch?: boolean | undefined;
}

/** What one resource action produced: a resource, or (get without a name) a list. */
export type ActionOutput =
  | { readonly type: 'resource'; readonly resource: Resource }
  | { readonly type: 'list'; readonly info: KindInfo; readonly items: readonly Resource[]; readonly revision: number };

export interface CommandResults {
  /** The input files could not be read or decoded. */
  fileInvalid: boolean;
  numResources: number;
  numHandled: number;
  /** A command-level error (or, for replace, the error that stopped it). */
  err: Error | undefined;
  /** The one kind involved, '' when several. */
  singleKind: string;
  outputs: ActionOutput[];
  /** Errors of individual resources. */
  resErrs: Error[];
}

/** A resource named on the command line or read from a file, before it is acted on. */
interface Target {
  readonly info: KindInfo;
  readonly resource: Resource;
  readonly document: string | undefined;
}

function emptyResults(): CommandResults {
  return { fileInvalid: false, numResources: 0, numHandled: 0, err: undefined, singleKind: '', outputs: [], resErrs: [] };
}

export async function executeConfigCommand(ctx: CtlContext, args: ConfigCommandArgs, action: ConfigAction): Promise<CommandResults> {
  const results = emptyResults();
  let targets: Target[];
  let singleKind = false;
  try {
    if (args.filename !== undefined) {
      const loaded = await loadResources(args.filename, {
        recursive: args.recursive,
        skipEmpty: args.skipEmpty,
        readStdin: () => (ctx.readStdin ? ctx.readStdin() : Promise.resolve('')),
      });
      targets = loaded.map(targetOf);
      if (targets.length === 0) return results;
    } else {
      singleKind = true;
      targets = targetsFromArgs(args);
    }
  } catch (e) {
    if (e instanceof FileInvalidError) return { ...results, fileInvalid: true, err: e.cause };
    if (isCalicoError(e, 'CALICO_ERR_UNKNOWN_KIND') && args.filename !== undefined) return { ...results, fileInvalid: true, err: e };
    return { ...results, err: e as Error };
  }
  if (args.names?.some((n) => n === '')) return { ...results, err: new CalicoError('CALICO_ERR_USAGE', 'resource name may not be empty') };

  results.numResources = targets.length;
  const kinds = new Set(targets.map((t) => t.info.kind));
  if (kinds.size === 1 || singleKind) results.singleKind = targets[targets.length - 1]!.info.kind;

  // Namespace rules, then (for writes) validate everything before touching the datastore.
  const ready: { target: Target; error?: Error }[] = targets.map((t) => {
    try {
      return { target: { ...t, resource: handleNamespace(t, args) } };
    } catch (e) {
      return { target: t, error: e as Error };
    }
  });
  const writes = action === 'apply' || action === 'create' || action === 'replace' || action === 'validate';
  if (writes) {
    for (const r of ready) {
      if (r.error) continue;
      try {
        prepareResource(r.target.resource, r.target.document);
      } catch (e) {
        r.error = e as Error;
      }
    }
    // Unknown fields and wrong JSON types are decoding errors in calicoctl (UnmarshalStrict): the file is invalid.
    const undecodable = ready.find((r) => r.error && isDecodeError(r.error));
    if (undecodable) return { ...results, fileInvalid: true, err: undecodable.error };
    if (action !== 'validate' && ready.some((r) => r.error)) {
      results.resErrs = ready.flatMap((r) => (r.error ? [r.error] : []));
      return results;
    }
    if (action === 'validate') {
      for (const r of ready) {
        if (r.error) results.resErrs.push(r.error);
        else {
          results.outputs.push({ type: 'resource', resource: r.target.resource });
          results.numHandled++;
        }
      }
      return results;
    }
  }

  const ds = await openForCommand(ctx);
  await checkVersionMismatch(ds, args.allowVersionMismatch === true);
  const client = new ResourceClient(ds);
  if (writes) await ensureInitialized(client);

  for (const { target, error } of ready) {
    try {
      if (error) throw error;
      const out = await runAction(client, target, action, args);
      results.outputs.push(out);
      results.numHandled++;
    } catch (e) {
      const err = e as Error;
      const skip = (args.skipExists === true && isCalicoError(err, 'CALICO_ERR_ALREADY_EXISTS'))
        || (args.skipNotExists === true && isCalicoError(err, 'CALICO_ERR_NOT_FOUND'));
      if (skip) {
        results.outputs.push({ type: 'resource', resource: target.resource });
        results.numHandled++;
        continue;
      }
      if (action === 'replace') {
        results.err = err;
        break; // replace stops at the first failure ("replaced the first N out of M")
      }
      results.resErrs.push(err);
    }
  }
  return results;
}

/** A validation error made only of issues Go's strict JSON decoding would have hit first. */
function isDecodeError(e: Error): boolean {
  if (!isCalicoError(e, 'CALICO_ERR_VALIDATION') || !('issues' in e)) return false;
  const issues = (e as { issues: readonly { reason: string }[] }).issues;
  return issues.length > 0 && issues.every((i) => /^(unknown field "|duplicate field "|expected \S+, got )/.test(i.reason));
}

/** Opens the datastore, wording a failure as calicoctl does. */
export async function openForCommand(ctx: CtlContext) {
  try {
    return await ctx.datastore();
  } catch (e) {
    const code = isCalicoError(e) ? e.code : 'CALICO_ERR_DATASTORE_CONFIG';
    throw new CalicoError(code, `Failed to create Calico API client: ${(e as Error).message}`, { cause: e });
  }
}

function targetOf(l: LoadedResource): Target {
  return { info: resolveKindOf(l.resource), resource: l.resource, document: l.document };
}

/** calicoctl GetResourcesFromArgs: one (possibly nameless) resource per NAME. */
function targetsFromArgs(args: ConfigCommandArgs): Target[] {
  if (!args.kind) throw new CalicoError('CALICO_ERR_USAGE', 'no resources specified');
  const info = resolveKind(args.kind);
  const names = args.names && args.names.length ? args.names : [''];
  return names.map((name) => ({
    info,
    resource: { apiVersion: info.apiVersion, kind: info.kind, metadata: { name } },
    document: undefined,
  }));
}

/**
 * calicoctl handleNamespace: `-n` fills a missing namespace, `-A` clears it
 * (all namespaces), a mismatch between file and `-n` is an error, and a
 * namespace on a cluster-scoped kind is an error. Returns a copy.
 */
function handleNamespace(t: Target, args: ConfigCommandArgs): Resource {
  const r: Resource = { ...t.resource, metadata: { ...t.resource.metadata } };
  const cliNs = args.namespace ?? '';
  const allNs = args.allNamespaces === true;
  const resNs = r.metadata.namespace ?? '';
  if (t.info.namespaced) {
    if (allNs && cliNs !== '') throw new CalicoError('CALICO_ERR_USAGE', 'cannot use both --namespace and --all-namespaces flags at the same time');
    if (resNs === '' && cliNs !== '') r.metadata.namespace = cliNs;
    else if (resNs !== '' && allNs) delete r.metadata.namespace;
    else if (resNs === '' && allNs) delete r.metadata.namespace;
    else if (resNs === '' && cliNs === '') r.metadata.namespace = 'default';
    else if (resNs !== '' && cliNs !== '' && resNs !== cliNs) {
      throw new CalicoError('CALICO_ERR_USAGE', `resource namespace does not match client namespace. ${resNs} != ${cliNs}`);
    }
  } else if (resNs !== '') {
    throw new CalicoError('CALICO_ERR_USAGE', `namespace should not be specified for a non-namespaced resource. ${t.info.kind} is not a namespaced resource`);
  } else if (allNs || cliNs !== '') {
    throw new CalicoError('CALICO_ERR_USAGE', `${t.info.kind} is not namespaced`);
  }
  return r;
}

const KNP_PREFIX = 'knp.default.';

function notSupported(operation: string, identifier: string, reason?: string): CalicoError {
  return new CalicoError('CALICO_ERR_UNSUPPORTED', `operation ${operation} is not supported on ${identifier}${reason ? `: ${reason}` : ''}`);
}

function isReadOnlyKind(t: Target): boolean {
  return t.info.kind === 'ClusterInformation' && t.info.apiVersion === 'projectcalico.org/v3';
}

/** Calico NetworkPolicy names starting `knp.default.` are Kubernetes policies seen through Calico. */
function isKubernetesPolicyName(t: Target): boolean {
  return t.info.kind === 'NetworkPolicy' && t.info.apiVersion === 'projectcalico.org/v3' && t.resource.metadata.name.startsWith(KNP_PREFIX);
}

/** The resourcemgr rules for kinds calicoctl may not write. */
function checkWritable(t: Target, operation: string): void {
  const { info, resource } = t;
  if (isReadOnlyKind(t)) {
    throw notSupported(operation, 'ClusterInformation', operation === 'apply' ? 'resource is readonly' : undefined);
  }
  if (isKubernetesPolicyName(t)) {
    throw notSupported(operation, resourceIdentifier(info, resource.metadata.name, resource.metadata.namespace),
      'kubernetes network policies must be managed through the kubernetes API');
  }
}

async function runAction(client: ResourceClient, t: Target, action: ConfigAction, args: ConfigCommandArgs): Promise<ActionOutput> {
  const r = t.resource;
  const one = (resource: Resource): ActionOutput => ({ type: 'resource', resource });
  switch (action) {
    case 'create':
      checkWritable(t, 'create or apply');
      return one(await client.create(r));
    case 'apply':
      if (isReadOnlyKind(t)) checkWritable(t, 'apply');
      // Calico's apply falls back to update when create is refused, so a missing knp.default.* policy is "not found".
      if (isKubernetesPolicyName(t)) await client.get(t.info, r.metadata.name, { namespace: r.metadata.namespace });
      checkWritable(t, 'apply or replace');
      return one(await client.apply(r));
    case 'replace':
      if (isKubernetesPolicyName(t)) await client.get(t.info, r.metadata.name, { namespace: r.metadata.namespace });
      checkWritable(t, 'apply or replace');
      return one(await client.update(r));
    case 'delete':
      checkWritable(t, 'delete');
      return one(await client.delete(t.info, r.metadata.name, { namespace: r.metadata.namespace, resourceVersion: r.metadata.resourceVersion }));
    case 'get': {
      if (r.metadata.name !== '') {
        if (t.info.namespaced && r.metadata.namespace === undefined) {
          throw new CalicoError('CALICO_ERR_USAGE', 'cannot use --all-namespace flag for getting a single resource');
        }
        const got = await client.get(t.info, r.metadata.name, { namespace: r.metadata.namespace });
        return one(args.export === true ? exported(got) : got);
      }
      const list = await client.list(t.info, { namespace: r.metadata.namespace });
      const items = t.info.kind === 'Tier' ? sortTiersByOrder(list.items) : list.items;
      return { type: 'list', info: t.info, items, revision: list.revision };
    }
    case 'validate':
      return one(r);
  }
}

/** calicoctl lists tiers by spec.order (stable; tiers without an order last). */
function sortTiersByOrder(items: readonly Resource[]): Resource[] {
  const order = (r: Resource): number => {
    const o = r.spec?.['order'];
    return typeof o === 'number' ? o : Number.POSITIVE_INFINITY;
  };
  return [...items].sort((a, b) => order(a) - order(b) || 0);
}

/** `--export`: strip what is specific to this cluster. */
function exported(r: Resource): Resource {
  const metadata = { ...r.metadata };
  delete metadata.namespace;
  delete metadata.uid;
  delete metadata.resourceVersion;
  delete metadata.creationTimestamp;
  return { ...r, metadata };
}

/** Go's `%v` of a []error: `[e1 e2]`. */
export function errorList(errs: readonly Error[]): string {
  return `[${errs.map((e) => errorText(e)).join(' ')}]`;
}

/**
 * The text calicoctl shows for an error. Validation errors read like
 * libcalico-go's ErrorValidation, prefixed with the document they came from:
 * `policy.yaml document 2 (NetworkPolicy foo): error with field spec.ingress[0].destination.ports[1]: invalid port range "90:80"`.
 */
export function errorText(e: Error): string {
  if (isCalicoError(e, 'CALICO_ERR_VALIDATION') && 'issues' in e) {
    const v = e as CalicoError & { issues: readonly { path: string; value?: unknown; reason: string }[]; document?: string };
    // `path: reason`, with the value added when the reason does not already quote it.
    const field = (i: { path: string; value?: unknown; reason: string }): string => {
      if (i.path === '') return i.reason;
      const text = i.value === undefined ? '' : typeof i.value === 'string' ? i.value : JSON.stringify(i.value);
      const val = text === '' || i.reason.includes(text) ? '' : ` (value: '${text}')`;
      return `${i.path}: ${i.reason}${val}`;
    };
    const body = v.issues.length === 1
      ? (v.issues[0]!.path === '' ? v.issues[0]!.reason : `error with field ${field(v.issues[0]!)}`)
      : `error with the following fields:\n${v.issues.map((i) => `-  ${field(i)}`).join('\n')}`;
    return v.document ? `${v.document}: ${body}` : body;
  }
  return e.message;
}
