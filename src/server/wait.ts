// Waiters for proposals: one per request id, resolved when this member applies the entry
// carrying that id. Deadlines all come from one constant timeout, so insertion order is
// deadline order and expiry is a scan from the front that stops at the first live waiter
// (no timer per request).

interface Pending<T> {
  resolve: (v: T) => void;
  reject: (e: Error) => void;
  deadline: number;
}

export class Wait<T> {
  private readonly pending = new Map<string, Pending<T>>();

  get size(): number {
    return this.pending.size;
  }

  register(id: string, deadline: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, deadline });
    });
  }

  has(id: string): boolean {
    return this.pending.has(id);
  }

  trigger(id: string, value: T): void {
    const p = this.pending.get(id);
    if (p === undefined) return;
    this.pending.delete(id);
    p.resolve(value);
  }

  fail(id: string, err: Error): void {
    const p = this.pending.get(id);
    if (p === undefined) return;
    this.pending.delete(id);
    p.reject(err);
  }

  /** Rejects every waiter whose deadline has passed, oldest first. */
  expire(now: number, makeError: () => Error): void {
    for (const [id, p] of this.pending) {
      if (p.deadline > now) return;
      this.pending.delete(id);
      p.reject(makeError());
    }
  }

  failAll(makeError: () => Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(makeError());
  }
}
