// Small byte arrays that live about as long as each other, carved from shared 64 KiB
// chunks. V8 gives every typed array over 64 bytes its own off-heap store, which the young
// generation's collector must sweep one by one, and which, once the array has been
// promoted, is freed only by a full collection: a raft entry's data (kept in the log until
// a snapshot compacts it) was both. Carved arrays share one store per chunk; a chunk is
// freed when the last array cut from it is, which for data that dies in the order it was
// made (log entries) is soon after.
const CHUNK = 64 * 1024;
/** Larger arrays get their own store: they would waste too much of a chunk's tail. */
const MAX_CARVED = 4096;

export class ByteArena {
  private chunk = new Uint8Array(0);
  private pos = 0;

  /** A copy of `src` (a view into a shared chunk when small). */
  copy(src: Uint8Array): Uint8Array {
    const n = src.length;
    if (n > MAX_CARVED) return src.slice();
    if (this.pos + n > this.chunk.length) {
      this.chunk = new Uint8Array(CHUNK);
      this.pos = 0;
    }
    const out = this.chunk.subarray(this.pos, this.pos + n);
    out.set(src);
    this.pos += n;
    return out;
  }
}
