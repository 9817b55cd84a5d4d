// Over 500 lines: one class owns the open segment, its syncs and its preallocation, whose
// states interlock (a cut or a close stops a fill in progress).
// The write-ahead log: an append-only sequence of segment files holding raft's entries,
// hard states and snapshot markers, each write synced before it is acknowledged.
//
// Layout: `<dir>/%016x-%016x.wal` (sequence, first index), cut at 64 MB and at each snapshot
// the member takes (as etcd 2.0.13, which cuts only there); the files are etcd
// 2.0.13's (record.ts: framing; decoder.ts: the torn-tail rules; reader.ts: reading them
// back on open), byte for byte what its wal
// package writes for the same records. Group commit: save() encodes a whole Ready
// into one buffer, one positioned write, one fdatasync (by default the write goes through
// an O_DSYNC descriptor instead: one thread-pool round trip, not two; a small batch is
// written on the event loop, inline-writes.ts). Segments are
// zero-filled ahead of the write offset in the background (preallocation), trimmed on cut
// and close.
//
// Concurrency contract: save(), saveSnapshot(), sync() and close() must not overlap; call
// the next one only after the previous promise settled (the server drives the WAL from one
// loop). An overlapping call is refused with an error rather than interleaving writes.
// After a failed write or sync the WAL refuses further writes: what reached the disk is
// unknown, and the only safe continuation is a restart that re-reads the log.
import { constants, existsSync } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, rename, rm, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type DirLock, fsyncDir, LOCK_FILE_NAME, lockDir } from '../pkg/fileutil.js';
import { emptyHardState, type Entry, type HardState, isEmptyHardState } from '../raft/types.js';
import { BatchEncoder } from './encoder.js';
import type { ScannedSegment } from './decoder.js';
import { InlineWrites } from './inline-writes.js';
import { readSegments, type WalContents, type WalPosition, type WalRepair } from './reader.js';
import {
  checkSequence,
  listSegments,
  listSegmentsSync,
  searchIndex,
  segmentName,
} from './segment.js';

export { WalCorruptError } from './decoder.js';
export type { WalContents, WalPosition, WalRepair } from './reader.js';

/** Segments are cut once they reach this size (etcd: 64 MB). */
export const SEGMENT_SIZE = 64 * 1024 * 1024;

export interface WalOptions {
  /** Segments start-up has just read and checked (SnapshotMarkers.takeScanned()). */
  scanned?: ReadonlyMap<string, ScannedSegment>;
  /** Cut a new segment once the current one reaches this many bytes. */
  segmentSize?: number;
  /** Told about repairs done on open (a torn tail cut off). */
  warn?: (message: string) => void;
  /**
   * Zero-fill the segment ahead of the write offset, in the background, so that a sync
   * does not also have to allocate blocks and grow the file (default true).
   */
  preallocate?: boolean;
  /**
   * Write synced batches through a second descriptor opened with O_DSYNC: the write is
   * durable when it returns, one thread-pool round trip instead of write + fdatasync
   * (default true where the platform has O_DSYNC).
   */
  dsync?: boolean;
  /**
   * Synced batches up to this many bytes are written on the event loop, not the thread
   * pool (inline-writes.ts; default 1024, 0: never). Only with `dsync`.
   */
  inlineSyncBytes?: number;
}

/**
 * Preallocation keeps zero-filled space ahead of the write offset: as much as the segment
 * already holds, at least PREALLOC_MIN and at most PREALLOC_CHUNK.
 */
export const PREALLOC_CHUNK = 8 * 1024 * 1024;
export const PREALLOC_MIN = 64 * 1024;
const ZEROS = new Uint8Array(1024 * 1024);

export class WAL {
  /** Set by open() when a torn tail was cut off the last segment. */
  repaired: WalRepair | null = null;

