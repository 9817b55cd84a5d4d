// Torn tails are cut off on open, exactly at the end of the last complete record; damage
// anywhere else stops the open with an error naming the file and the byte offset.
import assert from 'node:assert/strict';
import {
  appendFileSync,
  copyFileSync,
  readdirSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Entry } from '../../src/raft/types.js';
import { scanSegment, WalCorruptError } from '../../src/wal/decoder.js';
import type { RecordType } from '../../src/wal/record.js';
import { WAL } from '../../src/wal/wal.js';
import { entries, entry, META, tempDir } from './helpers.js';

const AT0 = { index: 0, term: 0 };

/** Start offsets of every record of a segment 0 image, from a clean scan. */
function recordStarts(buf: Uint8Array, file: string): number[] {
  const starts: number[] = [];
  scanSegment(buf, file, true, 0, (_type: RecordType, _p: Uint8Array, off: number) => {
    starts.push(off);
  });
  return starts;
}

/** A WAL with a few synced batches; returns its only segment path and the last batch's layout. */
async function build(
  dir: string,
  sizes = [100, 7, 30],
): Promise<{ file: string; lastStart: number; ends: number[]; last: Entry[] }> {
  // No preallocation: the file's size is where the next write goes.
  const w = await WAL.create(dir, META, { preallocate: false });
  await w.save({ term: 1, vote: 'a', commit: 0 }, entries(1, 20, 1, 40));
  await w.save({ term: 1, vote: 'a', commit: 20 }, entries(21, 40, 1, 100));
  const file = join(dir, readdirSync(dir).find((f) => f.endsWith('.wal'))!);
  const lastStart = statSync(file).size;
  const last = sizes.map((n, i) => entry(41 + i, 2, n));
  await w.save(null, last);
  await w.close();
  const size = statSync(file).size;
  const ends = [...recordStarts(new Uint8Array(readFileSync(file)), file), size].filter(
    (o) => o > lastStart,
  );
  assert.equal(ends.length, last.length);
  return { file, lastStart, ends, last };
}

test('cutting the last write at every byte offset returns exactly the complete records', async () => {
  const t = tempDir();
  try {
    const src = join(t.dir, 'src');
    const { file, lastStart, ends, last } = await build(src);
    const original = readFileSync(file);
    const dir = join(t.dir, 'cut');
    const target = join(dir, file.slice(src.length + 1));
    await WAL.create(dir, META).then((w) => w.close());
    for (let len = lastStart; len < original.length; len++) {
      writeFileSync(target, original.subarray(0, len));
      const w = await WAL.open(dir, AT0);
      const c = await w.readAll();
      const complete = ends.filter((e) => e <= len).length;
      assert.deepEqual(
        c.entries,
        [...entries(1, 20, 1, 40), ...entries(21, 40, 1, 100), ...last.slice(0, complete)],
        `cut at ${len}`,
      );
      assert.deepEqual(c.hardState, { term: 1, vote: 'a', commit: 20 });
      const goodEnd = complete === 0 ? lastStart : ends[complete - 1]!;
      if (len === goodEnd) assert.equal(w.repaired, null);
      else assert.equal(w.repaired?.offset, goodEnd, `cut at ${len}`);
      // The file was cut back, and appending continues a valid chain.
      assert.equal(statSync(target).size, goodEnd);
      if (len % 16 !== 5) {
        await w.close();
        continue;
      }
      await w.save(null, [entry(41 + complete, 3, 5)]);
      await w.close();
      const again = await WAL.open(dir, AT0);
      assert.equal((await again.readAll()).entries.length, 41 + complete);
      await again.close();
    }
  } finally {
    t.cleanup();
  }
});

test('zero-filled space after the last record (preallocation) is cut off', async () => {
  const t = tempDir();
  try {
    const { file } = await build(t.dir);
    const size = statSync(file).size;
    appendFileSync(file, new Uint8Array(1 << 20));
    const w = await WAL.open(t.dir, AT0);
    assert.equal((await w.readAll()).entries.length, 43);
    assert.equal(w.repaired?.reason, 'zero-filled space');
    assert.equal(w.repaired?.droppedBytes, 1 << 20);
    await w.close();
    assert.equal(statSync(file).size, size);
  } finally {
    t.cleanup();
  }
});

