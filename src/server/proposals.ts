// Proposals on their way into raft. Those of one event-loop turn are buffered and proposed
// together (one raft message, one forward to the leader); those made while there is no
// leader wait in a bounded queue and are proposed when one is known.
import { ProposalDroppedError } from '../raft/interface.js';

/** Proposals waiting for a leader; beyond this they fail at once. */
export const MAX_QUEUED_PROPOSALS = 100_000;

interface QueuedProposal {
  id: string;
  data: Uint8Array;
}

export interface ProposalSink {
  propose(data: Uint8Array): void;
  proposeBatch(datas: Uint8Array[]): void;
}

export class ProposalQueue {
  private queued: QueuedProposal[] = [];
  private buf: Uint8Array[] = [];
  private bufIds: string[] = [];

  constructor(
    private readonly node: ProposalSink,
    /** A proposal refused because the queue is full. */
    private readonly onDropped: (id: string) => void,
    /** Whether a waiter still wants this proposal (a timed-out one is not proposed). */
    private readonly wanted: (id: string) => boolean,
  ) {}

  get hasQueued(): boolean {
    return this.queued.length > 0;
  }

  get hasBuffered(): boolean {
    return this.buf.length > 0;
  }

  /** Returns true when the proposal was buffered for this turn (the loop must run). */
  add(id: string, data: Uint8Array, hasLeader: boolean): boolean {
    if (!hasLeader || this.queued.length > 0) {
      this.enqueue(id, data);
      return false;
    }
    this.buf.push(data);
    this.bufIds.push(id);
    return true;
  }

  /** Proposes this turn's buffer in one batch (re-queued if raft has no leader). */
  flush(): void {
    if (this.buf.length === 0) return;
    const datas = this.buf;
    const ids = this.bufIds;
    this.buf = [];
    this.bufIds = [];
    try {
      this.node.proposeBatch(datas);
    } catch (e) {
      if (!(e instanceof ProposalDroppedError)) throw e;
      for (let i = 0; i < datas.length; i++) this.enqueue(ids[i]!, datas[i]!);
    }
  }

  private enqueue(id: string, data: Uint8Array): void {
    if (this.queued.length >= MAX_QUEUED_PROPOSALS) {
      this.onDropped(id);
      return;
    }
    this.queued.push({ id, data });
  }

  /** Proposes what waited for a leader, skipping requests that already timed out. */
  flushQueued(): void {
    if (this.queued.length === 0) return;
    const q = this.queued;
    this.queued = [];
    for (let i = 0; i < q.length; i++) {
      const p = q[i]!;
      if (p.id !== '' && !this.wanted(p.id)) continue;
      try {
        this.node.propose(p.data);
      } catch (e) {
        if (!(e instanceof ProposalDroppedError)) throw e;
        this.queued = q.slice(i).concat(this.queued);
        break;
      }
    }
  }
}
