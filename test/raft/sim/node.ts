// One simulated server: it drives its RawNode exactly as etcd's server loop does
// (tick / step, then Ready -> persist -> send -> apply -> advance) against a simulated
// disk. The disk is a MemoryStorage written only at the points where a real server has
// fsynced, so a crash keeps exactly what a real crash would.
import { ProposalDroppedError } from '../../../src/raft/interface.js';
import type { PeerContext } from '../../../src/raft/interface.js';
import { RawNode } from '../../../src/raft/rawnode.js';
import { MemoryStorage } from '../../../src/raft/storage.js';
import { decodeConfChange } from '../../../src/raft/codec.js';
import {
  type ConfChange,
  ConfChangeType,
  type Entry,
  EntryType,
  type HardState,
  type Message,
  type NodeId,
  type ReadState,
  NONE,
  StateType,
  emptyHardState,
  isEmptyHardState,
  isEmptySnapshot,
} from '../../../src/raft/types.js';
import { SimViolation } from './checker.js';
import type { Checker } from './checker.js';
import type { Prng } from '../../../src/pkg/prng.js';
import { StateMachine } from './statemachine.js';

export interface NodeParams {
  electionTick: number;
  heartbeatTick: number;
  maxSizePerMsg: number;
  maxInflightMsgs: number;
  maxUncommittedEntriesSize: number;
  checkQuorum: boolean;
  preVote: boolean;
  countStaleVotes: boolean;
}

/** Where in a Ready a crash strikes (chosen by the simulation). */
export enum CrashPoint {
  None = 0,
  /** Before anything of this Ready reached the disk. */
  BeforePersist = 1,
  /** The WAL write was torn: a prefix of the entries, no hard state. */
  TornWrite = 2,
  /** After the fsync, before sending (followers) or applying. */
  AfterPersist = 3,
}

/** What the node needs from the simulation around it. */
export interface Host {
  readonly rng: Prng;
  readonly checker: Checker;
  readonly tracing: boolean;
  trace(line: string): void;
  send(from: SimNode, m: Message): void;
  crashPoint(node: SimNode): CrashPoint;
  /** A ConfChange entry was applied (valid: it changed the membership). */
  confApplied(node: SimNode, e: Entry, cc: ConfChange, valid: boolean): void;
  entryApplied(node: SimNode, e: Entry): void;
  readState(node: SimNode, rs: ReadState): void;
  /** New entries in [lo, hi] are known committed: check every live leader has them. */
  newlyCommitted(lo: number, hi: number): void;
}

export class SimNode {
  storage = new MemoryStorage();
  raw: RawNode | null = null;
  sm = new StateMachine();
  removed = false;
  /** Simulated time until which the node is frozen (no ticks, no messages, no Ready). */
  pausedUntil = 0;
  incarnation = 0;
  /** The hard state on disk. */
  private persisted: HardState = emptyHardState();
  private commitRecorded = 0;
  /** Term for which this node, as leader, was checked to hold every committed entry. */
  private completenessTerm = -1;
  private readonly params: NodeParams;

  constructor(
    readonly id: NodeId,
    /** Bootstrap peers for a member of the initial cluster; empty for a joining node. */
    private readonly peers: PeerContext[],
    params: NodeParams,
    private readonly rng: Prng,
    private readonly host: Host,
  ) {
    this.params = params;
  }

  get alive(): boolean {
    return this.raw !== null;
  }

  get isLeader(): boolean {
    return this.raw !== null && this.raw.state === StateType.Leader;
  }

  /** (Re)starts from what is on disk, as a restarted process would. */
  start(): void {
    if (this.incarnation > 0) this.storage = rebuild(this.storage);
    this.incarnation++;
    const { hardState } = this.storage.initialState();
    this.persisted = hardState;
    this.commitRecorded = hardState.commit;
    const snap = this.storage.snapshot();
    this.sm = isEmptySnapshot(snap)
      ? new StateMachine()
      : StateMachine.decode(snap.data, snap.metadata.confState.voters);
    this.completenessTerm = -1;
    const random = this.rng;
    this.raw = new RawNode({
      id: this.id,
      electionTick: this.params.electionTick,
      heartbeatTick: this.params.heartbeatTick,
      storage: this.storage,
      applied: this.sm.applied,
      maxSizePerMsg: this.params.maxSizePerMsg,
      maxUncommittedEntriesSize: this.params.maxUncommittedEntriesSize,
      maxInflightMsgs: this.params.maxInflightMsgs,
      checkQuorum: this.params.checkQuorum,
      preVote: this.params.preVote,
      random: () => random.next(),
      faults: { countStaleVotes: this.params.countStaleVotes },
    });
    const fresh = this.storage.lastIndex() === 0 && isEmptyHardState(hardState);
    if (fresh && this.peers.length > 0) this.raw.bootstrap(this.peers);
    if (this.host.tracing) {
      this.host.trace(
        `start ${this.id} #${this.incarnation} term=${hardState.term} vote=${hardState.vote || '-'} commit=${hardState.commit} applied=${this.sm.applied} log=[${this.storage.firstIndex()},${this.storage.lastIndex()}]`,
      );
    }
  }

