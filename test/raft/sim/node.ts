// One simulated server: its RawNode is driven by the production raft loop
// (src/server/raft-loop.ts: Ready -> persist -> send -> apply -> advance) on the
// simulation's scheduler, against a simulated disk: a MemoryStorage written only where a
// real server has fsynced, so a crash keeps exactly what a real crash would. raft's own
// MemoryStorage is rebuilt from the disk at every start, as a restarted process would.
import { ProposalDroppedError } from '../../../src/raft/interface.js';
import type { PeerContext } from '../../../src/raft/interface.js';
import { RawNode } from '../../../src/raft/rawnode.js';
import { MemoryStorage } from '../../../src/raft/storage.js';
import { decodeConfChange } from '../../../src/raft/raftpb.js';
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
  type Snapshot,
  StateType,
  emptyHardState,
  isEmptyHardState,
  isEmptySnapshot,
} from '../../../src/raft/types.js';
import { type LoopDisk, type LoopHost, RaftLoop } from '../../../src/server/raft-loop.js';
import type { Scheduler } from '../../../src/server/scheduler.js';
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
  None,
  /** Before anything of this Ready reached the disk. */
  BeforePersist,
  /** The WAL write was torn: a prefix of the entries, no hard state. */
  TornWrite,
  /** After the fsync, before sending (followers) or applying. */
  AfterPersist,
}

/** What the node needs from the simulation around it. */
export interface Host {
  readonly rng: Prng;
  /** The simulation's deferral (the loops run when the simulation lets them). */
  readonly scheduler: Scheduler;
  /** The node crashed in the middle of a Ready. */
  readyCrashed(node: SimNode): void;
  /** A loop stopped on an error (a violation found inside a Ready). */
  loopFailed(node: SimNode, e: Error): void;
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

/** A sync that never completes: the process died during it. */
const NEVER = new Promise<void>(() => {});
const DONE = Promise.resolve();

export class SimNode {
  /** What survives a crash: the WAL and the snapshot files. */
  disk = new MemoryStorage();
  /** raft's storage, rebuilt from the disk at every start. */
  storage = new MemoryStorage();
  raw: RawNode | null = null;
  private loop: RaftLoop | null = null;
  /** The Ready being persisted carried a snapshot (no torn write then). */
  private snapInReady = false;
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
    this.storage = rebuild(this.disk);
    this.incarnation++;
    const { hardState } = this.disk.initialState();
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
    const raw = this.raw;
    this.loop = new RaftLoop(
      raw,
      this.storage,
      this.loopDisk(raw),
      this.loopHost(raw),
      this.host.scheduler,
    );
    if (this.host.tracing) {
      this.host.trace(
        `start ${this.id} #${this.incarnation} term=${hardState.term} vote=${hardState.vote || '-'} commit=${hardState.commit} applied=${this.sm.applied} log=[${this.storage.firstIndex()},${this.storage.lastIndex()}]`,
      );
    }
  }

  /** Loses everything not on disk. */
  crash(): void {
    this.raw = null;
    this.loop?.stop();
    this.loop = null;
    this.pausedUntil = 0;
  }

  /** Lets the loop take what raft has ready (the simulation then runs the scheduler). */
  kick(): void {
    this.loop?.schedule();
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
    const cs = { voters: this.sm.voters.slice(), learners: [] };
    const data = this.sm.encode();
    s.createSnapshot(applied, cs, data);
    const to = applied - keep;
    if (to >= s.firstIndex()) s.compact(to);
    // The snapshot file and the WAL's compaction (applied entries are on the disk).
    const d = this.disk;
    if (applied > d.snapshot().metadata.index && applied <= d.lastIndex()) {
      // As the member's snapshotting: the WAL's hard state must cover the snapshot.
      if (this.persisted.commit < applied) {
        this.persisted = { ...this.persisted, commit: applied };
        d.setHardState(this.persisted);
      }
      d.createSnapshot(applied, cs, data);
      if (to >= d.firstIndex()) d.compact(to);
    }
    if (this.host.tracing)
      this.host.trace(
        `snapshot ${this.id} at ${applied}, log now [${s.firstIndex()},${s.lastIndex()}]`,
      );
    return true;
  }

  /** Where the production loop persists: this node's simulated disk, with crash points. */
  private loopDisk(raw: RawNode): LoopDisk {
    return {
      save: (hs, ents) => (this.raw === raw ? this.persist(raw, hs, ents) : NEVER),
      saveSnapshot: (snap) => {
        if (this.raw !== raw) return NEVER;
        this.disk.applySnapshot(snap);
        this.snapInReady = true;
        return DONE;
      },
    };
  }

