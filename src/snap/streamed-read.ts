// Reading a snapshot file without holding its data: the metadata is read first (from the
// file's end), and if the caller wants to, it pulls the data a piece at a time into a buffer
// of its own while the checksum is computed on the way. A restart of a member alone builds
// its store this way: a 100,000-key snapshot is ~37 MB that would otherwise be read into
// fresh memory (on this kind of machine first touching it costs as much as reading it) and
// kept until the store is built.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { crc32cUpdate } from '../pkg/crc32c.js';
import { ProtoReader } from '../pkg/protobuf.js';
import { decodeSnapshot } from '../raft/raftpb.js';
import { EMPTY_BYTES, type Snapshot, type SnapshotMetadata } from '../raft/types.js';
import { snappbDataField } from './checksummed-read.js';

/** Fills `buf` from `at` with at most `max` more bytes of the data; 0 at its end. */
export type DataPull = (buf: Uint8Array, at: number, max: number) => number;

/** Given a snapshot's metadata: a consumer of its data, or null to have it read whole. */
export type DataTaker<T> = (m: SnapshotMetadata) => ((pull: DataPull) => T) | null;

/** Where etcd's layout puts things: snappb{1: crc, 2: raftpb.Snapshot{1: data, 2: metadata}}. */
interface Layout {
  crc: number;
  /** raftpb.Snapshot's first byte (the checksum starts here). */
  body: number;
  /** The data's bytes, [data, dataEnd). */
  data: number;
  dataEnd: number;
  size: number;
}

/** The layout from the file's first bytes, or null if they do not read as etcd writes them. */
function layoutOf(head: Uint8Array, size: number): Layout | null {
  const field = snappbDataField(head, head.length);
  if (field === null || field.end !== size || field.crc === 0) return null;
  try {
    // raftpb.Snapshot's data field first, as etcd writes it.
    const r = new ProtoReader(head, field.start, head.length);
    if (r.tag() !== 0x0a) return null;
    const dataLen = r.varint();
    if (r.pos + dataLen > size) return null;
    return { crc: field.crc, body: field.start, data: r.pos, dataEnd: r.pos + dataLen, size };
  } catch {
    return null; // the head did not fit in what was read, or is not a field header
  }
}

function readAt(fd: number, buf: Uint8Array, at: number, len: number, pos: number): void {
  let done = 0;
  while (done < len) {
    const n = readSync(fd, buf, at + done, len - done, pos + done);
    if (n === 0) throw new Error('snapshot file shrank while read');
    done += n;
  }
}

/**
 * Reads `file` (synchronously: a start-up step) handing its data to what `take` returns for
 * its metadata. Null when the file is not laid out as etcd writes it, its metadata does not
 * decode or `take` declines: the caller then reads it whole (and reports what is wrong).
 * Throws `corrupt(reason)` when the checksum does not match, whatever the consumer made of
 * the bytes; a consumer's own error is thrown only if the checksum matches.
 */
export function readSnapshotStreamed<T>(
  file: string,
  take: DataTaker<T>,
  corrupt: (reason: string) => Error,
): { snapshot: Snapshot; value: T } | null {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const head = new Uint8Array(Math.min(32, size));
    readAt(fd, head, 0, head.length, 0);
    const l = layoutOf(head, size);
    if (l === null) return null;
    const tail = new Uint8Array(l.size - l.dataEnd);
    readAt(fd, tail, 0, tail.length, l.dataEnd);
    let metadata: SnapshotMetadata;
    try {
      metadata = decodeSnapshot(tail).metadata;
    } catch {
      return null;
    }
    const consume = take(metadata);
    if (consume === null) return null;
    let crc = crc32cUpdate(0, head, l.body, l.data);
    let pos = l.data;
    const pull: DataPull = (buf, at, max) => {
      const n = Math.min(max, l.dataEnd - pos);
      if (n <= 0) return 0;
      readAt(fd, buf, at, n, pos);
      crc = crc32cUpdate(crc, buf, at, at + n);
      pos += n;
      return n;
    };
    let value: T | undefined;
    let failure: unknown = null;
    try {
      value = consume(pull);
    } catch (e) {
      failure = e;
    }
    // Whatever the consumer left is checksummed too.
    const rest = new Uint8Array(Math.min(1 << 20, Math.max(1, l.dataEnd - pos)));
    while (pull(rest, 0, rest.length) > 0);
    crc = crc32cUpdate(crc, tail);
    if (crc !== l.crc) throw corrupt('checksum mismatch');
    if (failure !== null) throw failure;
    return { snapshot: { data: EMPTY_BYTES, metadata }, value: value as T };
  } finally {
    closeSync(fd);
  }
}
