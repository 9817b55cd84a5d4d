// The raft state machine (etcd's raft.raft): its state, sending, commit, role changes and
// step()'s term checks. Each role's side of step() has its own file (step-leader.ts,
// step-follower.ts, election.ts for candidates and votes), as have membership
// (conf-change.ts) and the logical clock (tick.ts). Pure: it reacts to step() and tick()
// and queues outgoing messages in `msgs`.
import { CampaignType, handleVoteRequest, hup, isTransferCtx, stepCandidate } from './election.js';
import type { Config, Features } from './interface.js';
import { NO_LIMIT, RaftLog } from './log.js';
import { Progress, ProgressState } from './progress.js';
import { ReadOnly } from './read-only.js';
import { applyConfChange, restoreConf } from './conf-change.js';
import { tickElection, tickHeartbeat } from './tick.js';
import { stepFollower } from './step-follower.js';
import { stepLeader } from './step-leader.js';
import { ProgressTracker } from './tracker.js';
import {
  type ConfChange,
  type ConfState,
  EMPTY_BYTES,
  type Entry,
  EntryType,
  type HardState,
  type Message,
  MessageType,
  NONE,
  type NodeId,
  newMessage,
  type ReadState,
  type SoftState,
  StateType,
} from './types.js';

function payloadSize(ents: Entry[]): number {
  let s = 0;
  for (let i = 0; i < ents.length; i++) s += ents[i]!.data.length;
  return s;
}

export class Raft {
  readonly id: NodeId;
  term = 0;
  vote: NodeId = NONE;
  readStates: ReadState[] = [];
  readonly raftLog: RaftLog;
  readonly maxMsgSize: number;
  readonly maxUncommittedSize: number;
  prs: ProgressTracker;
  state: StateType = StateType.Follower;
  isLearner = false;
  msgs: Message[] = [];
  lead: NodeId = NONE;
  /** The node leadership is being handed to, or NONE. */
  leadTransferee: NodeId = NONE;
  /** Index of the latest conf change proposed; a new one waits until it is applied. */
  pendingConfIndex = 0;
  uncommittedSize = 0;
  readOnly = new ReadOnly();
  /** ReadIndex requests received before this leader committed an entry of its term. */
  pendingReadIndexMessages: Message[] = [];
  /**
   * Set by RawNode: a proposal does not broadcast at once; the next Ready does (see
   * flushAppends), so proposals made in one turn of the driver's loop travel in one
   * append per follower instead of one each.
   */
  deferProposalAppends = false;
  appendsPending = false;
  /** ReadIndex requests wait for the next Ready's heartbeat round (see flushAppends). */
  heartbeatsPending = false;
  /** The forwarded proposal still in msgs, which later local proposals join. */
  pendingForward: Message | null = null;
  /** Members removed by an applied conf change: their messages are ignored. */
  readonly removed = new Set<NodeId>();
  electionElapsed = 0;
  heartbeatElapsed = 0;
  checkQuorum: boolean;
  preVote: boolean;
  /** Leader transfer is honoured (off beside etcd 2.0 members, which lack TimeoutNow). */
  transferEnabled = true;
  /**
   * Followers may run etcd 2.0's raft, whose log starts at its latest snapshot: it rejects
   * an append below that snapshot with only its last index as a hint, yet accepts one from
   * index 0 (term 0 "matches" a compacted index) and then panics on the conflict. So no
   * append starts below our own latest snapshot (2.0's leader compacts there and cannot
   * either): the snapshot goes instead, and 2.0 answers one it already covers with its
   * commit index. See maybeSendAppend.
   */
  legacyFollowers = false;
  readonly heartbeatTimeout: number;
  readonly electionTimeout: number;
  randomizedElectionTimeout = 0;
  private readonly random: () => number;
  private readonly countStaleVotes: boolean;

  constructor(c: Config) {
    if (c.id === NONE) throw new Error('cannot use none as id');
    if (c.heartbeatTick <= 0) throw new Error('heartbeat tick must be greater than 0');
    if (c.electionTick <= c.heartbeatTick) {
      throw new Error('election tick must be greater than heartbeat tick');
    }
    if (c.maxInflightMsgs <= 0) throw new Error('max inflight messages must be greater than 0');
    this.id = c.id;
    this.raftLog = new RaftLog(c.storage, NO_LIMIT);
    this.maxMsgSize = c.maxSizePerMsg;
    this.maxUncommittedSize = c.maxUncommittedEntriesSize || NO_LIMIT;
    this.prs = new ProgressTracker(c.maxInflightMsgs);
    this.checkQuorum = c.checkQuorum;
    this.preVote = c.preVote;
    this.heartbeatTimeout = c.heartbeatTick;
    this.electionTimeout = c.electionTick;
    this.random = c.random;
    this.countStaleVotes = c.faults?.countStaleVotes === true;

    const { hardState, confState } = c.storage.initialState();
    restoreConf(this, confState);
    if (!(hardState.term === 0 && hardState.vote === NONE && hardState.commit === 0)) {
      this.loadState(hardState);
    }
    if (c.applied > 0) this.raftLog.appliedTo(c.applied);
    this.becomeFollower(this.term, NONE);
  }

