import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { MemoryStorage } from '../../src/raft/storage.js';
import type { Snapshot } from '../../src/raft/types.js';
import { snapName } from '../../src/snap/snapshotter.js';
import {
  createMemberStorage,
  memberExists,
  memberPaths,
  openMemberStorage,
  rebuildStorage,
} from '../../src/wal/member-storage.js';
import { purgeWals } from '../../src/wal/purge.js';
import { entries, META, tempDir } from './helpers.js';

function snap(index: number, term = 1): Snapshot {
  return {
    data: new TextEncoder().encode(`state@${index}`),
    metadata: { index, term, confState: { voters: ['a'], learners: [] } },
  };
}

test('a member restarts from its newest snapshot plus the WAL after it', async () => {
  const t = tempDir('member-');
  try {
    assert.equal(memberExists(t.dir), false);
    const { wal, snapshotter } = await createMemberStorage(t.dir, META, { segmentSize: 2048 });
    assert.equal(memberExists(t.dir), true);
    for (let i = 1; i <= 100; i += 10) {
      await wal.save({ term: 1, vote: 'a', commit: i + 9 }, entries(i, i + 9, 1, 50));
      if (i === 41 || i === 71) {
        const s = snap(i + 9);
        await snapshotter.save(s);
        await wal.saveSnapshot(s.metadata);
        if (i === 41) await purgeWals(memberPaths(t.dir).wal, 2, s.metadata.index);
      }
    }
    // A snapshot file whose marker never reached the WAL (crash in between): not used.
    await snapshotter.save(snap(95));
    await wal.close();

    const m = await openMemberStorage(t.dir);
    assert.deepEqual(m.snapshot, snap(80));
    assert.deepEqual(m.metadata, META);
    assert.deepEqual(m.entries, entries(81, 100, 1, 50));
    assert.deepEqual(m.hardState, { term: 1, vote: 'a', commit: 100 });
    const ms = new MemoryStorage();
    rebuildStorage(ms, m);
    assert.equal(ms.firstIndex(), 81);
    assert.equal(ms.lastIndex(), 100);
    assert.equal(ms.term(80), 1);
    assert.deepEqual(ms.initialState().hardState, { term: 1, vote: 'a', commit: 100 });
    await m.wal.close();

    // The newest usable snapshot is corrupt: fall back to the one before, reported.
    const snapDir = memberPaths(t.dir).snap;
    const f = join(snapDir, snapName(1, 80));
    const b = readFileSync(f);
    b[b.length - 1]! ^= 1;
    writeFileSync(f, b);
    const m2 = await openMemberStorage(t.dir);
    assert.deepEqual(m2.snapshot, snap(50));
    assert.deepEqual(m2.entries, entries(51, 100, 1, 50));
    assert.equal(m2.warnings.length, 1);
    assert.match(m2.warnings[0]!, /0000000000000050\.snap \(checksum mismatch\)/);
    assert.ok(readdirSync(snapDir).includes(`${snapName(1, 80)}.broken`));
    await m2.wal.close();

    // Purged past the only snapshot left, which is then lost: a clear error, not a bad start.
    await purgeWals(memberPaths(t.dir).wal, 1, 100);
    const f50 = join(snapDir, snapName(1, 50));
    writeFileSync(f50, 'not a snapshot any more');
    await assert.rejects(openMemberStorage(t.dir), /no usable snapshot .*purged/);
  } finally {
    t.cleanup();
  }
});
