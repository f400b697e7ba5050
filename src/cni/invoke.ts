/**
 * Delegating to another CNI plugin (SPEC.md "Delegated plugins"): find the
 * binary named by `type` in CNI_PATH, run it with the same environment but
 * our CNI_COMMAND, pass the network config on stdin, and read back a result
 * or a CNI error. Used for every IPAM plugin except an in-process calico-ipam.
 */
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { exec as realExec, type ExecOptions, type ExecResult } from '../lib/exec.js';
import {
  CNI_ERR_DELEGATE, CNI_ERR_INVALID_NETWORK_CONFIG, CniError, parseResult, type CmdArgs, type CniCommand, type CniResult,
} from './spec.js';

export type ExecFn = (cmd: string, args: readonly string[], opts?: ExecOptions) => Promise<ExecResult>;

/** Absolute path of plugin `type` in `paths`, or CniError 7 naming the search path. */
export function findPlugin(type: string, paths: readonly string[]): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(type)) {
    throw new CniError(CNI_ERR_INVALID_NETWORK_CONFIG, `invalid plugin type "${type}"`);
  }
  for (const dir of paths) {
    const p = join(dir, type);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch { /* try the next directory */ }
  }
  throw new CniError(CNI_ERR_INVALID_NETWORK_CONFIG, `failed to find plugin "${type}" in path [${paths.join(' ')}]`);
}

/**
 * Runs plugin `type` for `command` with `stdin` and returns its parsed result
 * (ADD) or null (DEL/CHECK). A CNI error from the delegate is re-thrown with
 * its own code; a crash without error JSON becomes CNI_ERR_DELEGATE.
 */
export async function execPlugin(
  type: string, command: CniCommand, stdin: string, args: CmdArgs, run: ExecFn = realExec,
  extraArgs?: string,
): Promise<CniResult | null> {
  const bin = findPlugin(type, args.path);
  // As upstream (utils.AddIgnoreUnknownArgs): delegates must not reject the K8S_* args meant for us.
  const pairs = new Map(args.args);
  if (!pairs.has('IgnoreUnknown')) pairs.set('IgnoreUnknown', '1');
  const cniArgs = [...pairs].map(([k, v]) => `${k}=${v}`).join(';');
  const env: Record<string, string> = {
    CNI_COMMAND: command,
    CNI_CONTAINERID: args.containerId,
    CNI_NETNS: args.netns,
    CNI_IFNAME: args.ifName,
    CNI_ARGS: extraArgs ? (cniArgs ? `${cniArgs};${extraArgs}` : extraArgs) : cniArgs,
    CNI_PATH: args.path.join(':'),
  };
  const r = await run(bin, [], { input: stdin, env });
  if (r.code !== 0) {
    let parsed: { code?: unknown; msg?: unknown; details?: unknown } | undefined;
    try { parsed = JSON.parse(r.stdout) as typeof parsed; } catch { parsed = undefined; }
    if (parsed && typeof parsed.code === 'number' && typeof parsed.msg === 'string') {
      throw new CniError(parsed.code, parsed.msg, typeof parsed.details === 'string' ? parsed.details : undefined);
    }
    throw new CniError(CNI_ERR_DELEGATE, `plugin ${type} ${command} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim()}`);
  }
  if (command !== 'ADD') return null;
  let raw: unknown;
  try {
    raw = JSON.parse(r.stdout);
  } catch (e) {
    throw new CniError(CNI_ERR_DELEGATE, `plugin ${type} returned an undecodable result: ${(e as Error).message}`);
  }
  return parseResult(raw, args.cniVersion);
}
