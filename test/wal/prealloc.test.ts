// Preallocation: segments are zero-filled ahead of the write offset in the background; the
// zeros are trimmed on close and on cut, and cut off silently on open after a crash.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { PREALLOC_MIN, WAL } from '../../src/wal/wal.js';
import { entries, META, tempDir } from './helpers.js';

const AT0 = { index: 0, term: 0 };

function walFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.wal'))
    .sort();
}

/** Resolves once `check` holds, polling the file system (the fill runs in the background). */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), 'condition not reached');
}

test('segments are zero-filled ahead and trimmed on cut and close', async () => {
  const t = tempDir();
  try {
    const dir = join(t.dir, 'wal');
    const seg = 16 * 1024;
    const w = await WAL.create(dir, META, { segmentSize: seg });
    await w.save({ term: 1, vote: 'a', commit: 0 }, entries(1, 1));
    const first = join(dir, walFiles(dir)[0]!);
    await until(() => statSync(first).size === seg);
    let next = 2;
    while (walFiles(dir).length < 3) {
      await w.save(null, entries(next, next + 4, 1, 300));
      next += 5;
    }
    // Left segments are trimmed to their data (a zero tail there would be corruption).
    const files = walFiles(dir);
    for (const f of files.slice(0, -1)) assert.ok(statSync(join(dir, f)).size >= seg - 2048);
    for (const f of files.slice(0, -1)) assert.notEqual(statSync(join(dir, f)).size, seg);
    await w.close();
    const r = await WAL.open(dir, AT0);
    assert.equal((await r.readAll()).entries.length, next - 1);
    assert.equal(r.repaired, null, 'close trimmed the zeros');
    await r.close();
  } finally {
    t.cleanup();
  }
});

test('after a crash the preallocated zeros are cut off without a warning', async () => {
  const t = tempDir();
  try {
    const dir = join(t.dir, 'wal');
    const w = await WAL.create(dir, META);
    await w.save({ term: 1, vote: 'a', commit: 0 }, entries(1, 10));
    const file = walFiles(dir)[0]!;
    await until(() => statSync(join(dir, file)).size >= PREALLOC_MIN);
    await w.save(null, entries(11, 20));
    // What a crash leaves: the open segment as it is on disk.
    const crashed = join(t.dir, 'crashed');
    mkdirSync(crashed);
    copyFileSync(join(dir, file), join(crashed, file));
    await w.close();
    const warnings: string[] = [];
    const r = await WAL.open(crashed, AT0, { warn: (m) => warnings.push(m) });
    assert.deepEqual((await r.readAll()).entries, entries(1, 20));
    assert.equal(r.repaired?.preallocated, true);
    assert.deepEqual(warnings, []);
    await r.close();
  } finally {
    t.cleanup();
  }
});

test('a save larger than the zero-filled space waits for the fill and is read back intact', async () => {
  const t = tempDir();
  try {
    const dir = join(t.dir, 'wal');
    const w = await WAL.create(dir, META);
    // ~3 MB written: the fill that starts now zero-fills ~3 MB more, 1 MB per write.
    const first = entries(1, 3000, 1, 1000);
    await w.save({ term: 1, vote: 'a', commit: 0 }, first);
    const big = entries(3001, 7000, 1, 1000); // ~4 MB: crosses the range being filled
    await w.save(null, big);
    await w.save(null, entries(7001, 7010));
    await w.close();
    const r = await WAL.open(dir, AT0);
    const c = await r.readAll();
    assert.equal(c.entries.length, 7010);
    assert.deepEqual(c.entries.slice(0, 7000), [...first, ...big]);
    await r.close();
  } finally {
    t.cleanup();
  }
});

test('a cut during a zero-fill stops the fill and leaves the segment trimmed to its data', async () => {
  const t = tempDir();
  try {
    const dir = join(t.dir, 'wal');
    const w = await WAL.create(dir, META);
    // Each save starts a fill ahead of the data and does not wait for it: the cut right
    // after the second one finds a fill running (it ends without its flush).
    await w.save({ term: 1, vote: 'a', commit: 0 }, entries(1, 1000, 1, 2000));
    await w.save(null, entries(1001, 1001, 1, 2000));
    await w.saveSnapshot({ index: 1001, term: 1 }, true);
    await w.save(null, entries(1002, 1002));
    await w.close();
    const files = walFiles(dir);
    assert.equal(files.length, 2);
    const r = await WAL.open(dir, AT0);
    assert.equal((await r.readAll()).entries.length, 1002);
    await r.close();
    // No zero tail in the left segment: it ends at its last record (Go reads it too).
    const left = statSync(join(dir, files[0]!)).size;
    assert.ok(left > 1000 * 2000 && left < 1002 * 2100, `left segment is ${left} bytes`);
  } finally {
    t.cleanup();
  }
});
