// The follower's side of step() (etcd's stepFollower and its handlers): forwarding
// proposals and reads to the leader, appends, heartbeats and snapshots from it.
import { restoreConf } from './conf-change.js';
import { CampaignType, hup } from './election.js';
import { ProposalDroppedError } from './interface.js';
import type { Raft } from './raft.js';
import { type Message, MessageType, NONE, newMessage, type Snapshot, StateType } from './types.js';

/** step() as a follower (etcd's stepFollower). */
export function stepFollower(r: Raft, m: Message): void {
  switch (m.type) {
    case MessageType.Prop: {
      if (r.lead === NONE) throw new ProposalDroppedError();
      // Local proposals made before the next Ready share one forward to the leader.
      const fwd = r.pendingForward;
      const local = m.from === NONE || m.from === r.id;
      if (local && r.deferProposalAppends && fwd !== null && fwd.to === r.lead) {
        for (let i = 0; i < m.entries.length; i++) fwd.entries.push(m.entries[i]!);
        return;
      }
      m.to = r.lead;
      r.send(m);
      if (local && r.deferProposalAppends) r.pendingForward = m;
      return;
    }
    case MessageType.App:
    case MessageType.Heartbeat:
    case MessageType.Snap:
      r.electionElapsed = 0;
      r.lead = m.from;
      handleFromLeader(r, m);
      return;
    case MessageType.TransferLeader:
    case MessageType.ReadIndex:
      // Forwarded to the leader, when there is one.
      if (r.lead === NONE) return;
      m.to = r.lead;
      r.send(m);
      return;
    case MessageType.TimeoutNow:
      // The leader asks us to take over now: campaign at once, past any lease.
      hup(r, CampaignType.Transfer);
      return;
    case MessageType.ReadIndexResp:
      r.readStates.push({ index: m.index, requestCtx: m.context });
      return;
    default:
      return;
  }
}

/** An append, a heartbeat or a snapshot from the leader of our term. */
export function handleFromLeader(r: Raft, m: Message): void {
  if (m.type === MessageType.App) handleAppendEntries(r, m);
  else if (m.type === MessageType.Heartbeat) handleHeartbeat(r, m);
  else handleSnapshot(r, m);
}

export function handleAppendEntries(r: Raft, m: Message): void {
  const log = r.raftLog;
  if (m.index < log.committed) {
    const resp = newMessage(MessageType.AppResp, m.from, r.id, 0);
    resp.index = log.committed;
    r.send(resp);
    return;
  }
  const lastNew = log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
  const resp = newMessage(MessageType.AppResp, m.from, r.id, 0);
  if (lastNew >= 0) {
    resp.index = lastNew;
  } else {
    // Reject, with a hint: the last index that could match given the leader's term
    // at m.index, so the leader skips whole terms of conflicting entries.
    let hint = Math.min(m.index, log.lastIndex());
    hint = log.findConflictByTerm(hint, m.logTerm);
    resp.index = m.index;
    resp.reject = true;
    resp.rejectHint = hint;
    resp.logTerm = log.term(hint);
  }
  r.send(resp);
}

export function handleHeartbeat(r: Raft, m: Message): void {
  r.raftLog.commitTo(m.commit);
  const resp = newMessage(MessageType.HeartbeatResp, m.from, r.id, 0);
  resp.context = m.context;
  r.send(resp);
}

export function handleSnapshot(r: Raft, m: Message): void {
  const resp = newMessage(MessageType.AppResp, m.from, r.id, 0);
  if (m.snapshot !== null && restore(r, m.snapshot)) {
    resp.index = r.raftLog.lastIndex();
  } else {
    resp.index = r.raftLog.committed;
  }
  r.send(resp);
}

/** Installs a snapshot from the leader; false if it is not newer than what we have. */
export function restore(r: Raft, s: Snapshot): boolean {
  const md = s.metadata;
  if (md.index <= r.raftLog.committed) return false;
  if (r.state !== StateType.Follower) {
    // Only a follower installs snapshots; anything else is a bug elsewhere, so be
    // safe and move on to the next term.
    r.becomeFollower(r.term + 1, NONE);
    return false;
  }
  if (r.raftLog.matchTerm(md.index, md.term)) {
    // We have the entries: just fast-forward the commit index.
    r.raftLog.commitTo(md.index);
    return false;
  }
  r.raftLog.restore(s);
  restoreConf(r, md.confState);
  return true;
}
