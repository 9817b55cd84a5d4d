// Length-prefixed framing of raft messages on peer streams and pipeline bodies:
// u32 little-endian length, then codec.ts's message encoding. A zero length is a
// keep-alive and carries nothing. Many frames are encoded into one buffer so that one
// socket write carries everything queued in an event-loop turn.
import { Writer, writeMessage } from '../raft/codec.js';
import type { Message } from '../raft/types.js';

/** The encoded size of a message with no context and no entries (heartbeats, responses). */
export const BARE_MESSAGE_BYTES = 66;

/** Upper bound on one frame; anything larger is a corrupt or hostile stream. */
export const MAX_FRAME_BYTES = 512 << 20;

/** A cheap over-estimate of a message's encoded size (used for queue accounting). */
export function approxMessageBytes(m: Message): number {
  let n = BARE_MESSAGE_BYTES + 4 + m.context.length;
  const es = m.entries;
  for (let i = 0; i < es.length; i++) n += 21 + es[i]!.data.length;
  if (m.snapshot !== null) n += 32 + 8 * m.snapshot.metadata.confState.voters.length;
  return n;
}

/**
 * Encodes msgs[start, end) as consecutive frames into one buffer. `sizes`, when given,
 * receives each frame's message length (for stats), in order.
 */
export function encodeFrames(
  msgs: Message[],
  start: number,
  end: number,
  sizes: number[] | null,
): Uint8Array {
  let est = 0;
  for (let i = start; i < end; i++) est += approxMessageBytes(msgs[i]!);
  const w = new Writer(est + 64);
  const marks = lengthMarks;
  marks.length = 0;
  for (let i = start; i < end; i++) {
    const at = w.pos;
    w.u32(0);
    writeMessage(w, msgs[i]!);
    marks.push(at, w.pos - at - 4);
  }
  const out = w.view();
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let i = 0; i < marks.length; i += 2) {
    view.setUint32(marks[i]!, marks[i + 1]!, true);
    if (sizes !== null) sizes.push(marks[i + 1]!);
  }
  return out;
}

// Reused between calls: encodeFrames is synchronous and not re-entrant.
const lengthMarks: number[] = [];

export class FrameError extends Error {
  override name = 'FrameError';
}

/** Copies what fits of chunk[off..] into dst[have..]; returns how many bytes it took. */
export function copyInto(dst: Uint8Array, have: number, chunk: Uint8Array, off: number): number {
  const take = Math.min(dst.length - have, chunk.length - off);
  dst.set(chunk.subarray(off, off + take), have);
  return take;
}

/**
 * A length-prefixed body that spans chunks: allocated once at its full length and filled
 * in place as the chunks arrive (both stream decoders use it).
 */
export class SpanningBody {
  private body: Uint8Array | null = null;
  private filled = 0;

  constructor(private readonly onBody: (body: Uint8Array) => void) {}

  get pending(): boolean {
    return this.body !== null;
  }

  /**
   * A body of `len` bytes starting at chunk[off]: handed on as a view when the chunk holds
   * all of it, else started; returns the offset after what it took.
   */
  start(len: number, chunk: Uint8Array, off: number): number {
    if (chunk.length - off >= len) {
      this.onBody(chunk.subarray(off, off + len));
      return off + len;
    }
    const body = new Uint8Array(len);
    body.set(chunk.subarray(off));
    this.body = body;
    this.filled = chunk.length - off;
    return chunk.length;
  }

  /**
   * Copies into the pending body from chunk[off..], handing it on once complete; returns
   * the offset after what it took.
   */
  fill(chunk: Uint8Array, off: number): number {
    const body = this.body!;
    const take = copyInto(body, this.filled, chunk, off);
    this.filled += take;
    if (this.filled === body.length) {
      this.body = null;
      this.onBody(body);
    }
    return off + take;
  }
}

/**
 * Splits a byte stream into frames. Frames wholly inside one chunk are handed out as
 * views of it, without a copy: Node's HTTP parser gives every body piece its own
 * exact-size buffer, so entries kept in the raft log pin only bytes that arrived with
 * them, never a larger socket slab. A frame spanning chunks is assembled once, in place.
 */
export class FrameDecoder {
  private readonly lenBuf = new Uint8Array(4);
  private lenHave = 0;
  private readonly part: SpanningBody;

  constructor(
    onFrame: (frame: Uint8Array) => void,
    private readonly maxFrame: number = MAX_FRAME_BYTES,
  ) {
    this.part = new SpanningBody(onFrame);
  }

  /** True when no frame is partly received. */
  get idle(): boolean {
    return !this.part.pending && this.lenHave === 0;
  }

  push(chunk: Uint8Array): void {
    const n = chunk.length;
    let off = 0;
    while (off < n) {
      if (this.part.pending) {
        off = this.part.fill(chunk, off);
        continue;
      }
      let len: number;
      if (this.lenHave === 0 && n - off >= 4) {
        len =
          (chunk[off]! | (chunk[off + 1]! << 8) | (chunk[off + 2]! << 16)) +
          chunk[off + 3]! * 0x1000000;
        off += 4;
      } else {
        this.lenBuf[this.lenHave++] = chunk[off++]!;
        if (this.lenHave < 4) continue;
        const b = this.lenBuf;
        len = (b[0]! | (b[1]! << 8) | (b[2]! << 16)) + b[3]! * 0x1000000;
        this.lenHave = 0;
      }
      if (len === 0) continue;
      if (len > this.maxFrame) throw new FrameError(`frame of ${len} bytes exceeds the limit`);
      off = this.part.start(len, chunk, off);
    }
  }
}
