/** Where the lab finds the repository's executables (bin/) and its own compiled helpers (dist/lab/). */
import { resolve } from 'node:path';

/** Repository root: dist/lab/ is two levels below it. */
export const REPO_ROOT = resolve(import.meta.dirname, '../..');
export const BIN_DIR = resolve(REPO_ROOT, 'bin');
export const POD_SERVER = resolve(import.meta.dirname, 'pod-server.js');
export const PROBER = resolve(import.meta.dirname, 'prober-main.js');
export const ETCD_RELAY = resolve(import.meta.dirname, 'etcd-relay.js');
