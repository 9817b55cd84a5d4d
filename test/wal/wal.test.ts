import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { scanSegment } from '../../src/wal/decoder.js';
import { RecordType } from '../../src/wal/record.js';
import { WAL } from '../../src/wal/wal.js';
import { entries, META, tempDir } from './helpers.js';

test('create, save, reopen: metadata, last hard state and entries come back', async () => {
  const t = tempDir();
  try {
    const dir = join(t.dir, 'member', 'wal');
    assert.equal(WAL.exists(dir), false);
    const w = await WAL.create(dir, META);
    assert.equal(WAL.exists(dir), true);
    await w.save({ term: 1, vote: 'a1', commit: 0 }, entries(1, 5));
    await w.save({ term: 1, vote: 'a1', commit: 5 }, entries(6, 10));
    await w.save({ term: 2, vote: 'b2', commit: 7 }, []);
    await w.close();
    const r = await WAL.open(dir, { index: 0, term: 0 });
    const c = await r.readAll();
    assert.deepEqual(c.metadata, META);
    assert.deepEqual(c.hardState, { term: 2, vote: 'b2', commit: 7 });
    assert.deepEqual(c.entries, entries(1, 10));
    assert.equal(r.repaired, null);
    await r.close();
  } finally {
    t.cleanup();
  }
});

test('later entries with the same index replace earlier ones', async () => {
  const t = tempDir();
  try {
    const w = await WAL.create(t.dir + '/wal', META);
    await w.save({ term: 1, vote: '1', commit: 0 }, entries(1, 10, 1));
    await w.save({ term: 2, vote: '2', commit: 0 }, entries(6, 8, 2));
    await w.close();
    const r = await WAL.open(t.dir + '/wal', { index: 0, term: 0 });
    const c = await r.readAll();
    assert.deepEqual(c.entries, [...entries(1, 5, 1), ...entries(6, 8, 2)]);
    // Appending after reopen continues the chain.
    await r.save({ term: 2, vote: '2', commit: 8 }, entries(9, 9, 2));
    await r.close();
    const r2 = await WAL.open(t.dir + '/wal', { index: 0, term: 0 });
    assert.deepEqual((await r2.readAll()).entries, [...entries(1, 5, 1), ...entries(6, 9, 2)]);
    await r2.close();
  } finally {
    t.cleanup();
  }
});

test('open from a snapshot marker returns only entries after it; segments are cut', async () => {
  const t = tempDir();
  try {
    const dir = t.dir + '/wal';
    const w = await WAL.create(dir, META, { segmentSize: 4096 });
    for (let i = 1; i <= 200; i += 10) {
      await w.save({ term: 1, vote: '1', commit: i - 1 }, entries(i, i + 9, 1, 100));
      if (i === 101) await w.saveSnapshot({ index: 100, term: 1 });
    }
    await w.close();
    const segs = readdirSync(dir).filter((f) => f.endsWith('.wal'));
    assert.ok(segs.length > 5, `expected several segments, got ${segs.length}`);
    const r = await WAL.open(dir, { index: 100, term: 1 });
    const c = await r.readAll();
    assert.deepEqual(c.entries, entries(101, 200, 1, 100));
    assert.deepEqual(c.hardState, { term: 1, vote: '1', commit: 190 });
    await r.close();
    await assert.rejects(WAL.open(dir, { index: 100, term: 2 }), /snapshot mismatch/);
    await assert.rejects(WAL.open(dir, { index: 55, term: 1 }), /not found/);
  } finally {
    t.cleanup();
  }
});

