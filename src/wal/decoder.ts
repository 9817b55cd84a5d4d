// Reads the records of one segment file, verifying framing and the CRC chain, and decides
// what a bad spot means: a torn tail (the end of the last segment after a crash: cut off)
// or corruption (anywhere else: an error naming the file and byte offset).
//
// etcd's format has no sync marks, so the rule is about what a crash can leave: the end of
// the last write cut short, and sectors of it lost (read back as zeros). A bad record is a
// torn tail only if it looks like that (runs past the end of the file, reaches into the
// zeros the file ends with, holds 32 or more zero bytes filling its part of a 512-byte
// sector, or is zeros) and nothing written follows it: no record parses anywhere after it,
// and it does not parse whole by its own field lengths (which would mean only its length
// prefix is damaged). A bad record with all its sectors present (a bit flip) is corruption.
// Record data is checked to be exactly what etcd writes for the value it holds, so a flip
// of a record's type (which the CRC does not cover) is caught too. Data lost in the middle of the last write with some of that write
// surviving after it is refused as corruption too: it cannot be told from a lost sector in
// synced data (Go etcd refuses every torn tail; we cut only a clean one).
import { crc32cUpdate } from '../pkg/crc32c.js';
import { decodeEntry, decodeHardState, entrySize, hardStateSize } from '../raft/raftpb.js';
import {
  decodeWalSnapshot,
  encodeWalSnapshot,
  LENGTH_SIZE,
  type ParsedRecord,
  parseRecordBody,
  parseRecordNatural,
  RecordType,
  readLength,
  SECTOR_SIZE,
} from './record.js';

/** A WAL file is damaged: start-up must stop (nothing is dropped silently). */
export class WalCorruptError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`wal: corrupt record in ${file} at byte offset ${offset}: ${reason}`);
    this.name = 'WalCorruptError';
  }
}

export interface SegmentScan {
  /** Offset just past the last good record. */
  end: number;
  /** Chained CRC after the last good record. */
  crc: number;
  /** Set when a torn tail starts at `end` (only ever for the last segment). */
  torn: string | null;
  /** Offset of the last good record (-1 if none). */
  last: number;
}

export type RecordSink = (type: RecordType, payload: Uint8Array, offset: number) => void;

/**
 * Scans `buf` (the whole file `name`). `prev` is the running CRC at the end of the previous
 * segment, or null for the first segment read (then its leading crc record seeds the
 * chain; pass 0 for segment 0, whose chain starts at 0).
 */
export function scanSegment(
  buf: Uint8Array,
  name: string,
  isLast: boolean,
  prev: number | null,
  sink: RecordSink,
): SegmentScan {
  let p = 0;
  let crc = prev ?? 0;
  const size = buf.length;
  let last = -1;
  let count = 0;
  // Start of the zeros the file ends with (a torn tail's lost sectors, or preallocation).
  let zeroTail = size;
  while (zeroTail > 0 && buf[zeroTail - 1] === 0) zeroTail--;
  const looksTorn = (p: number, next: number): boolean =>
    isLast && (next > zeroTail || zeroSectorPart(buf, p, next));
  const corrupt = (at: number, why: string): never => {
    throw new WalCorruptError(name, at, why);
  };
  const torn = (at: number, why: string): SegmentScan => {
    // Segments appear complete (written under a temporary name, then renamed), so even
    // the last one cannot lose its leading records to a crash.
    if (!isLast || last < 0) corrupt(at, why);
    const whole = parseRecordNatural(buf, at);
    if (whole !== null && whole.end <= size && intact(buf, whole, crc)) {
      corrupt(at, `${why}, but the record is whole: its length prefix is damaged`);
    }
    const after = recordAfter(buf, at);
    if (after >= 0) corrupt(at, `${why}, but a record follows at byte offset ${after}`);
    return { end: at, crc, torn: why, last };
  };
  if (size === 0) return torn(0, 'empty segment');
  while (p < size) {
    if (size - p < LENGTH_SIZE) return torn(p, 'partial record length at end of file');
    const len = readLength(buf, p);
    if (len === 0 && allZero(buf, p, Math.min(size, p + LENGTH_SIZE))) {
      return torn(p, 'zero-filled space');
    }
    if (len < 0 || p + LENGTH_SIZE + len > size) {
      if (len < 0 && !isLast) corrupt(p, 'implausible record length');
      return torn(p, 'record cut short at end of file');
    }
    const next = p + LENGTH_SIZE + len;
    const rec = parseRecordBody(buf, p + LENGTH_SIZE, next);
    if (rec === null) {
      if (looksTorn(p, next)) return torn(p, 'record partly zero (torn write)');
      corrupt(p, 'malformed record');
    }
    const r = rec as ParsedRecord;
    if (r.type === RecordType.Crc) {
      if (p !== 0) corrupt(p, 'crc record in the middle of a segment');
      if (r.hasData) corrupt(p, 'crc record with data');
      if (prev !== null && r.crc !== crc) {
        corrupt(p, `CRC chain broken: segment starts from ${r.crc}, previous ended at ${crc}`);
      }
      crc = r.crc;
      sink(RecordType.Crc, buf.subarray(r.dataStart, r.dataEnd), p);
      last = p;
      p = next;
      count++;
      continue;
    }
    if (p === 0) corrupt(p, 'segment does not start with a crc record');
    const want = crc32cUpdate(crc, buf, r.dataStart, r.dataEnd);
    if (want !== r.crc) {
      if (looksTorn(p, next)) return torn(p, 'record partly zero (torn write)');
      corrupt(p, 'record checksum mismatch');
    }
    // etcd writes the metadata second in every segment, and only there.
    if ((count === 1) !== (r.type === RecordType.Metadata)) {
      corrupt(
        p,
        count === 1 ? 'second record is not the metadata' : 'metadata record out of place',
      );
    }
    const bad = invalidData(r.type, buf.subarray(r.dataStart, r.dataEnd));
    if (bad !== null) corrupt(p, bad);
    count++;
    crc = want;
    sink(r.type as RecordType, buf.subarray(r.dataStart, r.dataEnd), p);
    last = p;
    p = next;
  }
  return { end: p, crc, torn: null, last };
}

