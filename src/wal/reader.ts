// Reading a WAL on open: the segments from the one holding the snapshot marker on, in
// order, each record checked (decoder.ts), the crc chain followed across segments; what
// raft needs back (metadata, last hard state, entries after the snapshot), where the
// last segment ends, and the torn tail found there, if any (open() cuts it off).
import { join } from 'node:path';
import { readWhole } from '../pkg/fileutil.js';
import { decodeEntry, decodeHardState } from '../raft/raftpb.js';
import { emptyHardState, type Entry, type HardState } from '../raft/types.js';
import { replayScanned, type ScannedSegment, scanSegment, WalCorruptError } from './decoder.js';
import { decodeWalSnapshot, RecordType } from './record.js';
import type { SegmentName } from './segment.js';

export interface WalPosition {
  index: number;
  term: number;
}

export interface WalContents {
  metadata: Uint8Array;
  hardState: HardState;
  entries: Entry[];
}

export interface WalRepair {
  file: string;
  offset: number;
  droppedBytes: number;
  reason: string;
  /** Only zeros were cut off (preallocated space after a crash): nothing was lost. */
  preallocated: boolean;
}

export interface WalRead {
  metadata: Uint8Array;
  hardState: HardState;
  entries: Entry[];
  /** Index of the last entry read (0 if none). */
  enti: number;
  /** The crc chain's value after the last record. */
  crc: number;
  /** The last segment's path and where its valid records end. */
  file: string;
  end: number;
  repaired: WalRepair | null;
}

/**
 * Reads `segs` (the first holds the marker `at`); throws WalCorruptError on damage.
 * Segments in `scanned` (read and checked moments ago, as the last segment or not, as now)
 * are taken from there.
 */
export async function readSegments(
  dir: string,
  segs: SegmentName[],
  at: WalPosition,
  scanned: ReadonlyMap<string, ScannedSegment> = new Map(),
): Promise<WalRead> {
  let metadata: Uint8Array | null = null;
  let hardState = emptyHardState();
  const entries: Entry[] = [];
  let matched = false;
  let enti = 0;
  // Segment 0's chain starts at 0; a later first segment's crc record seeds it.
  let prev: number | null = segs[0]!.seq === 0 ? 0 : null;
  let repaired: WalRepair | null = null;
  let end = 0;
  let file = '';
  for (let k = 0; k < segs.length; k++) {
    const name = segs[k]!.name;
    file = join(dir, name);
    const isLast = k === segs.length - 1;
    const known = scanned.get(name);
    const reuse = known !== undefined && known.isLast === isLast ? known : null;
    // readWhole gives a plain Uint8Array, so slice() copies.
    const buf = reuse?.buf ?? (await readWhole(file));
    const sink = (type: RecordType, payload: Uint8Array, offset: number): void => {
      switch (type) {
        case RecordType.Entry: {
          const e = decodeEntry(payload); // checked by the scanner
          enti = e.index;
          if (e.index <= at.index) return;
          const pos = e.index - at.index - 1;
          if (pos > entries.length) {
            throw new WalCorruptError(
              file,
              offset,
              `entry ${e.index} leaves a gap after entry ${at.index + entries.length}`,
            );
          }
          // Later entries with the same index replace earlier ones (a new leader's log).
          entries.length = pos;
          entries.push({ term: e.term, index: e.index, type: e.type, data: e.data.slice() });
          return;
        }
        case RecordType.HardState:
          hardState = decodeHardState(payload);
          return;
        case RecordType.Metadata:
          if (metadata !== null && !sameBytes(metadata, payload)) {
            throw new WalCorruptError(file, offset, 'metadata conflicts with earlier segments');
          }
          metadata ??= payload.slice();
          return;
        case RecordType.Snapshot: {
          const { index, term } = decodeWalSnapshot(payload);
          if (index === at.index) {
            if (term !== at.term) {
              throw new Error(
                `wal: snapshot mismatch: ${file} has a marker at index ${index} with term ${term}, expected term ${at.term}`,
              );
            }
            matched = true;
          }
          return;
        }
        default:
          return; // Crc: handled by the scanner
      }
    };
    const scan =
      reuse !== null
        ? replayScanned(reuse, file, prev, sink)
        : scanSegment(buf, file, isLast, prev, sink);
    prev = scan.crc;
    if (isLast) end = scan.end;
    if (scan.torn !== null) {
      repaired = {
        file,
        offset: scan.end,
        droppedBytes: buf.length - scan.end,
        reason: scan.torn,
        preallocated: allZero(buf, scan.end),
      };
    }
  }
  if (!matched) {
    throw new Error(
      `wal: snapshot marker at index ${at.index} term ${at.term} not found in ${dir}`,
    );
  }
  if (metadata === null) throw new Error(`wal: no metadata record in ${dir}`);
  return { metadata, hardState, entries, enti, crc: prev ?? 0, file, end, repaired };
}

function allZero(b: Uint8Array, from: number): boolean {
  for (let i = from; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
