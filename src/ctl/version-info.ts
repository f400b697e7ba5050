import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Datastore } from '../datastore/datastore.js';
import { CalicoError, isCalicoError } from '../lib/errors.js';

/**
 * Client version information (calicoctl's buildinfo) and the version
 * mismatch check every datastore command runs first.
 */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function readPackageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? `v${pkg.version}` : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The client version: `v` + package.json's version. calico-node should write the same into ClusterInformation. */
export const CLIENT_VERSION = readPackageVersion();

/** The git commit of the checkout, read from .git without spawning git; `unknown` when not a checkout. */
export function gitCommit(): string {
  try {
    const head = readFileSync(join(ROOT, '.git', 'HEAD'), 'utf8').trim();
    if (!head.startsWith('ref: ')) return head.slice(0, 8);
    const ref = head.slice(5);
    try {
      return readFileSync(join(ROOT, '.git', ref), 'utf8').trim().slice(0, 8);
    } catch {
      const packed = readFileSync(join(ROOT, '.git', 'packed-refs'), 'utf8');
      const line = packed.split('\n').find((l) => l.endsWith(` ${ref}`));
      return line ? line.slice(0, 8) : 'unknown';
    }
  } catch {
    return 'unknown';
  }
}

/** Version without `v` and without a `-suffix`, as calicoctl compares them. */
function core(v: string): string {
  return v.replace(/^v/, '').split('-')[0]!;
}

/** The ClusterInformation `default` spec, or undefined when there is none. */
export async function clusterInformation(ds: Datastore): Promise<Record<string, unknown> | undefined> {
  const { ResourceClient } = await import('../datastore/resource-client.js');
  try {
    const ci = await new ResourceClient(ds).get('clusterinformation', 'default');
    return (ci.spec ?? {}) as Record<string, unknown>;
  } catch (e) {
    if (isCalicoError(e, 'CALICO_ERR_NOT_FOUND') || isCalicoError(e, 'CALICO_ERR_UNKNOWN_KIND')) return undefined;
    throw e;
  }
}

/**
 * calicoctl CheckVersionMismatch: fails when the cluster's calicoVersion
 * differs from the client's, unless `--allow-version-mismatch`. No
 * ClusterInformation, or one without calicoVersion, passes.
 */
export async function checkVersionMismatch(ds: Datastore, allow: boolean): Promise<void> {
  if (allow) return;
  const spec = await clusterInformation(ds);
  const clusterVersion = spec?.['calicoVersion'];
  if (typeof clusterVersion !== 'string' || clusterVersion === '') return;
  if (core(clusterVersion) !== core(CLIENT_VERSION)) {
    throw new CalicoError('CALICO_ERR_USAGE',
      `version mismatch.\nClient Version:   ${CLIENT_VERSION}\nCluster Version:  ${core(clusterVersion)}\nUse --allow-version-mismatch to override`);
  }
}