  /** Loses everything not on disk. */
  crash(): void {
    this.raw = null;
    this.pausedUntil = 0;
  }

  tick(): void {
    this.raw!.tick();
    this.checkLeader();
  }

  step(m: Message): void {
    const limit = this.quietErrors();
    try {
      this.raw!.step(m);
    } catch (err) {
      // A forwarded proposal reaching a node without a leader is dropped, as in etcd.
      if (!(err instanceof ProposalDroppedError)) throw err;
    } finally {
      Error.stackTraceLimit = limit;
    }
    this.checkLeader();
  }

  /** Returns false when the proposal was dropped (no leader): fine for clients. */
  propose(data: Uint8Array): boolean {
    const limit = this.quietErrors();
    try {
      this.raw!.propose(data);
    } catch (err) {
      if (err instanceof ProposalDroppedError) return false;
      throw err;
    } finally {
      Error.stackTraceLimit = limit;
    }
    this.checkLeader();
    return true;
  }

  proposeConfChange(cc: ConfChange): boolean {
    const limit = this.quietErrors();
    try {
      this.raw!.proposeConfChange(cc);
    } catch (err) {
      if (err instanceof ProposalDroppedError) return false;
      throw err;
    } finally {
      Error.stackTraceLimit = limit;
    }
    return true;
  }

  /**
   * Dropped proposals are frequent and expected: skip capturing their stacks (a replay
   * with a trace keeps them, for a real exception). Returns the limit to restore.
   */
  private quietErrors(): number {
    const limit = Error.stackTraceLimit;
    if (!this.host.tracing) Error.stackTraceLimit = 0;
    return limit;
  }

  checkLeader(): void {
    const raw = this.raw;
    if (raw !== null && raw.state === StateType.Leader) this.host.checker.leader(this.id, raw.term);
  }

  /** Snapshot of the applied state, then compaction, as etcd's --snapshot-count does. */
  snapshot(keep: number): boolean {
    const s = this.storage;
    const applied = this.sm.applied;
    if (applied <= s.snapshot().metadata.index || applied < s.firstIndex()) return false;
    s.createSnapshot(applied, { voters: this.sm.voters.slice(), learners: [] }, this.sm.encode());
    const to = applied - keep;
    if (to >= s.firstIndex()) s.compact(to);
    if (this.host.tracing)
      this.host.trace(
        `snapshot ${this.id} at ${applied}, log now [${s.firstIndex()},${s.lastIndex()}]`,
      );
    return true;
  }

  /** One pass of the server loop. Returns false if the node crashed or was removed during it. */
  handleReady(): boolean {
    const raw = this.raw!;
    const host = this.host;
    const checker = host.checker;
    const rd = raw.ready();
    if (host.tracing)
      this.traceReady(
        rd.softState?.raftState,
        rd.entries,
        rd.committedEntries,
        rd.messages.length,
        rd.hardState,
      );
    // A leader may send before its own fsync (etcd does); everyone else sends after.
    const sendFirst = raw.state === StateType.Leader && host.rng.chance(0.5);
    if (sendFirst) this.sendAll(rd.messages);
    const crash = host.crashPoint(this);
    if (crash === CrashPoint.BeforePersist) return this.crashIn('before persisting');

    const snap = rd.snapshot;
    const hasSnap = !isEmptySnapshot(snap);
    if (crash === CrashPoint.TornWrite && !hasSnap && rd.entries.length > 0) {
      const kept = rd.entries.slice(0, host.rng.int(rd.entries.length));
      this.storage.append(kept);
      checker.appended(this.id, this.storage, kept);
      return this.crashIn(`in a torn write (${kept.length}/${rd.entries.length} entries kept)`);
    }
    if (hasSnap) this.storage.applySnapshot(snap!);
    if (rd.entries.length > 0) {
      this.storage.append(rd.entries);
      checker.appended(this.id, this.storage, rd.entries);
    }
    if (rd.hardState !== null) {
      const hs = rd.hardState;
      checker.hardState(this.id, this.persisted, hs);
      if (
        raw.state === StateType.Leader &&
        hs.term === raw.term &&
        hs.commit > this.persisted.commit &&
        this.persisted.term === hs.term
      ) {
        checker.leaderCommit(this.id, hs.term, this.storage, hs.commit);
      }
      this.storage.setHardState(rd.hardState);
      this.persisted = {
        term: rd.hardState.term,
        vote: rd.hardState.vote,
        commit: rd.hardState.commit,
      };
    }
    if (this.persisted.commit > this.commitRecorded) {
      const lo = this.commitRecorded + 1;
      const hi = this.persisted.commit;
      this.commitRecorded = hi;
      checker.committed(this.id, this.storage, lo, hi, this.persisted.term);
      host.newlyCommitted(lo, hi);
    }
    if (raw.state === StateType.Leader && this.completenessTerm !== raw.term) {
      this.completenessTerm = raw.term;
      checker.leaderHasCommitted(this.id, raw.term, this.storage, 1, checker.committedMax);
    }
    if (crash === CrashPoint.AfterPersist) return this.crashIn('after persisting');
    if (!sendFirst) this.sendAll(rd.messages);

    if (hasSnap) {
      const md = snap!.metadata;
      if (md.index <= this.sm.applied) {
        throw new SimViolation(
          'snapshot order',
          `${this.id} was handed a snapshot at ${md.index} but has applied ${this.sm.applied}`,
        );
      }
      this.sm = StateMachine.decode(snap!.data, md.confState.voters);
      if (this.sm.applied !== md.index) {
        throw new SimViolation(
          'snapshot data',
          `${this.id} snapshot at ${md.index} holds state at ${this.sm.applied}`,
        );
      }
      checker.restored(this.id, md.index, md.term, this.sm.hash);
      if (host.tracing) host.trace(`restore ${this.id} snapshot at ${md.index} term ${md.term}`);
    }
    for (const e of rd.committedEntries) {
      if (e.index !== this.sm.applied + 1) {
        throw new SimViolation(
          'apply order',
          `${this.id} applies index ${e.index} after ${this.sm.applied}`,
        );
      }
      if (e.index > this.persisted.commit) {
        throw new SimViolation(
          'apply committed only',
          `${this.id} applies ${e.index} with commit ${this.persisted.commit}`,
        );
      }
      this.sm.apply(e);
      checker.applied(this.id, e, this.sm.hash);
      if (e.type === EntryType.ConfChange) this.applyConfChange(e);
      else host.entryApplied(this, e);
      if (this.raw !== raw) return false; // removed while applying
    }
    for (const rs of rd.readStates) host.readState(this, rs);
    raw.advance(rd);
    return true;
  }

