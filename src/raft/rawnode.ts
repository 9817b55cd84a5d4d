// The driver's handle on a raft node (etcd's RawNode): feed it ticks, messages and
// proposals; take a Ready, persist / send / apply it, then advance().
import { leaderGone } from './election.js';
import { encodeConfChange } from './raftpb.js';
import {
  type Config,
  type Features,
  type PeerContext,
  ProposalDroppedError,
  type RawNodeApi,
  type Status,
} from './interface.js';
import { PROGRESS_STATE_NAMES } from './progress.js';
import { Raft } from './raft.js';
import {
  type ConfChange,
  ConfChangeType,
  type ConfState,
  EMPTY_BYTES,
  type Entry,
  EntryType,
  type HardState,
  isLocalMessage,
  type Message,
  MessageType,
  NONE,
  type NodeId,
  newMessage,
  type Ready,
  type SoftState,
  StateType,
} from './types.js';

/** Message types that answer one of ours: step() drops them from peers it does not know. */
const RESPONSE_MESSAGES: ReadonlySet<MessageType> = new Set([
  MessageType.AppResp,
  MessageType.VoteResp,
  MessageType.HeartbeatResp,
  MessageType.Unreachable,
  MessageType.PreVoteResp,
]);

export class RawNode implements RawNodeApi {
  readonly raft: Raft;
  private prevSoftLead: NodeId;
  private prevSoftState: StateType;
  private prevHard: HardState;

  constructor(config: Config) {
    this.raft = new Raft(config);
    this.raft.deferProposalAppends = true;
    this.prevSoftLead = this.raft.lead;
    this.prevSoftState = this.raft.state;
    this.prevHard = this.raft.hardState();
  }

  get state(): StateType {
    return this.raft.state;
  }

  get lead(): NodeId {
    return this.raft.lead;
  }

  get term(): number {
    return this.raft.term;
  }

  bootstrap(peers: PeerContext[]): void {
    if (peers.length === 0) throw new Error('must provide at least one peer to bootstrap');
    const r = this.raft;
    if (r.raftLog.storage.lastIndex() !== 0) throw new Error("can't bootstrap a nonempty Storage");
    // Nothing is persisted yet: the first Ready carries the hard state.
    this.prevHard = { term: 0, vote: NONE, commit: 0 };
    r.becomeFollower(1, NONE);
    const ents: Entry[] = peers.map((p, i) => ({
      term: 1,
      index: i + 1,
      type: EntryType.ConfChange,
      data: encodeConfChange({
        id: '',
        type: ConfChangeType.AddNode,
        nodeId: p.id,
        context: p.context,
      }),
    }));
    r.raftLog.append(ents);
    // Committed at once (as etcd), and applied here too so the node can campaign before
    // the driver applies them; applied stays 0 so the driver sees them all.
    r.raftLog.committed = ents.length;
    for (const p of peers) {
      r.applyConfChange({
        id: '',
        type: ConfChangeType.AddNode,
        nodeId: p.id,
        context: EMPTY_BYTES,
      });
    }
  }

  tick(): void {
    this.raft.tick();
  }

  campaign(): void {
    this.raft.step(newMessage(MessageType.Hup, NONE, this.raft.id, 0));
  }

  propose(data: Uint8Array): void {
    const m = newMessage(MessageType.Prop, NONE, this.raft.id, 0);
    m.entries = [{ term: 0, index: 0, type: EntryType.Normal, data }];
    this.raft.step(m);
  }

  /** Proposes several entries in one message (one append for all of them). */
  proposeBatch(datas: Uint8Array[]): void {
    if (datas.length === 0) return;
    const m = newMessage(MessageType.Prop, NONE, this.raft.id, 0);
    const ents: Entry[] = new Array(datas.length);
    for (let i = 0; i < datas.length; i++) {
      ents[i] = { term: 0, index: 0, type: EntryType.Normal, data: datas[i]! };
    }
    m.entries = ents;
    this.raft.step(m);
  }

  proposeConfChange(cc: ConfChange): void {
    const m = newMessage(MessageType.Prop, NONE, this.raft.id, 0);
    m.entries = [{ term: 0, index: 0, type: EntryType.ConfChange, data: encodeConfChange(cc) }];
    this.raft.step(m);
  }

  applyConfChange(cc: ConfChange): ConfState {
    return this.raft.applyConfChange(cc);
  }

