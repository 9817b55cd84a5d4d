// A ring buffer of the last index of each in-flight append message to one follower
// (etcd's tracker.Inflights). The leader stops sending when it is full.
export class Inflights {
  private start = 0;
  count = 0;
  readonly size: number;
  private buffer: number[];

  constructor(size: number) {
    this.size = size;
    // Grown on demand: most followers never fill a large window.
    this.buffer = [];
  }

  /** Records an in-flight message whose last entry index is `inflight`. */
  add(inflight: number): void {
    if (this.full()) throw new Error('cannot add into a full inflights');
    let next = this.start + this.count;
    if (next >= this.size) next -= this.size;
    if (next >= this.buffer.length) this.grow();
    this.buffer[next] = inflight;
    this.count++;
  }

  private grow(): void {
    let n = this.buffer.length * 2;
    if (n === 0) n = 1;
    else if (n > this.size) n = this.size;
    const b = new Array<number>(n).fill(0);
    for (let i = 0; i < this.buffer.length; i++) b[i] = this.buffer[i]!;
    this.buffer = b;
  }

  /** Frees the in-flight messages whose last index is <= to. */
  freeLE(to: number): void {
    if (this.count === 0 || to < this.buffer[this.start]!) return;
    let idx = this.start;
    let i = 0;
    for (; i < this.count; i++) {
      if (to < this.buffer[idx]!) break;
      idx++;
      if (idx >= this.size) idx -= this.size;
    }
    this.count -= i;
    this.start = idx;
    if (this.count === 0) this.start = 0;
  }

  freeFirstOne(): void {
    if (this.count === 0) return;
    this.freeLE(this.buffer[this.start]!);
  }

  full(): boolean {
    return this.count === this.size;
  }

  reset(): void {
    this.count = 0;
    this.start = 0;
  }
}
