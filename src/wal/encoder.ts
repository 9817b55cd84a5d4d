// Builds one write's worth of WAL records in a reused buffer: a whole Ready (hard state
// and entries) becomes one contiguous byte range, written with one write and one sync.
import { encodeHardState, Writer, writeEntry } from '../raft/codec.js';
import type { Entry, HardState } from '../raft/types.js';
import { ALIGN, FLAG_SYNC_END, HEADER_SIZE, RecordType, sealRecord } from './record.js';

export interface Sealed {
  bytes: Uint8Array;
  crc: number;
  /** Offset of the last record within `bytes`. */
  last: number;
}

export class BatchEncoder {
  private readonly w = new Writer(64 * 1024);
  private starts: number[] = [];
  private ends: number[] = [];
  private types: number[] = [];
  private n = 0;

  reset(): void {
    this.w.pos = 0;
    this.n = 0;
  }

  get size(): number {
    return this.w.pos;
  }

  get count(): number {
    return this.n;
  }

  private begin(type: RecordType): void {
    const k = this.n++;
    this.starts[k] = this.w.pos;
    this.types[k] = type;
    this.w.u32(0);
    this.w.u32(0);
    this.w.u32(0);
    this.w.u32(0);
  }

  private end(): void {
    this.ends[this.n - 1] = this.w.pos;
    // Padding must be zeros: the buffer is reused, so write them explicitly.
    while ((this.w.pos & (ALIGN - 1)) !== 0) this.w.u8(0);
  }

  entry(e: Entry): void {
    this.begin(RecordType.Entry);
    writeEntry(this.w, e);
    this.end();
  }

  hardState(h: HardState): void {
    this.raw(RecordType.HardState, encodeHardState(h));
  }

  metadata(m: Uint8Array): void {
    this.raw(RecordType.Metadata, m);
  }

  crc(value: number): void {
    this.begin(RecordType.Crc);
    this.w.u32(value);
    this.end();
  }

  snapshot(index: number, term: number): void {
    this.begin(RecordType.Snapshot);
    this.w.u64(index);
    this.w.u64(term);
    this.end();
  }

  private raw(type: RecordType, bytes: Uint8Array): void {
    this.begin(type);
    for (let i = 0; i < bytes.length; i++) this.w.u8(bytes[i]!);
    this.end();
  }

  /**
   * Seals every record (lengths, chained CRCs starting from `prev`, sync `epoch`) and
   * returns the bytes (a view of the reused buffer: valid until the next reset), the final
   * chained CRC and the offset of the last record in the bytes. `syncEnd` marks the last
   * record as the end of a write that will be synced.
   */
  seal(prev: number, syncEnd: boolean, epoch: number): Sealed {
    const buf = this.w.finish();
    let crc = prev;
    const last = this.n - 1;
    for (let k = 0; k <= last; k++) {
      const p = this.starts[k]!;
      const type = this.types[k]!;
      const flags = k === last && syncEnd ? FLAG_SYNC_END : 0;
      const len = this.ends[k]! - p - HEADER_SIZE;
      if (type === RecordType.Crc) {
        // A CRC record carries the chain value itself (it must equal `crc` here); its own
        // checksum is plain (seeded with the value it carries, it would be a constant).
        sealRecord(buf, p, len, type, flags, 0, epoch);
      } else {
        crc = sealRecord(buf, p, len, type, flags, crc, epoch);
      }
    }
    return { bytes: buf, crc, last: this.starts[last]! };
  }
}
