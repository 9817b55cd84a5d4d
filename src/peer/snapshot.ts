// The body of POST /raft/snapshot: u32 header length, the MsgSnap encoded without its
// snapshot data, u64 data length, then the data. The sender writes the data in slices
// straight from the snapshot (no second copy); the receiver allocates the data buffer
// once from the announced length and fills it as chunks arrive.
import { Writer, decodeMessage, encodeMessage } from '../raft/codec.js';
import { EMPTY_BYTES, type Message, MessageType } from '../raft/types.js';
import { copyInto } from './frame.js';

const MAX_HEADER_BYTES = 64 << 20;
/** Node's largest buffer (and etcd caps snapshots at 1 TB; ours is bounded by memory). */
const MAX_DATA_BYTES = 2 ** 32;

/** Everything before the snapshot data: header length, header, data length. */
export function snapshotPrefix(m: Message): Uint8Array {
  const snap = m.snapshot!;
  const header = encodeMessage({ ...m, snapshot: { data: EMPTY_BYTES, metadata: snap.metadata } });
  const w = new Writer(header.length + 16);
  w.blob(header);
  w.u64(snap.data.length);
  return w.view();
}

export class SnapshotBodyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotBodyError';
  }
}

enum Phase {
  HeaderLength = 0,
  Header = 1,
  DataLength = 2,
  Data = 3,
  Done = 4,
}

/** Incremental parser of a snapshot request body. */
export class SnapshotBodyReader {
  private phase = Phase.HeaderLength;
  private small = new Uint8Array(8);
  private smallHave = 0;
  private header: Uint8Array = EMPTY_BYTES;
  private headerHave = 0;
  private message: Message | null = null;
  private data: Uint8Array = EMPTY_BYTES;
  private dataHave = 0;
  /** Bytes of snapshot data received so far. */
  get received(): number {
    return this.dataHave;
  }

  push(chunk: Uint8Array): void {
    let off = 0;
    const n = chunk.length;
    while (off < n) {
      switch (this.phase) {
        case Phase.HeaderLength: {
          off = this.fillSmall(chunk, off, 4);
          if (this.smallHave < 4) break;
          const len = readU32(this.small, 0);
          if (len === 0 || len > MAX_HEADER_BYTES) {
            throw new SnapshotBodyError(`bad snapshot header length ${len}`);
          }
          this.header = new Uint8Array(len);
          this.smallHave = 0;
          this.phase = Phase.Header;
          break;
        }
        case Phase.Header: {
          const take = copyInto(this.header, this.headerHave, chunk, off);
          this.headerHave += take;
          off += take;
          if (this.headerHave < this.header.length) break;
          let m: Message;
          try {
            m = decodeMessage(this.header);
          } catch (e) {
            throw new SnapshotBodyError(`failed to decode raft message (${(e as Error).message})`);
          }
          if (m.type !== MessageType.Snap || m.snapshot === null) {
            throw new SnapshotBodyError('wrong raft message type');
          }
          this.message = m;
          this.phase = Phase.DataLength;
          break;
        }
        case Phase.DataLength: {
          off = this.fillSmall(chunk, off, 8);
          if (this.smallHave < 8) break;
          const len = readU32(this.small, 0) + readU32(this.small, 4) * 0x1_0000_0000;
          if (len > MAX_DATA_BYTES)
            throw new SnapshotBodyError(`snapshot of ${len} bytes is too large`);
          this.data = len === 0 ? EMPTY_BYTES : new Uint8Array(len);
          this.phase = len === 0 ? Phase.Done : Phase.Data;
          break;
        }
        case Phase.Data: {
          const take = copyInto(this.data, this.dataHave, chunk, off);
          this.dataHave += take;
          off += take;
          if (this.dataHave === this.data.length) this.phase = Phase.Done;
          break;
        }
        default:
          throw new SnapshotBodyError('unexpected bytes after the snapshot');
      }
    }
  }

  /** The complete message, or an error if the body ended early. */
  finish(): Message {
    if (this.phase !== Phase.Done || this.message === null) {
      throw new SnapshotBodyError('unexpected end of snapshot body');
    }
    const m = this.message;
    m.snapshot = { data: this.data, metadata: m.snapshot!.metadata };
    return m;
  }

  /** The header, once decoded (for logging while data still streams in). */
  get headerMessage(): Message | null {
    return this.message;
  }

  private fillSmall(chunk: Uint8Array, off: number, want: number): number {
    while (this.smallHave < want && off < chunk.length)
      this.small[this.smallHave++] = chunk[off++]!;
    return off;
  }
}

function readU32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16)) + b[at + 3]! * 0x1000000;
}
