// A snapshot file written while its store data is produced, chunk by chunk, so that memory
// never holds the whole store's JSON (tens of megabytes at 100,000 keys, hundreds at a
// million; a buffer that size is garbage the moment the file is written, and V8 frees it
// only at its next full collection). The bytes are those Snapshotter.save() writes:
//   snappb.Snapshot{1: crc, 2: raftpb.Snapshot{1: data, 2: metadata}}
// Both lengths and the crc come before the data they describe. The data is therefore
// written after room left for them (guessed from a size hint), the crc of the data's
// prefix combined with the streamed data's crc afterwards, and in the rare case where the
// guess was wrong (the crc's varint is short 1 time in 16) the data is moved in the file.
import { close, closeSync, fsync, ftruncate, openSync, read, write, writeSync } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { promisify } from 'node:util';
import { crc32c, crc32cCombine, crc32cUpdate } from '../pkg/crc32c.js';
import { fsyncDir } from '../pkg/fileutil.js';
import { ProtoWriter, varintSize } from '../pkg/protobuf.js';
import { snapshotDataHead, snapshotMetadataField } from '../raft/raftpb.js';
import type { SnapshotMetadata } from '../raft/types.js';

// The callback forms take a descriptor and run on the thread pool.
const writeAsync = promisify(write);
const readAsync = promisify(read);
const fsyncAsync = promisify(fsync);
const ftruncateAsync = promisify(ftruncate);
const closeAsync = promisify(close);

/** Hands the data to `sink` in chunks (views valid only during the call), synchronously. */
export type DataProducer = (sink: (chunk: Uint8Array) => void) => void;

/** The crc's varint is 5 bytes for 15 of 16 crcs (those of 2^28 and over). */
const CRC_GUESS = 0xffffffff;
const MOVE_CHUNK = 1 << 20;
/** fsyncs started while the data is still being written, each after about a third of it. */
const EARLY_SYNCS = 2;

/** The snappb.Snapshot fields before the data bytes: crc, then data's tag and length. */
export function snappbHead(crc: number, dataLen: number): Uint8Array {
  const w = new ProtoWriter(2 + varintSize(crc) + varintSize(dataLen));
  w.key(0x08).varint(crc);
  w.key(0x12).varint(dataLen);
  return w.result();
}

/** The bytes before the store data: snappb's head, then raftpb's data tag and length. */
function headOf(crc: number, prefix: Uint8Array, dataLen: number, tailLen: number): Uint8Array {
  const snappb = snappbHead(crc, prefix.length + dataLen + tailLen);
  const out = new Uint8Array(snappb.length + prefix.length);
  out.set(snappb);
  out.set(prefix, snappb.length);
  return out;
}

/**
 * Writes `tmp` from `produce` now, synchronously (the state it reads may change once this
 * returns), then completes the file in the background: its head, fsync, rename to `final`
 * and the directory's fsync. Two fsyncs start on the thread pool while the data is still
 * being written, so that the disk writes most of it meanwhile and the last fsync has only
 * the rest to wait for. `sizeHint` is the data's expected length. On any failure the
 * temporary file is removed and the promise rejects.
 */
export function saveStreamed(
  dir: string,
  tmp: string,
  final: string,
  metadata: SnapshotMetadata,
  produce: DataProducer,
  sizeHint: number,
): Promise<void> {
  const tail = snapshotMetadataField(metadata);
  const room = headOf(CRC_GUESS, snapshotDataHead(sizeHint), sizeHint, tail.length).length;
  let fd = -1;
  let dataLen = 0;
  let dataCrc = 0;
  const early: Promise<void>[] = [];
  const syncEvery = Math.max(MOVE_CHUNK, Math.floor(sizeHint / (EARLY_SYNCS + 1)));
  try {
    fd = openSync(tmp, 'w+', 0o600); // read too: the data may have to move
    const out = fd;
    produce((chunk) => {
      writeAllSync(out, chunk, room + dataLen);
      dataCrc = crc32cUpdate(dataCrc, chunk);
      dataLen += chunk.length;
      if (early.length < EARLY_SYNCS && dataLen >= syncEvery * (early.length + 1)) {
        early.push(fsyncAsync(out));
      }
    });
    writeAllSync(fd, tail, room + dataLen);
  } catch (e) {
    // The early fsyncs finish (their errors are this one's) before the file goes.
    return Promise.allSettled(early).then(() => {
      if (fd >= 0) closeSync(fd);
      return unlink(tmp).then(
        () => Promise.reject(e),
        () => Promise.reject(e),
      );
    });
  }
  // crc(raftpb.Snapshot) = crc(prefix ++ data ++ tail), the data's crc streamed before
  // the prefix (which holds its length) was known.
  const prefix = snapshotDataHead(dataLen);
  let crc = crc32cCombine(crc32c(prefix), dataCrc, dataLen);
  crc = crc32cCombine(crc, crc32c(tail), tail.length);
  const head = headOf(crc, prefix, dataLen, tail.length);
  return complete(fd, dir, tmp, final, head, room, dataLen + tail.length, early);
}

function writeAllSync(fd: number, b: Uint8Array, at: number): void {
  for (let done = 0; done < b.length; ) {
    done += writeSync(fd, b, done, b.length - done, at + done);
  }
}

async function writeAll(fd: number, b: Uint8Array, at: number): Promise<void> {
  for (let done = 0; done < b.length; ) {
    done += (await writeAsync(fd, b, done, b.length - done, at + done)).bytesWritten;
  }
}

/** Moves `len` bytes of the file at `from` to `to`, in chunks, in the safe direction. */
export async function moveInFile(
  fd: number,
  from: number,
  to: number,
  len: number,
  chunk = MOVE_CHUNK,
): Promise<void> {
  if (from === to || len === 0) return;
  const buf = new Uint8Array(Math.min(chunk, len));
  // Moving left, copy front to back (each read is ahead of every write); right, back to front.
  const left = to < from;
  for (let done = 0; done < len; ) {
    const n = Math.min(buf.length, len - done);
    const off = left ? done : len - done - n;
    let got = 0;
    while (got < n) {
      const r = await readAsync(fd, buf, got, n - got, from + off + got);
      if (r.bytesRead === 0) throw new Error(`snap: ${len - done} bytes missing while moving data`);
      got += r.bytesRead;
    }
    await writeAll(fd, buf.subarray(0, n), to + off);
    done += n;
  }
}

async function complete(
  fd: number,
  dir: string,
  tmp: string,
  final: string,
  head: Uint8Array,
  room: number,
  rest: number,
  early: Promise<void>[],
): Promise<void> {
  let isOpen = true;
  try {
    // An error an early fsync saw is not reported again by a later one (Linux reports a
    // failed writeback once per file description): each is awaited and checked.
    const settled = await Promise.allSettled(early);
    for (const r of settled) if (r.status === 'rejected') throw r.reason;
    if (head.length !== room) {
      await moveInFile(fd, room, head.length, rest);
      await ftruncateAsync(fd, head.length + rest);
    }
    await writeAll(fd, head, 0);
    await fsyncAsync(fd);
    isOpen = false;
    await closeAsync(fd);
    await rename(tmp, final);
    await fsyncDir(dir);
  } catch (e) {
    if (isOpen) await closeAsync(fd).catch(() => {});
    await unlink(tmp).catch(() => {});
    throw e;
  }
}
