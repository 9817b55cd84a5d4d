// Membership in raft (etcd's applyConfChange, addNode, removeNode, restore's conf part):
// the progress tracker follows committed conf changes and snapshots' configurations.
import { Progress } from './progress.js';
import type { Raft } from './raft.js';
import { ProgressTracker } from './tracker.js';
import {
  type ConfChange,
  ConfChangeType,
  type ConfState,
  NONE,
  type NodeId,
  StateType,
} from './types.js';

/** Rebuilds the progress tracker from a configuration (at start, or from a snapshot). */
export function restoreConf(r: Raft, cs: ConfState): void {
  r.prs = new ProgressTracker(r.prs.maxInflight);
  const next = r.raftLog.lastIndex() + 1;
  for (const id of cs.voters) {
    r.prs.progress.set(id, new Progress(0, next, r.prs.maxInflight, false));
  }
  for (const id of cs.learners) {
    r.prs.progress.set(id, new Progress(0, next, r.prs.maxInflight, true));
  }
  r.prs.rebuild();
  const self = r.prs.progress.get(r.id);
  if (self !== undefined) self.match = next - 1;
  r.isLearner = self?.isLearner === true;
}

export function applyConfChange(r: Raft, cc: ConfChange): ConfState {
  if (cc.nodeId === NONE) return r.prs.confState();
  switch (cc.type) {
    case ConfChangeType.AddNode:
      addNode(r, cc.nodeId, false);
      break;
    case ConfChangeType.AddLearnerNode:
      addNode(r, cc.nodeId, true);
      break;
    case ConfChangeType.RemoveNode:
      removeNode(r, cc.nodeId);
      break;
    case ConfChangeType.UpdateNode:
      break;
    default:
      throw new Error(`unexpected conf change type ${cc.type}`);
  }
  return r.prs.confState();
}

function addNode(r: Raft, id: NodeId, learner: boolean): void {
  r.removed.delete(id);
  let pr = r.prs.progress.get(id);
  if (pr === undefined) {
    pr = new Progress(0, r.raftLog.lastIndex() + 1, r.prs.maxInflight, learner);
    r.prs.set(id, pr);
  } else {
    // A voter cannot become a learner; a redundant add is ignored.
    if (learner && !pr.isLearner) return;
    if (learner === pr.isLearner) return;
    pr.isLearner = false; // promote learner to voter, keeping its progress
    r.prs.rebuild();
  }
  if (id === r.id) r.isLearner = learner;
  // A new member counts as active, or check-quorum could depose us before it speaks.
  pr.recentActive = true;
  if (r.state === StateType.Leader && id !== r.id) r.sendAppend(id);
}

function removeNode(r: Raft, id: NodeId): void {
  r.prs.remove(id);
  if (id !== r.id) r.removed.add(id);
  if (r.prs.ids.length === 0) return;
  if (r.state === StateType.Leader) {
    // The quorum shrank: pending entries may commit now.
    if (r.maybeCommit()) r.bcastAppend();
    if (r.leadTransferee === id) r.abortLeaderTransfer();
  }
}
