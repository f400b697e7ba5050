/**
 * Worker thread body of NftSession.readDiff: runs `nft -j list table`,
 * parses the (possibly 100+ MB) JSON and compares it with the believed
 * digests, all off the agent's main thread, and posts back only the objects
 * that differ. The main thread never holds the whole listing.
 */
import { spawn } from 'node:child_process';
import { parentPort, workerData } from 'node:worker_threads';
import { diffAgainst, type TableDigests } from './kernel-digest.js';
import { kernelTableFromJson } from './read-table.js';

interface Job { readonly argv: [string, string[]]; readonly believed: TableDigests }

const job = workerData as Job;
const child = spawn(job.argv[0], job.argv[1], { stdio: ['ignore', 'pipe', 'pipe'] });
const out: Buffer[] = [];
let err = '';
child.stdout.on('data', (b: Buffer) => out.push(b));
child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
child.on('error', (e) => parentPort?.postMessage({ ok: false, error: e.message }));
child.on('close', (code) => {
  try {
    if (code !== 0 && !/No such file or directory|does not exist/i.test(err)) {
      parentPort?.postMessage({ ok: false, error: `nft list table failed: ${err.trim().slice(0, 2000)}` });
      return;
    }
    const json = code === 0 ? (JSON.parse(Buffer.concat(out).toString()) as unknown) : null;
    out.length = 0;
    parentPort?.postMessage({ ok: true, diff: diffAgainst(kernelTableFromJson(json), job.believed) });
  } catch (e) {
    parentPort?.postMessage({ ok: false, error: String(e) });
  }
});
