// Builds one write's worth of WAL records in a reused buffer: a whole Ready (hard state
// and entries) becomes one contiguous byte range, written with one write and one sync.
// The bytes are exactly what etcd 2.0.13's encoder writes for the same records.
import { crc32cUpdate } from '../pkg/crc32c.js';
import { ProtoWriter } from '../pkg/protobuf.js';
import { encodeHardState, entrySize, writeEntry } from '../raft/raftpb.js';
import type { Entry, HardState } from '../raft/types.js';
import { encodeWalSnapshot, RecordType, writeRecord } from './record.js';

export class BatchEncoder {
  private readonly w = new ProtoWriter(64 * 1024);
  private readonly scratch = new ProtoWriter(4096);
  private running = 0;
  private n = 0;

  /** Starts a batch whose chain continues from `prevCrc`. */
  reset(prevCrc = 0): void {
    this.w.reset();
    this.running = prevCrc;
    this.n = 0;
  }

  get size(): number {
    return this.w.pos;
  }

  get count(): number {
    return this.n;
  }

  /** The chained CRC after the last record added. */
  get crc(): number {
    return this.running;
  }

  /** The batch's bytes: a view of the reused buffer, valid until the next reset. */
  get bytes(): Uint8Array {
    return this.w.view();
  }

  entry(e: Entry): void {
    const s = this.scratch;
    s.reset();
    s.ensure(entrySize(e));
    writeEntry(s, e);
    this.record(RecordType.Entry, s.view());
  }

  hardState(h: HardState): void {
    this.record(RecordType.HardState, encodeHardState(h));
  }

  metadata(m: Uint8Array): void {
    this.record(RecordType.Metadata, m);
  }

  /** A crc record carrying the running CRC (a segment's first record). */
  crcRecord(): void {
    writeRecord(this.w, RecordType.Crc, this.running, null);
    this.n++;
  }

  snapshot(index: number, term: number): void {
    this.record(RecordType.Snapshot, encodeWalSnapshot(index, term));
  }

  /** A record of any type but crc, chaining its CRC. */
  record(type: RecordType, data: Uint8Array): void {
    this.running = crc32cUpdate(this.running, data, 0, data.length);
    writeRecord(this.w, type, this.running, data);
    this.n++;
  }
}
