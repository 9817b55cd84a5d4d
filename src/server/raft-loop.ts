// The raft loop: Ready → WAL → send → apply → Advance, one Ready at a time. Time and
// deferral come from the injected Scheduler and durability from the injected LoopDisk, so
// the simulator runs this very loop on simulated time and in-memory disks.
//
// Proposals that arrive while a WAL sync is in flight go into raft's unstable log and come
// out together in the next Ready: one write and one fdatasync for the whole batch (group
// commit). Nothing is acknowledged before the entry carrying it has been synced and applied.
import type { MemoryStorage } from '../raft/storage.js';
import {
  type Entry,
  EntryType,
  type HardState,
  isEmptySnapshot,
  type Message,
  type ReadState,
  type Ready,
  type Snapshot,
  type SoftState,
} from '../raft/types.js';
import type { Scheduler } from './scheduler.js';

/** The part of RawNode the loop drives. */
export interface ReadyNode {
  hasReady(): boolean;
  ready(): Ready;
  advance(rd: Ready): void;
}

/** Where the loop makes a Ready durable (the WAL and the snapshot files). */
export interface LoopDisk {
  /** Appends entries and the hard state, synced. */
  save(hs: HardState | null, ents: Entry[]): Promise<void>;
  /** Saves an incoming snapshot: the file first, then its marker in the WAL. */
  saveSnapshot(snap: Snapshot): Promise<void>;
}

/** What the loop asks of the member around it. */
export interface LoopHost {
  /** Runs before each Ready is taken (proposals buffered this turn go into raft). */
  beforeReady(): void;
  onSoftState(ss: SoftState): void;
  isLeader(): boolean;
  send(msgs: Message[]): void;
  /** Applies committed entries, then answers reads (either may be null). */
  apply(ents: Entry[] | null, reads: ReadState[] | null): void;
  /** An incoming snapshot is durable and in raft's storage: restore the state from it. */
  restore(snap: Snapshot): void;
  /** The hard state's commit index is durable. */
  persisted(commit: number): void;
  /** Work the loop must do between Readys (a snapshot's WAL marker). */
  hasWork(): boolean;
  work(): Promise<void>;
  /** Proposals are buffered for the next Ready. */
  hasBuffered(): boolean;
  /** After each run, once the loop is free again (no Ready in progress). */
  afterReady(): void;
  /** The loop failed: the member must stop. */
  fatal(e: Error): void;
  walSynced(seconds: number): void;
}

type LoopState = 'idle' | 'scheduled' | 'processing' | 'stopped' | 'failed';

/** The index of the last configuration change in `ents`, or 0. */
function lastConfChange(ents: readonly Entry[]): number {
  for (let i = ents.length - 1; i >= 0; i--) {
    if (ents[i]!.type === EntryType.ConfChange) return ents[i]!.index;
  }
  return 0;
}

export class RaftLoop {
  private state: LoopState = 'idle';
  private idleWaiters: (() => void)[] = [];
  /** The commit index of the last hard state this loop made durable (or found at start). */
  private durableCommit: number;

  constructor(
    private readonly node: ReadyNode,
    private readonly storage: MemoryStorage,
    private readonly disk: LoopDisk,
    private readonly host: LoopHost,
    private readonly sched: Scheduler,
  ) {
    this.durableCommit = storage.initialState().hardState.commit;
  }

  get processing(): boolean {
    return this.state === 'processing';
  }

  get failed(): boolean {
    return this.state === 'failed';
  }

  /** Runs the loop soon (once, however often it is asked before it runs). */
  schedule(): void {
    if (this.state !== 'idle') return;
    this.state = 'scheduled';
    this.sched.soon(this.run);
  }

