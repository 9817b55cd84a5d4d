// Snapshot files: `%016x-%016x.snap` (term, index) in <data-dir>/member/snap/, each a magic
// tag, a CRC-32C of the body, then the snapshot (raft's codec). Saved atomically (temporary
// file, fsync, rename, directory fsync); load() returns the newest file that verifies and
// sets aside (renames to .broken, as etcd) and reports any newer one that does not.
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32c } from '../pkg/crc32c.js';
import { fsyncDir } from '../pkg/fileutil.js';
import { decodeSnapshot, encodeSnapshot } from '../raft/codec.js';
import { isEmptySnapshot, type Snapshot } from '../raft/types.js';

const MAGIC = [0x45, 0x53, 0x4e, 0x50]; // "ESNP"
const HEADER = 8;
const NAME = /^([0-9a-f]{16})-([0-9a-f]{16})\.snap$/;

export class SnapshotCorruptError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`snap: ${file} is corrupt: ${reason}`);
    this.name = 'SnapshotCorruptError';
  }
}

export interface SnapshotterOptions {
  /** Told about every snapshot file load() had to skip. */
  warn?: (message: string) => void;
}

export function snapName(term: number, index: number): string {
  return `${term.toString(16).padStart(16, '0')}-${index.toString(16).padStart(16, '0')}.snap`;
}

export class Snapshotter {
  /** What the last load() skipped, one message per file. */
  warnings: string[] = [];

  constructor(
    readonly dir: string,
    private readonly opts: SnapshotterOptions = {},
  ) {}

  /** Writes `s` durably. An empty snapshot (index 0) is not written, as etcd. */
  async save(s: Snapshot): Promise<void> {
    if (isEmptySnapshot(s)) return;
    await mkdir(this.dir, { recursive: true });
    const body = encodeSnapshot(s);
    const head = new Uint8Array(HEADER);
    head.set(MAGIC, 0);
    new DataView(head.buffer).setUint32(4, crc32c(body), true);
    const name = snapName(s.metadata.term, s.metadata.index);
    const final = join(this.dir, name);
    const tmp = `${final}.tmp`;
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writev([head, body]);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, final);
    await fsyncDir(this.dir);
  }

  /** The newest snapshot that verifies, or null if there is none. */
  async load(): Promise<Snapshot | null> {
    return this.loadNewestAvailable(null);
  }

  /**
   * The newest snapshot that verifies and whose (term, index) is in `usable` (the snapshot
   * markers the WAL holds; null: any), or null. Files not in `usable` are left alone.
   */
  async loadNewestAvailable(
    usable: readonly { term: number; index: number }[] | null,
  ): Promise<Snapshot | null> {
    this.warnings = [];
    const wanted = usable === null ? null : new Set(usable.map((u) => snapName(u.term, u.index)));
    for (const name of await this.names()) {
      if (wanted !== null && !wanted.has(name)) continue;
      const file = join(this.dir, name);
      try {
        return await readSnapshotFile(file, name);
      } catch (e) {
        if (!(e instanceof SnapshotCorruptError)) throw e; // I/O trouble is not corruption
        const msg = `snap: skipping corrupt snapshot ${file} (${e.reason}); renamed to ${name}.broken`;
        await rename(file, `${file}.broken`);
        this.warnings.push(msg);
        this.opts.warn?.(msg);
      }
    }
    return null;
  }

  /** Keeps the newest `max` snapshot files (0 = keep all) and removes leftover temp files. */
  async purge(max: number): Promise<string[]> {
    const removed: string[] = [];
    let all: string[];
    try {
      all = await readdir(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return removed;
      throw e;
    }
    for (const f of all) {
      if (f.endsWith('.snap.tmp')) {
        await unlink(join(this.dir, f));
        removed.push(f);
      }
    }
    if (max > 0) {
      const names = await this.names();
      for (const name of names.slice(max)) {
        await unlink(join(this.dir, name));
        removed.push(name);
      }
    }
    if (removed.length > 0) await fsyncDir(this.dir);
    return removed;
  }

  /** Snapshot file names, newest (highest term, then index) first. */
  private async names(): Promise<string[]> {
    let all: string[];
    try {
      all = await readdir(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    return all.filter((n) => NAME.test(n)).sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
  }
}

/** Reads and verifies one snapshot file; throws SnapshotCorruptError when it does not. */
export async function readSnapshotFile(file: string, name: string): Promise<Snapshot> {
  const raw = await readFile(file);
  const buf = new Uint8Array(raw.buffer, raw.byteOffset, raw.length);
  if (buf.length < HEADER) throw new SnapshotCorruptError(file, 'shorter than its header');
  for (let i = 0; i < MAGIC.length; i++) {
    if (buf[i] !== MAGIC[i]) throw new SnapshotCorruptError(file, 'not a snapshot file');
  }
  const want = new DataView(buf.buffer, buf.byteOffset + 4, 4).getUint32(0, true);
  if (crc32c(buf, HEADER) !== want) throw new SnapshotCorruptError(file, 'checksum mismatch');
  let s: Snapshot;
  try {
    s = decodeSnapshot(buf.subarray(HEADER));
  } catch (e) {
    throw new SnapshotCorruptError(file, (e as Error).message);
  }
  if (snapName(s.metadata.term, s.metadata.index) !== name) {
    throw new SnapshotCorruptError(file, 'content does not match its file name');
  }
  return s;
}
