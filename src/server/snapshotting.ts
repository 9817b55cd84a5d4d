// Snapshots of the applied state (every --snapshot-count entries) and the purge of old
// snapshot and WAL files they make unnecessary.
import type { Logger } from '../pkg/logger.js';
import type { MemoryStorage } from '../raft/storage.js';
import { type ConfState, EMPTY_BYTES, type HardState } from '../raft/types.js';
import type { Snapshotter } from '../snap/snapshotter.js';
import type { Store } from '../store/store.js';
import { purgeWals } from '../wal/purge.js';
import type { WAL } from '../wal/wal.js';
import type { Membership } from './membership.js';
import type { MemberMetrics } from './metrics.js';
import type { Scheduler } from './scheduler.js';
import { encodeSnapshotData, snapshotDataProducer } from './snapshot-data.js';

export const DEFAULT_CATCH_UP_ENTRIES = 5000;

/** How many members a configuration has (voters and learners). */
export function membersIn(cs: ConfState): number {
  return cs.voters.length + cs.learners.length;
}

/** The applied state a snapshot is taken of. */
export interface SnapshotSource {
  applied: number;
  confState: ConfState;
  membership: Membership;
  store: Store;
  /** The commit index last written to the WAL (a snapshot must not run ahead of it). */
  persistedCommit: number;
  hardState(): HardState;
}

export interface SnapshottingOptions {
  snapshotCount: number;
  maxSnapshots: number;
  maxWals: number;
  /** Raft log entries kept behind a snapshot for slow followers. */
  catchUpEntries: number;
}

/**
 * A snapshot is taken between Readys: the applied state is serialised, installed in raft's
 * storage and the log compacted at once; the file is then written in the background while
 * the loop goes on, and once it is durable the loop writes its WAL marker (WAL writes
 * never overlap) and old files are purged.
 */
export class Snapshotting {
  /** The index of the newest snapshot taken (in memory, or restored). */
  index = 0;
  /** The newest snapshot whose WAL marker is written (or that was restored). */
  private marked = 0;
  private writing: Promise<void> | null = null;
  private purging: Promise<void> | null = null;
  private marker: { index: number; term: number; t0: number } | null = null;

  constructor(
    private readonly wal: WAL,
    private readonly walDir: string,
    private readonly snapshotter: Snapshotter,
    private readonly storage: MemoryStorage,
    private readonly opts: SnapshottingOptions,
    private readonly log: Logger,
    private readonly metrics: MemberMetrics,
    private readonly sched: Scheduler,
  ) {}

  /** --snapshot-count entries applied since the last snapshot, and none in flight. */
  due(applied: number): boolean {
    return (
      this.writing === null &&
      this.marker === null &&
      applied - this.index >= this.opts.snapshotCount
    );
  }

  /** A snapshot was restored (at start, or sent by the leader) with its marker. */
  restored(index: number): void {
    this.index = index;
    this.marked = Math.max(this.marked, index);
  }

  /**
   * Once the cluster has more than one member, a follower may need what the log no longer
   * holds: unless nothing is compacted yet, the in-memory snapshot must carry its data and
   * reach the compaction point (alone, the log is compacted past any snapshot), or a fresh
   * one replaces it.
   */
  ensureData(s: SnapshotSource): void {
    if (membersIn(s.confState) <= 1) return;
    const cur = this.storage.snapshot();
    const compacted = this.storage.firstIndex() - 1;
    if (compacted === 0) return;
    if (cur.data.length > 0 && cur.metadata.index >= compacted) return;
    if (s.applied <= cur.metadata.index) return;
    const data = encodeSnapshotData(s.store);
    this.storage.createSnapshot(s.applied, s.confState, data);
  }

  /**
   * Alone, nobody will ever be sent an entry again once it is applied: drop applied
   * entries from memory at once (they stay in the WAL). Entries then die young, where the
   * scavenger frees them, instead of living in the old generation until the next snapshot
   * (a full collection's worth of garbage per --snapshot-count writes).
   */
  compactAlone(s: SnapshotSource): void {
    if (membersIn(s.confState) > 1) return;
    const to = Math.min(s.applied, this.storage.lastIndex());
    if (to >= this.storage.firstIndex()) this.storage.compact(to);
  }

  /**
   * Takes a snapshot at the applied index (call it between Readys). The file is written in
   * the background: `written` is called when its marker can be written, `failed` if it
   * cannot be saved (Go etcd stops there).
   */
  start(s: SnapshotSource, written: () => void, failed: (e: Error) => void): void {
    const t0 = this.sched.monotonic();
    const index = s.applied;
    // Alone, nobody will ever be sent this snapshot: memory keeps only its metadata, and
    // the data goes straight into the file as it is made (no copy of the whole store).
    const keep = membersIn(s.confState) > 1;
    const data = keep ? encodeSnapshotData(s.store) : EMPTY_BYTES;
    const snap = this.storage.createSnapshot(index, s.confState, data);
    let saving: Promise<void>;
    if (keep) {
      saving = this.snapshotter.save({ data, metadata: snap.metadata });
    } else {
      const { produce, sizeHint } = snapshotDataProducer(s.store);
      saving = this.snapshotter.saveStreamed(snap.metadata, produce, sizeHint);
    }
    // Entries kept behind the snapshot are for slow followers; alone, there are none.
    const compactTo = keep ? index - this.opts.catchUpEntries : index;
    if (compactTo > this.storage.firstIndex()) this.storage.compact(compactTo);
    this.index = index;
    const term = snap.metadata.term;
    this.writing = saving.then(
      () => {
        this.writing = null;
        this.marker = { index, term, t0 };
        written();
      },
      (e: unknown) => {
        this.writing = null;
        failed(new Error(`etcdserver: saving snapshot at index ${index}: ${(e as Error).message}`));
      },
    );
  }

  /** A snapshot file is durable and its WAL marker not written yet. */
  get markerPending(): boolean {
    return this.marker !== null;
  }

  /**
   * Writes the pending snapshot's WAL marker (the loop calls this: WAL writes must not
   * overlap); returns the WAL's commit index afterwards. Then purges old files.
   */
  async writeMarker(s: SnapshotSource): Promise<number> {
    const m = this.marker;
    let persisted = s.persistedCommit;
    this.marker = null;
    // A newer snapshot (sent by the leader) may have been restored meanwhile.
    if (m === null || m.index <= this.marked) return persisted;
    if (persisted < m.index) {
      // The WAL's hard state must cover the snapshot, or a restart could not load it.
      const hs = s.hardState();
      await this.wal.save({ term: hs.term, vote: hs.vote, commit: m.index }, []);
      persisted = m.index;
    }
    await this.wal.saveSnapshot({ index: m.index, term: m.term }, true);
    this.marked = m.index;
    this.log.info(`etcdserver: saved snapshot at index ${m.index}`);
    this.metrics.snapshotSave.observe((this.sched.monotonic() - m.t0) / 1000);
    const prev = this.purging ?? Promise.resolve();
    this.purging = prev.then(() => this.purge(m.index));
    return persisted;
  }

  /** Resolves when no snapshot file is being written and no purge is running. */
  async settle(): Promise<void> {
    await this.writing;
    await this.purging;
  }

  private async purge(upTo: number): Promise<void> {
    try {
      if (this.opts.maxSnapshots > 0) await this.snapshotter.purge(this.opts.maxSnapshots);
      if (this.opts.maxWals > 0) await purgeWals(this.walDir, this.opts.maxWals, upTo);
    } catch (e) {
      this.log.warn(`etcdserver: failed to purge old files: ${(e as Error).message}`);
    }
  }
}
