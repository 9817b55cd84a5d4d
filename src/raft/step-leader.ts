// The leader's side of step() (etcd's stepLeader): proposals, replication responses and
// flow control, heartbeats, check-quorum, snapshots' status, leader transfer, ReadIndex.
import { ProposalDroppedError } from './interface.js';
import type { Progress } from './progress.js';
import { ProgressState } from './progress.js';
import { VoteResult } from './quorum.js';
import type { Raft } from './raft.js';
import type { Message, NodeId } from './types.js';
import { EMPTY_BYTES, EntryType, MessageType, NONE, newMessage } from './types.js';

export function stepLeader(r: Raft, m: Message): void {
  switch (m.type) {
    case MessageType.Beat:
      r.bcastHeartbeat();
      return;
    case MessageType.CheckQuorum:
      if (!r.prs.quorumActive(r.id)) r.becomeFollower(r.term, NONE);
      // Mark everybody inactive for the next round.
      for (const [id, pr] of r.prs.progress) if (id !== r.id) pr.recentActive = false;
      return;
    case MessageType.Prop: {
      if (m.entries.length === 0) throw new Error(`${r.id} stepped empty MsgProp`);
      if (!r.prs.has(r.id)) {
        // Removed from the configuration while leader: step aside, take nothing new.
        throw new ProposalDroppedError();
      }
      if (r.leadTransferee !== NONE) throw new ProposalDroppedError();
      // Entries of a forwarded proposal may be shared with the sender: copy them.
      const local = m.from === r.id || m.from === NONE;
      const es = local ? m.entries : m.entries.map((e) => ({ ...e }));
      const last = r.raftLog.lastIndex();
      for (let i = 0; i < es.length; i++) {
        const e = es[i]!;
        if (e.type !== EntryType.ConfChange) continue;
        if (r.pendingConfIndex > r.raftLog.applied) {
          // One conf change at a time: a second one becomes a no-op.
          es[i] = { term: 0, index: 0, type: EntryType.Normal, data: EMPTY_BYTES };
        } else {
          r.pendingConfIndex = last + i + 1;
        }
      }
      if (!r.appendEntry(es)) throw new ProposalDroppedError();
      if (r.deferProposalAppends) r.appendsPending = true;
      else r.bcastAppend();
      return;
    }
    case MessageType.ReadIndex:
      if (r.prs.isSingleton() && r.prs.isVoter(r.id)) {
        // A single voter is its own quorum.
        respondToReadIndex(r, m, r.raftLog.committed);
        return;
      }
      // Until an entry of this term is committed the leader does not know the
      // commit index: hold the request.
      if (!committedEntryInCurrentTerm(r)) {
        r.pendingReadIndexMessages.push(m);
        return;
      }
      sendReadIndexHeartbeats(r, m);
      return;
  }

  const pr = r.prs.progress.get(m.from);
  if (pr === undefined) return;
  switch (m.type) {
    case MessageType.AppResp:
      handleAppResp(r, m, pr);
      return;
    case MessageType.HeartbeatResp: {
      pr.recentActive = true;
      pr.probeSent = false;
      // Free one slot of a full window so a lost append cannot stall replication.
      if (pr.state === ProgressState.Replicate && pr.inflights.full()) {
        pr.inflights.freeFirstOne();
      }
      if (pr.match < r.raftLog.lastIndex()) r.sendAppend(m.from);
      if (m.context.length === 0) return;
      const acks = r.readOnly.recvAck(m.from, m.context);
      if (acks === null || r.prs.ackResult(acks) !== VoteResult.Won) return;
      for (const rs of r.readOnly.advance(m.context)) respondToReadIndex(r, rs.req, rs.index);
      return;
    }
    case MessageType.SnapStatus:
      if (pr.state !== ProgressState.Snapshot) return;
      // On failure, probe from match rather than from the snapshot it never got.
      if (m.reject) pr.pendingSnapshot = 0;
      pr.becomeProbe();
      // Wait for an answer (or a heartbeat interval) before the next append.
      pr.probeSent = true;
      return;
    case MessageType.Unreachable:
      // An optimistic append was probably lost.
      if (pr.state === ProgressState.Replicate) pr.becomeProbe();
      return;
    case MessageType.TransferLeader: {
      if (pr.isLearner || !r.transferEnabled) return;
      const transferee = m.from;
      if (r.leadTransferee !== NONE) {
        if (r.leadTransferee === transferee) return;
        r.abortLeaderTransfer();
      }
      if (transferee === r.id) return;
      // The transfer must finish within an election timeout.
      r.electionElapsed = 0;
      r.leadTransferee = transferee;
      if (pr.match === r.raftLog.lastIndex()) sendTimeoutNow(r, transferee);
      else r.sendAppend(transferee);
      return;
    }
  }
}

