// Start-up's snapshot markers are read from the WAL's newest segment back, only as far as
// asked: a large WAL is not read twice (here and again by WAL.open) to find a marker that
// sits near its end.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SnapshotMarkers, validSnapshotMarkers } from '../../src/wal/markers.js';
import { WAL } from '../../src/wal/wal.js';
import { entries, META, tempDir } from './helpers.js';

/** A WAL of many small segments with markers at 50 and 150; commit ends at 190. */
async function makeWal(dir: string): Promise<string[]> {
  const w = await WAL.create(dir, META, { segmentSize: 4096 });
  for (let i = 1; i <= 200; i += 10) {
    await w.save({ term: 1, vote: '1', commit: i - 1 }, entries(i, i + 9, 1, 100));
    if (i === 51) await w.saveSnapshot({ index: 50, term: 1 });
    if (i === 151) await w.saveSnapshot({ index: 150, term: 1 });
  }
  // A marker past the last commit (190) does not count.
  await w.saveSnapshot({ index: 195, term: 1 });
  await w.close();
  return readdirSync(dir)
    .filter((f) => f.endsWith('.wal'))
    .sort();
}

/** Runs `fn` on a fresh makeWal() WAL in a temporary folder (`root`), removed after. */
async function withWal(
  fn: (dir: string, segs: string[], root: string) => Promise<void>,
): Promise<void> {
  const t = tempDir();
  try {
    const dir = join(t.dir, 'wal');
    await fn(dir, await makeWal(dir), t.dir);
  } finally {
    t.cleanup();
  }
}

test('a marker near the end is found without reading the older segments', () =>
  withWal(async (dir, segs) => {
    assert.ok(segs.length > 5, `expected several segments, got ${segs.length}`);
    // Damage the second segment: only a reader that goes that far back can notice.
    const second = join(dir, segs[1]!);
    const b = readFileSync(second);
    b[b.length - 20]! ^= 0x40;
    writeFileSync(second, b);

    const m = new SnapshotMarkers(dir);
    assert.equal(await m.has({ index: 150, term: 1 }), true);
    await assert.rejects(m.has({ index: 50, term: 1 }), /corrupt record/);
    await assert.rejects(validSnapshotMarkers(dir), /corrupt record/);
  }));

test('every committed marker, {0, 0} from segment 0 included; none past the commit', () =>
  withWal(async (dir) => {
    const all = await validSnapshotMarkers(dir);
    assert.deepEqual(
      all.map((p) => p.index).sort((a, b) => a - b),
      [0, 50, 150],
    );
    const m = new SnapshotMarkers(dir);
    assert.equal(await m.has({ index: 195, term: 1 }), false);
    assert.equal(await m.has({ index: 150, term: 2 }), false, 'a term that does not match');
    assert.equal(await m.has({ index: 150, term: 1 }), true);
    assert.equal(await m.has({ index: 0, term: 0 }), true);
  }));

test('WAL.open takes the segments the markers read as they are, linked to the ones it reads', () =>
  withWal(async (dir, _segs, root) => {
    const plain = await WAL.open(dir, { index: 150, term: 1 });
    const want = await plain.readAll();
    await plain.close();

    const m = new SnapshotMarkers(dir);
    assert.equal(await m.has({ index: 150, term: 1 }), true);
    const scanned = m.takeScanned();
    assert.ok(scanned.size > 0 && scanned.size < readdirSync(dir).length);
    assert.equal(m.takeScanned().size, 0, 'handed over once');
    const w = await WAL.open(dir, { index: 150, term: 1 }, { scanned });
    assert.deepEqual(await w.readAll(), want);
    await w.close();

    // Segments of another WAL with the same names: the crc chain does not link.
    const other = join(root, 'other');
    const o = await WAL.create(other, META, { segmentSize: 4096 });
    for (let i = 1; i <= 200; i += 10) {
      await o.save({ term: 1, vote: '1', commit: i - 1 }, entries(i, i + 9, 2, 100));
      if (i === 151) await o.saveSnapshot({ index: 150, term: 2 });
    }
    await o.close();
    const m2 = new SnapshotMarkers(other);
    await m2.all();
    const foreign = m2.takeScanned();
    const last = [...scanned.keys()].sort()[0]!;
    assert.ok(foreign.has(last), 'the same segment names');
    const mixed = new Map([[last, foreign.get(last)!]]);
    await assert.rejects(
      WAL.open(dir, { index: 150, term: 1 }, { scanned: mixed }),
      /CRC chain broken/,
    );
  }));
