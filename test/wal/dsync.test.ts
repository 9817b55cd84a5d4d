// Synced writes through the O_DSYNC descriptor (the default), small ones made on the event
// loop (inline-writes.ts) or all through the thread pool, leave exactly the bytes the
// write + fdatasync path leaves, across unsynced saves, segment cuts and a reopen.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type Entry, EntryType } from '../../src/raft/types.js';
import { WAL } from '../../src/wal/wal.js';

const META = new Uint8Array([1, 2, 3]);

async function writeLog(dir: string, dsync: boolean, inlineSyncBytes?: number): Promise<void> {
  const opts = {
    segmentSize: 16 * 1024,
    dsync,
    preallocate: false,
    ...(inlineSyncBytes === undefined ? {} : { inlineSyncBytes }),
  };
  let w = await WAL.create(dir, META, opts);
  let index = 0;
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 120; i++) {
      const entries: Entry[] = [];
      for (let k = 0; k < 1 + (i % 3); k++) {
        entries.push({
          term: 2,
          index: ++index,
          type: EntryType.Normal,
          data: new Uint8Array(200).fill(i),
        });
      }
      await w.save({ term: 2, vote: '1', commit: index - 1 }, entries);
      // A commit-only hard state is written unsynced; the next save must cover it.
      if (i % 5 === 0) await w.save({ term: 2, vote: '1', commit: index }, []);
    }
    await w.close();
    w = await WAL.open(dir, { index: 0, term: 0 }, opts);
    const read = await w.readAll();
    assert.equal(read.entries.length, index);
    assert.equal(read.entries.at(-1)!.index, index);
  }
  await w.close();
}

test('O_DSYNC writes leave the same segments as write + fdatasync', async () => {
  const base = mkdtempSync(join(tmpdir(), 'wal-dsync-'));
  try {
    await writeLog(join(base, 'dsync'), true);
    await writeLog(join(base, 'pool'), true, 0);
    await writeLog(join(base, 'plain'), false);
    const names = readdirSync(join(base, 'plain')).filter((f) => f.endsWith('.wal'));
    assert.ok(names.length > 2, `segments cut: ${names.join(' ')}`);
    for (const variant of ['dsync', 'pool']) {
      assert.deepEqual(
        readdirSync(join(base, variant)).filter((f) => f.endsWith('.wal')),
        names,
      );
      for (const n of names) {
        assert.ok(
          readFileSync(join(base, variant, n)).equals(readFileSync(join(base, 'plain', n))),
          `${variant}/${n} differs`,
        );
      }
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
