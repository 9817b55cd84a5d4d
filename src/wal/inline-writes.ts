// Small synced writes made on the event loop itself. A write through libuv's thread pool
// costs two thread hand-offs; for one client writing one key at a time they were ~15% of
// each write's latency here, and under CPU contention their tail was worse than the disk's
// (1% of round trips over 1 ms, 0.1% of pwrites). A batch that small is written with
// writeSync on the O_DSYNC descriptor instead. The loop is blocked for the disk's latency,
// which is why only small batches go this way, and only after a run of them: with many
// concurrent writers batches are large, and the loop should be reading their next requests
// while a batch (even an occasional small one) is written. One slow write (a stalling disk)
// sends writes back to the thread pool for a while.
import { writeSync } from 'node:fs';

/** Default largest synced batch written inline, bytes: one or two entries. */
export const INLINE_MAX_BYTES = 1024;
/** Small batches in a row (this one included) before they are written inline. */
export const SMALL_RUN = 4;
/** An inline write slower than this (ms)... */
export const SLOW_WRITE_MS = 5;
/**
 * ...pauses inline writes for this long (ms), twice as long after each slow write that
 * follows a pause, up to MAX_PAUSE_MS: a disk that stalls once (a burst of writeback)
 * costs a second of thread round trips, one that keeps stalling blocks the loop at most
 * once per MAX_PAUSE_MS.
 */
export const PAUSE_MS = 1000;
export const MAX_PAUSE_MS = 16_000;

export class InlineWrites {
  private pausedUntil = 0;
  private pause = PAUSE_MS;
  private smallRun = 0;

  constructor(
    private readonly maxBytes: number = INLINE_MAX_BYTES,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Whether a synced write of `n` bytes should be made inline now (call once per write). */
  use(n: number): boolean {
    if (n > this.maxBytes) {
      this.smallRun = 0;
      return false;
    }
    if (this.smallRun < SMALL_RUN) this.smallRun++;
    return this.smallRun >= SMALL_RUN && (this.pausedUntil === 0 || this.now() >= this.pausedUntil);
  }

  /**
   * Writes all of `bytes` at `position` of `fd` on this thread (throws as writeSync).
   * `excused`: a known, passing cause may make it slow (the WAL's own zero-fill flushing
   * megabytes ahead of the offset), which is no sign of a stalling disk.
   */
  write(fd: number, bytes: Uint8Array, position: number, excused = false): void {
    const t0 = this.now();
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off, position + off);
    const t1 = this.now();
    if (t1 - t0 <= SLOW_WRITE_MS) {
      this.pausedUntil = 0;
      this.pause = PAUSE_MS;
    } else if (!excused) {
      this.pausedUntil = t1 + this.pause;
      this.pause = Math.min(this.pause * 2, MAX_PAUSE_MS);
    }
  }
}