test('a lost sector inside the last write is a torn tail; inside an earlier synced write it is an error', async () => {
  const t = tempDir();
  try {
    const { file, ends } = await build(t.dir, [300, 7, 1000]);
    const original = readFileSync(file);
    // Zero the 512-byte sector holding the middle of the last record of the last write.
    const b = Buffer.from(original);
    const sector = Math.floor((ends[1]! + 600) / 512) * 512;
    assert.ok(sector >= ends[1]! && sector + 512 <= ends[2]!);
    b.fill(0, sector, sector + 512);
    writeFileSync(file, b);
    const w = await WAL.open(t.dir, AT0);
    assert.equal((await w.readAll()).entries.length, 42);
    assert.equal(w.repaired?.offset, ends[1]);
    await w.close();
    // The same damage in the first write (followed by synced writes) is corruption.
    const b2 = Buffer.from(original);
    b2.fill(0, 512, 1024);
    writeFileSync(file, b2);
    await assert.rejects(WAL.open(t.dir, AT0), (e: unknown) => {
      assert.ok(e instanceof WalCorruptError);
      assert.equal(e.file, file);
      assert.ok(e.offset < 512 && e.offset > 0);
      return true;
    });
  } finally {
    t.cleanup();
  }
});

test('a bit flip in any byte of any record is an error naming the file and the record offset', async () => {
  const t = tempDir();
  try {
    const { file } = await build(t.dir);
    const original = new Uint8Array(readFileSync(file));
    // Record starts, from a clean scan.
    const starts = recordStarts(original, file);
    let checked = 0;
    for (let pos = 0; pos < original.length; pos++) {
      const b = original.slice();
      b[pos] = b[pos]! ^ (1 << (pos % 8));
      let rec = 0;
      while (rec + 1 < starts.length && starts[rec + 1]! <= pos) rec++;
      assert.throws(
        () => scanSegment(b, file, true, 0, () => {}),
        (e: unknown) =>
          e instanceof WalCorruptError &&
          e.offset === starts[rec] &&
          e.message.includes(file) &&
          e.message.includes(`byte offset ${starts[rec]}`),
        `flip at ${pos}`,
      );
      checked++;
    }
    assert.equal(checked, original.length);
    // End to end: the same through WAL.open.
    const b = Buffer.from(original);
    b[starts[10]! + 20]! ^= 4;
    writeFileSync(file, b);
    await assert.rejects(
      WAL.open(t.dir, AT0),
      new RegExp(
        `corrupt record in ${file} at byte offset ${starts[10]}: record checksum mismatch`,
      ),
    );
  } finally {
    t.cleanup();
  }
});

test('damage in a segment other than the last is an error even at its end', async () => {
  const t = tempDir();
  try {
    const w = await WAL.create(t.dir, META, { segmentSize: 2048 });
    for (let i = 1; i <= 60; i += 6)
      await w.save({ term: 1, vote: 'a', commit: i }, entries(i, i + 5, 1, 60));
    await w.close();
    const segs = readdirSync(t.dir)
      .filter((f) => f.endsWith('.wal'))
      .sort();
    assert.ok(segs.length >= 3);
    const first = join(t.dir, segs[0]!);
    const size = statSync(first).size;
    truncateSync(first, size - 5);
    await assert.rejects(
      WAL.open(t.dir, AT0),
      new RegExp(`${segs[0]} at byte offset \\d+: record cut short`),
    );
    // A segment copied over another breaks the CRC chain.
    truncateSync(first, 0);
    copyFileSync(join(t.dir, segs[2]!), join(t.dir, segs[1]!));
    writeFileSync(first, '');
    await assert.rejects(WAL.open(t.dir, AT0), WalCorruptError);
  } finally {
    t.cleanup();
  }
});
