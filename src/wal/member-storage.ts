// A member's durable state on start-up: the newest usable snapshot plus the WAL after it,
// ready to rebuild raft's in-memory Storage. Layout as etcd: <data-dir>/member/{wal,snap}.
//
// Snapshot-taking order for the server (either order is safe at start-up, since only
// snapshots that have a WAL marker are used): snapshotter.save(snap), then
// wal.saveSnapshot({index, term}), then purgeWals(walDir, maxWals, snap index) and
// snapshotter.purge(maxSnapshots).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Entry, HardState, Snapshot } from '../raft/types.js';
import { Snapshotter } from '../snap/snapshotter.js';
import { validSnapshotMarkers } from './markers.js';
import { WAL, type WalOptions, type WalRepair } from './wal.js';

export interface MemberPaths {
  member: string;
  wal: string;
  snap: string;
}

export function memberPaths(dataDir: string): MemberPaths {
  const member = join(dataDir, 'member');
  return { member, wal: join(member, 'wal'), snap: join(member, 'snap') };
}

export interface MemberStorage {
  wal: WAL;
  snapshotter: Snapshotter;
  /** The snapshot to restore from, or null (start from an empty log). */
  snapshot: Snapshot | null;
  metadata: Uint8Array;
  hardState: HardState;
  /** Entries after the snapshot. */
  entries: Entry[];
  /** Repairs and skipped files, for the log. */
  warnings: string[];
  repaired: WalRepair | null;
}

/** What raft's MemoryStorage offers for being rebuilt (kept structural: no import cycle). */
export interface RebuildableStorage {
  applySnapshot(s: Snapshot): void;
  setHardState(h: HardState): void;
  append(entries: Entry[]): void;
}

/** True if the data dir holds a member's WAL (synchronous: start-up only). */
export function memberExists(dataDir: string): boolean {
  return WAL.exists(memberPaths(dataDir).wal);
}

/** Starts a new member's storage: an empty WAL carrying `metadata`, and the snap dir. */
export async function createMemberStorage(
  dataDir: string,
  metadata: Uint8Array,
  opts: WalOptions = {},
): Promise<{ wal: WAL; snapshotter: Snapshotter }> {
  const p = memberPaths(dataDir);
  await mkdir(p.snap, { recursive: true });
  const wal = await WAL.create(p.wal, metadata, opts);
  return { wal, snapshotter: new Snapshotter(p.snap, opts.warn ? { warn: opts.warn } : {}) };
}

/**
 * Opens an existing member's storage: picks the newest snapshot file that verifies and has
 * a committed marker in the WAL, then opens the WAL from that marker (taking its lock).
 */
export async function openMemberStorage(
  dataDir: string,
  opts: WalOptions = {},
): Promise<MemberStorage> {
  const p = memberPaths(dataDir);
  await mkdir(p.snap, { recursive: true });
  const warnings: string[] = [];
  const warn = (m: string): void => {
    warnings.push(m);
    opts.warn?.(m);
  };
  const snapshotter = new Snapshotter(p.snap, { warn });
  const markers = await validSnapshotMarkers(p.wal);
  const snapshot = await snapshotter.loadNewestAvailable(markers);
  if (snapshot === null && !markers.some((m) => m.index === 0)) {
    throw new Error(
      `member: no usable snapshot in ${p.snap} for the WAL in ${p.wal}: the WAL was purged up ` +
        `to a snapshot that is missing or corrupt${warnings.length ? ` (${warnings.join('; ')})` : ''}`,
    );
  }
  const at = snapshot
    ? { index: snapshot.metadata.index, term: snapshot.metadata.term }
    : { index: 0, term: 0 };
  const wal = await WAL.open(p.wal, at, { ...opts, warn });
  const c = await wal.readAll();
  return {
    wal,
    snapshotter,
    snapshot,
    metadata: c.metadata,
    hardState: c.hardState,
    entries: c.entries,
    warnings,
    repaired: wal.repaired,
  };
}

/** Rebuilds raft's in-memory storage from what openMemberStorage returned, as etcd. */
export function rebuildStorage(storage: RebuildableStorage, m: MemberStorage): void {
  if (m.snapshot !== null) storage.applySnapshot(m.snapshot);
  storage.setHardState(m.hardState);
  if (m.entries.length > 0) storage.append(m.entries);
}
