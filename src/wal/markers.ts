// The snapshot markers a WAL holds, as etcd 3.5's ValidSnapshotEntries: start-up picks the
// newest snapshot file that has a marker, so a crash between writing a snapshot file and
// its marker (or the other way round) never leaves a member unable to start.
import { join } from 'node:path';
import { readWhole } from '../pkg/fileutil.js';
import { decodeHardState } from '../raft/raftpb.js';
import { type ScannedSegment, scanSegment } from './decoder.js';
import type { WalPosition } from './reader.js';
import { decodeWalSnapshot, RecordType } from './record.js';
import { checkSequence, listSegments, type SegmentName } from './segment.js';

/**
 * The WAL's snapshot markers, read from the newest segment back and only as far as asked:
 * start-up asks about the newest snapshot files first, whose markers are near the WAL's
 * end, and WAL.open then reads the WAL again from the chosen snapshot's segment on. A marker
 * counts if its index is committed (<= the last hard state's commit; {0, 0} always counts).
 * Each segment read is checked on its own (its crc record seeds its chain; WAL.open checks
 * the chain across the segments it reads); reads only, takes no lock, repairs nothing (a
 * torn tail just ends the scan); corruption in a segment read throws as WAL.open would.
 */
export class SnapshotMarkers {
  private segs: SegmentName[] | null = null;
  /** Segments not read yet: segs[0, unread). */
  private unread = 0;
  private commit = -1;
  /** Markers found so far, by "term/index". */
  private readonly found = new Map<string, WalPosition>();
  private read = new Map<string, ScannedSegment>();

  constructor(private readonly dir: string) {}

  /** Whether the WAL holds a committed marker for `pos`. */
  async has(pos: WalPosition): Promise<boolean> {
    const key = `${pos.term}/${pos.index}`;
    await this.list();
    while (!this.found.has(key) && this.unread > 0) await this.readOne();
    return this.found.has(key) && (pos.index <= this.commit || pos.index === 0);
  }

  /** Every committed marker (reads the whole WAL). */
  async all(): Promise<WalPosition[]> {
    await this.list();
    while (this.unread > 0) await this.readOne();
    return [...this.found.values()].filter((m) => m.index <= this.commit || m.index === 0);
  }

  private async list(): Promise<void> {
    if (this.segs !== null) return;
    const segs = await listSegments(this.dir);
    checkSequence(this.dir, segs);
    this.segs = segs;
    this.unread = segs.length;
  }

  private async readOne(): Promise<void> {
    const segs = this.segs!;
    const k = --this.unread;
    const isLast = k === segs.length - 1;
    const file = join(this.dir, segs[k]!.name);
    const buf = await readWhole(file);
    const prev = segs[k]!.seq === 0 ? 0 : null;
    const scan = scanSegment(buf, file, isLast, prev, (type, payload) => {
      if (type === RecordType.Snapshot) {
        const m = decodeWalSnapshot(payload);
        this.found.set(`${m.term}/${m.index}`, m);
      } else if (type === RecordType.HardState && isLast) {
        // The newest segment's last hard state is the WAL's (every segment starts with one).
        this.commit = decodeHardState(payload).commit;
      }
    });
    if (isLast && this.commit < 0) this.commit = 0;
    this.read.set(segs[k]!.name, { buf, scan, isLast });
  }

  /**
   * The segments read so far, by file name, for WAL.open not to read and check them again;
   * handing them over lets this object forget them (they are whole segments in memory).
   */
  takeScanned(): Map<string, ScannedSegment> {
    const out = this.read;
    this.read = new Map();
    return out;
  }
}

/** Every snapshot marker in the WAL at `dir` whose index is committed. */
export function validSnapshotMarkers(dir: string): Promise<WalPosition[]> {
  return new SnapshotMarkers(dir).all();
}