  /**
   * Switches the features etcd 2.0's raft lacks, at runtime: a cluster that gains a Go 2.0
   * member runs without them, and gets them back when the last one leaves. A pre-campaign
   * under way when pre-vote goes off ends (its pre-votes would go unanswered); a transfer
   * under way when transfers go off is abandoned.
   */
  setFeatures(f: Features): void {
    this.preVote = f.preVote;
    this.checkQuorum = f.checkQuorum;
    this.transferEnabled = f.transfer;
    this.legacyFollowers = f.legacyFollowers === true;
    if (!f.preVote && this.state === StateType.PreCandidate) this.becomeFollower(this.term, NONE);
    if (!f.transfer && this.leadTransferee !== NONE) this.abortLeaderTransfer();
  }

  // ---- state accessors ---------------------------------------------------------------

  hasLeader(): boolean {
    return this.lead !== NONE;
  }

  softState(): SoftState {
    return { lead: this.lead, raftState: this.state };
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.raftLog.committed };
  }

  private loadState(hs: HardState): void {
    if (hs.commit < this.raftLog.committed || hs.commit > this.raftLog.lastIndex()) {
      throw new Error(
        `${this.id} state.commit ${hs.commit} is out of range [${this.raftLog.committed}, ${this.raftLog.lastIndex()}]`,
      );
    }
    this.raftLog.committed = hs.commit;
    this.term = hs.term;
    this.vote = hs.vote;
  }

  /** Can this node campaign? A voter in its own configuration, without a pending snapshot. */
  promotable(): boolean {
    const pr = this.prs.progress.get(this.id);
    return pr !== undefined && !pr.isLearner && !this.raftLog.hasPendingSnapshot();
  }

  // ---- sending -----------------------------------------------------------------------

  /** Queues a message; stamps from and (except for forwarded requests) the term. */
  send(m: Message): void {
    if (m.type !== MessageType.TransferLeader || m.from === NONE) m.from = this.id;
    const t = m.type;
    if (
      t === MessageType.Vote ||
      t === MessageType.VoteResp ||
      t === MessageType.PreVote ||
      t === MessageType.PreVoteResp
    ) {
      if (m.term === 0) throw new Error(`term should be set when sending ${MessageType[t]}`);
    } else if (t !== MessageType.Prop && t !== MessageType.ReadIndex) {
      // Proposals and read requests are forwarded without a term: the leader treats
      // them as local messages.
      m.term = this.term;
    }
    this.msgs.push(m);
  }

  /** Sends an append (or a snapshot) to `to` if its progress allows; true if sent. */
  maybeSendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.prs.progress.get(to);
    if (pr === undefined || pr.isPaused()) return false;
    const log = this.raftLog;
    const prevTerm = log.termOrError(pr.next - 1);
    const ents = log.entries(pr.next, this.maxMsgSize);
    if (ents !== null && ents.length === 0 && !sendIfEmpty) return false;
    const belowSnapshot = this.legacyFollowers && pr.next - 1 < log.snapshot().metadata.index;
    if (!belowSnapshot && this.legacyFollowers && pr.next === 1 && pr.logNotEmpty) {
      // A follower with a log rejected index 1: it compacted past it, and an append from 0
      // would make a 2.0 follower panic. Wait for a snapshot to send (heartbeats retry).
      return false;
    }
    if (prevTerm < 0 || ents === null || belowSnapshot) {
      // The entries it needs were compacted: send a snapshot, if it is alive.
      if (!pr.recentActive) return false;
      const snap = log.snapshot();
      if (snap.metadata.index === 0) throw new Error('need non-empty snapshot');
      const m = newMessage(MessageType.Snap, to, this.id, 0);
      m.snapshot = snap;
      pr.becomeSnapshot(snap.metadata.index);
      this.send(m);
      return true;
    }
    const m = newMessage(MessageType.App, to, this.id, 0);
    m.index = pr.next - 1;
    m.logTerm = prevTerm;
    m.entries = ents;
    m.commit = log.committed;
    const n = ents.length;
    if (n !== 0) {
      if (pr.state === ProgressState.Replicate) {
        const last = ents[n - 1]!.index;
        pr.optimisticUpdate(last);
        pr.inflights.add(last);
      } else if (pr.state === ProgressState.Probe) {
        pr.probeSent = true;
      } else {
        throw new Error(`${this.id} is sending append in unhandled state ${pr.state}`);
      }
    }
    this.send(m);
    return true;
  }

  sendAppend(to: NodeId): void {
    this.maybeSendAppend(to, true);
  }

  sendHeartbeat(to: NodeId, ctx: Uint8Array): void {
    // Never tell a follower to commit past what it is known to have: it may not have it.
    const pr = this.prs.progress.get(to)!;
    const m = newMessage(MessageType.Heartbeat, to, this.id, 0);
    m.commit = Math.min(pr.match, this.raftLog.committed);
    m.context = ctx;
    this.send(m);
  }

  /** Sends the appends deferred by proposals (see deferProposalAppends). */
  flushAppends(): void {
    if (this.appendsPending) {
      this.appendsPending = false;
      if (this.state === StateType.Leader) this.bcastAppend();
    }
    if (this.heartbeatsPending) {
      this.heartbeatsPending = false;
      if (this.state === StateType.Leader) this.bcastHeartbeat();
    }
  }

  bcastAppend(): void {
    this.appendsPending = false;
    const ids = this.prs.ids;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (id !== this.id) this.sendAppend(id);
    }
  }

  bcastHeartbeat(): void {
    const ctx = this.readOnly.lastPendingRequestCtx();
    this.bcastHeartbeatWithCtx(ctx ?? EMPTY_BYTES);
  }

  bcastHeartbeatWithCtx(ctx: Uint8Array): void {
    const ids = this.prs.ids;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (id !== this.id) this.sendHeartbeat(id, ctx);
    }
  }

  // ---- commit and append -------------------------------------------------------------

  /** Advances commit to what a quorum has, if that entry is of the current term (§5.4.2). */
  maybeCommit(): boolean {
    return this.raftLog.maybeCommit(this.prs.committed(), this.term);
  }

  /** Appends entries (the leader's own), assigning term and index. */
  appendEntry(es: Entry[]): boolean {
    let li = this.raftLog.lastIndex();
    for (let i = 0; i < es.length; i++) {
      const e = es[i]!;
      e.term = this.term;
      e.index = li + 1 + i;
    }
    if (!this.increaseUncommittedSize(es)) return false;
    li = this.raftLog.append(es);
    this.prs.progress.get(this.id)?.maybeUpdate(li);
    // The caller broadcasts whatever maybeCommit decides.
    this.maybeCommit();
    return true;
  }

  private increaseUncommittedSize(ents: Entry[]): boolean {
    if (this.maxUncommittedSize === NO_LIMIT) return true;
    const s = payloadSize(ents);
    if (this.uncommittedSize > 0 && s > 0 && this.uncommittedSize + s > this.maxUncommittedSize) {
      return false;
    }
    this.uncommittedSize += s;
    return true;
  }

  reduceUncommittedSize(ents: Entry[]): void {
    if (this.uncommittedSize === 0) return;
    const s = payloadSize(ents);
    this.uncommittedSize = s > this.uncommittedSize ? 0 : this.uncommittedSize - s;
  }

  // ---- ticks -------------------------------------------------------------------------

  /** One tick of the logical clock (tick.ts): a heartbeat round or an election timeout. */
  tick(): void {
    if (this.state === StateType.Leader) tickHeartbeat(this);
    else tickElection(this);
  }

  pastElectionTimeout(): boolean {
    return this.electionElapsed >= this.randomizedElectionTimeout;
  }

  resetRandomizedElectionTimeout(): void {
    this.randomizedElectionTimeout =
      this.electionTimeout + Math.floor(this.random() * this.electionTimeout);
  }

  // ---- role changes ------------------------------------------------------------------

  private reset(term: number): void {
    this.appendsPending = false;
    this.heartbeatsPending = false;
    this.pendingForward = null;
    if (this.term !== term) {
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.abortLeaderTransfer();
    this.prs.resetVotes();
    const last = this.raftLog.lastIndex();
    for (const [id, pr] of this.prs.progress) {
      const np = new Progress(0, last + 1, this.prs.maxInflight, pr.isLearner);
      if (id === this.id) np.match = last;
      this.prs.progress.set(id, np);
    }
    this.pendingConfIndex = 0;
    this.uncommittedSize = 0;
    this.readOnly = new ReadOnly();
    this.pendingReadIndexMessages = [];
  }

  becomeFollower(term: number, lead: NodeId): void {
    this.reset(term);
    this.lead = lead;
    this.state = StateType.Follower;
  }

  becomeCandidate(): void {
    if (this.state === StateType.Leader)
      throw new Error('invalid transition [leader -> candidate]');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.state = StateType.Candidate;
  }

  becomePreCandidate(): void {
    if (this.state === StateType.Leader) {
      throw new Error('invalid transition [leader -> pre-candidate]');
    }
    // Pre-vote changes neither the term nor the vote.
    this.prs.resetVotes();
    this.lead = NONE;
    this.state = StateType.PreCandidate;
  }

  becomeLeader(): void {
    if (this.state === StateType.Follower)
      throw new Error('invalid transition [follower -> leader]');
    this.reset(this.term);
    this.lead = this.id;
    this.state = StateType.Leader;
    this.prs.progress.get(this.id)?.becomeReplicate();
    // Any conf change in the log may still be pending: delay new ones until everything
    // up to here is applied, rather than scanning the tail.
    this.pendingConfIndex = this.raftLog.lastIndex();
    const empty: Entry = { term: 0, index: 0, type: EntryType.Normal, data: EMPTY_BYTES };
    this.appendEntry([empty]);
    // The no-op does not count against the uncommitted quota.
    this.uncommittedSize = 0;
  }

  // ---- step --------------------------------------------------------------------------

  /** Processes one message. Throws ProposalDroppedError for a proposal it cannot take. */
  step(m: Message): void {
    if (m.term === 0) {
      // Local message.
    } else if (m.term > this.term) {
      if (m.type === MessageType.Vote || m.type === MessageType.PreVote) {
        const force = isTransferCtx(m.context);
        // Heard from a leader within the minimum election timeout: neither update the
        // term nor grant a vote (§6 / §9.6 of the thesis). Members' ticks are not in step:
        // a member that campaigns after exactly the election timeout may find its peers
        // one tick short of it, so the lease ends a tick early. It only guards against
        // disruption (no read relies on it), and a live leader heartbeats every few ticks.
        const inLease =
          this.checkQuorum && this.lead !== NONE && this.electionElapsed < this.electionTimeout - 1;
        if (!force && inLease) return;
      }
      if (m.type === MessageType.PreVote) {
        // Never change our term in response to a pre-vote.
      } else if (m.type === MessageType.PreVoteResp && !m.reject) {
        // A granted pre-vote carries the future term we asked for; the term moves when
        // a quorum grants it.
      } else if (
        m.type === MessageType.App ||
        m.type === MessageType.Heartbeat ||
        m.type === MessageType.Snap
      ) {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, NONE);
      }
    } else if (m.term < this.term) {
      if (
        this.countStaleVotes &&
        (m.type === MessageType.VoteResp || m.type === MessageType.PreVoteResp) &&
        (this.state === StateType.Candidate || this.state === StateType.PreCandidate)
      ) {
        // Deliberate bug (test-only): count a stale vote response as a grant.
        const stale = newMessage(m.type, m.to, m.from, this.term);
        stale.reject = false;
        stepCandidate(this, stale);
        return;
      }
      if (m.type === MessageType.Heartbeat || m.type === MessageType.App) {
        // A leader of an older term: tell it our term so it steps down. etcd does this
        // only with check-quorum / pre-vote; we always do, because a node that cannot
        // campaign (e.g. a new member still catching up, whose term was raised by a
        // removed member it did not know about yet) would otherwise ignore the leader
        // forever while the leader never learns why.
        this.send(newMessage(MessageType.AppResp, m.from, this.id, 0));
      } else if (m.type === MessageType.PreVote) {
        const r = newMessage(MessageType.PreVoteResp, m.from, this.id, this.term);
        r.reject = true;
        this.send(r);
      }
      return;
    }

    switch (m.type) {
      case MessageType.Hup:
        hup(this, this.preVote ? CampaignType.PreElection : CampaignType.Election);
        return;
      case MessageType.Vote:
      case MessageType.PreVote:
        handleVoteRequest(this, m);
        return;
      default:
        switch (this.state) {
          case StateType.Leader:
            stepLeader(this, m);
            return;
          case StateType.Follower:
            stepFollower(this, m);
            return;
          default:
            stepCandidate(this, m);
            return;
        }
    }
  }

  // ---- membership --------------------------------------------------------------------

  /** Applies a committed conf change to the progress tracker; the new configuration. */
  applyConfChange(cc: ConfChange): ConfState {
    return applyConfChange(this, cc);
  }

  abortLeaderTransfer(): void {
    this.leadTransferee = NONE;
  }
}
