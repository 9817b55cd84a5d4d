// The configuration and every member's progress (etcd's tracker.ProgressTracker):
// voters, learners, replication progress, and the votes of the current election.
import type { Progress } from './progress.js';
import { committedIndex, compareIds, VoteResult, voteResult } from './quorum.js';
import type { ConfState, NodeId } from './types.js';

export class ProgressTracker {
  /** Voters and learners, by ID; iteration order is ascending ID (deterministic). */
  progress = new Map<NodeId, Progress>();
  voters: NodeId[] = [];
  learners: NodeId[] = [];
  /** Every member, ascending. */
  ids: NodeId[] = [];
  votes = new Map<NodeId, boolean>();
  readonly maxInflight: number;
  private readonly scratch: number[] = [];

  constructor(maxInflight: number) {
    this.maxInflight = maxInflight;
  }

  has(id: NodeId): boolean {
    return this.progress.has(id);
  }

  isVoter(id: NodeId): boolean {
    const p = this.progress.get(id);
    return p !== undefined && !p.isLearner;
  }

  /** Adds or updates a member, keeping the sorted ID lists in step. */
  set(id: NodeId, pr: Progress): void {
    this.progress.set(id, pr);
    this.rebuild();
  }

  remove(id: NodeId): void {
    if (this.progress.delete(id)) this.rebuild();
    this.votes.delete(id);
  }

  rebuild(): void {
    const ids = [...this.progress.keys()].sort(compareIds);
    // Re-insert so Map iteration follows ID order.
    const m = new Map<NodeId, Progress>();
    for (const id of ids) m.set(id, this.progress.get(id)!);
    this.progress = m;
    this.ids = ids;
    this.voters = ids.filter((id) => !m.get(id)!.isLearner);
    this.learners = ids.filter((id) => m.get(id)!.isLearner);
  }

  confState(): ConfState {
    return { voters: this.voters.slice(), learners: this.learners.slice() };
  }

  isSingleton(): boolean {
    return this.voters.length === 1;
  }

  /** The largest index a majority of voters has in its log. */
  committed(): number {
    const v = this.voters;
    const n = v.length;
    const acked = this.scratch;
    for (let i = 0; i < n; i++) acked[i] = this.progress.get(v[i]!)!.match;
    return committedIndex(acked, n);
  }

  /** Is a majority of voters recently active? (The leader counts itself.) */
  quorumActive(self: NodeId): boolean {
    let active = 0;
    for (const id of this.voters) {
      if (id === self || this.progress.get(id)!.recentActive) active++;
    }
    return voteResult(active, this.voters.length - active, this.voters.length) === VoteResult.Won;
  }

  resetVotes(): void {
    this.votes.clear();
  }

  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  tallyVotes(): { granted: number; rejected: number; result: VoteResult } {
    let granted = 0;
    let rejected = 0;
    for (const id of this.voters) {
      const v = this.votes.get(id);
      if (v === undefined) continue;
      if (v) granted++;
      else rejected++;
    }
    return { granted, rejected, result: voteResult(granted, rejected, this.voters.length) };
  }

  /** The result of a vote where `acks` holds the voters that said yes. */
  ackResult(acks: Set<NodeId>): VoteResult {
    let granted = 0;
    for (const id of this.voters) if (acks.has(id)) granted++;
    return voteResult(granted, 0, this.voters.length);
  }
}