test('a snapshot marker saved with cut starts a new segment (as etcd 2.0.13), unless the current one is new', async () => {
  const t = tempDir();
  try {
    const dir = `${t.dir}/wal`;
    const w = await WAL.create(dir, META);
    await w.save({ term: 1, vote: '1', commit: 10 }, entries(1, 10));
    await w.saveSnapshot({ index: 8, term: 1 }, true);
    // Nothing written since the cut: a second marker goes into the same segment.
    await w.saveSnapshot({ index: 10, term: 1 }, true);
    await w.save({ term: 1, vote: '1', commit: 12 }, entries(11, 12));
    await w.close();
    const segs = readdirSync(dir).filter((f) => f.endsWith('.wal'));
    // The new segment is named after the first entry it may hold (the last one written + 1).
    assert.deepEqual(segs, [
      '0000000000000000-0000000000000000.wal',
      '0000000000000001-000000000000000b.wal',
    ]);
    const types: number[] = [];
    scanSegment(new Uint8Array(readFileSync(join(dir, segs[1]!))), segs[1]!, true, null, (type) => {
      types.push(type);
    });
    // crc, metadata and the hard state first (as a cut writes them), then the two markers.
    assert.deepEqual(types.slice(0, 5), [
      RecordType.Crc,
      RecordType.Metadata,
      RecordType.HardState,
      RecordType.Snapshot,
      RecordType.Snapshot,
    ]);
    for (const [at, want] of [
      [8, entries(9, 12)],
      [10, entries(11, 12)],
    ] as const) {
      const r = await WAL.open(dir, { index: at, term: 1 });
      assert.deepEqual((await r.readAll()).entries, want);
      await r.close();
    }
  } finally {
    t.cleanup();
  }
});

test('calls must not overlap; a closed WAL refuses writes', async () => {
  const t = tempDir();
  try {
    const w = await WAL.create(t.dir + '/wal', META);
    const p = w.save({ term: 1, vote: '', commit: 0 }, entries(1, 1));
    await assert.rejects(w.save(null, entries(2, 2)), /in progress/);
    await p;
    await w.close();
    await assert.rejects(w.save(null, entries(2, 2)), /closed/);
  } finally {
    t.cleanup();
  }
});

test('create refuses a dir that holds a WAL or other files, and changes nothing', async () => {
  const t = tempDir();
  try {
    const dir = join(t.dir, 'wal');
    const w = await WAL.create(dir, META);
    await w.close();
    await assert.rejects(WAL.create(dir, META), /already holds a write-ahead log/);
    const other = join(t.dir, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'keep.txt'), 'x');
    await assert.rejects(WAL.create(other, META), /exists and is not empty/);
    assert.deepEqual(readdirSync(other), ['keep.txt']);
    // An empty dir is fine.
    const empty = join(t.dir, 'empty');
    mkdirSync(empty);
    await (await WAL.create(empty, META)).close();
  } finally {
    t.cleanup();
  }
});

test('a commit-only hard state is written without a sync and made durable by the next one', async () => {
  const t = tempDir();
  try {
    const dir = join(t.dir, 'wal');
    const w = await WAL.create(dir, META);
    await w.save({ term: 1, vote: 'a', commit: 0 }, entries(1, 3));
    await w.save({ term: 1, vote: 'a', commit: 3 }, []);
    await w.save(null, entries(4, 4));
    await w.save({ term: 1, vote: 'a', commit: 4 }, []);
    await w.close(); // syncs the pending write
    const r = await WAL.open(dir, { index: 0, term: 0 });
    const c = await r.readAll();
    assert.deepEqual(c.hardState, { term: 1, vote: 'a', commit: 4 });
    assert.deepEqual(c.entries, entries(1, 4));
    await r.close();
  } finally {
    t.cleanup();
  }
});

test('an unsynced write is made durable by close; the file ends at its last record', async () => {
  const t = tempDir();
  try {
    const dir = join(t.dir, 'wal');
    const w = await WAL.create(dir, META);
    await w.save({ term: 1, vote: 'a', commit: 0 }, entries(1, 2));
    await w.save({ term: 1, vote: 'a', commit: 2 }, []); // unsynced
    await w.close();
    const file = join(dir, readdirSync(dir).find((f) => f.endsWith('.wal'))!);
    const buf = new Uint8Array(readFileSync(file));
    const types: number[] = [];
    const scan = scanSegment(buf, file, true, 0, (type) => {
      types.push(type);
    });
    // etcd's order: crc, metadata, snapshot marker; then each save's state before its entries.
    assert.deepEqual(types, [
      RecordType.Crc,
      RecordType.Metadata,
      RecordType.Snapshot,
      RecordType.HardState,
      RecordType.Entry,
      RecordType.Entry,
      RecordType.HardState,
    ]);
    assert.equal(scan.end, buf.length); // no preallocated zeros left behind for Go to trip on
    assert.equal(scan.torn, null);
    const r = await WAL.open(dir, { index: 0, term: 0 });
    assert.deepEqual((await r.readAll()).hardState, { term: 1, vote: 'a', commit: 2 });
    await r.close();
  } finally {
    t.cleanup();
  }
});