  private persist(raw: RawNode, hs: HardState | null, ents: Entry[]): Promise<void> {
    const host = this.host;
    const checker = host.checker;
    if (host.tracing) this.traceSave(raw, ents, hs);
    const snapInReady = this.snapInReady;
    this.snapInReady = false;
    const crash = host.crashPoint(this);
    if (crash === CrashPoint.BeforePersist) return this.crashIn('before persisting');
    if (crash === CrashPoint.TornWrite && !snapInReady && ents.length > 0) {
      const kept = ents.slice(0, host.rng.int(ents.length));
      this.disk.append(kept);
      checker.appended(this.id, this.disk, kept);
      return this.crashIn(`in a torn write (${kept.length}/${ents.length} entries kept)`);
    }
    if (ents.length > 0) {
      this.disk.append(ents);
      checker.appended(this.id, this.disk, ents);
    }
    if (hs !== null) {
      checker.hardState(this.id, this.persisted, hs);
      if (
        raw.state === StateType.Leader &&
        hs.term === raw.term &&
        hs.commit > this.persisted.commit &&
        this.persisted.term === hs.term
      ) {
        checker.leaderCommit(this.id, hs.term, this.disk, hs.commit);
      }
      this.disk.setHardState(hs);
      this.persisted = { term: hs.term, vote: hs.vote, commit: hs.commit };
    }
    if (this.persisted.commit > this.commitRecorded) {
      const lo = this.commitRecorded + 1;
      const hi = this.persisted.commit;
      this.commitRecorded = hi;
      checker.committed(this.id, this.disk, lo, hi, this.persisted.term);
      host.newlyCommitted(lo, hi);
    }
    if (raw.state === StateType.Leader && this.completenessTerm !== raw.term) {
      this.completenessTerm = raw.term;
      checker.leaderHasCommitted(this.id, raw.term, this.disk, 1, checker.committedMax);
    }
    if (crash === CrashPoint.AfterPersist) return this.crashIn('after persisting');
    return DONE;
  }

  /** What the production loop asks of this node: send, apply, restore (this incarnation only). */
  private loopHost(raw: RawNode): LoopHost {
    const live = () => this.raw === raw;
    return {
      beforeReady: () => {},
      hasBuffered: () => false,
      onSoftState: () => {},
      isLeader: () => raw.state === StateType.Leader,
      send: (msgs) => {
        if (live()) this.sendAll(msgs);
      },
      apply: (ents, reads) => {
        if (ents !== null && live()) this.applyEntries(raw, ents);
        if (reads !== null && live()) for (const rs of reads) this.host.readState(this, rs);
      },
      restore: (snap) => {
        if (live()) this.restore(snap);
      },
      persisted: () => {},
      hasWork: () => false,
      work: () => DONE,
      afterReady: () => {},
      fatal: (e) => this.host.loopFailed(this, e),
      walSynced: () => {},
    };
  }

  private restore(snap: Snapshot): void {
    const host = this.host;
    const md = snap.metadata;
    if (md.index <= this.sm.applied) {
      throw new SimViolation(
        'snapshot order',
        `${this.id} was handed a snapshot at ${md.index} but has applied ${this.sm.applied}`,
      );
    }
    this.sm = StateMachine.decode(snap.data, md.confState.voters);
    if (this.sm.applied !== md.index) {
      throw new SimViolation(
        'snapshot data',
        `${this.id} snapshot at ${md.index} holds state at ${this.sm.applied}`,
      );
    }
    host.checker.restored(this.id, md.index, md.term, this.sm.hash);
    if (host.tracing) host.trace(`restore ${this.id} snapshot at ${md.index} term ${md.term}`);
  }

  private applyEntries(raw: RawNode, ents: Entry[]): void {
    const host = this.host;
    const commit = raw.status().hardState.commit;
    if (host.tracing && ents.length > 0) {
      host.trace(`apply ${this.id} [${ents[0]!.index}..${ents[ents.length - 1]!.index}]`);
    }
    for (const e of ents) {
      if (e.index !== this.sm.applied + 1) {
        throw new SimViolation(
          'apply order',
          `${this.id} applies index ${e.index} after ${this.sm.applied}`,
        );
      }
      if (e.index > commit || e.index > this.disk.lastIndex()) {
        throw new SimViolation(
          'apply committed only',
          `${this.id} applies ${e.index} with commit ${commit}, ${this.disk.lastIndex()} on its disk`,
        );
      }
      this.sm.apply(e);
      host.checker.applied(this.id, e, this.sm.hash);
      if (e.type === EntryType.ConfChange) this.applyConfChange(e);
      else host.entryApplied(this, e);
      if (this.raw !== raw) return; // removed while applying
    }
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

  private crashIn(where: string): Promise<void> {
    if (this.host.tracing) this.host.trace(`crash ${this.id} ${where}`);
    this.crash();
    this.host.readyCrashed(this);
    return NEVER;
  }

  private traceSave(raw: RawNode, entries: Entry[], hs: HardState | null): void {
    const parts = [`ready ${this.id}`, `state=${StateType[raw.state]}`];
    if (hs) parts.push(`hs=(t${hs.term} v${hs.vote || '-'} c${hs.commit})`);
    if (entries.length)
      parts.push(
        `persist=[${entries[0]!.index}..${entries[entries.length - 1]!.index}]@t${entries[entries.length - 1]!.term}`,
      );
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
  // A crash between an incoming snapshot and its hard state: a member then restarts from
  // its older snapshot (the marker counts only once the WAL's commit covers it), which
  // this one-snapshot disk cannot hold; it keeps the newer one, committed as it is.
  const hs = disk.initialState().hardState;
  const at = snap.metadata.index;
  s.setHardState(hs.commit < at ? { ...hs, commit: at } : hs);
  const from = Math.max(disk.firstIndex(), snap.metadata.index + 1);
  const last = disk.lastIndex();
  if (last >= from) s.append(disk.entries(from, last + 1, Number.POSITIVE_INFINITY));
  return s;
}
