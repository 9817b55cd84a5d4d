// WAL record framing.
//
// Every record starts at a 16-byte aligned offset with a 16-byte header, then its payload,
// then zero padding up to the next 16-byte boundary:
//
//   0..4   payload length (u32 LE)
//   4      record type
//   5      flags (bit 0: last record of a synced write, see below)
//   6..8   sync epoch (u16 LE): how many syncs this WAL had completed when it was written
//   8..12  chained CRC-32C: crc32c(previous record's chained CRC, payload) (u32 LE);
//          for a CRC record, plain crc32c(payload) (the chain value is its payload)
//   12..16 CRC-32C of bytes 0..12 of this header (u32 LE)
//
// Why this shape:
// - The chained CRC makes a record valid only right after its predecessor: records cannot
//   be replayed out of place, and a segment continues the chain of the one before (its
//   first record, a CRC record, carries the running value).
// - The header has its own CRC so a damaged length is recognised as damage (and not as a
//   record running past the end of the file, which is what a torn write looks like).
// - 16-byte alignment means a header never straddles a 512-byte sector, so a header hit
//   by a torn write is either intact or all zeros (sectors are written atomically).
// - The SYNC_END flag marks the last record before each fdatasync, and the epoch counts
//   completed syncs. After a crash only what was written after the last completed sync
//   can be torn, and all of that carries one epoch (the one after the last SYNC_END
//   record's). So a damaged record followed by records of another epoch, or by a
//   SYNC_END record and more, is corruption of synced data, not a torn tail.
import { crc32cUpdate } from '../pkg/crc32c.js';

export const HEADER_SIZE = 16;
export const ALIGN = 16;
export const SECTOR_SIZE = 512;

export enum RecordType {
  Metadata = 1,
  Entry = 2,
  HardState = 3,
  Crc = 4,
  Snapshot = 5,
}

export const FLAG_SYNC_END = 1;

/** Largest payload accepted on read (a sanity bound; a header CRC guards the field too). */
export const MAX_PAYLOAD = 1 << 30;

export const EPOCH_MASK = 0xffff;

export function alignUp(n: number): number {
  return (n + ALIGN - 1) & ~(ALIGN - 1);
}

function u32(b: Uint8Array, p: number): number {
  return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
}

function putU32(b: Uint8Array, p: number, v: number): void {
  b[p] = v & 0xff;
  b[p + 1] = (v >>> 8) & 0xff;
  b[p + 2] = (v >>> 16) & 0xff;
  b[p + 3] = (v >>> 24) & 0xff;
}

/**
 * Fills in the header of a record whose payload is already at buf[p + 16, p + 16 + len)
 * and returns its chained CRC (the `prev` for the next record).
 */
export function sealRecord(
  buf: Uint8Array,
  p: number,
  len: number,
  type: RecordType,
  flags: number,
  prev: number,
  epoch: number,
): number {
  const crc = crc32cUpdate(prev, buf, p + HEADER_SIZE, p + HEADER_SIZE + len);
  putU32(buf, p, len);
  buf[p + 4] = type;
  buf[p + 5] = flags;
  buf[p + 6] = epoch & 0xff;
  buf[p + 7] = (epoch >>> 8) & 0xff;
  putU32(buf, p + 8, crc);
  putU32(buf, p + 12, crc32cUpdate(0, buf, p, p + 12));
  return crc;
}

/** Sets the SYNC_END flag on an already sealed record (re-sealing its header CRC). */
export function markSyncEnd(buf: Uint8Array, p: number): void {
  buf[p + 5] = buf[p + 5]! | FLAG_SYNC_END;
  putU32(buf, p + 12, crc32cUpdate(0, buf, p, p + 12));
}

export function headerLength(buf: Uint8Array, p: number): number {
  return u32(buf, p);
}
export function headerType(buf: Uint8Array, p: number): number {
  return buf[p + 4]!;
}
export function headerFlags(buf: Uint8Array, p: number): number {
  return buf[p + 5]!;
}
export function headerEpoch(buf: Uint8Array, p: number): number {
  return buf[p + 6]! | (buf[p + 7]! << 8);
}
export function headerCrc(buf: Uint8Array, p: number): number {
  return u32(buf, p + 8);
}

/** True if the 16 bytes at p are all zero (preallocated or lost space). */
export function isZeroHeader(buf: Uint8Array, p: number): boolean {
  for (let i = p; i < p + HEADER_SIZE; i++) if (buf[i] !== 0) return false;
  return true;
}

/** True if the header at p is self-consistent: its own CRC matches and its fields are sane. */
export function headerValid(buf: Uint8Array, p: number): boolean {
  if (u32(buf, p + 12) !== crc32cUpdate(0, buf, p, p + 12)) return false;
  const t = buf[p + 4]!;
  if (t < RecordType.Metadata || t > RecordType.Snapshot) return false;
  if ((buf[p + 5]! & ~FLAG_SYNC_END) !== 0) return false;
  return u32(buf, p) <= MAX_PAYLOAD;
}

export function readU32(b: Uint8Array, p: number): number {
  return u32(b, p);
}
export function writeU32(b: Uint8Array, p: number, v: number): void {
  putU32(b, p, v);
}
