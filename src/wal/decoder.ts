// Reads the records of one segment file, verifying framing and the CRC chain, and decides
// what a bad spot means: a torn tail (the end of the last segment, after a crash: cut off)
// or corruption (anywhere else: an error naming the file and byte offset).
import { crc32cUpdate } from '../pkg/crc32c.js';
import {
  ALIGN,
  alignUp,
  EPOCH_MASK,
  FLAG_SYNC_END,
  HEADER_SIZE,
  headerCrc,
  headerEpoch,
  headerFlags,
  headerLength,
  headerType,
  headerValid,
  isZeroHeader,
  RecordType,
  readU32,
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
 * segment, or null for the first segment read (then its leading CRC record seeds the chain).
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
  const corrupt = (at: number, why: string): never => {
    throw new WalCorruptError(name, at, why);
  };
  let last = -1;
  const torn = (at: number, why: string): SegmentScan => {
    // Segments appear complete (written under a temporary name, then renamed), so even
    // the last one cannot lose its leading records to a crash.
    if (!isLast || last < 0) corrupt(at, why);
    // Everything written after the last completed sync carries one epoch: the one after
    // the last SYNC_END record's, or the previous record's if that was not a sync end.
    const epoch =
      (headerFlags(buf, last) & FLAG_SYNC_END) !== 0
        ? (headerEpoch(buf, last) + 1) & EPOCH_MASK
        : headerEpoch(buf, last);
    const proof = syncedAfter(buf, at, epoch);
    if (proof !== null) corrupt(at, `${why}, but ${proof}`);
    return { end: at, crc, torn: why, last };
  };
  if (size === 0) return torn(0, 'empty segment');
  while (p < size) {
    if (size - p < HEADER_SIZE) return torn(p, 'partial record header at end of file');
    if (isZeroHeader(buf, p)) return torn(p, 'zero-filled space');
    if (!headerValid(buf, p)) corrupt(p, 'record header checksum mismatch');
    const len = headerLength(buf, p);
    const type = headerType(buf, p) as RecordType;
    const next = p + alignUp(HEADER_SIZE + len);
    if (next > size) return torn(p, 'record cut short at end of file');
    for (let i = p + HEADER_SIZE + len; i < next; i++) {
      if (buf[i] !== 0) corrupt(p, 'non-zero record padding');
    }
    if (p === 0 && type !== RecordType.Crc) corrupt(p, 'segment does not start with a CRC record');
    if (type === RecordType.Crc) {
      if (p !== 0) corrupt(p, 'CRC record in the middle of a segment');
      if (len !== 4) corrupt(p, 'bad CRC record length');
      const carried = readU32(buf, p + HEADER_SIZE);
      if (prev !== null && carried !== crc) {
        corrupt(p, `CRC chain broken: segment starts from ${carried}, previous ended at ${crc}`);
      }
      if (crc32cUpdate(0, buf, p + HEADER_SIZE, p + HEADER_SIZE + len) !== headerCrc(buf, p)) {
        corrupt(p, 'record checksum mismatch');
      }
      crc = carried;
      sink(type, buf.subarray(p + HEADER_SIZE, p + HEADER_SIZE + len), p);
      last = p;
      p = next;
      continue;
    }
    const want = crc32cUpdate(crc, buf, p + HEADER_SIZE, p + HEADER_SIZE + len);
    if (want !== headerCrc(buf, p)) {
      if (isLast && touchesZeroSector(buf, p, next))
        return torn(p, 'record partly zero (torn write)');
      corrupt(p, 'record checksum mismatch');
    }
    crc = want;
    sink(type, buf.subarray(p + HEADER_SIZE, p + HEADER_SIZE + len), p);
    last = p;
    p = next;
  }
  return { end: p, crc, torn: null, last };
}

/** True if [start, end) overlaps a whole 512-byte file sector that is all zeros. */
function touchesZeroSector(buf: Uint8Array, start: number, end: number): boolean {
  for (let s = start - (start % SECTOR_SIZE); s < end; s += SECTOR_SIZE) {
    const e = Math.min(s + SECTOR_SIZE, buf.length);
    let zero = true;
    for (let i = s; i < e; i++) {
      if (buf[i] !== 0) {
        zero = false;
        break;
      }
    }
    if (zero) return true;
  }
  return false;
}

/**
 * Looks past a bad spot at `from` for proof that it is not a torn tail, and describes it
 * (null if none): a record of another epoch than `epoch` (the one a torn tail would carry),
 * or a SYNC_END record followed by more records. Either means that a sync completed after
 * the bad spot was written, so the bad spot was durable data that is now damaged.
 */
function syncedAfter(buf: Uint8Array, from: number, epoch: number): string | null {
  let q = from;
  let syncEnd = -1;
  const size = buf.length;
  while (q + HEADER_SIZE <= size) {
    if (isZeroHeader(buf, q) || !headerValid(buf, q)) {
      q += ALIGN;
      continue;
    }
    if (syncEnd >= 0) {
      return `the record at byte offset ${q} follows a synced write ending at ${syncEnd}`;
    }
    if (headerEpoch(buf, q) !== epoch) {
      return `the record at byte offset ${q} was written after a later sync`;
    }
    if ((headerFlags(buf, q) & FLAG_SYNC_END) !== 0) syncEnd = q;
    const next = q + alignUp(HEADER_SIZE + headerLength(buf, q));
    q = next > q ? next : q + ALIGN;
  }
  return null;
}