  private readonly enc = new BatchEncoder();
  private busy = false;
  private closed = false;
  private failed: Error | null = null;
  private unsynced = false;
  private contents: WalContents | null;
  /** Index of the last entry (or snapshot) written. */
  private enti: number;
  private state: HardState;
  private readonly metadata: Uint8Array;
  private readonly segmentSize: number;
  /** Size of the current segment file (beyond `offset`: preallocated zeros). */
  private allocated: number;
  /** A zero-fill in progress, writing from `allocated` on. */
  private extending: Promise<void> | null = null;
  /** Set while a cut or close waits for the zero-fill: it stops after its current write. */
  private fillStop = false;
  private preallocate: boolean;
  /** Whether synced writes go through `dsyncFh` (see WalOptions.dsync). */
  private readonly dsync: boolean;
  /** An O_DSYNC descriptor on the current segment (opened on first use). */
  private dsyncFh: FileHandle | null = null;
  private readonly inline: InlineWrites;
  /** Whether save() wrote to the current segment since its header (unknown on open: yes). */
  private segmentUsed = true;

  private constructor(
    private readonly dir: string,
    private readonly lock: DirLock,
    private fh: FileHandle,
    /** The current segment's path. */
    private segFile: string,
    private seq: number,
    /** Where the next record goes in the current segment. */
    private offset: number,
    private crc: number,
    opts: WalOptions,
    start: {
      /** Index of the last entry (or snapshot) written. */
      enti: number;
      state: HardState;
      metadata: Uint8Array;
      contents: WalContents;
    },
  ) {
    this.allocated = offset;
    this.segmentSize = opts.segmentSize ?? SEGMENT_SIZE;
    this.preallocate = opts.preallocate ?? true;
    this.dsync = (opts.dsync ?? true) && DSYNC_FLAGS !== 0;
    this.inline = new InlineWrites(opts.inlineSyncBytes);
    this.enti = start.enti;
    this.state = start.state;
    this.metadata = start.metadata;
    this.contents = start.contents;
  }

  /** True if `dir` holds WAL segments (synchronous: start-up only). */
  static exists(dir: string): boolean {
    return existsSync(dir) && listSegmentsSync(dir).length > 0;
  }

