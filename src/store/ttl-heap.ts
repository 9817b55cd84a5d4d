// Nodes with a TTL, soonest expiry first (ties: older createdIndex first, for a stable order).
import type { Node } from './node.js';

function before(a: Node, b: Node): boolean {
  const ta = a.ttl!;
  const tb = b.ttl!;
  if (ta.expireTime !== tb.expireTime) return ta.expireTime < tb.expireTime;
  if (ta.expireNs !== tb.expireNs) return ta.expireNs < tb.expireNs;
  return a.createdIndex < b.createdIndex;
}

export class TTLHeap {
  private readonly a: Node[] = [];

  get length(): number {
    return this.a.length;
  }

  top(): Node | null {
    return this.a.length === 0 ? null : this.a[0]!;
  }

  /** Adds a node that has a TTL entry. */
  push(n: Node): void {
    n.ttl!.heapPos = this.a.length;
    this.a.push(n);
    this.up(n.ttl!.heapPos);
  }

  remove(n: Node): void {
    const t = n.ttl;
    if (t === null || t.heapPos < 0) return;
    const i = t.heapPos;
    const last = this.a.pop()!;
    t.heapPos = -1;
    if (i < this.a.length) {
      this.a[i] = last;
      last.ttl!.heapPos = i;
      this.down(i);
      this.up(last.ttl!.heapPos);
    }
  }

  /** Re-places a node whose expireTime changed. */
  update(n: Node): void {
    const t = n.ttl;
    if (t === null || t.heapPos < 0) return;
    this.down(t.heapPos);
    this.up(t.heapPos);
  }

  private up(i: number): void {
    const a = this.a;
    const n = a[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pn = a[p]!;
      if (!before(n, pn)) break;
      this.place(pn, i);
      i = p;
    }
    this.place(n, i);
  }

  private down(i: number): void {
    const a = this.a;
    const len = a.length;
    const n = a[i]!;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= len) break;
      if (c + 1 < len && before(a[c + 1]!, a[c]!)) c++;
      const cn = a[c]!;
      if (!before(cn, n)) break;
      this.place(cn, i);
      i = c;
    }
    this.place(n, i);
  }

  /** Puts `n` at slot `i`, telling it where it is (remove() finds it by that). */
  private place(n: Node, i: number): void {
    this.a[i] = n;
    n.ttl!.heapPos = i;
  }
}
