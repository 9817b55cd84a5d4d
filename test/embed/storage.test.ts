import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { memberDirs, openStorage } from '../../src/embed/storage.js';
import type { Snapshot } from '../../src/raft/types.js';
import type { OpenedStorage } from '../../src/server/member-options.js';
import { STORE_NAMESPACES } from '../../src/server/membership-store.js';
import { NO_TTL, Store } from '../../src/store/store.js';
import { snapName } from '../../src/snap/snapshotter.js';
import { WAL } from '../../src/wal/wal.js';
import { purgeWals } from '../../src/wal/purge.js';
import { entries, tempDir } from '../wal/helpers.js';

const MEMBER = '8e9e05c52164694d';
const CLUSTER = 'cdf818194e3a8c32';

/** A snapshot at `index` whose store holds /1/state = "state@<index>". */
function snap(index: number, voters: string[]): Snapshot {
  const store = new Store(undefined, undefined, STORE_NAMESPACES);
  store.set('/1/state', false, `state@${index}`, NO_TTL, 0);
  return { data: store.save(), metadata: { index, term: 1, confState: { voters, learners: [] } } };
}

/** What a restart made of the snapshot at `index`: alone, the store built from the file. */
function assertRestoredFrom(m: OpenedStorage, index: number, voters: string[]): void {
  const want = snap(index, voters);
  assert.deepEqual(m.snapshot?.metadata, want.metadata);
  if (voters.length === 1) {
    assert.equal(m.snapshot?.data.length, 0);
    assert.equal(m.store?.get('/1/state', false, false, 0).node.value, `state@${index}`);
  } else {
    assert.deepEqual(Buffer.from(m.snapshot?.data ?? []), Buffer.from(want.data));
    assert.equal(m.store, null);
  }
}

for (const voters of [['a'], ['a', 'b']]) {
  const who = voters.length === 1 ? 'alone (store built as the file is read)' : 'in a cluster';
  test(`a member ${who} restarts from its newest snapshot plus the WAL after it`, async () => {
    await restartCase(voters);
  });
}

async function restartCase(voters: string[]): Promise<void> {
  const t = tempDir('member-');
  try {
    const open = (warn: (l: string) => void = () => {}) =>
      openStorage({
        dataDir: t.dir,
        memberId: MEMBER,
        clusterId: CLUSTER,
        segmentSize: 2048,
        warn,
      });
    assert.equal(WAL.exists(memberDirs(t.dir).wal), false);
    const first = await open();
    assert.equal(first.fresh, true);
    const { wal, snapshotter } = first;
    assert.equal(WAL.exists(memberDirs(t.dir).wal), true);
    for (let i = 1; i <= 100; i += 10) {
      await wal.save({ term: 1, vote: 'a', commit: i + 9 }, entries(i, i + 9, 1, 50));
      if (i === 41 || i === 71) {
        const s = snap(i + 9, voters);
        await snapshotter.save(s);
        await wal.saveSnapshot(s.metadata);
        if (i === 41) await purgeWals(memberDirs(t.dir).wal, 2, s.metadata.index);
      }
    }
    // A snapshot file whose marker never reached the WAL (crash in between): not used.
    await snapshotter.save(snap(95, voters));
    await wal.close();

    const m = await open();
    assert.equal(m.fresh, false);
    assertRestoredFrom(m, 80, voters);
    assert.equal(m.memberId, MEMBER);
    assert.equal(m.clusterId, CLUSTER);
    assert.deepEqual(m.hardState, { term: 1, vote: 'a', commit: 100 });
    const ms = m.storage;
    assert.deepEqual(ms.entries(81, 101, Number.MAX_SAFE_INTEGER), entries(81, 100, 1, 50));
    assert.equal(ms.firstIndex(), 81);
    assert.equal(ms.lastIndex(), 100);
    assert.equal(ms.term(80), 1);
    assert.deepEqual(ms.initialState().hardState, { term: 1, vote: 'a', commit: 100 });
    await m.wal.close();

    // The newest usable snapshot is corrupt: fall back to the one before, reported.
    const snapDir = memberDirs(t.dir).snap;
    const f = join(snapDir, snapName(1, 80));
    const b = readFileSync(f);
    b[b.length - 1]! ^= 1;
    writeFileSync(f, b);
    const warnings: string[] = [];
    const m2 = await open((l) => warnings.push(l));
    assertRestoredFrom(m2, 50, voters);
    assert.deepEqual(m2.storage.entries(51, 101, Number.MAX_SAFE_INTEGER), entries(51, 100, 1, 50));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /0000000000000050\.snap \(checksum mismatch\)/);
    assert.ok(readdirSync(snapDir).includes(`${snapName(1, 80)}.broken`));
    await m2.wal.close();

    // Purged past the only snapshot left, which is then lost: a clear error, not a bad start.
    await purgeWals(memberDirs(t.dir).wal, 1, 100);
    const f50 = join(snapDir, snapName(1, 50));
    writeFileSync(f50, 'not a snapshot any more');
    await assert.rejects(open(), /no usable snapshot .*purged/);
  } finally {
    t.cleanup();
  }
}
