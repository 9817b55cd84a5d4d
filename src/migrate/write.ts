// Writes the upgraded member's 2.0 data dir through our own storage API: a WAL whose
// metadata names the member and the cluster, and one snapshot (the whole keyspace, the
// membership under /0 included) at 0.4's last raft position, committed. All of it is built in
// <data-dir>/member.upgrading and renamed to member/ only when complete and synced, so a
// failed upgrade leaves the 0.4 files as they were and no member/ a later start could take
// for an empty member.
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir } from '../pkg/fileutil.js';
import type { Snapshot } from '../raft/types.js';
import { encodeSnapshotData } from '../server/snapshot-data.js';
import { encodeWalMetadata } from '../server/wal-metadata.js';
import { Snapshotter } from '../snap/snapshotter.js';
import { compareIds } from '../pkg/ids.js';
import { WAL } from '../wal/wal.js';
import type { Converted04 } from './convert.js';
import { MIGRATED_CLUSTER_ID } from './members4.js';

export const UPGRADE_TMP = 'member.upgrading';

export async function writeMemberDir(dataDir: string, c: Converted04): Promise<void> {
  const tmp = join(dataDir, UPGRADE_TMP);
  await rm(tmp, { recursive: true, force: true });
  const voters = c.members.map((m) => m.id).sort(compareIds);
  const snapshot: Snapshot = {
    data: encodeSnapshotData(c.store),
    metadata: { index: c.index, term: c.term, confState: { voters, learners: [] } },
  };
  const snapshotter = new Snapshotter(join(tmp, 'snap'));
  await snapshotter.save(snapshot);
  const wal = await WAL.create(
    join(tmp, 'wal'),
    encodeWalMetadata({ memberId: c.self.id, clusterId: MIGRATED_CLUSTER_ID }),
  );
  try {
    await wal.save({ term: c.term, vote: '', commit: c.index }, []);
    await wal.saveSnapshot({ index: c.index, term: c.term });
  } finally {
    await wal.close();
  }
  await fsyncDir(tmp);
  await rename(tmp, join(dataDir, 'member'));
  await fsyncDir(dataDir);
}