  /** Validates like etcd's server (one membership, same answer on every node), then applies. */
  private applyConfChange(e: Entry): void {
    const cc = decodeConfChange(e.data);
    const voters = this.sm.voters;
    const member = voters.includes(cc.nodeId);
    const valid =
      cc.nodeId !== NONE &&
      (cc.type === ConfChangeType.AddNode
        ? !member
        : cc.type !== ConfChangeType.AddLearnerNode && member);
    if (valid && cc.type === ConfChangeType.AddNode) voters.push(cc.nodeId);
    else if (valid && cc.type === ConfChangeType.RemoveNode)
      voters.splice(voters.indexOf(cc.nodeId), 1);
    const cs = this.raw!.applyConfChange(valid ? cc : { ...cc, nodeId: NONE });
    // Bootstrap put the initial members into raft before their entries are applied.
    if (e.index > this.peers.length && !sameMembers(cs.voters, voters)) {
      throw new SimViolation(
        'membership',
        `${this.id} at ${e.index}: raft has voters [${[...cs.voters].sort()}], the log says [${[...voters].sort()}]`,
      );
    }
    if (this.host.tracing)
      this.host.trace(
        `conf ${this.id} applies ${ConfChangeType[cc.type]} ${cc.nodeId} at ${e.index}${valid ? '' : ' (invalid, no-op)'} voters=[${voters}]`,
      );
    this.host.confApplied(this, e, cc, valid);
  }

  private sendAll(msgs: Message[]): void {
    for (const m of msgs) {
      this.host.checker.sent(this.id, m, this.persisted);
      this.host.send(this, m);
    }
  }

  private crashIn(where: string): boolean {
    if (this.host.tracing) this.host.trace(`crash ${this.id} ${where}`);
    this.crash();
    return false;
  }

  private traceReady(
    state: StateType | undefined,
    entries: Entry[],
    committed: Entry[],
    nmsgs: number,
    hs: HardState | null,
  ): void {
    const parts = [`ready ${this.id}`];
    if (state !== undefined) parts.push(`state=${StateType[state]}`);
    if (hs) parts.push(`hs=(t${hs.term} v${hs.vote || '-'} c${hs.commit})`);
    if (entries.length)
      parts.push(
        `persist=[${entries[0]!.index}..${entries[entries.length - 1]!.index}]@t${entries[entries.length - 1]!.term}`,
      );
    if (committed.length)
      parts.push(`apply=[${committed[0]!.index}..${committed[committed.length - 1]!.index}]`);
    if (nmsgs) parts.push(`msgs=${nmsgs}`);
    this.host.trace(parts.join(' '));
  }
}

function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (const x of a) if (!b.includes(x)) return false;
  return true;
}

/** A new MemoryStorage holding only what the old one (the disk) has: snapshot, hard state, entries after the snapshot. */
function rebuild(disk: MemoryStorage): MemoryStorage {
  const s = new MemoryStorage();
  const snap = disk.snapshot();
  if (!isEmptySnapshot(snap)) s.applySnapshot(snap);
  s.setHardState(disk.initialState().hardState);
  const from = Math.max(disk.firstIndex(), snap.metadata.index + 1);
  const last = disk.lastIndex();
  if (last >= from) s.append(disk.entries(from, last + 1, Number.POSITIVE_INFINITY));
  return s;
}
