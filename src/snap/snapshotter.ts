// Snapshot files: `%016x-%016x.snap` (term, index) in <data-dir>/member/snap/, in etcd
// 2.0.13's format: snappb.Snapshot{1: crc, 2: data} with data a raftpb.Snapshot and crc its
// CRC-32C (snap/snapshotter.go). Saved atomically (temporary file, fsync, rename, directory
// fsync; etcd writes in place); load() returns the newest file that verifies and sets aside
// (renames to .broken, as etcd) and reports any newer one that does not.
import { mkdirSync } from 'node:fs';
import { mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32c, crc32cUpdate } from '../pkg/crc32c.js';
import { fsyncDir } from '../pkg/fileutil.js';
import { ProtoReader } from '../pkg/protobuf.js';
import { decodeSnapshot, encodeSnapshotParts } from '../raft/raftpb.js';
import { isEmptySnapshot, type Snapshot, type SnapshotMetadata } from '../raft/types.js';
import { readChecksummed } from './checksummed-read.js';
import { type DataTaker, readSnapshotStreamed } from './streamed-read.js';
import { type DataProducer, saveStreamed, snappbHead } from './streamed-save.js';
const NAME = /^([0-9a-f]{16})-([0-9a-f]{16})\.snap$/;

interface Position {
  term: number;
  index: number;
}

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
    const body = encodeSnapshotParts(s);
    let crc = 0;
    let len = 0;
    for (const part of body) {
      crc = crc32cUpdate(crc, part);
      len += part.length;
    }
    const head = snappbHead(crc, len);
    const name = snapName(s.metadata.term, s.metadata.index);
    const final = join(this.dir, name);
    const tmp = `${final}.tmp`;
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writev([head, ...body]);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, final);
    await fsyncDir(this.dir);
  }

  /**
   * As save(), with the data written to the file while `produce` makes it, before this
   * returns (see streamed-save.ts): memory never holds all of it. The rest completes in the
   * background; `sizeHint` is the data's expected length.
   */
  saveStreamed(metadata: SnapshotMetadata, produce: DataProducer, sizeHint: number): Promise<void> {
    const final = join(this.dir, snapName(metadata.term, metadata.index));
    try {
      mkdirSync(this.dir, { recursive: true });
    } catch (e) {
      return Promise.reject(e);
    }
    return saveStreamed(this.dir, `${final}.tmp`, final, metadata, produce, sizeHint);
  }

  /** The newest snapshot that verifies, or null if there is none. */
  async load(): Promise<Snapshot | null> {
    return this.loadNewestAvailable(null);
  }

  /**
   * The newest snapshot that verifies and whose (term, index) is usable (among the snapshot
   * markers the WAL holds, given as a list or asked one file at a time, newest first; null:
   * any), or null. Files not usable are left alone.
   */
  async loadNewestAvailable(
    usable: readonly Position[] | ((p: Position) => Promise<boolean>) | null,
  ): Promise<Snapshot | null> {
    return (await this.loadNewestTaking(usable, null))?.snapshot ?? null;
  }

  /**
   * As loadNewestAvailable, but the data of a snapshot whose metadata `take` accepts is
   * pulled by its consumer as the file is read (streamed-read.ts): the snapshot comes back
   * without data, with what the consumer made of it. Other snapshots are read whole.
   */
  async loadNewestTaking<T>(
    usable: readonly Position[] | ((p: Position) => Promise<boolean>) | null,
    take: DataTaker<T> | null,
  ): Promise<{ snapshot: Snapshot; value: T | null } | null> {
    this.warnings = [];
    let ok: (p: Position) => Promise<boolean> | boolean = () => true;
    if (typeof usable === 'function') ok = usable;
    else if (usable !== null) {
      const wanted = new Set(usable.map((u) => snapName(u.term, u.index)));
      ok = (p) => wanted.has(snapName(p.term, p.index));
    }
    for (const name of await this.names()) {
      const m = NAME.exec(name)!;
      const file = join(this.dir, name);
      const at = { term: Number.parseInt(m[1]!, 16), index: Number.parseInt(m[2]!, 16) };
      try {
        if (take !== null) {
          if (!(await ok(at))) continue;
          const corrupt = (reason: string) => new SnapshotCorruptError(file, reason);
          // A name that does not match is read whole, to be reported as readSnapshotFile does.
          const named: DataTaker<T> = (md) =>
            snapName(md.term, md.index) === name ? take(md) : null;
          const got = readSnapshotStreamed(file, named, corrupt);
          if (got !== null) return got;
          return { snapshot: await readSnapshotFile(file, name), value: null };
        }
        // The file is read while the WAL is asked about it (disk and CPU at once: at
        // start-up both are tens of megabytes); a file found not usable was read for
        // nothing, and is left alone.
        const reading = readSnapshotFile(file, name).then(
          (s) => ({ s, e: null }),
          (e: unknown) => ({ s: null, e }),
        );
        if (!(await ok(at))) {
          await reading;
          continue;
        }
        const { s, e } = await reading;
        if (e !== null) throw e;
        return { snapshot: s!, value: null };
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
  const { buf, data } = await readChecksummed(file);
  let crc = 0;
  let body: Uint8Array | null = null;
  try {
    const r = new ProtoReader(buf);
    while (!r.done) {
      const t = r.tag();
      if (t === 0x08) crc = r.uint32();
      else if (t === 0x12) body = r.bytes();
      else r.skip(t & 7);
    }
  } catch (e) {
    throw new SnapshotCorruptError(file, `not a snapshot file: ${(e as Error).message}`);
  }
  // As etcd: no data or a zero crc is an "unexpected empty snapshot".
  if (body === null || body.length === 0 || crc === 0) {
    throw new SnapshotCorruptError(file, 'empty snapshot');
  }
  const start = body.byteOffset - buf.byteOffset;
  const sum =
    data !== null && data.start === start && data.end === start + body.length
      ? data.crc
      : crc32c(body);
  if (sum !== crc) throw new SnapshotCorruptError(file, 'checksum mismatch');
  let s: Snapshot;
  try {
    s = decodeSnapshot(body);
  } catch (e) {
    throw new SnapshotCorruptError(file, (e as Error).message);
  }
  checkName(file, name, s.metadata);
  return s;
}

function checkName(file: string, name: string, m: SnapshotMetadata): void {
  if (snapName(m.term, m.index) !== name) {
    throw new SnapshotCorruptError(file, 'content does not match its file name');
  }
}
