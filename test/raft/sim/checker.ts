// The invariants of Raft, checked incrementally as the simulation runs, so that the
// first step that breaks one is the step that reports it. The checker sees only what a
// node has persisted, applied or sent: never the core's private state.
import type { Storage } from '../../../src/raft/interface.js';
import type { Entry, HardState, Message, NodeId } from '../../../src/raft/types.js';
import { MessageType } from '../../../src/raft/types.js';
import { fingerprint } from './statemachine.js';

export class SimViolation extends Error {
  constructor(
    readonly invariant: string,
    readonly detail: string,
  ) {
    super(`${invariant}: ${detail}`);
    this.name = 'SimViolation';
  }
}

/** What one (index, term) position of any persisted log holds. */
interface LogPosition {
  fp: number;
  /** Term of the entry before it; -1 while not seen (compacted at the time). */
  prevTerm: number;
}

const TERM_BITS = 0x10_0000;

function fail(invariant: string, detail: string): never {
  throw new SimViolation(invariant, detail);
}

/** Term of the entry at index in storage, or -1 when compacted or missing. */
/** What the checks read of a log: a Storage, or raft's own log (unstable entries included). */
export type LogView = Pick<Storage, 'firstIndex' | 'lastIndex' | 'term'>;

export function termAt(s: LogView, index: number): number {
  if (index < s.firstIndex() - 1 || index > s.lastIndex()) return -1;
  try {
    return s.term(index);
  } catch {
    return -1;
  }
}

export class Checker {
  /** term -> the one leader it ever had. */
  private readonly leaders = new Map<number, NodeId>();
  private readonly positions = new Map<number, LogPosition>();
  /** The one history, by index: term, fingerprint, and the hash after applying it. */
  readonly histTerm: number[] = [0];
  readonly histFp: number[] = [0];
  readonly histHash: number[] = [0];
  /** Lowest term of a node that reported the entry committed (>= the committing term). */
  readonly histCommitTerm: number[] = [0];
  /** Highest index known to be committed. */
  committedMax = 0;
  leadersSeen = 0;

  /** Election safety: at most one leader per term, ever. */
  leader(id: NodeId, term: number): void {
    const had = this.leaders.get(term);
    if (had === undefined) {
      this.leaders.set(term, id);
      this.leadersSeen++;
    } else if (had !== id) {
      fail('election safety', `term ${term} has two leaders: ${had} and ${id}`);
    }
  }

  /** A node's persisted hard state only moves forward, and a vote is never changed. */
  hardState(id: NodeId, prev: HardState, next: HardState): void {
    if (next.term < prev.term) {
      fail('persisted term', `${id} term went from ${prev.term} to ${next.term}`);
    }
    if (next.term === prev.term && prev.vote !== '' && next.vote !== prev.vote) {
      fail(
        'one vote per term',
        `${id} changed its vote in term ${next.term} from ${prev.vote} to ${next.vote || '(none)'}`,
      );
    }
    if (next.commit < prev.commit) {
      fail('commit monotonic', `${id} commit went from ${prev.commit} to ${next.commit}`);
    }
  }

  /** Log matching: (index, term) names one entry, and one predecessor term. */
  appended(id: NodeId, storage: Storage, entries: readonly Entry[]): void {
    for (let k = 0; k < entries.length; k++) {
      const e = entries[k]!;
      const prevTerm = k > 0 ? entries[k - 1]!.term : termAt(storage, e.index - 1);
      if (k > 0 && entries[k - 1]!.index !== e.index - 1) {
        fail('log contiguity', `${id} persisted ${entries[k - 1]!.index} then ${e.index}`);
      }
      if (prevTerm > e.term) {
        fail(
          'log terms',
          `${id} log has term ${prevTerm} at ${e.index - 1} before term ${e.term} at ${e.index}`,
        );
      }
      const key = e.index * TERM_BITS + e.term;
      const fp = fingerprint(e);
      const pos = this.positions.get(key);
      if (pos === undefined) {
        this.positions.set(key, { fp, prevTerm });
        continue;
      }
      if (pos.fp !== fp) {
        fail('log matching', `${id} has a different entry at index ${e.index} term ${e.term}`);
      }
      if (prevTerm !== -1) {
        if (pos.prevTerm === -1) pos.prevTerm = prevTerm;
        else if (pos.prevTerm !== prevTerm) {
          fail(
            'log matching',
            `${id} has index ${e.index} term ${e.term} after term ${prevTerm}, another log after term ${pos.prevTerm}`,
          );
        }
      }
    }
  }

