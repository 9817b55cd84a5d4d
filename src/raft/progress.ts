// The leader's view of one follower (etcd's tracker.Progress): how much of the log it has
// (match), what to send next (next), and the flow-control state.
import { Inflights } from './inflights.js';

export enum ProgressState {
  /** Sending one append at a time until a match is found. */
  Probe = 0,
  /** Streaming appends optimistically, bounded by the inflight window. */
  Replicate = 1,
  /** Waiting for a snapshot to be applied (or reported failed / timed out). */
  Snapshot = 2,
}

export const PROGRESS_STATE_NAMES = ['probe', 'replicate', 'snapshot'] as const;

export class Progress {
  match: number;
  next: number;
  state: ProgressState = ProgressState.Probe;
  /** In Snapshot state: the index of the snapshot being sent. */
  pendingSnapshot = 0;
  /** Heard from this follower since the last check-quorum round. */
  recentActive = false;
  /** In Probe state: an append is out, wait for its answer (or a heartbeat). */
  probeSent = false;
  /** Ticks spent in Snapshot state without a report, to time the snapshot out. */
  snapshotElapsed = 0;
  /** The follower told us its log is not empty (an answer with a last index above 0). */
  logNotEmpty = false;
  isLearner: boolean;
  readonly inflights: Inflights;

  constructor(match: number, next: number, maxInflight: number, isLearner: boolean) {
    this.match = match;
    this.next = next;
    this.isLearner = isLearner;
    this.inflights = new Inflights(maxInflight);
  }

  private resetState(state: ProgressState): void {
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.snapshotElapsed = 0;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    // After a snapshot was sent successfully, probe from just past it.
    if (this.state === ProgressState.Snapshot) {
      const pending = this.pendingSnapshot;
      this.resetState(ProgressState.Probe);
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.resetState(ProgressState.Probe);
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState(ProgressState.Replicate);
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState(ProgressState.Snapshot);
    this.pendingSnapshot = snapshotIndex;
  }

  /** The follower acknowledged up to n. Returns false if that is old news. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.probeSent = false;
    }
    if (this.next < n + 1) this.next = n + 1;
    return updated;
  }

  optimisticUpdate(n: number): void {
    this.next = n + 1;
  }

  /**
   * The follower rejected an append at `rejected`; `matchHint` is where it suggests to
   * probe. Returns false if the rejection is stale.
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === ProgressState.Replicate) {
      // Stale: we already know it has more than that.
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    // Probe / snapshot: only the answer to the last probe counts.
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), 1);
    this.probeSent = false;
    return true;
  }

  isPaused(): boolean {
    switch (this.state) {
      case ProgressState.Probe:
        return this.probeSent;
      case ProgressState.Replicate:
        return this.inflights.full();
      default:
        return true;
    }
  }

  toString(): string {
    return `${PROGRESS_STATE_NAMES[this.state]} match=${this.match} next=${this.next}`;
  }
}
