// The append stream of etcd 2.0's rafthttp (GET /raft/stream/<follower id>): the leader
// writes only the entries of appends made in the stream's term, each batch as a
// big-endian u64 entry count, then per entry a big-endian u64 length and the raftpb
// Entry. The follower rebuilds the append: index = first entry's index - 1, logTerm =
// term = the stream's term, commit 0 (commits reach it by heartbeat). A zero count is a
// batch with nothing in it: we write one when idle, so Go's 5 s read deadline on the
// connection does not cut a quiet stream.
import { type Entry, type Message, MessageType, type NodeId, newMessage } from '../raft/types.js';
import { SpanningBody } from './frame.js';
import { goDecodeEntry, goEncodeEntry } from './go-codec.js';

/** An empty batch: keeps the connection's read deadline fresh on both implementations. */
export const GO_STREAM_KEEPALIVE = new Uint8Array(8);

/** Entries in one batch and bytes in one entry beyond which a stream is corrupt. */
export const GO_STREAM_MAX_ENTRIES = 1 << 20;
export const GO_STREAM_MAX_ENTRY_BYTES = 512 << 20;

/**
 * True when etcd 2.0 would carry this message on the stream of `term`: an append of that
 * term, after at least one entry, whose previous entry is of the same term, with entries
 * (an empty append only carries a commit, which the stream loses).
 */
export function fitsGoStream(m: Message, term: number): boolean {
  return (
    m.type === MessageType.App &&
    m.index > 0 &&
    m.term === term &&
    m.logTerm === term &&
    m.entries.length > 0
  );
}

/** One batch of the stream. */
export function encodeGoStreamBatch(entries: Entry[]): Uint8Array {
  const parts: Uint8Array[] = new Array(entries.length);
  let total = 8;
  for (let i = 0; i < entries.length; i++) {
    const b = goEncodeEntry(entries[i]!);
    parts[i] = b;
    total += 8 + b.length;
  }
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  writeU64BE(view, 0, entries.length);
  let off = 8;
  for (let i = 0; i < parts.length; i++) {
    const b = parts[i]!;
    writeU64BE(view, off, b.length);
    out.set(b, off + 8);
    off += 8 + b.length;
  }
  return out;
}

/** The append a follower rebuilds from one batch of the stream. */
export function goStreamAppend(entries: Entry[], from: NodeId, to: NodeId, term: number): Message {
  const m = newMessage(MessageType.App, to, from, term);
  m.logTerm = term;
  m.index = entries[0]!.index - 1;
  m.entries = entries;
  return m;
}

export class GoStreamError extends Error {
  override name = 'GoStreamError';
}

/** Splits the stream's bytes into batches of entries; throws GoStreamError on bad input. */
export class GoStreamDecoder {
  private readonly head = new Uint8Array(8);
  private headHave = 0;
  /** Entries still expected in the current batch (0: expecting a count). */
  private remaining = 0;
  private inBatch = false;
  private batch: Entry[] = [];
  private readonly part = new SpanningBody((b) => this.entry(b));

  constructor(
    private readonly onBatch: (entries: Entry[]) => void,
    private readonly maxEntryBytes: number = GO_STREAM_MAX_ENTRY_BYTES,
  ) {}

  push(chunk: Uint8Array): void {
    let off = 0;
    const n = chunk.length;
    while (off < n) {
      if (this.part.pending) {
        off = this.part.fill(chunk, off);
        continue;
      }
      while (this.headHave < 8 && off < n) this.head[this.headHave++] = chunk[off++]!;
      if (this.headHave < 8) return;
      this.headHave = 0;
      const v = readU64BE(this.head);
      if (!this.inBatch) {
        if (v > GO_STREAM_MAX_ENTRIES) throw new GoStreamError(`batch of ${v} entries`);
        if (v === 0) continue;
        this.inBatch = true;
        this.remaining = v;
        this.batch = [];
        continue;
      }
      if (v > this.maxEntryBytes) throw new GoStreamError(`entry of ${v} bytes`);
      if (v === 0) {
        this.entry(new Uint8Array(0));
        continue;
      }
      off = this.part.start(v, chunk, off);
    }
  }

  private entry(b: Uint8Array): void {
    let e: Entry;
    try {
      e = goDecodeEntry(b);
    } catch (err) {
      throw new GoStreamError(`bad entry: ${(err as Error).message}`);
    }
    const batch = this.batch;
    const prev = batch.length > 0 ? batch[batch.length - 1]! : null;
    if (e.index === 0 || (prev !== null && e.index !== prev.index + 1)) {
      throw new GoStreamError(`entry index ${e.index} out of sequence`);
    }
    batch.push(e);
    if (--this.remaining === 0) {
      this.inBatch = false;
      this.batch = [];
      this.onBatch(batch);
    }
  }
}

function writeU64BE(view: DataView, at: number, v: number): void {
  view.setUint32(at, Math.floor(v / 0x1_0000_0000), false);
  view.setUint32(at + 4, v >>> 0, false);
}

/** A u64; anything past 2^53 is reported as Infinity (always over every limit). */
function readU64BE(b: Uint8Array): number {
  const view = new DataView(b.buffer, b.byteOffset, 8);
  const hi = view.getUint32(0, false);
  const lo = view.getUint32(4, false);
  if (hi >= 0x20_0000) return Number.POSITIVE_INFINITY;
  return hi * 0x1_0000_0000 + lo;
}
