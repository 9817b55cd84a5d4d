// File-system helpers shared by the WAL, the snapshotter and start-up: a data-dir lock,
// the writability probe etcd runs at start, directory fsync (so that file creations,
// renames and removals survive a crash), and reading a whole large file.
import {
  closeSync,
  existsSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';

export const LOCK_FILE_NAME = '.lock';

/** Thrown when another live process holds the lock on a directory. */
export class DirLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(
      `cannot lock ${dir}: it is in use by another process (pid ${pid}); ` +
        `only one etcd may use a data dir at a time`,
    );
    this.name = 'DirLockedError';
  }
}

/** Locks this process holds, released on a normal exit (one listener for all of them). */
const heldLocks = new Set<() => void>();
let exitHooked = false;

export interface DirLock {
  /** The lock file. */
  readonly path: string;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): void;
}

/**
 * Takes an exclusive lock on `dir` (synchronous: start-up only).
 *
 * Why a PID file rather than flock(2): Node has no flock/fcntl, and holding a kernel lock
 * through a helper child process leaves the lock held by an orphan for a moment after a
 * `kill -9`, which makes restarts racy. So: the lock file `<dir>/.lock` is created with
 * exclusive-create semantics (link(2) of a fully written private file: atomic, EEXIST if
 * present) and holds "<pid> <process start time>". When it exists, the
 * holder is alive only if a process with that PID exists *and* (on Linux) started at the
 * recorded time, so a PID reused by an unrelated process does not keep a dead member's
 * lock. A stale lock is taken over by renaming it to a unique name (atomic: only one
 * contender gets it), checking that what was renamed is the stale lock that was read
 * (otherwise it is a fresh lock of a racing contender and is linked back), deleting it and
 * retrying the exclusive create. The lock is removed on release and on normal exit.
 */
export function lockDir(dir: string): DirLock {
  const path = join(dir, LOCK_FILE_NAME);
  const me = `${process.pid} ${processStartTime(process.pid)}\n`;
  for (let attempt = 0; attempt < 5; attempt++) {
    // Written in full to a private file first, then linked into place: link(2) fails with
    // EEXIST like O_EXCL, and nobody can ever read a half-written lock.
    const mine = `${path}.${process.pid}.${attempt}`;
    let fd: number;
    try {
      fd = openSync(mine, 'w', 0o600);
    } catch (e) {
      throw new Error(`cannot lock ${dir}: ${(e as Error).message}`);
    }
    try {
      // No fsync: after a crash a lost or empty lock file just reads as stale.
      writeSync(fd, me);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(mine, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let content: string;
      try {
        content = readFileSync(path, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // released meanwhile
        throw e;
      }
      const holder = parseLock(content);
      if (holder !== null && holderAlive(holder.pid, holder.start)) {
        throw new DirLockedError(dir, holder.pid);
      }
      takeOverStale(path, content);
      continue;
    } finally {
      unlinkSync(mine);
    }
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      heldLocks.delete(release);
      try {
        if (readFileSync(path, 'utf8') === me) unlinkSync(path);
      } catch {
        // already gone
      }
    };
    if (!exitHooked) {
      exitHooked = true;
      process.on('exit', () => {
        for (const r of [...heldLocks]) r();
      });
    }
    heldLocks.add(release);
    return { path, release };
  }
  throw new Error(`cannot lock ${dir}: the lock file ${path} keeps changing (contention)`);
}

function takeOverStale(path: string, staleContent: string): void {
  const aside = `${path}.stale.${process.pid}.${Date.now()}`;
  try {
    renameSync(path, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  let moved = '';
  try {
    moved = readFileSync(aside, 'utf8');
  } catch {
    // fall through: treat as not ours to delete
  }
  if (moved === staleContent) {
    unlinkSync(aside);
    return;
  }
  // We moved a racing contender's fresh lock: put it back (fails if yet another took it).
  try {
    linkSync(aside, path);
  } finally {
    unlinkSync(aside);
  }
}

function parseLock(content: string): { pid: number; start: string } | null {
  const m = /^(\d+) (\S*)\n$/.exec(content);
  if (m === null) return null; // torn or foreign content: a crash while writing it
  return { pid: Number(m[1]), start: m[2]! };
}

function holderAlive(pid: number, start: string): boolean {
  if (pid === process.pid) {
    // Held by this very process (a second open), unless the PID was reused after a
    // restart (containers reuse small PIDs): then the start time differs.
    const mine = processStartTime(pid);
    return start === '' || mine === '' || start === mine;
  }
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = processStartTime(pid);
  return start === '' || now === '' || now === start;
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); '' if unknown. */
function processStartTime(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: skip past the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19] ?? '';
  } catch {
    return '';
  }
}

/**
 * Checks that `dir` is writable by creating and removing a file in it, as etcd does at
 * start (synchronous: start-up only). Throws a clear error otherwise.
 */
export function checkWritable(dir: string): void {
  const probe = join(dir, `.touch.${process.pid}`);
  try {
    const fd = openSync(probe, 'w', 0o600);
    closeSync(fd);
    unlinkSync(probe);
  } catch (e) {
    throw new Error(`data dir ${dir} is not writable: ${(e as Error).message}`);
  }
}

/** fsyncs a directory so that entries created, renamed or removed in it are durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * A whole file, read in `chunk`-byte reads (readFile reads 512 KiB at a time, one
 * thread-pool round trip each: ~70 for one 34 MB WAL segment at start-up). `got` is told
 * how much has arrived after each read, while the next one is already under way (to work
 * on the bytes meanwhile). As a plain Uint8Array, so slice() copies.
 */
export async function readWhole(
  file: string,
  chunk = 16 << 20,
  got?: (buf: Uint8Array, n: number) => void,
): Promise<Uint8Array> {
  const fh = await open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    const buf = new Uint8Array(size);
    let n = 0;
    let next = size > 0 ? fh.read(buf, 0, Math.min(chunk, size), 0) : null;
    while (next !== null) {
      const { bytesRead } = await next;
      n += bytesRead;
      // A file that shrank meanwhile ends early: what is there.
      next = bytesRead > 0 && n < size ? fh.read(buf, n, Math.min(chunk, size - n), n) : null;
      got?.(buf, n);
    }
    return n < size ? buf.subarray(0, n) : buf;
  } finally {
    await fh.close();
  }
}

export function isDirLocked(dir: string): boolean {
  const path = join(dir, LOCK_FILE_NAME);
  if (!existsSync(path)) return false;
  const holder = parseLock(readFileSync(path, 'utf8'));
  return holder !== null && holderAlive(holder.pid, holder.start);
}
