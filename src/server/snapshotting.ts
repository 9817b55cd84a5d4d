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
import { encodeSnapshotData } from './snapshot-data.js';

export const DEFAULT_CATCH_UP_ENTRIES = 5000;

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

export class Snapshotting {
  /** The index of the newest snapshot. */
  index = 0;

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

  due(applied: number): boolean {
    return applied - this.index >= this.opts.snapshotCount;
  }

  private static members(cs: ConfState): number {
    return cs.voters.length + cs.learners.length;
  }

  /**
   * Once the cluster has more than one member, the in-memory snapshot must carry its data
   * (a follower may need it): a snapshot without data is replaced by a fresh one.
   */
  ensureData(s: SnapshotSource): void {
    if (Snapshotting.members(s.confState) <= 1) return;
    const cur = this.storage.snapshot();
    if (cur.metadata.index === 0 || cur.data.length > 0) return;
    if (s.applied <= cur.metadata.index) return;
    const data = encodeSnapshotData(s.membership, s.store.save());
    this.storage.createSnapshot(s.applied, s.confState, data);
  }

  /** Takes a snapshot at the applied index; returns the WAL's commit index afterwards. */
  async take(s: SnapshotSource): Promise<number> {
    const t0 = this.sched.monotonic();
    const index = s.applied;
    let persisted = s.persistedCommit;
    if (persisted < index) {
      // The WAL's hard state must cover the snapshot, or a restart could not load it.
      const hs = s.hardState();
      await this.wal.save({ term: hs.term, vote: hs.vote, commit: index }, []);
      persisted = index;
    }
    const data = encodeSnapshotData(s.membership, s.store.save());
    // Alone, nobody will ever be sent this snapshot: memory keeps only its metadata.
    const keep = Snapshotting.members(s.confState) > 1;
    const snap = this.storage.createSnapshot(index, s.confState, keep ? data : EMPTY_BYTES);
    await this.snapshotter.save({ data, metadata: snap.metadata });
    await this.wal.saveSnapshot({ index, term: snap.metadata.term });
    this.index = index;
    // Entries kept behind the snapshot are for slow followers; alone, there are none.
    const compactTo = keep ? index - this.opts.catchUpEntries : index;
    if (compactTo > this.storage.firstIndex()) this.storage.compact(compactTo);
    this.log.info(`etcdserver: saved snapshot at index ${index}`);
    this.metrics.snapshotSave.observe((this.sched.monotonic() - t0) / 1000);
    await this.purge(index);
    return persisted;
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