  /** Resolves when nothing is in flight. */
  idle(): Promise<void> {
    if (this.state !== 'scheduled' && this.state !== 'processing') return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** No further Ready is taken (a Ready in progress finishes its current round). */
  stop(): void {
    if (this.state === 'failed') return;
    const wasIdle = this.state !== 'processing';
    this.state = 'stopped';
    if (wasIdle) this.notifyIdle();
  }

  private readonly run = (): void => {
    if (this.state !== 'scheduled') return;
    this.state = 'idle';
    try {
      this.host.beforeReady();
      if (!this.node.hasReady()) {
        if (this.host.hasWork()) {
          this.state = 'processing';
          this.host.work().then(this.done, this.fail);
        } else {
          this.notifyIdle();
        }
        return;
      }
      this.state = 'processing';
      this.process(this.node.ready()).then(this.done, this.fail);
    } catch (e) {
      this.fail(e);
    }
  };

  private readonly done = (): void => {
    if (this.state !== 'processing') {
      this.notifyIdle();
      return;
    }
    this.state = 'idle';
    try {
      this.host.afterReady();
      if (this.host.hasBuffered() || this.node.hasReady() || this.host.hasWork()) {
        this.schedule();
      } else this.notifyIdle();
    } catch (e) {
      this.fail(e);
    }
  };

  private readonly fail = (e: unknown): void => {
    this.state = 'failed';
    this.host.fatal(e instanceof Error ? e : new Error(String(e)));
    this.notifyIdle();
  };

  private notifyIdle(): void {
    if (this.idleWaiters.length === 0) return;
    const ws = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of ws) w();
  }

  /**
   * Processes Readys until raft has none. Pipelined: once a Ready is durable and advanced,
   * the next Ready's WAL write is started before the previous one's committed entries are
   * applied (and their clients answered), so the disk syncs the next batch while the CPU
   * answers the last one. Entries are applied only after the Ready that carried them is
   * durable, and always in order.
   */
  private async process(first: Ready): Promise<void> {
    let rd: Ready | null = first;
    let pending: Entry[] | null = null;
    let pendingReads: ReadState[] | null = null;
    while (rd !== null) {
      if (rd.softState !== null) this.host.onSoftState(rd.softState);
      const isLeader = this.host.isLeader();
      // The leader may send before its own sync (raft thesis 10.2.1); followers after.
      if (isLeader && rd.messages.length > 0) this.host.send(rd.messages);

      const snap = rd.snapshot;
      const hasSnap = snap !== null && !isEmptySnapshot(snap);
      if (hasSnap) {
        if (pending !== null || pendingReads !== null) {
          this.host.apply(pending, pendingReads);
          pending = pendingReads = null;
        }
        await this.disk.saveSnapshot(snap);
      }
      let saving: Promise<void> | null = null;
      const t0 = this.sched.monotonic();
      // With a snapshot the hard state is saved even when raft does not ask for a sync:
      // a snapshot marker counts at restart only once the WAL's commit covers it (found
      // by the simulator running this loop).
      //
      // A hard state whose only change is the commit index is not written (the commit can
      // be learnt again from the leader), except to cover a configuration change about to
      // be applied: a member restarted with an older commit counts the voters of the
      // configuration before it, and if its log is longer than the other voters' it can
      // neither be elected by them nor let them be elected (found by the simulator).
      const saved = rd.entries.length;
      const cover = lastConfChange(rd.committedEntries) > this.durableCommit;
      const hs = rd.hardState ?? (cover ? this.storage.initialState().hardState : null);
      if (saved > 0 || (hs !== null && (rd.mustSync || hasSnap || cover))) {
        saving = this.disk.save(hs, rd.entries);
      }
      // While this Ready syncs, apply the previous one's committed entries.
      if (pending !== null || pendingReads !== null) {
        this.host.apply(pending, pendingReads);
        pending = pendingReads = null;
      }
      if (saving !== null) {
        await saving;
        this.host.walSynced((this.sched.monotonic() - t0) / 1000);
        if (hs !== null) {
          this.durableCommit = hs.commit;
          this.host.persisted(hs.commit);
        }
      }
      // advance() marks rd.entries stable: all of them must be in the write just made.
      if (rd.entries.length !== saved) {
        throw new Error(
          `raft: a Ready's entries changed while it was saved (${saved} saved, ${rd.entries.length} now)`,
        );
      }
      if (hasSnap) {
        this.storage.applySnapshot(snap);
        this.host.restore(snap);
      }
      if (rd.hardState !== null) this.storage.setHardState(rd.hardState);
      if (rd.entries.length > 0) this.storage.append(rd.entries);
      if (!isLeader && rd.messages.length > 0) this.host.send(rd.messages);

      if (rd.committedEntries.length > 0) pending = rd.committedEntries;
      if (rd.readStates.length > 0) pendingReads = rd.readStates;
      this.node.advance(rd);
      // Go on only if this round waited for the disk (the event loop ran meanwhile).
      const goOn = saving !== null && this.state === 'processing';
      if (goOn) this.host.beforeReady();
      rd = goOn && this.node.hasReady() ? this.node.ready() : null;
    }
    this.host.apply(pending, pendingReads);
    if (this.host.hasWork()) await this.host.work();
  }
}
