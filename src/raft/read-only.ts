// Pending ReadIndex requests on the leader (etcd's readOnly, ReadOnlySafe): each waits
// for a quorum of heartbeat acks carrying its context, then is answered with the commit
// index recorded when it arrived.
import type { Message, NodeId } from './types.js';

export interface ReadIndexStatus {
  req: Message;
  index: number;
  acks: Set<NodeId>;
}

export function ctxKey(ctx: Uint8Array): string {
  return Buffer.from(ctx.buffer, ctx.byteOffset, ctx.byteLength).toString('latin1');
}

export class ReadOnly {
  private pending = new Map<string, ReadIndexStatus>();
  private queue: string[] = [];

  /** Records a request (its context in req.context) read at commit index `index`. */
  addRequest(index: number, req: Message): void {
    const key = ctxKey(req.context);
    if (this.pending.has(key)) return;
    this.pending.set(key, { req, index, acks: new Set() });
    this.queue.push(key);
  }

  /** Records an ack; returns the acks so far, or null for an unknown context. */
  recvAck(id: NodeId, ctx: Uint8Array): Set<NodeId> | null {
    const rs = this.pending.get(ctxKey(ctx));
    if (rs === undefined) return null;
    rs.acks.add(id);
    return rs.acks;
  }

  /** Dequeues the request with ctx and every one queued before it. */
  advance(ctx: Uint8Array): ReadIndexStatus[] {
    const key = ctxKey(ctx);
    let i = 0;
    let found = false;
    for (; i < this.queue.length; ) {
      if (this.queue[i++] === key) {
        found = true;
        break;
      }
    }
    if (!found) return [];
    const done = this.queue.slice(0, i);
    this.queue = this.queue.slice(i);
    const out: ReadIndexStatus[] = [];
    for (const k of done) {
      out.push(this.pending.get(k)!);
      this.pending.delete(k);
    }
    return out;
  }

  lastPendingRequestCtx(): Uint8Array | null {
    if (this.queue.length === 0) return null;
    return this.pending.get(this.queue[this.queue.length - 1]!)!.req.context;
  }

  get size(): number {
    return this.queue.length;
  }
}
