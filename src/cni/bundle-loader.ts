/**
 * Runs a CNI plugin's single-file bundle (scripts/bundle-cni.mjs) for
 * bin/calico and bin/calico-ipam, which are exec'd once per pod.
 *
 * - The bundle runs only while it is newer than every module listed in
 *   `<name>.bundle.json`. Otherwise (a later `tsc`, a missing bundle) the
 *   caller falls back to the modules in dist/, so a stale bundle is never run.
 * - It is compiled with a V8 code cache, `<name>.bundle.cache`, which the
 *   process writes at exit when the cache is missing or V8 rejected it (a
 *   rebuilt bundle, another Node). It is written after a real invocation,
 *   so it covers the functions an ADD runs, which a build-time cache could
 *   not. The write is atomic (temp file + rename), so concurrent plugins are
 *   safe. A read-only dist/ only means running without a cache.
 */
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

const cniDir = dirname(fileURLToPath(import.meta.url));
const root = join(cniDir, '..', '..');

/** True when `<name>.bundle.cjs` exists and is newer than every input it was built from. */
export function bundleIsFresh(name: string, dir = cniDir, repoRoot = root): boolean {
  try {
    const built = statSync(join(dir, `${name}.bundle.cjs`)).mtimeMs;
    const { inputs } = JSON.parse(readFileSync(join(dir, `${name}.bundle.json`), 'utf8')) as { inputs?: unknown };
    return Array.isArray(inputs) && inputs.length > 0 && inputs.every((f) => typeof f === 'string' && statSync(join(repoRoot, f)).mtimeMs <= built);
  } catch {
    return false;
  }
}

/**
 * Runs the bundle `name` if it is fresh and returns true; returns false (and
 * runs nothing) otherwise.
 */
export function runFreshBundle(name: string, dir = cniDir, repoRoot = root): boolean {
  if (!bundleIsFresh(name, dir, repoRoot)) return false;
  const file = join(dir, `${name}.bundle.cjs`);
  const cacheFile = join(dir, `${name}.bundle.cache`);
  let cachedData: Buffer | undefined;
  try { cachedData = readFileSync(cacheFile); } catch { /* first run: no cache yet */ }
  const script = new Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file, ...(cachedData ? { cachedData } : {}) });
  if (!cachedData || script.cachedDataRejected) {
    process.once('exit', () => {
      try {
        const tmp = `${cacheFile}.${process.pid}`;
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, cacheFile);
      } catch { /* read-only or full: run without a cache */ }
    });
  }
  const mod = new Module(file);
  mod.filename = file;
  const req = createRequire(file);
  (script.runInThisContext() as (e: unknown, r: NodeRequire, m: Module, f: string, d: string) => void)(mod.exports, req, mod, file, dir);
  return true;
}
