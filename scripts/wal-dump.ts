// Prints every record of a WAL segment file with its byte offset (diagnosis of crash runs).
// Usage: node dist/scripts/wal-dump.js <file.wal>
import { readFileSync } from 'node:fs';
import { decodeEntry, decodeHardState } from '../src/raft/raftpb.js';
import { scanSegment } from '../src/wal/decoder.js';
import { decodeWalSnapshot, RecordType } from '../src/wal/record.js';

export function dumpSegment(file: string): string[] {
  const raw = readFileSync(file);
  const buf = new Uint8Array(raw.buffer, raw.byteOffset, raw.length);
  const out: string[] = [];
  const scan = scanSegment(buf, file, true, null, (type, payload, offset) => {
    switch (type) {
      case RecordType.Entry: {
        const e = decodeEntry(payload);
        out.push(
          `${offset}\tentry\t${e.index}\tterm ${e.term}\ttype ${e.type}\t${e.data.length} B`,
        );
        return;
      }
      case RecordType.HardState: {
        const h = decodeHardState(payload);
        out.push(`${offset}\tstate\tterm ${h.term} vote ${h.vote} commit ${h.commit}`);
        return;
      }
      case RecordType.Snapshot: {
        const s = decodeWalSnapshot(payload);
        out.push(`${offset}\tsnapshot\t${s.index}\tterm ${s.term}`);
        return;
      }
      default:
        out.push(`${offset}\t${RecordType[type]}`);
    }
  });
  out.push(`end ${scan.end} of ${buf.length}${scan.torn ? ` torn: ${scan.torn}` : ''}`);
  return out;
}

if (process.argv[1]?.endsWith('wal-dump.js')) {
  for (const f of process.argv.slice(2)) console.log(`${f}\n${dumpSegment(f).join('\n')}`);
}
