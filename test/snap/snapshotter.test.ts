import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Snapshot } from '../../src/raft/types.js';
import { Snapshotter, snapName } from '../../src/snap/snapshotter.js';
import { tempDir } from '../wal/helpers.js';

function snap(term: number, index: number, text = `store at ${index}`): Snapshot {
  return {
    data: new TextEncoder().encode(text),
    metadata: { term, index, confState: { voters: ['a1', 'b2'], learners: [] } },
  };
}

test('save then load returns the newest snapshot', async () => {
  const t = tempDir('snap-test-');
  try {
    const s = new Snapshotter(join(t.dir, 'member', 'snap'));
    assert.equal(await s.load(), null);
    await s.save(snap(1, 10));
    await s.save(snap(2, 30));
    await s.save(snap(2, 20));
    const got = await s.load();
    assert.deepEqual(got, snap(2, 30));
    assert.deepEqual(s.warnings, []);
    assert.equal(
      readdirSync(s.dir).some((f) => f.endsWith('.tmp')),
      false,
    );
  } finally {
    t.cleanup();
  }
});

/** Snapshots at 10, 20 and 30 in `s`, the one at 30 with a bit flipped near its end. */
async function savedWithCorruptNewest(s: Snapshotter): Promise<void> {
  await s.save(snap(1, 10));
  await s.save(snap(1, 20));
  await s.save(snap(1, 30));
  const newest = join(s.dir, snapName(1, 30));
  const b = readFileSync(newest);
  b[b.length - 3]! ^= 0x10;
  writeFileSync(newest, b);
}

test('load falls back past a corrupt newest file, reports and sets it aside', async () => {
  const t = tempDir('snap-test-');
  try {
    const warned: string[] = [];
    const s = new Snapshotter(t.dir, { warn: (m) => warned.push(m) });
    await savedWithCorruptNewest(s);
    writeFileSync(join(t.dir, snapName(1, 25)), 'garbage, not a snapshot');
    assert.deepEqual(await s.load(), snap(1, 20));
    assert.equal(warned.length, 2);
    assert.match(warned[0]!, /0000000000000001-000000000000001e\.snap.*checksum mismatch/);
    assert.match(warned[1]!, /not a snapshot file/);
    assert.deepEqual(s.warnings, warned);
    assert.ok(readdirSync(t.dir).includes(`${snapName(1, 30)}.broken`));
  } finally {
    t.cleanup();
  }
});

test('purge keeps the newest max files and removes temp leftovers', async () => {
  const t = tempDir('snap-test-');
  try {
    const s = new Snapshotter(t.dir);
    for (let i = 1; i <= 7; i++) await s.save(snap(1, i * 10));
    writeFileSync(join(t.dir, `${snapName(1, 80)}.tmp`), 'half');
    await s.purge(3);
    assert.deepEqual(readdirSync(t.dir).sort(), [
      snapName(1, 50),
      snapName(1, 60),
      snapName(1, 70),
    ]);
    await s.purge(0);
    assert.equal(readdirSync(t.dir).length, 3);
    assert.deepEqual(await s.load(), snap(1, 70));
  } finally {
    t.cleanup();
  }
});

test('loadNewestAvailable asks about files newest first; a corrupt file not usable is left alone', async () => {
  const t = tempDir('snap-test-');
  try {
    const s = new Snapshotter(t.dir);
    await savedWithCorruptNewest(s);
    const asked: number[] = [];
    const got = await s.loadNewestAvailable(async (p) => {
      asked.push(p.index);
      return p.index !== 30;
    });
    assert.deepEqual(got, snap(1, 20));
    assert.deepEqual(asked, [30, 20]);
    assert.deepEqual(s.warnings, []);
    assert.ok(readdirSync(t.dir).includes(snapName(1, 30)), 'not renamed to .broken');
  } finally {
    t.cleanup();
  }
});
