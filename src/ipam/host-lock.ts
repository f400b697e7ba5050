/**
 * The per-host IPAM lock. Calico's calico-ipam plugin serialises IPAM on one
 * host with a file lock (/var/run/calico/ipam.lock, netconf `ipam_lock_file`):
 * CAS already keeps addresses unique, but two ADDs on one host that both find
 * the host's last block full would each claim a new block (more blocks than
 * needed, `maxBlocksPerHost` overshot). Holding the lock around ADD and DEL
 * makes one host's IPAM calls take turns; hosts still race only through CAS.
 *
 * Node has no flock(2), so the lock is a file created with O_EXCL that holds
 * the owner's PID. A lock whose owner is dead (a plugin killed mid-ADD) is
 * broken: it is renamed aside (atomic, so only one waiter wins), and the
 * renamed file is checked to still be the dead owner's before it is removed.
 * Like Calico, the lock is best effort: when the lock file cannot be created
 * at all (no such directory and no right to make it), IPAM runs unlocked.
 */
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { CalicoError } from '../lib/errors.js';

/** Calico's default lock path. */
export const DEFAULT_IPAM_LOCK_FILE = '/var/run/calico/ipam.lock';

export interface HostLockOptions {
  /** Give up after this long (CALICO_ERR_CONFLICT, CNI "try again later"). Default 5 min. */
  readonly timeoutMs?: number;
  /** Called once when IPAM runs without the lock (the file could not be created). */
  readonly onUnlocked?: (reason: string) => void;
}

/** A lock file that holds no PID yet is its creator between open and write; older than this it is abandoned. */
const EMPTY_LOCK_STALE_MS = 10_000;

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | null)?.code;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errno(e) === 'EPERM';
  }
}

/** The PID recorded in a lock file; null if it holds none (yet), undefined if the file is gone. */
function readOwner(path: string): number | null | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch (e) {
    if (errno(e) === 'ENOENT') return undefined;
    throw e;
  }
}

/** Our own PID in a lock file we do not hold (the in-process queue says so) is a dead namesake's: stale. */
function isStale(path: string, owner: number | null): boolean {
  if (owner !== null) return owner === process.pid || !pidAlive(owner);
  try {
    return Date.now() - statSync(path).mtimeMs > EMPTY_LOCK_STALE_MS;
  } catch {
    return false;
  }
}

/** Removes the lock file of a dead owner, leaving a live owner's lock that replaced it in place. */
function breakStale(path: string, owner: number | null): void {
  const aside = `${path}.${process.pid}.stale`;
  try {
    renameSync(path, aside);
  } catch (e) {
    if (errno(e) === 'ENOENT') return;
    throw e;
  }
  const moved = readOwner(aside);
  if (moved === owner || moved === undefined) {
    try { unlinkSync(aside); } catch { /* already gone */ }
    return;
  }
  // A live owner's fresh lock was moved by mistake: put it back unless a new one exists.
  try { linkSync(aside, path); } catch { /* another lock took its place */ }
  try { unlinkSync(aside); } catch { /* already gone */ }
}

/** Tries once to create the lock; true when held. Throws for errors other than "exists". */
function tryCreate(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (e) {
    if (errno(e) === 'EEXIST') return false;
    if (errno(e) === 'ENOENT') {
      mkdirSync(dirname(path), { recursive: true });
      return tryCreate(path);
    }
    throw e;
  }
  try {
    writeSync(fd, `${process.pid}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Callers in this process take turns here first, so only one of them ever contends for the file. */
const inProcess = new Map<string, Promise<void>>();

/**
 * Takes the host's IPAM lock at `path`; resolves to the function that
 * releases it. Waits (polling with jitter) while a live process holds it.
 */
export async function acquireIpamLock(path: string = DEFAULT_IPAM_LOCK_FILE, opts: HostLockOptions = {}): Promise<() => void> {
  const before = inProcess.get(path) ?? Promise.resolve();
  let done!: () => void;
  const mine = new Promise<void>((r) => { done = r; });
  const tail = before.then(() => mine);
  inProcess.set(path, tail);
  const leave = (): void => {
    done();
    if (inProcess.get(path) === tail) inProcess.delete(path);
  };
  await before;
  try {
    const releaseFile = await acquireFileLock(path, opts);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      releaseFile();
      leave();
    };
  } catch (e) {
    leave();
    throw e;
  }
}

async function acquireFileLock(path: string, opts: HostLockOptions): Promise<() => void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 5 * 60_000);
  let wait = 2;
  for (;;) {
    let held: boolean;
    try {
      held = tryCreate(path);
    } catch (e) {
      opts.onUnlocked?.(`cannot create IPAM lock file ${path}: ${(e as Error).message}`);
      return () => undefined;
    }
    if (held) {
      return () => {
        if (readOwner(path) === process.pid) {
          try { unlinkSync(path); } catch { /* already gone */ }
        }
      };
    }
    const owner = readOwner(path);
    if (owner === undefined) continue; // released meanwhile
    if (isStale(path, owner)) {
      breakStale(path, owner);
      continue;
    }
    if (Date.now() >= deadline) {
      throw new CalicoError('CALICO_ERR_CONFLICT', `timed out waiting for the IPAM lock ${path} (held by PID ${owner ?? '?'})`);
    }
    await sleep(wait + Math.random() * wait);
    wait = Math.min(wait * 2, 50);
  }
}

/** Runs `fn` holding the host's IPAM lock. */
export async function withIpamLock<T>(path: string | undefined, fn: () => Promise<T>, opts: HostLockOptions = {}): Promise<T> {
  const release = await acquireIpamLock(path ?? DEFAULT_IPAM_LOCK_FILE, opts);
  try {
    return await fn();
  } finally {
    release();
  }
}
