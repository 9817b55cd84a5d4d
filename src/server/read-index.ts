// Linearizable reads by ReadIndex: reads arriving together share one ReadIndex request;
// when raft answers with the commit index, the reads wait until this member has applied
// that far and are then served from the local store.
import type { ReadState } from '../raft/types.js';
import type { StoreEvent } from '../store/event.js';
import type { V2Request } from '../store/request.js';
import { timeoutError } from './errors.js';

interface PendingRead {
  r: V2Request;
  resolve: (e: StoreEvent) => void;
  reject: (e: Error) => void;
  deadline: number;
}

interface ReadBatch {
  key: string;
  reads: PendingRead[];
  issuedAt: number;
  /** Set when raft answered: the commit index the reads must wait for. */
  index: number;
}

export interface ReadIndexHost {
  hasLeader(): boolean;
  applied(): number;
  now(): number;
  /** Asks raft for a read index carrying this context. */
  readIndex(ctx: Uint8Array): void;
  /** Serves one read from the local store (throws EtcdError). */
  read(r: V2Request, now: number): StoreEvent;
  schedule(): void;
}

export class ReadIndexBatcher {
  private pending: PendingRead[] = [];
  private batch: ReadBatch | null = null;
  private seq = 0;

  constructor(
    private readonly host: ReadIndexHost,
    /** A ReadIndex unanswered for this long is asked again (raft may have dropped it). */
    private readonly retryMs: number,
  ) {}

  /** Reads wait for a leader before a batch can be issued. */
  get waiting(): boolean {
    return this.pending.length > 0 && this.batch === null;
  }

  /** A batch is out, waiting for raft's answer or for apply to catch up. */
  get inFlight(): boolean {
    return this.batch !== null;
  }

  read(r: V2Request, deadline: number): Promise<StoreEvent> {
    return new Promise<StoreEvent>((resolve, reject) => {
      this.pending.push({ r, resolve, reject, deadline });
      if (this.batch === null) this.issue();
    });
  }

  /** Issues the pending reads as one batch (when there is a leader and no batch). */
  issue(): void {
    if (this.batch !== null || this.pending.length === 0 || !this.host.hasLeader()) return;
    const reads = this.pending;
    this.pending = [];
    this.start(reads, this.host.now());
  }

  private start(reads: PendingRead[], now: number): void {
    const ctx = Buffer.allocUnsafe(8);
    ctx.writeDoubleBE(++this.seq, 0);
    this.batch = { key: ctx.toString('latin1'), reads, issuedAt: now, index: -1 };
    this.host.readIndex(ctx);
    this.host.schedule();
  }

  onReadStates(states: ReadState[]): void {
    const b = this.batch;
    if (b === null) return;
    for (const rs of states) {
      const c = rs.requestCtx;
      if (Buffer.from(c.buffer, c.byteOffset, c.byteLength).toString('latin1') === b.key) {
        b.index = rs.index;
      }
    }
    this.serveIfApplied();
  }

  serveIfApplied(): void {
    const b = this.batch;
    if (b === null || b.index < 0 || this.host.applied() < b.index) return;
    this.batch = null;
    const now = this.host.now();
    for (const pr of b.reads) {
      try {
        pr.resolve(this.host.read(pr.r, now));
      } catch (e) {
        pr.reject(e as Error);
      }
    }
    this.issue();
  }

  /** On each tick: expires reads, retries a ReadIndex raft dropped. */
  check(now: number): void {
    const b = this.batch;
    if (b !== null) {
      const live = b.reads.filter((pr) => {
        if (pr.deadline > now) return true;
        pr.reject(timeoutError());
        return false;
      });
      if (live.length === 0) {
        this.batch = null;
      } else if (b.index < 0 && now - b.issuedAt >= this.retryMs) {
        this.batch = null;
        if (!this.host.hasLeader()) this.pending = live.concat(this.pending);
        else this.start(live, now);
      } else {
        b.reads = live;
      }
    }
    if (this.pending.length > 0) {
      this.pending = this.pending.filter((pr) => {
        if (pr.deadline > now) return true;
        pr.reject(timeoutError());
        return false;
      });
      if (this.batch === null) this.issue();
    }
  }

  failAll(makeError: () => Error): void {
    for (const pr of this.pending) pr.reject(makeError());
    this.pending = [];
    if (this.batch !== null) for (const pr of this.batch.reads) pr.reject(makeError());
    this.batch = null;
  }
}