export function handleAppResp(r: Raft, m: Message, pr: Progress): void {
  pr.recentActive = true;
  if (m.reject ? m.rejectHint > 0 : m.index > 0) pr.logNotEmpty = true;
  if (m.reject) {
    let next = m.rejectHint;
    if (m.logTerm > 0) next = r.raftLog.findConflictByTerm(m.rejectHint, m.logTerm);
    if (pr.maybeDecrTo(m.index, next)) {
      if (pr.state === ProgressState.Replicate) pr.becomeProbe();
      r.sendAppend(m.from);
    }
    return;
  }
  const oldPaused = pr.isPaused();
  if (!pr.maybeUpdate(m.index)) return;
  if (pr.state === ProgressState.Probe) {
    pr.becomeReplicate();
  } else if (pr.state === ProgressState.Snapshot && pr.match >= pr.pendingSnapshot) {
    pr.becomeProbe();
    pr.becomeReplicate();
  } else if (pr.state === ProgressState.Replicate) {
    pr.inflights.freeLE(m.index);
  }
  if (r.maybeCommit()) {
    releasePendingReadIndexMessages(r);
    r.bcastAppend();
  } else if (oldPaused) {
    r.sendAppend(m.from);
  }
  // The window may have room for several more messages.
  while (r.maybeSendAppend(m.from, false)) {
    // keep sending
  }
  if (m.from === r.leadTransferee && pr.match === r.raftLog.lastIndex()) {
    sendTimeoutNow(r, m.from);
  }
}

export function sendTimeoutNow(r: Raft, to: NodeId): void {
  r.send(newMessage(MessageType.TimeoutNow, to, r.id, 0));
}

export function committedEntryInCurrentTerm(r: Raft): boolean {
  return r.raftLog.term(r.raftLog.committed) === r.term;
}

export function releasePendingReadIndexMessages(r: Raft): void {
  if (r.pendingReadIndexMessages.length === 0) return;
  if (!committedEntryInCurrentTerm(r)) return;
  const msgs = r.pendingReadIndexMessages;
  r.pendingReadIndexMessages = [];
  for (const m of msgs) sendReadIndexHeartbeats(r, m);
}

export function sendReadIndexHeartbeats(r: Raft, m: Message): void {
  r.readOnly.addRequest(r.raftLog.committed, m);
  // The leader acks its own request.
  r.readOnly.recvAck(r.id, m.context);
  // Deferred like appends: one heartbeat round with the newest context answers every
  // request queued before it.
  if (r.deferProposalAppends) r.heartbeatsPending = true;
  else r.bcastHeartbeatWithCtx(m.context);
}

export function respondToReadIndex(r: Raft, req: Message, index: number): void {
  if (req.from === NONE || req.from === r.id) {
    r.readStates.push({ index, requestCtx: req.context });
    return;
  }
  const resp = newMessage(MessageType.ReadIndexResp, req.from, r.id, 0);
  resp.index = index;
  resp.context = req.context;
  r.send(resp);
}
