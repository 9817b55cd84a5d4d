// Opens a member's durable state: <data-dir>/member/{wal,snap}. A first start creates the
// WAL with the member and cluster IDs as its metadata; a restart loads the newest valid
// snapshot, opens the WAL at it and replays the hard state and entries after it into a
// fresh MemoryStorage (raft then re-delivers the committed entries past the snapshot).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkWritable, type DirLock, lockDir } from '../pkg/fileutil.js';
import { log } from '../pkg/logger.js';
import { MemoryStorage } from '../raft/storage.js';
import { EMPTY_BYTES, emptyHardState, type Snapshot } from '../raft/types.js';
import { Snapshotter } from '../snap/snapshotter.js';
import { Store } from '../store/store.js';
import { SnapshotMarkers } from '../wal/markers.js';
import { WAL } from '../wal/wal.js';
import { forceNewClusterEntries } from '../server/force-new-cluster.js';
import type { OpenedStorage } from '../server/member-options.js';
import { STORE_NAMESPACES } from '../server/membership-store.js';
import { encodeMemberContext } from '../server/membership.js';
import { membersIn } from '../server/snapshotting.js';
import { decodeWalMetadata, encodeWalMetadata } from '../server/wal-metadata.js';

export function memberDirs(dataDir: string): { member: string; wal: string; snap: string } {
  const member = join(dataDir, 'member');
  return { member, wal: join(member, 'wal'), snap: join(member, 'snap') };
}

export interface OpenStorageOptions {
  dataDir: string;
  /** The IDs written to a new WAL (a restart reads them from the WAL). */
  memberId: string;
  clusterId: string;
  forceNewCluster?: boolean;
  /** This member as /v2/members shows it (its context, if --force-new-cluster adds it). */
  self?: { name: string; peerURLs: string[]; clientURLs: string[] } | null;
  /** WAL segment size (tests). */
  segmentSize?: number;
  /** Where warnings (a corrupt snapshot skipped) go; default: the logger. */
  warn?: (line: string) => void;
}

export async function openStorage(o: OpenStorageOptions): Promise<OpenedStorage> {
  const { dataDir, memberId, clusterId } = o;
  const forceNewCluster = o.forceNewCluster === true;
  const self = o.self ?? null;
  const dirs = memberDirs(dataDir);
  mkdirSync(dirs.snap, { recursive: true, mode: 0o700 });
  const warn = o.warn ?? ((m: string) => log.warn(m));
  const seg = o.segmentSize !== undefined ? { segmentSize: o.segmentSize } : {};
  const preallocate = process.env.ETCDNODE_WAL_PREALLOCATE !== '0';
  // Diagnosis knob: ETCDNODE_WAL_DSYNC=0 syncs with write + fdatasync instead of O_DSYNC.
  const dsync = process.env.ETCDNODE_WAL_DSYNC !== '0';
  const snapshotter = new Snapshotter(dirs.snap, { warn });
  const storage = new MemoryStorage();
  if (!WAL.exists(dirs.wal)) {
    const wal = await WAL.create(dirs.wal, encodeWalMetadata({ memberId, clusterId }), {
      warn,
      preallocate,
      dsync,
      ...seg,
    });
    return {
      fresh: true,
      wal,
      walDir: dirs.wal,
      snapshotter,
      storage,
      snapshot: null,
      store: null,
      hardState: emptyHardState(),
      memberId,
      clusterId,
    };
  }
  // Only a snapshot the WAL has a committed marker for: a crash between saving a snapshot
  // file and its marker leaves a newer file the WAL cannot be opened at.
  const markers = new SnapshotMarkers(dirs.wal);
  // A member alone builds its store while the snapshot file is read (never holding the
  // file's data); in a cluster the data is kept, to be sent to followers.
  const loaded = await snapshotter.loadNewestTaking(
    (p) => markers.has(p),
    (m) => (membersIn(m.confState) <= 1 ? (pull) => Store.restore(pull, STORE_NAMESPACES) : null),
  );
  const snapshot = loaded?.snapshot ?? null;
  if (snapshot === null && !(await markers.has({ index: 0, term: 0 }))) {
    throw new Error(
      `etcdserver: no usable snapshot in ${dirs.snap} for the WAL in ${dirs.wal}: the WAL was ` +
        'purged up to a snapshot that is missing or corrupt',
    );
  }
  const at = snapshot
    ? { index: snapshot.metadata.index, term: snapshot.metadata.term }
    : { index: 0, term: 0 };
  const scanned = markers.takeScanned();
  const wal = await WAL.open(dirs.wal, at, { warn, preallocate, dsync, scanned, ...seg });
  try {
    const read = await wal.readAll();
    const md = decodeWalMetadata(read.metadata);
    let { hardState, entries } = read;
    if (forceNewCluster) {
      const ctx = self ? encodeMemberContext({ id: md.memberId, ...self }) : undefined;
      const f = forceNewClusterEntries(md.memberId, snapshot, hardState, entries, ctx);
      // Written first: a crash now must not bring the old membership back.
      if (f.added.length > 0) await wal.save(f.hardState, f.added);
      hardState = f.hardState;
      entries = f.entries;
    }
    // A cluster of one never sends its snapshot: keep only its metadata in memory (the
    // member rebuilds the data if a member is added).
    if (snapshot) storage.applySnapshot(aloneIn(snapshot) ? withoutData(snapshot) : snapshot);
    storage.setHardState(hardState);
    if (entries.length > 0) storage.append(entries);
    return {
      fresh: false,
      wal,
      walDir: dirs.wal,
      snapshotter,
      storage,
      snapshot,
      store: loaded?.value ?? null,
      hardState,
      memberId: md.memberId,
      clusterId: md.clusterId,
    };
  } catch (e) {
    await wal.close();
    throw e;
  }
}

/** True when the snapshot's configuration has at most one member. */
export function aloneIn(s: Snapshot): boolean {
  return membersIn(s.metadata.confState) <= 1;
}

export function withoutData(s: Snapshot): Snapshot {
  return { data: EMPTY_BYTES, metadata: s.metadata };
}

/** Locks the data dir and opens the member's storage (the lock is released on failure). */
export async function openMemberDir(
  o: OpenStorageOptions,
): Promise<{ lock: DirLock; storage: OpenedStorage }> {
  mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
  checkWritable(o.dataDir);
  const lock = lockDir(o.dataDir);
  try {
    return { lock, storage: await openStorage(o) };
  } catch (e) {
    lock.release();
    throw e;
  }
}
