// The snapshot markers a WAL holds, as etcd 3.5's ValidSnapshotEntries: start-up picks the
// newest snapshot file that has a marker, so a crash between writing a snapshot file and
// its marker (or the other way round) never leaves a member unable to start.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeHardState } from '../raft/raftpb.js';
import { scanSegment } from './decoder.js';
import { decodeWalSnapshot, RecordType } from './record.js';
import { checkSequence, listSegments } from './segment.js';
import type { WalPosition } from './wal.js';

/**
 * Every snapshot marker in the WAL at `dir` whose index is committed (<= the last hard
 * state's commit; {0, 0} always counts). Reads only: takes no lock and repairs nothing (a
 * torn tail just ends the scan); corruption throws as WAL.open would.
 */
export async function validSnapshotMarkers(dir: string): Promise<WalPosition[]> {
  const segs = await listSegments(dir);
  checkSequence(dir, segs);
  const markers: WalPosition[] = [];
  let commit = 0;
  let prev: number | null = segs.length > 0 && segs[0]!.seq === 0 ? 0 : null;
  for (let k = 0; k < segs.length; k++) {
    const file = join(dir, segs[k]!.name);
    const raw = await readFile(file);
    const buf = new Uint8Array(raw.buffer, raw.byteOffset, raw.length);
    const scan = scanSegment(buf, file, k === segs.length - 1, prev, (type, payload) => {
      if (type === RecordType.Snapshot) {
        markers.push(decodeWalSnapshot(payload));
      } else if (type === RecordType.HardState) {
        commit = decodeHardState(payload).commit;
      }
    });
    prev = scan.crc;
  }
  return markers.filter((m) => m.index <= commit || m.index === 0);
}
