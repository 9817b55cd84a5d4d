import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { purgeWals } from '../../src/wal/purge.js';
import { parseSegmentName } from '../../src/wal/segment.js';
import { WAL } from '../../src/wal/wal.js';
import { entries, META, tempDir } from './helpers.js';

function segments(dir: string): { seq: number; index: number }[] {
  return readdirSync(dir)
    .map((f) => parseSegmentName(f))
    .filter((s) => s !== null)
    .map((s) => ({ seq: s.seq, index: s.index }))
    .sort((a, b) => a.seq - b.seq);
}

test('purge removes only old segments a snapshot covers, never the one in use', async () => {
  const t = tempDir();
  try {
    const dir = t.dir + '/wal';
    const w = await WAL.create(dir, META, { segmentSize: 1024 });
    // 10 entries of ~300 bytes per save: every save cuts a segment.
    for (let i = 1; i <= 80; i += 10) {
      await w.save({ term: 1, vote: 'a', commit: i - 1 }, entries(i, i + 9, 1, 250));
    }
    const all = segments(dir);
    assert.deepEqual(
      all.map((s) => s.index),
      [0, 11, 21, 31, 41, 51, 61, 71, 81],
    );
    // max 0: unlimited.
    assert.deepEqual(await purgeWals(dir, 0, 80), []);
    // More than max, but no snapshot covers anything yet.
    assert.deepEqual(await purgeWals(dir, 2, 0), []);
    assert.deepEqual(await purgeWals(dir, 2, 10), []);
    // A snapshot at 35: segments starting at 0, 11, 21 hold only entries <= 30; the one
    // starting at 31 is where reading from index 35 begins, so it stays.
    await w.saveSnapshot({ index: 35, term: 1 });
    const removed = await purgeWals(dir, 2, 35);
    assert.equal(removed.length, 3);
    assert.deepEqual(
      segments(dir).map((s) => s.index),
      [31, 41, 51, 61, 71, 81],
    );
    // Enough segments (max 10): nothing goes.
    assert.deepEqual(await purgeWals(dir, 10, 80), []);
    // A snapshot at 80, max 1: reading from 80 starts in the segment starting at 71 (the
    // marker itself went to the segment in use): both stay.
    await w.saveSnapshot({ index: 80, term: 1 });
    await purgeWals(dir, 1, 80);
    assert.deepEqual(
      segments(dir).map((s) => s.index),
      [71, 81],
    );
    await w.save({ term: 1, vote: 'a', commit: 80 }, entries(81, 82, 1, 10));
    await w.close();
    const r = await WAL.open(dir, { index: 80, term: 1 });
    const c = await r.readAll();
    assert.deepEqual(c.entries, entries(81, 82, 1, 10));
    assert.deepEqual(c.hardState, { term: 1, vote: 'a', commit: 80 });
    await r.close();
  } finally {
    t.cleanup();
  }
});

test('after purging to a snapshot the WAL still opens at that snapshot', async () => {
  const t = tempDir();
  try {
    const dir = t.dir + '/wal';
    const w = await WAL.create(dir, META, { segmentSize: 1024 });
    for (let i = 1; i <= 60; i += 10) {
      await w.save({ term: 2, vote: 'b', commit: i - 1 }, entries(i, i + 9, 2, 250));
    }
    await w.saveSnapshot({ index: 44, term: 2 });
    await purgeWals(dir, 1, 44);
    await w.close();
    const r = await WAL.open(dir, { index: 44, term: 2 });
    assert.deepEqual((await r.readAll()).entries, entries(45, 60, 2, 250));
    await r.close();
    await assert.rejects(WAL.open(dir, { index: 20, term: 2 }), /no segment .* covers/);
  } finally {
    t.cleanup();
  }
});

test('the segment in use is never purged, whatever the limits', async () => {
  const t = tempDir();
  try {
    const dir = t.dir + '/wal';
    const w = await WAL.create(dir, META);
    await w.save({ term: 1, vote: 'a', commit: 0 }, entries(1, 10));
    await w.saveSnapshot({ index: 10, term: 1 });
    assert.deepEqual(await purgeWals(dir, 1, 1_000_000), []);
    assert.equal(segments(dir).length, 1);
    await w.close();
  } finally {
    t.cleanup();
  }
});
