import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Datastore } from '../datastore/datastore.js';
import { main } from './main.js';

/**
 * Test support for calicoctl: run the CLI in-process against a given
 * datastore and capture its output, and a temp directory for manifests.
 * (Used only by *.test.ts; no production code imports it.)
 */

export interface CtlRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

export async function runCtl(args: readonly string[], opts: { ds?: Datastore; stdin?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CtlRun> {
  let out = '';
  let err = '';
  const io = {
    stdout: (t: string) => { out += t; },
    stderr: (t: string) => { err += t; },
    readStdin: async () => opts.stdin ?? '',
    env: opts.env ?? {},
    ...(opts.ds ? { datastore: opts.ds } : {}),
  };
  const code = await main(args, io);
  return { code, out, err };
}

export class TempDir {
  readonly path = mkdtempSync(join(tmpdir(), 'calicoctl-test-'));

  write(name: string, text: string): string {
    const p = join(this.path, name);
    writeFileSync(p, text);
    return p;
  }

  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

/** True when every field of `expected` is in `actual` with an equal value (arrays compared whole). */
export function isSubset(expected: unknown, actual: unknown): boolean {
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && expected.length === actual.length && expected.every((e, i) => isSubset(e, actual[i]));
  }
  if (typeof expected === 'object' && expected !== null) {
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) return false;
    return Object.entries(expected).every(([k, v]) => isSubset(v, (actual as Record<string, unknown>)[k]));
  }
  return expected === actual;
}