  /**
   * Creates a new WAL in `dir` (which must not hold one) with `metadata` and an initial
   * snapshot marker at {0, 0}. Built in a temporary directory and renamed into place, so
   * a crash never leaves a half-made WAL. Takes the lock.
   */
  static async create(dir: string, metadata: Uint8Array, opts: WalOptions = {}): Promise<WAL> {
    if (WAL.exists(dir)) throw new Error(`wal: ${dir} already holds a write-ahead log`);
    if (existsSync(dir)) {
      // An existing dir is replaced only if it holds nothing (or a stale lock file).
      const left = (await readdir(dir)).filter((f) => f !== LOCK_FILE_NAME);
      if (left.length > 0) throw new Error(`wal: ${dir} exists and is not empty`);
    }
    const parent = dirname(dir);
    await mkdir(parent, { recursive: true });
    const tmp = `${dir}.tmp`;
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp);
    const name = segmentName(0, 0);
    // As etcd's wal.Create: a crc record (0), the metadata, a snapshot marker at {0, 0}.
    const enc = new BatchEncoder();
    enc.reset(0);
    enc.crcRecord();
    enc.metadata(metadata);
    enc.snapshot(0, 0);
    const bytes = enc.bytes;
    const crc = enc.crc;
    const fh = await open(join(tmp, name), 'w+', 0o600);
    try {
      await writeAll(fh, bytes, 0);
      await fh.datasync();
    } finally {
      await fh.close();
    }
    await fsyncDir(tmp);
    if (existsSync(dir)) await rm(dir, { recursive: true }); // empty, checked above
    await rename(tmp, dir);
    await fsyncDir(parent);
    const lock = lockDir(dir);
    try {
      const wfh = await open(join(dir, name), 'r+');
      const meta = metadata.slice();
      const w = new WAL(dir, lock, wfh, join(dir, name), 0, bytes.length, crc, opts, {
        enti: 0,
        state: emptyHardState(),
        metadata: meta,
        contents: { metadata: meta, hardState: emptyHardState(), entries: [] },
      });
      return w;
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  /**
   * Opens the WAL in `dir` for reading from the snapshot marker `at` and then appending.
   * Takes the lock. Reads everything at once: readAll() returns the result. A torn tail
   * of the last segment is cut off (see `repaired`); any other damage throws a
   * WalCorruptError naming the file and byte offset.
   */
  static async open(dir: string, at: WalPosition, opts: WalOptions = {}): Promise<WAL> {
    const lock = lockDir(dir);
    try {
      return await WAL.openLocked(dir, at, opts, lock);
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  private static async openLocked(
    dir: string,
    at: WalPosition,
    opts: WalOptions,
    lock: DirLock,
  ): Promise<WAL> {
    for (const f of await readdir(dir)) {
      if (f.endsWith('.wal.tmp')) await unlink(join(dir, f)); // an unfinished segment cut
    }
    const segs = await listSegments(dir);
    if (segs.length === 0) throw new Error(`wal: no segment files in ${dir}`);
    checkSequence(dir, segs);
    const first = searchIndex(segs, at.index);
    if (first < 0) {
      throw new Error(
        `wal: no segment in ${dir} covers the snapshot at index ${at.index} (first segment starts at ${segs[0]!.index})`,
      );
    }
    const read = await readSegments(dir, segs.slice(first), at, opts.scanned);
    const { metadata, hardState, entries, file, end, repaired } = read;
    const fh = await open(file, 'r+');
    try {
      if (repaired !== null) await fh.truncate(end); // the torn tail (the last segment's)
      // Whatever the page cache still holds from before (a killed process's unsynced
      // writes) is made durable before anything new is written after it.
      await fh.datasync();
    } catch (e) {
      await fh.close();
      throw e;
    }
    const w = new WAL(dir, lock, fh, file, segs[segs.length - 1]!.seq, end, read.crc, opts, {
      enti: Math.max(read.enti, at.index),
      state: hardState,
      metadata,
      contents: { metadata, hardState, entries },
    });
    w.repaired = repaired;
    if (repaired !== null && !repaired.preallocated) {
      opts.warn?.(
        `wal: cut a torn tail off ${repaired.file} at byte offset ${repaired.offset} (${repaired.droppedBytes} bytes: ${repaired.reason})`,
      );
    }
    return w;
  }

  /** What open() read: metadata, the last hard state and the entries after the snapshot. */
  async readAll(): Promise<WalContents> {
    const c = this.contents;
    if (c === null) throw new Error('wal: readAll() may be called once');
    this.contents = null; // let the entries be collected once the caller is done with them
    return c;
  }

  /** The directory the WAL lives in. */
  get path(): string {
    return this.dir;
  }

  /**
   * Appends the hard state then the entries (etcd's order) in one write, then one
   * fdatasync, as etcd: the sync
   * is skipped only when nothing but the commit index changed (it is recoverable), and then
   * happens with the next synced write. Resolves once durable; see the concurrency contract.
   */
  async save(hardState: HardState | null, entries: Entry[]): Promise<void> {
    const hasState = hardState !== null && !isEmptyHardState(hardState);
    if (!hasState && entries.length === 0) return;
    return this.exclusive(async () => {
      const mustSync =
        entries.length > 0 ||
        (hasState && (hardState.term !== this.state.term || hardState.vote !== this.state.vote));
      const enc = this.enc;
      enc.reset(this.crc);
      if (hasState) enc.hardState(hardState);
      for (let i = 0; i < entries.length; i++) enc.entry(entries[i]!);
      await this.append(mustSync);
      this.segmentUsed = true;
      if (entries.length > 0) this.enti = entries[entries.length - 1]!.index;
      if (hasState)
        this.state = { term: hardState.term, vote: hardState.vote, commit: hardState.commit };
      await this.afterAppend();
    });
  }

  /**
   * Records that a snapshot at `at` was saved (open() starts from such a marker). Synced.
   * With `cut`, a new segment is started first unless nothing but markers went into the
   * current one since it was started:
   * etcd 2.0.13 cuts at every snapshot it takes, so a restart reads only the segments
   * since the last one and --max-wals removes whole snapshots' worth of log.
   */
  async saveSnapshot(at: WalPosition, cut = false): Promise<void> {
    return this.exclusive(async () => {
      if (cut && this.segmentUsed) await this.cut();
      this.enc.reset(this.crc);
      this.enc.snapshot(at.index, at.term);
      await this.append(true);
      if (at.index > this.enti) this.enti = at.index;
      await this.afterAppend();
    });
  }

  /** Makes any unsynced write durable. */
  async sync(): Promise<void> {
    return this.exclusive(() => this.syncPending());
  }

  /** Syncs what is pending, closes the segment and releases the lock. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.busy) throw new Error('wal: close() called while a write is in progress');
    this.closed = true;
    try {
      await this.stopFilling();
      if (this.failed === null) {
        await this.syncPending();
        await this.trimPreallocated();
      }
    } finally {
      if (this.dsyncFh !== null) await this.dsyncFh.close().catch(() => {});
      await this.fh.close();
      this.lock.release();
    }
  }

  /**
   * Runs one write under the concurrency contract: refused when closed, failed or busy;
   * a failure leaves the WAL unusable (what reached the disk is unknown).
   */
  private async exclusive(op: () => Promise<void>): Promise<void> {
    if (this.closed) throw new Error('wal: closed');
    if (this.failed !== null) {
      throw new Error(`wal: unusable after a failed write: ${this.failed.message}`);
    }
    if (this.busy) {
      throw new Error('wal: a save is already in progress (calls must not overlap)');
    }
    this.busy = true;
    try {
      await op();
    } catch (e) {
      this.failed = e as Error;
      throw e;
    } finally {
      this.busy = false;
    }
  }

  /** After a write: a full segment is cut; space ahead is zero-filled. */
  private async afterAppend(): Promise<void> {
    if (this.offset >= this.segmentSize) await this.cut();
    this.maybePreallocate();
  }

  /** Seals what the encoder holds, writes it at the end of the segment, syncs if asked. */
  private async append(sync: boolean): Promise<void> {
    const bytes = this.enc.bytes;
    const crc = this.enc.crc;
    // A zero-fill in progress writes from `allocated` on: never let it overlap the data.
    if (this.extending !== null && this.offset + bytes.length > this.allocated) {
      await this.extending;
    }
    // O_DSYNC makes only this write's range durable: with unsynced bytes before it, the
    // plain write + fdatasync (which covers the whole file) is used.
    const direct = sync && this.dsync && !this.unsynced;
    if (direct) {
      if (this.dsyncFh === null) this.dsyncFh = await open(this.segFile, DSYNC_FLAGS);
      if (this.inline.use(bytes.length)) {
        // A zero-fill's flush slows this write; that is no reason to leave the loop.
        this.inline.write(this.dsyncFh.fd, bytes, this.offset, this.extending !== null);
      } else await writeAll(this.dsyncFh, bytes, this.offset);
    } else {
      await writeAll(this.fh, bytes, this.offset);
    }
    this.offset += bytes.length;
    if (this.offset > this.allocated) this.allocated = this.offset;
    this.crc = crc;
    if (sync) {
      if (!direct) await this.fh.datasync();
      this.unsynced = false;
    } else {
      this.unsynced = true;
    }
  }

  /** Makes unsynced writes durable. */
  private async syncPending(): Promise<void> {
    if (!this.unsynced) return;
    await this.fh.datasync();
    this.unsynced = false;
  }

  /**
   * Starts the next segment, as etcd's Cut: written complete under a temporary name (crc
   * record carrying the chain, metadata, last hard state), synced, renamed into place,
   * directory synced.
   */
  private async cut(): Promise<void> {
    await this.stopFilling();
    await this.syncPending();
    await this.trimPreallocated();
    const name = segmentName(this.seq + 1, this.enti + 1);
    const final = join(this.dir, name);
    const tmp = `${final}.tmp`;
    const enc = this.enc;
    enc.reset(this.crc);
    enc.crcRecord();
    enc.metadata(this.metadata);
    if (!isEmptyHardState(this.state)) enc.hardState(this.state);
    const bytes = enc.bytes;
    const crc = enc.crc;
    const fh = await open(tmp, 'w+', 0o600);
    try {
      await writeAll(fh, bytes, 0);
      await fh.datasync();
      await rename(tmp, final);
      await fsyncDir(this.dir);
    } catch (e) {
      await fh.close();
      throw e;
    }
    const old = this.fh;
    this.fh = fh;
    this.segFile = final;
    if (this.dsyncFh !== null) {
      const d = this.dsyncFh;
      this.dsyncFh = null;
      await d.close();
    }
    this.seq++;
    this.segmentUsed = false;
    this.offset = bytes.length;
    this.allocated = bytes.length;
    this.crc = crc;
    await old.close();
  }

  /**
   * Starts zero-filling the segment ahead of the write offset when less than half a chunk
   * is left, in the background (not awaited: saves go on meanwhile, below `allocated`).
   * Only an optimisation: if it fails it is turned off and the WAL carries on appending.
   */
  private maybePreallocate(): void {
    if (!this.preallocate || this.extending !== null || this.closed) return;
    // Grows with the segment (a quiet member writes little), up to PREALLOC_CHUNK.
    const chunk = Math.min(PREALLOC_CHUNK, this.segmentSize, Math.max(PREALLOC_MIN, this.offset));
    if (this.allocated - this.offset >= chunk / 2 || this.allocated >= this.segmentSize) return;
    const fh = this.fh;
    const from = this.allocated;
    const to = Math.min(from + chunk, this.segmentSize);
    this.extending = (async () => {
      try {
        let pos = from;
        for (; pos < to && !this.fillStop; pos += ZEROS.length) {
          await writeAll(fh, ZEROS.subarray(0, Math.min(ZEROS.length, to - pos)), pos);
        }
        // Stopped early, the segment is about to be trimmed: no flush of zeros to wait for.
        if (!this.fillStop) await fh.datasync();
        const reached = Math.min(pos, to);
        if (this.allocated < reached) this.allocated = reached;
      } catch {
        this.preallocate = false;
      } finally {
        this.extending = null;
      }
    })();
  }

  /** Ends a zero-fill in progress early (the segment is to be trimmed) and waits for it. */
  private async stopFilling(): Promise<void> {
    if (this.extending === null) return;
    this.fillStop = true;
    try {
      await this.extending;
    } finally {
      this.fillStop = false;
    }
  }

  /** Cuts preallocated zeros off the current segment (before it is closed or left). */
  private async trimPreallocated(): Promise<void> {
    // The file's own size: a failed zero-fill may have grown it past `allocated`.
    if (this.allocated <= this.offset && (await this.fh.stat()).size <= this.offset) return;
    await this.fh.truncate(this.offset);
    // A non-last segment must not keep a zero tail through a crash; fdatasync covers a new
    // size (it is metadata needed to read the data back).
    await this.fh.datasync();
    this.allocated = this.offset;
  }
}

/** open(2) flags for the O_DSYNC descriptor; 0 where the platform lacks O_DSYNC. */
const DSYNC_FLAGS = constants.O_DSYNC === undefined ? 0 : constants.O_WRONLY | constants.O_DSYNC;

async function writeAll(fh: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await fh.write(bytes, done, bytes.length - done, position + done);
    if (bytesWritten <= 0) throw new Error('wal: short write');
    done += bytesWritten;
  }
}
