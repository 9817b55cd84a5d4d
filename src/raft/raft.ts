// Over 500 lines: the raft state machine is one object whose step functions share its state (as etcd's raft.go).
// The raft state machine (etcd's raft.raft): roles, terms and votes, replication, commit,
// membership, pre-vote, check-quorum, leader transfer and ReadIndex. Pure: it reacts to
// step() and tick() and queues outgoing messages in `msgs`.
import { type Config, type Features, ProposalDroppedError } from './interface.js';
import { NO_LIMIT, RaftLog } from './log.js';
import { Progress, ProgressState } from './progress.js';
import { VoteResult } from './quorum.js';
import { ReadOnly } from './read-only.js';
import { stepLeader } from './step-leader.js';
import { ProgressTracker } from './tracker.js';
import {
  type ConfChange,
  ConfChangeType,
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
  type Snapshot,
  type SoftState,
  StateType,
} from './types.js';

/** The context of a vote caused by a leader transfer: it overrides the leader lease. */
export const CAMPAIGN_TRANSFER = new Uint8Array(Buffer.from('CampaignTransfer'));

enum CampaignType {
  PreElection = 0,
  Election = 1,
  Transfer = 2,
}

function isTransferCtx(ctx: Uint8Array): boolean {
  if (ctx.length !== CAMPAIGN_TRANSFER.length) return false;
  for (let i = 0; i < ctx.length; i++) if (ctx[i] !== CAMPAIGN_TRANSFER[i]) return false;
  return true;
}

