import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { decodeResources } from '../api/index.js';
import type { Resource } from '../api/types.js';
import { CalicoError } from '../lib/errors.js';

/**
 * loadResources reads `-f/--filename` as calicoctl does: `-` is stdin, a
 * directory means every .yaml/.yml/.json file in it (sub-directories only
 * with `-R`), anything else is one file. Every document of every file is
 * decoded before anything else happens, so one bad document stops the
 * command before any write.
 */

/** One decoded resource and the name of the document it came from (for error messages). */
export interface LoadedResource {
  readonly resource: Resource;
  readonly document: string;
}

export interface LoadOptions {
  readonly recursive?: boolean | undefined;
  readonly skipEmpty?: boolean | undefined;
  readonly readStdin: () => Promise<string>;
}

/**
 * A problem with the input files themselves (unreadable, not YAML/JSON, unknown
 * kind): calicoctl reports these as `failed to execute command: ...`.
 */
export class FileInvalidError extends Error {
  constructor(override readonly cause: Error) {
    super(cause.message);
    this.name = 'FileInvalidError';
  }
}

export async function loadResources(filename: string, opts: LoadOptions): Promise<LoadedResource[]> {
  const files = filename === '-' ? ['-'] : await expand(filename, opts.recursive === true);
  const out: LoadedResource[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = f === '-' ? await opts.readStdin() : await readFile(f, 'utf8');
    } catch (e) {
      throw new FileInvalidError(new CalicoError('CALICO_ERR_USAGE', `open ${f}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`));
    }
    const source = f === '-' ? 'stdin' : f;
    let resources: Resource[];
    try {
      resources = decodeResources(text, source);
    } catch (e) {
      throw new FileInvalidError(e as Error);
    }
    if (resources.length === 0 && opts.skipEmpty !== true) {
      throw new CalicoError('CALICO_ERR_USAGE', `no resources specified in file ${f === '-' ? '-' : f}`);
    }
    const names = documentNames(text, source, resources);
    resources.forEach((resource, i) => out.push({ resource, document: names[i]! }));
  }
  if (out.length === 0 && files.length !== 1 && opts.skipEmpty !== true) {
    throw new CalicoError('CALICO_ERR_USAGE', `no resources specified in directory ${filename}`);
  }
  return out;
}

/** The files a -f argument names, in calicoctl's (lexical walk) order. */
async function expand(path: string, recursive: boolean): Promise<string[]> {
  let isDir = false;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch {
    return [path]; // reading it reports the error
  }
  if (!isDir) return [path];
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (recursive) await walk(p);
      } else if (['.yaml', '.yml', '.json'].includes(extname(e.name).toLowerCase())) {
        out.push(p);
      }
    }
  };
  // The root is always walked; deeper directories only with -R (filepath.Walk + SkipDir).
  await walk(path).catch((e: Error) => {
    throw new FileInvalidError(e);
  });
  return out;
}

/**
 * Names each decoded resource by its YAML document: `file document N (Kind name)`
 * when documents and resources line up one to one, else by position.
 */
function documentNames(text: string, source: string, resources: readonly Resource[]): string[] {
  let docs = 0;
  try {
    const parsed = parseAllDocuments(text);
    for (const d of Array.isArray(parsed) ? parsed : [parsed]) if (d.contents !== null) docs++;
  } catch {
    docs = -1;
  }
  const unit = docs === resources.length ? 'document' : 'resource';
  return resources.map((r, i) => `${source} ${unit} ${i + 1} (${r.kind} ${r.metadata?.name ?? ''})`.replace(/ \)$/, ')'));
}
