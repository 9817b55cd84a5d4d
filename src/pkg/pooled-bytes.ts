// Text encoded into a growable byte buffer that goes back to a small pool when done. A
// long answer built as one string costs a copy into a new large object when it is
// flattened, and another into a new buffer when it is encoded; each of those touches fresh
// pages (on this machine's VM, some 10 us a page the first time). A pooled buffer's pages
// are touched already.

/** Buffers kept for reuse, */
const KEEP = 4;
/** each at most this large (a rare huge answer's buffer is let go): 16 MiB kept at most. */
const MAX_KEPT = 4 << 20;
const free: Buffer[] = [];

function take(size: number): Buffer {
  for (let i = free.length - 1; i >= 0; i--) {
    const b = free[i]!;
    if (b.length >= size) {
      free.splice(i, 1);
      return b;
    }
  }
  // Whole 64 KiB steps, so that the next answer of about the same size fits.
  return Buffer.allocUnsafeSlow(Math.ceil(size / 65536) * 65536);
}

function give(b: Buffer): void {
  if (free.length < KEEP && b.length <= MAX_KEPT) free.push(b);
}

export class PooledBytes {
  private buf: Buffer;
  /** Bytes used, the headroom included. */
  length: number;
  private released = false;

  /** `headroom` bytes are left free at the front (for a head written later: prepend). */
  constructor(
    readonly headroom: number,
    sizeHint: number,
  ) {
    this.buf = take(headroom + sizeHint);
    this.length = headroom;
  }

  /** Appends `text` as UTF-8. */
  put(text: string): void {
    // A UTF-16 unit is at most three bytes of UTF-8.
    const need = this.length + text.length * 3;
    if (need > this.buf.length) this.grow(need);
    this.length += this.buf.write(text, this.length);
  }

  /** The bytes after the headroom. */
  get bodyLength(): number {
    return this.length - this.headroom;
  }

  /**
   * Writes `text` as UTF-8 just before the body, in the headroom; the bytes from it to the
   * end, or null if it does not fit.
   */
  prepend(text: string): Buffer | null {
    const n = Buffer.byteLength(text);
    if (n > this.headroom) return null;
    const start = this.headroom - n;
    this.buf.write(text, start);
    return this.buf.subarray(start, this.length);
  }

  /** A copy of the body, to keep. */
  bodyCopy(): Buffer {
    return Buffer.from(this.buf.subarray(this.headroom, this.length));
  }

  /** The body as text. */
  text(): string {
    return this.buf.toString('utf8', this.headroom, this.length);
  }

  /** Gives the buffer back; nothing of it may be used after. */
  release(): void {
    if (this.released) return;
    this.released = true;
    give(this.buf);
  }

  private grow(min: number): void {
    const b = take(Math.max(min, this.buf.length * 2));
    this.buf.copy(b, 0, 0, this.length);
    give(this.buf);
    this.buf = b;
  }
}
