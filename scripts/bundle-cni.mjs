#!/usr/bin/env node
/**
 * Bundles the CNI plugins (bin/calico, bin/calico-ipam) into one CommonJS
 * file each, from the tsc output in dist/ (run after tsc; scripts/setup.sh
 * does). A runtime execs the plugin once per pod, and Node 20 resolves,
 * reads and links each ES module separately: one pre-linked file starts
 * faster. The bundles are build artefacts (dist/ is never committed).
 *
 * Writes, per plugin, dist/cni/<name>.bundle.cjs and dist/cni/<name>.bundle.json
 * (`{"inputs": [...]}`: the dist/ files it was built from). bin/<name> runs
 * the bundle (src/cni/bundle-loader.ts) only while it is newer than every one
 * of those inputs and otherwise falls back to the modules in dist/, so a plain
 * `tsc` never leaves a stale bundle in use.
 *
 * npm packages stay external (`require`d where and when used: etcd3 and yaml
 * only some configurations load), except better-sqlite3's JavaScript, which
 * every ADD on SQLite loads: bundled, it costs ~6 ms less than resolving and
 * loading its ten files. Its native addon is loaded by path at run time
 * (sqlite-datastore.ts), and `bindings`, its fallback search, stays external.
 * Without esbuild installed (a production install) this prints a note and
 * exits 0; the plugins then run from dist/ as before.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cniDir = join(root, 'dist', 'cni');

/** name -> module under dist/cni whose `main()` runs the plugin. */
const PLUGINS = {
  calico: { module: './calico-cli.js', run: 'main();' },
  'calico-ipam': { module: './calico-ipam-plugin.js', run: 'main();' },
};

/** npm packages bundled in; every other bare specifier stays a run-time `require`. */
const BUNDLED_PACKAGES = new Set(['better-sqlite3']);

/** An esbuild plugin: bare specifiers (npm packages) are external unless their package is in `bundled`. */
function externalPackagesBut(bundled) {
  return {
    name: 'external-packages',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith('node:')) return { path: args.path, external: true };
        const pkg = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0];
        return bundled.has(pkg) ? undefined : { path: args.path, external: true };
      });
    },
  };
}

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  console.log('bundle-cni: esbuild is not installed; the CNI plugins run from dist/ module by module');
  process.exit(0);
}

for (const [name, { module, run }] of Object.entries(PLUGINS)) {
  if (!existsSync(join(cniDir, module))) {
    console.error(`bundle-cni: ${join('dist/cni', module)} missing; run tsc first`);
    process.exit(1);
  }
  const outfile = join(cniDir, `${name}.bundle.cjs`);
  const result = await esbuild.build({
    stdin: { contents: `import { main } from '${module}';\n${run}\n`, resolveDir: cniDir, sourcefile: `${name}-entry.js`, loader: 'js' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    plugins: [externalPackagesBut(BUNDLED_PACKAGES)],
    outfile,
    metafile: true,
    logLevel: 'warning',
    // import.meta does not exist in CommonJS: give the modules the bundle's own URL
    // (it sits in dist/cni like the modules, so relative URLs resolve the same).
    define: { 'import.meta.url': '__calicoBundleUrl' },
    banner: { js: `'use strict';\nconst __calicoBundleUrl = require('node:url').pathToFileURL(__filename).href;` },
  });
  const inputs = Object.keys(result.metafile.inputs)
    .filter((f) => !f.startsWith('<stdin>') && !f.endsWith('-entry.js'))
    .map((f) => relative(root, join(process.cwd(), f)))
    .sort();
  writeFileSync(join(cniDir, `${name}.bundle.json`), JSON.stringify({ inputs }, null, 1) + '\n');
  // The V8 code cache of the previous bundle (see src/cni/bundle-loader.ts) is rewritten by the next run.
  rmSync(join(cniDir, `${name}.bundle.cache`), { force: true });
  console.log(`bundle-cni: dist/cni/${name}.bundle.cjs from ${inputs.length} modules`);
}