function voteRespType(t: MessageType): MessageType {
  return t === MessageType.Vote ? MessageType.VoteResp : MessageType.PreVoteResp;
}

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
    this.restoreConf(confState);
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

  tick(): void {
    if (this.state === StateType.Leader) this.tickHeartbeat();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.pastElectionTimeout()) {
      this.electionElapsed = 0;
      this.step(newMessage(MessageType.Hup, NONE, this.id, 0));
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.electionTimeout) {
      this.electionElapsed = 0;
      if (this.checkQuorum) this.step(newMessage(MessageType.CheckQuorum, NONE, this.id, 0));
      // A transfer that did not finish within an election timeout is abandoned.
      if (this.state === StateType.Leader && this.leadTransferee !== NONE) {
        this.abortLeaderTransfer();
      }
    }
    if (this.state !== StateType.Leader) return;
    this.tickSnapshotTimeouts();
    if (this.heartbeatElapsed >= this.heartbeatTimeout) {
      this.heartbeatElapsed = 0;
      this.step(newMessage(MessageType.Beat, NONE, this.id, 0));
    }
  }

  /**
   * A snapshot nobody reported on within two election timeouts is presumed lost: go back
   * to probing, which sends it again if still needed.
   */
  private tickSnapshotTimeouts(): void {
    for (const pr of this.prs.progress.values()) {
      if (pr.state !== ProgressState.Snapshot) continue;
      if (++pr.snapshotElapsed >= 2 * this.electionTimeout) {
        pr.pendingSnapshot = 0;
        pr.becomeProbe();
      }
    }
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

  // ---- elections ---------------------------------------------------------------------

  /** MsgHup: start an election unless a committed conf change is still unapplied. */
  private hup(t: CampaignType): void {
    if (this.state === StateType.Leader) return;
    if (!this.promotable()) return;
    const log = this.raftLog;
    if (log.committed > log.applied) {
      // Entries below firstIndex are inside a snapshot: nothing left to apply there.
      const lo = Math.max(log.applied + 1, log.firstIndex());
      const ents = lo > log.committed ? [] : log.slice(lo, log.committed + 1, NO_LIMIT);
      if (ents === null) throw new Error('unexpected error getting unapplied entries');
      for (const e of ents) if (e.type === EntryType.ConfChange) return;
    }
    this.campaign(t);
  }

  campaign(t: CampaignType): void {
    if (!this.promotable()) return;
    let term: number;
    let voteMsg: MessageType;
    if (t === CampaignType.PreElection) {
      this.becomePreCandidate();
      voteMsg = MessageType.PreVote;
      // Pre-votes are asked for the next term, without incrementing ours.
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      voteMsg = MessageType.Vote;
      term = this.term;
    }
    if (this.poll(this.id, voteRespType(voteMsg), true) === VoteResult.Won) {
      // A single voter wins at once.
      if (t === CampaignType.PreElection) this.campaign(CampaignType.Election);
      else this.becomeLeader();
      return;
    }
    const lastIndex = this.raftLog.lastIndex();
    const lastTerm = this.raftLog.lastTerm();
    for (const id of this.prs.voters) {
      if (id === this.id) continue;
      const m = newMessage(voteMsg, id, this.id, term);
      m.index = lastIndex;
      m.logTerm = lastTerm;
      if (t === CampaignType.Transfer) m.context = CAMPAIGN_TRANSFER;
      this.send(m);
    }
  }

  private poll(id: NodeId, _t: MessageType, granted: boolean): VoteResult {
    this.prs.recordVote(id, granted);
    return this.prs.tallyVotes().result;
  }

  // ---- step --------------------------------------------------------------------------

  /** Processes one message. Throws ProposalDroppedError for a proposal it cannot take. */
  step(m: Message): void {
    if (m.term === 0) {
      // Local message.
    } else if (m.term > this.term) {
      if (m.type === MessageType.Vote || m.type === MessageType.PreVote) {
        const force = isTransferCtx(m.context);
        const inLease =
          this.checkQuorum && this.lead !== NONE && this.electionElapsed < this.electionTimeout;
        // Heard from a leader within the minimum election timeout: neither update the
        // term nor grant a vote (§6 / §9.6 of the thesis).
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
        this.stepCandidate(stale);
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
        this.hup(this.preVote ? CampaignType.PreElection : CampaignType.Election);
        return;
      case MessageType.Vote:
      case MessageType.PreVote: {
        // We can vote if this is a repeat of a vote we cast, or we have not voted and
        // know no leader in this term, or it is a pre-vote for a future term.
        const canVote =
          this.vote === m.from ||
          (this.vote === NONE && this.lead === NONE) ||
          (m.type === MessageType.PreVote && m.term > this.term);
        if (canVote && this.raftLog.isUpToDate(m.index, m.logTerm)) {
          // The response carries the term of the request: for a pre-vote that is the
          // future term, and the candidate ignores stale ones.
          this.send(newMessage(voteRespType(m.type), m.from, this.id, m.term));
          if (m.type === MessageType.Vote) {
            // Only record real votes; the hard state goes out in the same Ready, and the
            // driver persists it before it sends the response.
            this.electionElapsed = 0;
            this.vote = m.from;
          }
        } else {
          const r = newMessage(voteRespType(m.type), m.from, this.id, this.term);
          r.reject = true;
          this.send(r);
        }
        return;
      }
      default:
        switch (this.state) {
          case StateType.Leader:
            stepLeader(this, m);
            return;
          case StateType.Follower:
            this.stepFollower(m);
            return;
          default:
            this.stepCandidate(m);
            return;
        }
    }
  }

  private stepCandidate(m: Message): void {
    const myVoteResp =
      this.state === StateType.PreCandidate ? MessageType.PreVoteResp : MessageType.VoteResp;
    switch (m.type) {
      case MessageType.Prop:
        throw new ProposalDroppedError();
      case MessageType.App:
        this.becomeFollower(m.term, m.from);
        this.handleAppendEntries(m);
        return;
      case MessageType.Heartbeat:
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return;
      case MessageType.Snap:
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return;
      case myVoteResp: {
        const res = this.poll(m.from, m.type, !m.reject);
        if (res === VoteResult.Won) {
          if (this.state === StateType.PreCandidate) {
            this.campaign(CampaignType.Election);
          } else {
            this.becomeLeader();
            this.bcastAppend();
          }
        } else if (res === VoteResult.Lost) {
          // A pre-vote response carries a future term: keep ours.
          this.becomeFollower(this.term, NONE);
        }
        return;
      }
      default:
        return;
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case MessageType.Prop: {
        if (this.lead === NONE) throw new ProposalDroppedError();
        // Local proposals made before the next Ready share one forward to the leader.
        const fwd = this.pendingForward;
        const local = m.from === NONE || m.from === this.id;
        if (local && this.deferProposalAppends && fwd !== null && fwd.to === this.lead) {
          for (let i = 0; i < m.entries.length; i++) fwd.entries.push(m.entries[i]!);
          return;
        }
        m.to = this.lead;
        this.send(m);
        if (local && this.deferProposalAppends) this.pendingForward = m;
        return;
      }
      case MessageType.App:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppendEntries(m);
        return;
      case MessageType.Heartbeat:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m);
        return;
      case MessageType.Snap:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m);
        return;
      case MessageType.TransferLeader:
        if (this.lead === NONE) return;
        m.to = this.lead;
        this.send(m);
        return;
      case MessageType.TimeoutNow:
        // The leader asks us to take over now: campaign at once, past any lease.
        this.hup(CampaignType.Transfer);
        return;
      case MessageType.ReadIndex:
        if (this.lead === NONE) return;
        m.to = this.lead;
        this.send(m);
        return;
      case MessageType.ReadIndexResp:
        this.readStates.push({ index: m.index, requestCtx: m.context });
        return;
      default:
        return;
    }
  }

  // ---- follower handlers -------------------------------------------------------------

  handleAppendEntries(m: Message): void {
    const log = this.raftLog;
    if (m.index < log.committed) {
      const r = newMessage(MessageType.AppResp, m.from, this.id, 0);
      r.index = log.committed;
      this.send(r);
      return;
    }
    const lastNew = log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    const r = newMessage(MessageType.AppResp, m.from, this.id, 0);
    if (lastNew >= 0) {
      r.index = lastNew;
    } else {
      // Reject, with a hint: the last index that could match given the leader's term
      // at m.index, so the leader skips whole terms of conflicting entries.
      let hint = Math.min(m.index, log.lastIndex());
      hint = log.findConflictByTerm(hint, m.logTerm);
      r.index = m.index;
      r.reject = true;
      r.rejectHint = hint;
      r.logTerm = log.term(hint);
    }
    this.send(r);
  }

  handleHeartbeat(m: Message): void {
    this.raftLog.commitTo(m.commit);
    const r = newMessage(MessageType.HeartbeatResp, m.from, this.id, 0);
    r.context = m.context;
    this.send(r);
  }

  handleSnapshot(m: Message): void {
    const r = newMessage(MessageType.AppResp, m.from, this.id, 0);
    if (m.snapshot !== null && this.restore(m.snapshot)) {
      r.index = this.raftLog.lastIndex();
    } else {
      r.index = this.raftLog.committed;
    }
    this.send(r);
  }

  /** Installs a snapshot from the leader; false if it is not newer than what we have. */
  restore(s: Snapshot): boolean {
    const md = s.metadata;
    if (md.index <= this.raftLog.committed) return false;
    if (this.state !== StateType.Follower) {
      // Only a follower installs snapshots; anything else is a bug elsewhere, so be
      // safe and move on to the next term.
      this.becomeFollower(this.term + 1, NONE);
      return false;
    }
    if (this.raftLog.matchTerm(md.index, md.term)) {
      // We have the entries: just fast-forward the commit index.
      this.raftLog.commitTo(md.index);
      return false;
    }
    this.raftLog.restore(s);
    this.restoreConf(md.confState);
    return true;
  }

  // ---- membership --------------------------------------------------------------------

  private restoreConf(cs: ConfState): void {
    this.prs = new ProgressTracker(this.prs.maxInflight);
    const next = this.raftLog.lastIndex() + 1;
    for (const id of cs.voters) {
      this.prs.progress.set(id, new Progress(0, next, this.prs.maxInflight, false));
    }
    for (const id of cs.learners) {
      this.prs.progress.set(id, new Progress(0, next, this.prs.maxInflight, true));
    }
    this.prs.rebuild();
    const self = this.prs.progress.get(this.id);
    if (self !== undefined) self.match = next - 1;
    this.isLearner = self?.isLearner === true;
  }

  applyConfChange(cc: ConfChange): ConfState {
    if (cc.nodeId === NONE) return this.prs.confState();
    switch (cc.type) {
      case ConfChangeType.AddNode:
        this.addNode(cc.nodeId, false);
        break;
      case ConfChangeType.AddLearnerNode:
        this.addNode(cc.nodeId, true);
        break;
      case ConfChangeType.RemoveNode:
        this.removeNode(cc.nodeId);
        break;
      case ConfChangeType.UpdateNode:
        break;
      default:
        throw new Error(`unexpected conf change type ${cc.type}`);
    }
    return this.prs.confState();
  }

  private addNode(id: NodeId, learner: boolean): void {
    this.removed.delete(id);
    let pr = this.prs.progress.get(id);
    if (pr === undefined) {
      pr = new Progress(0, this.raftLog.lastIndex() + 1, this.prs.maxInflight, learner);
      this.prs.set(id, pr);
    } else {
      // A voter cannot become a learner; a redundant add is ignored.
      if (learner && !pr.isLearner) return;
      if (learner === pr.isLearner) return;
      pr.isLearner = false; // promote learner to voter, keeping its progress
      this.prs.rebuild();
    }
    if (id === this.id) this.isLearner = learner;
    // A new member counts as active, or check-quorum could depose us before it speaks.
    pr.recentActive = true;
    if (this.state === StateType.Leader && id !== this.id) this.sendAppend(id);
  }

  private removeNode(id: NodeId): void {
    this.prs.remove(id);
    if (id !== this.id) this.removed.add(id);
    if (this.prs.ids.length === 0) return;
    if (this.state === StateType.Leader) {
      // The quorum shrank: pending entries may commit now.
      if (this.maybeCommit()) this.bcastAppend();
      if (this.leadTransferee === id) this.abortLeaderTransfer();
    }
  }

  abortLeaderTransfer(): void {
    this.leadTransferee = NONE;
  }
}
