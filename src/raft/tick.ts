// raft's logical clock (etcd's tickElection and tickHeartbeat): a follower or candidate
// campaigns after its randomized election timeout; a leader sends heartbeats, checks its
// quorum once per election timeout, abandons a stalled transfer and gives up on
// snapshots nobody reported on.
import { ProgressState } from './progress.js';
import type { Raft } from './raft.js';
import { MessageType, NONE, newMessage, StateType } from './types.js';

export function tickElection(r: Raft): void {
  r.electionElapsed++;
  if (r.promotable() && r.pastElectionTimeout()) {
    r.electionElapsed = 0;
    r.step(newMessage(MessageType.Hup, NONE, r.id, 0));
  }
}

export function tickHeartbeat(r: Raft): void {
  r.heartbeatElapsed++;
  r.electionElapsed++;
  if (r.electionElapsed >= r.electionTimeout) {
    r.electionElapsed = 0;
    if (r.checkQuorum) r.step(newMessage(MessageType.CheckQuorum, NONE, r.id, 0));
    // A transfer that did not finish within an election timeout is abandoned.
    if (r.state === StateType.Leader && r.leadTransferee !== NONE) {
      r.abortLeaderTransfer();
    }
  }
  if (r.state !== StateType.Leader) return;
  tickSnapshotTimeouts(r);
  if (r.heartbeatElapsed >= r.heartbeatTimeout) {
    r.heartbeatElapsed = 0;
    r.step(newMessage(MessageType.Beat, NONE, r.id, 0));
  }
}

/**
 * A snapshot nobody reported on within two election timeouts is presumed lost: go back
 * to probing, which sends it again if still needed.
 */
function tickSnapshotTimeouts(r: Raft): void {
  for (const pr of r.prs.progress.values()) {
    if (pr.state !== ProgressState.Snapshot) continue;
    if (++pr.snapshotElapsed >= 2 * r.electionTimeout) {
      pr.pendingSnapshot = 0;
      pr.becomeProbe();
    }
  }
}