/** A segment's bytes and what scanSegment found in them. */
export interface ScannedSegment {
  buf: Uint8Array;
  scan: SegmentScan;
  /** Scanned as the last segment (torn tails allowed). */
  isLast: boolean;
}

/**
 * Calls `sink` for every record of a segment that scanSegment has already checked (the
 * same bytes: start-up reads the newest segments once for the snapshot markers and then
 * again for the entries), without checking them again; only the link of its crc chain to
 * the previous segment's (`prev`, null for the first segment read) is new. Returns the
 * earlier scan.
 */
export function replayScanned(
  s: ScannedSegment,
  name: string,
  prev: number | null,
  sink: RecordSink,
): SegmentScan {
  const { buf, scan } = s;
  for (let p = 0; p < scan.end; ) {
    const next = p + LENGTH_SIZE + readLength(buf, p);
    const r = parseRecordBody(buf, p + LENGTH_SIZE, next)!;
    if (p === 0 && prev !== null && r.crc !== prev) {
      throw new WalCorruptError(
        name,
        0,
        `CRC chain broken: segment starts from ${r.crc}, previous ended at ${prev}`,
      );
    }
    sink(r.type as RecordType, buf.subarray(r.dataStart, r.dataEnd), p);
    p = next;
  }
  return scan;
}

/** True if `rec` (parsed by its own field lengths) carries a valid chained CRC. */
function intact(buf: Uint8Array, rec: ParsedRecord, crc: number): boolean {
  if (rec.type === RecordType.Crc) return false;
  return crc32cUpdate(crc, buf, rec.dataStart, rec.dataEnd) === rec.crc;
}

/**
 * Offset of the first position after `from` where a whole record parses (its length prefix
 * and body both well-formed), or -1. What a crash leaves after a torn spot is zeros or
 * nothing; a record there means data was written after the damage.
 */
function recordAfter(buf: Uint8Array, from: number): number {
  const size = buf.length;
  for (let q = from + 1; q + LENGTH_SIZE < size; q++) {
    // Cheap filters first: a body starts with the type tag, the length's high bytes are 0.
    if (buf[q + LENGTH_SIZE] !== 0x08 || buf[q + 4] !== 0 || buf[q + 5] !== 0) continue;
    const len = readLength(buf, q);
    if (len < 4 || q + LENGTH_SIZE + len > size) continue;
    if (parseRecordBody(buf, q + LENGTH_SIZE, q + LENGTH_SIZE + len) !== null) return q;
  }
  return -1;
}

function allZero(buf: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i] !== 0) return false;
  return true;
}

/** Fewest zero bytes that count as a lost sector's part of a record. */
const LOST_MIN = 32;

/**
 * True if the record [start, end) has a part of some 512-byte file sector that is all
 * zeros and at least LOST_MIN bytes long (or the whole record's part, if shorter).
 */
function zeroSectorPart(buf: Uint8Array, start: number, end: number): boolean {
  const stop = Math.min(end, buf.length);
  for (let s = start - (start % SECTOR_SIZE); s < stop; s += SECTOR_SIZE) {
    const a = Math.max(s, start);
    const b = Math.min(s + SECTOR_SIZE, stop);
    if (b - a >= Math.min(LOST_MIN, stop - start) && allZero(buf, a, b)) return true;
  }
  return false;
}

/** Why a record's data is not what etcd writes for its type, or null if it is. */
function invalidData(type: number, data: Uint8Array): string | null {
  try {
    switch (type) {
      case RecordType.Entry:
        return entrySize(decodeEntry(data)) === data.length ? null : 'malformed entry record';
      case RecordType.HardState:
        return hardStateSize(decodeHardState(data)) === data.length
          ? null
          : 'malformed hard state record';
      case RecordType.Snapshot: {
        const m = decodeWalSnapshot(data);
        return encodeWalSnapshot(m.index, m.term).length === data.length
          ? null
          : 'malformed snapshot marker';
      }
      default:
        return null;
    }
  } catch (e) {
    return `malformed record data: ${(e as Error).message}`;
  }
}
