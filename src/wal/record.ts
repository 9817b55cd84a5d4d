// WAL record framing, as etcd 2.0.13 writes it (wal/encoder.go, wal/walpb):
//
//   int64 LE   length of what follows
//   walpb.Record { 1: int64 type, 2: uint32 crc, 3: optional bytes data }
//
// No padding, no header checksum. `crc` is CRC-32C chained over the data of every record
// since the segment's first (crc) record: crc32c(previous crc, data). A crc record carries
// the running value itself and no data; every segment starts with one, so each segment
// continues the chain of the one before.
import { ProtoError, ProtoReader, ProtoWriter, varintSize } from '../pkg/protobuf.js';

/** Bytes of the little-endian length that precedes each record. */
export const LENGTH_SIZE = 8;

/** 512-byte sectors: the unit a torn write loses (they then read as zeros). */
export const SECTOR_SIZE = 512;

export enum RecordType {
  Metadata = 1,
  Entry = 2,
  HardState = 3, // wal.go's stateType
  Crc = 4,
  Snapshot = 5,
}

/** Largest record accepted on read (a sanity bound against a damaged length). */
export const MAX_RECORD = 1 << 30;

/** Bytes of a record (length prefix included) holding `dataLen` bytes of data. */
export function recordSize(type: RecordType, crc: number, dataLen: number | null): number {
  let n = 1 + varintSize(type) + 1 + varintSize(crc);
  if (dataLen !== null) n += 1 + varintSize(dataLen) + dataLen;
  return LENGTH_SIZE + n;
}

/** Appends one framed record to `w`. `data` null: no data field (crc records). */
export function writeRecord(
  w: ProtoWriter,
  type: RecordType,
  crc: number,
  data: Uint8Array | null,
): void {
  let n = 1 + varintSize(type) + 1 + varintSize(crc);
  if (data !== null) n += 1 + varintSize(data.length) + data.length;
  w.ensure(LENGTH_SIZE + n);
  const b = w.buf;
  let p = w.pos;
  b[p++] = n & 0xff;
  b[p++] = (n >>> 8) & 0xff;
  b[p++] = (n >>> 16) & 0xff;
  b[p++] = (n >>> 24) & 0xff;
  b[p++] = 0;
  b[p++] = 0;
  b[p++] = 0;
  b[p++] = 0;
  w.pos = p;
  w.key(0x08).varint(type);
  w.key(0x10).varint(crc);
  if (data !== null) w.key(0x1a).bytes(data);
}

export interface ParsedRecord {
  type: number;
  crc: number;
  /** Offset and end of the data in the buffer (equal when the record has none). */
  dataStart: number;
  dataEnd: number;
  hasData: boolean;
  /** Offset just past the record. */
  end: number;
}

/**
 * Parses the walpb.Record in buf[start, end) strictly as etcd writes it: type, crc, then
 * optionally data, nothing else. Returns null if it is not such a record.
 */
export function parseRecordBody(buf: Uint8Array, start: number, end: number): ParsedRecord | null {
  try {
    const r = new ProtoReader(buf, start, end);
    if (r.done || r.tag() !== 0x08) return null;
    const type = r.varint();
    if (type < RecordType.Metadata || type > RecordType.Snapshot) return null;
    if (r.done || r.tag() !== 0x10) return null;
    const crc = r.uint32();
    if (r.done) return { type, crc, dataStart: r.pos, dataEnd: r.pos, hasData: false, end };
    if (r.tag() !== 0x1a) return null;
    const data = r.bytes();
    if (!r.done) return null;
    const dataStart = data.byteOffset - buf.byteOffset;
    return { type, crc, dataStart, dataEnd: dataStart + data.length, hasData: true, end };
  } catch (e) {
    if (e instanceof ProtoError) return null;
    throw e;
  }
}

/**
 * Parses a record whose length is taken from its body rather than from its length prefix
 * (used to tell a damaged length from a cut-short record). Null if no record parses.
 */
export function parseRecordNatural(buf: Uint8Array, p: number): ParsedRecord | null {
  try {
    const start = p + LENGTH_SIZE;
    if (start >= buf.length) return null;
    const r = new ProtoReader(buf, start, buf.length);
    if (r.tag() !== 0x08) return null;
    const type = r.varint();
    if (type < RecordType.Metadata || type > RecordType.Snapshot) return null;
    if (r.tag() !== 0x10) return null;
    const crc = r.uint32();
    if (r.done || buf[r.pos] !== 0x1a) {
      return { type, crc, dataStart: r.pos, dataEnd: r.pos, hasData: false, end: r.pos };
    }
    r.tag();
    const data = r.bytes();
    const dataStart = data.byteOffset - buf.byteOffset;
    return { type, crc, dataStart, dataEnd: dataStart + data.length, hasData: true, end: r.pos };
  } catch (e) {
    if (e instanceof ProtoError) return null;
    throw e;
  }
}

/** The length prefix at p, or -1 if it is not a plausible record length. */
export function readLength(buf: Uint8Array, p: number): number {
  const lo = (buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16) | (buf[p + 3]! << 24)) >>> 0;
  const hi = buf[p + 4]! | buf[p + 5]! | buf[p + 6]! | buf[p + 7]!;
  if (hi !== 0 || lo > MAX_RECORD) return -1;
  return lo;
}

// ---- walpb.Snapshot (a snapshot marker's data) ---------------------------------------

export function encodeWalSnapshot(index: number, term: number): Uint8Array {
  const w = new ProtoWriter(2 + varintSize(index) + varintSize(term));
  w.key(0x08).varint(index);
  w.key(0x10).varint(term);
  return w.result();
}

export function decodeWalSnapshot(b: Uint8Array): { index: number; term: number } {
  const r = new ProtoReader(b);
  let index = 0;
  let term = 0;
  while (!r.done) {
    const t = r.tag();
    if (t === 0x08) index = r.varint();
    else if (t === 0x10) term = r.varint();
    else r.skip(t & 7);
  }
  return { index, term };
}