  /**
   * Entries [lo, hi] of this node's persisted log are committed (its persisted commit
   * covers them); reporterTerm is its term then. Returns how many were new.
   */
  committed(id: NodeId, storage: Storage, lo: number, hi: number, reporterTerm: number): void {
    const first = Math.max(lo, storage.firstIndex());
    const last = Math.min(hi, storage.lastIndex());
    if (first > last) return;
    const ents = storage.entries(first, last + 1, Number.POSITIVE_INFINITY);
    for (const e of ents) this.record(id, e, reporterTerm);
  }

  private record(id: NodeId, e: Entry, commitTerm: number): void {
    const i = e.index;
    const fp = fingerprint(e);
    const t = this.histTerm[i];
    if (t === undefined) {
      while (this.histTerm.length < i) {
        this.histTerm.push(-1);
        this.histFp.push(0);
        this.histHash.push(-1);
        this.histCommitTerm.push(Number.POSITIVE_INFINITY);
      }
      this.histTerm[i] = e.term;
      this.histFp[i] = fp;
      this.histHash[i] = -1;
      this.histCommitTerm[i] = commitTerm;
    } else if (t === -1) {
      this.histTerm[i] = e.term;
      this.histFp[i] = fp;
      this.histCommitTerm[i] = commitTerm;
    } else {
      if (t !== e.term || this.histFp[i] !== fp) {
        fail(
          'state machine safety',
          `${id} commits a different entry at index ${i} (term ${e.term}, history has term ${t})`,
        );
      }
      if (commitTerm < this.histCommitTerm[i]!) this.histCommitTerm[i] = commitTerm;
    }
    if (i > this.committedMax) this.committedMax = i;
  }

  /** State machine safety: what a node applies is the history's entry at that index. */
  applied(id: NodeId, e: Entry, hashAfter: number): void {
    this.record(id, e, Number.POSITIVE_INFINITY);
    const h = this.histHash[e.index]!;
    if (h === -1) this.histHash[e.index] = hashAfter;
    else if (h !== hashAfter) {
      fail('state machine safety', `${id} applied a different history up to index ${e.index}`);
    }
  }

  /** A snapshot a node restores is a state some node reached by applying the history. */
  restored(id: NodeId, index: number, term: number, hash: number): void {
    const t = this.histTerm[index];
    const h = this.histHash[index];
    if (t === undefined || h === undefined || h === -1) {
      fail('state machine safety', `${id} restored a snapshot at ${index} that no node applied`);
    }
    if (t !== term || h !== hash) {
      fail(
        'state machine safety',
        `${id} restored a snapshot at ${index} that differs from the history`,
      );
    }
  }

  /**
   * Leader completeness: every entry known committed by a node of term <= leaderTerm is
   * in the log of the leader of leaderTerm (checked over indexes [lo, hi]).
   */
  leaderHasCommitted(
    id: NodeId,
    leaderTerm: number,
    storage: LogView,
    lo: number,
    hi: number,
  ): void {
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    hi = Math.min(hi, this.histTerm.length - 1);
    for (let i = Math.max(lo, first); i <= hi; i++) {
      const ct = this.histCommitTerm[i]!;
      if (ct > leaderTerm) continue;
      const want = this.histTerm[i]!;
      if (want === -1) continue;
      const have = i <= last ? termAt(storage, i) : -1;
      if (have !== want) {
        fail(
          'leader completeness',
          `leader ${id} of term ${leaderTerm} lacks committed index ${i} (term ${want}; it has ${have === -1 ? 'nothing' : `term ${have}`})`,
        );
      }
    }
  }

  /**
   * A leader moves its commit index only onto an entry of its own term (§5.4.2): the
   * rule behind Figure 8, whose violation needs a rare interleaving to show up as a
   * lost entry, so it is checked directly.
   */
  leaderCommit(id: NodeId, term: number, storage: Storage, commit: number): void {
    const t = termAt(storage, commit);
    if (t !== term && t !== -1) {
      fail(
        'leader commits its own term',
        `leader ${id} of term ${term} moved its commit to ${commit}, an entry of term ${t}`,
      );
    }
  }

  /** Votes are persisted before they are granted. */
  sent(id: NodeId, m: Message, persisted: HardState): void {
    // A later term on disk also keeps the promise: this node can never vote in m.term again.
    if (m.type === MessageType.VoteResp && !m.reject) {
      if (persisted.term < m.term || (persisted.term === m.term && persisted.vote !== m.to)) {
        fail(
          'vote persisted before granted',
          `${id} granted its vote to ${m.to} in term ${m.term} but persisted term ${persisted.term} vote ${persisted.vote || '(none)'}`,
        );
      }
    }
  }
}