  /**
   * Steps a message from the network. Ignored: local-only types, anything from a member
   * removed by an applied conf change (so it cannot disrupt the cluster), and responses
   * from peers outside the configuration. Requests from peers this node does not know
   * yet are accepted: a member that lags behind a conf change must still hear from a
   * leader that joined after its last applied configuration.
   */
  step(m: Message): void {
    if (isLocalMessage(m.type)) return;
    const r = this.raft;
    if (r.removed.has(m.from)) return;
    if (RESPONSE_MESSAGES.has(m.type) && !r.prs.has(m.from)) return;
    if (m.type !== MessageType.Prop) {
      r.step(m);
      return;
    }
    // A forwarded proposal that cannot be taken here (no leader any more, or a
    // transfer under way) is dropped: its proposer times out, as in etcd.
    try {
      r.step(m);
    } catch (err) {
      if (!(err instanceof ProposalDroppedError)) throw err;
    }
  }

  hasReady(): boolean {
    const r = this.raft;
    if (r.appendsPending || r.heartbeatsPending) return true;
    if (r.lead !== this.prevSoftLead || r.state !== this.prevSoftState) return true;
    const h = this.prevHard;
    const commit = r.raftLog.committed;
    if (
      (r.term !== h.term || r.vote !== h.vote || commit !== h.commit) &&
      !(r.term === 0 && r.vote === NONE && commit === 0)
    ) {
      return true;
    }
    if (r.raftLog.hasPendingSnapshot()) return true;
    if (r.msgs.length > 0 || r.raftLog.unstable.entries.length > 0 || r.raftLog.hasNextEnts()) {
      return true;
    }
    return r.readStates.length !== 0;
  }

  ready(): Ready {
    const r = this.raft;
    r.flushAppends();
    let softState: SoftState | null = null;
    if (r.lead !== this.prevSoftLead || r.state !== this.prevSoftState) {
      softState = { lead: r.lead, raftState: r.state };
      this.prevSoftLead = r.lead;
      this.prevSoftState = r.state;
    }
    const h = this.prevHard;
    const commit = r.raftLog.committed;
    let hardState: HardState | null = null;
    if (r.term !== h.term || r.vote !== h.vote || commit !== h.commit) {
      hardState = { term: r.term, vote: r.vote, commit };
    }
    const entries = r.raftLog.unstableEntries();
    const snap = r.raftLog.unstable.snapshot;
    const rd: Ready = {
      softState,
      hardState,
      readStates: r.readStates,
      entries,
      snapshot: snap !== null && snap.metadata.index !== 0 ? snap : null,
      committedEntries: r.raftLog.nextEnts(),
      messages: r.msgs,
      mustSync: entries.length !== 0 || r.vote !== h.vote || r.term !== h.term,
    };
    // Always a fresh array: states added while this Ready is held belong to the next one.
    r.readStates = [];
    r.msgs = [];
    r.pendingForward = null;
    return rd;
  }

  advance(rd: Ready): void {
    const r = this.raft;
    if (rd.hardState !== null) this.prevHard = rd.hardState;
    r.reduceUncommittedSize(rd.committedEntries);
    const ce = rd.committedEntries;
    if (ce.length > 0) r.raftLog.appliedTo(ce[ce.length - 1]!.index);
    else if (rd.snapshot !== null) r.raftLog.appliedTo(rd.snapshot.metadata.index);
    if (rd.entries.length > 0) {
      const e = rd.entries[rd.entries.length - 1]!;
      r.raftLog.stableTo(e.index, e.term);
    }
    if (rd.snapshot !== null) r.raftLog.stableSnapTo(rd.snapshot.metadata.index);
  }

  readIndex(ctx: Uint8Array): void {
    const m = newMessage(MessageType.ReadIndex, NONE, NONE, 0);
    m.context = ctx;
    this.raft.step(m);
  }

  /** See Raft.setFeatures: pre-vote, check-quorum, leader transfer and 2.0 followers. */
  setFeatures(f: Features): void {
    this.raft.setFeatures(f);
  }

  transferLeader(to: NodeId): void {
    this.raft.step(newMessage(MessageType.TransferLeader, NONE, to, 0));
  }

  reportUnreachable(id: NodeId): void {
    this.raft.step(newMessage(MessageType.Unreachable, NONE, id, 0));
  }

  /** The transport saw `id`'s peer port refuse a connection: see election.ts leaderGone. */
  reportPeerDown(id: NodeId): void {
    leaderGone(this.raft, id);
  }

  reportSnapshot(id: NodeId, ok: boolean): void {
    const m = newMessage(MessageType.SnapStatus, NONE, id, 0);
    m.reject = !ok;
    this.raft.step(m);
  }

  status(): Status {
    const r = this.raft;
    const progress: Status['progress'] = new Map();
    if (r.state === StateType.Leader) {
      for (const [id, pr] of r.prs.progress) {
        progress.set(id, { match: pr.match, next: pr.next, state: PROGRESS_STATE_NAMES[pr.state] });
      }
    }
    return {
      id: r.id,
      hardState: r.hardState(),
      softState: r.softState(),
      applied: r.raftLog.applied,
      progress,
      leadTransferee: r.leadTransferee,
    };
  }
}
