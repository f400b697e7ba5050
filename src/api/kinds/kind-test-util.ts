import './index.js';
import { isCalicoError } from '../../lib/errors.js';
import { validateResource } from '../validate-resource.js';
import type { Resource } from '../types.js';

/**
 * Test support for kind tables (used by the *.test.ts files beside it):
 * builds a resource of `kind` around `spec` and reports whether
 * validateResource accepts it, with the issues when it does not.
 */
export function check(kind: string, spec: unknown, opts: { name?: string; apiVersion?: string; status?: unknown } = {}): {
  ok: boolean;
  issues: string[];
  result?: Resource;
} {
  const r: Record<string, unknown> = {
    apiVersion: opts.apiVersion ?? 'projectcalico.org/v3',
    kind,
    metadata: { name: opts.name ?? 'pool.name' },
  };
  if (spec !== undefined) r.spec = spec;
  if (opts.status !== undefined) r.status = opts.status;
  try {
    const result = validateResource(r);
    return { ok: true, issues: [], result };
  } catch (e) {
    if (isCalicoError(e, 'CALICO_ERR_VALIDATION')) {
      const issues = (e as unknown as { issues: { path: string; reason: string }[] }).issues;
      return { ok: false, issues: issues.map((i) => `${i.path}: ${i.reason}`) };
    }
    throw e;
  }
}
