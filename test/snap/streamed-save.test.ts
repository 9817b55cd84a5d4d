import assert from 'node:assert/strict';
import { closeSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Snapshot } from '../../src/raft/types.js';
import { Snapshotter } from '../../src/snap/snapshotter.js';
import { moveInFile } from '../../src/snap/streamed-save.js';
import { tempDir } from '../wal/helpers.js';
import { Prng } from '../../src/pkg/prng.js';

function snapOf(data: Uint8Array, index: number): Snapshot {
  return { data, metadata: { term: 3, index, confState: { voters: ['a1'], learners: [] } } };
}

/** Hands `data` out in chunks of `chunk` bytes (views of one reused buffer, like the store). */
function producer(data: Uint8Array, chunk: number) {
  return (sink: (c: Uint8Array) => void) => {
    const buf = new Uint8Array(chunk);
    for (let at = 0; at < data.length; at += chunk) {
      const n = Math.min(chunk, data.length - at);
      buf.set(data.subarray(at, at + n));
      sink(buf.subarray(0, n));
      buf.fill(0xee); // a sink that kept the view would see this
    }
  };
}

test('a streamed snapshot file is byte for byte the one save() writes, whatever the size hint', async () => {
  // Deterministic bytes, so a failure replays as it is.
  const rand = new Prng(7);
  const int = (n: number) => rand.u32() % n;
  const t = tempDir('snap-streamed-');
  try {
    const plain = new Snapshotter(join(t.dir, 'plain'));
    const streamed = new Snapshotter(join(t.dir, 'streamed'));
    // Lengths around the varints' edges (127/128, 16383/16384) and hints on both sides, so
    // that the room left for the head is too small, right and too large; many crcs, so that
    // short crc varints (1 in 16) come up.
    const lengths = [0, 1, 127, 128, 300, 16383, 16384, 20000, 70000];
    let index = 1;
    for (const len of lengths) {
      for (const hint of [0, len, len + 1, len * 3 + 200, 3_000_000]) {
        const data = new Uint8Array(len);
        for (let i = 0; i < len; i++) data[i] = int(256);
        const s = snapOf(data, index++);
        await plain.save(s);
        const chunk = 1 + int(9000);
        const p = streamed.saveStreamed(s.metadata, producer(data, chunk), hint);
        // The data is in the file before saveStreamed returns: the caller may change it now.
        data.fill(0);
        await p;
        const name = readdirSync(plain.dir).find((f) =>
          f.startsWith(`0000000000000003-${(index - 1).toString(16).padStart(16, '0')}`),
        )!;
        assert.deepEqual(
          readFileSync(join(streamed.dir, name)),
          readFileSync(join(plain.dir, name)),
          `length ${len}, hint ${hint}, chunk ${chunk}`,
        );
      }
    }
    assert.deepEqual(
      readdirSync(streamed.dir).filter((f) => f.endsWith('.tmp')),
      [],
    );
    const back = await streamed.load();
    assert.equal(back?.metadata.index, index - 1);
  } finally {
    t.cleanup();
  }
});

// Thrown after a few bytes, and after four megabytes of a three-megabyte hint (the two
// fsyncs started meanwhile finish before the file goes).
for (const [what, chunks, size, hint] of [
  ['', 1, 10, 10],
  [' after fsyncs were started', 4, 1 << 20, 3 << 20],
] as const) {
  test(`a producer that throws${what} leaves no file and rejects`, async () => {
    const t = tempDir('snap-streamed-');
    try {
      const s = new Snapshotter(t.dir);
      const p = s.saveStreamed(
        snapOf(new Uint8Array(0), 5).metadata,
        (sink) => {
          for (let i = 0; i < chunks; i++) sink(new Uint8Array(size));
          throw new Error('store went away');
        },
        hint,
      );
      await assert.rejects(p, /store went away/);
      assert.deepEqual(readdirSync(t.dir), []);
    } finally {
      t.cleanup();
    }
  });
}

test('a file of several megabytes (fsyncs started while it is written) is byte for byte save()s', async () => {
  const rand = new Prng(11);
  const t = tempDir('snap-streamed-');
  try {
    const plain = new Snapshotter(join(t.dir, 'plain'));
    const streamed = new Snapshotter(join(t.dir, 'streamed'));
    const data = new Uint8Array(5_000_000);
    for (let i = 0; i < data.length; i += 4) {
      new DataView(data.buffer).setUint32(i, rand.u32());
    }
    const s = snapOf(data, 9);
    await plain.save(s);
    await streamed.saveStreamed(s.metadata, producer(data, 1 << 16), data.length);
    const name = readdirSync(plain.dir)[0]!;
    assert.deepEqual(readFileSync(join(streamed.dir, name)), readFileSync(join(plain.dir, name)));
    assert.deepEqual(readdirSync(streamed.dir), [name]);
  } finally {
    t.cleanup();
  }
});

test('moveInFile moves a range left or right, overlapping or not', async () => {
  const t = tempDir('snap-move-');
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 5000 }),
        fc.nat(3000),
        fc.nat(3000),
        fc.integer({ min: 1, max: 700 }),
        async (bytes, from, to, chunk) => {
          const file = join(t.dir, 'f');
          const before = new Uint8Array(from + bytes.length + 10).fill(0x55);
          before.set(bytes, from);
          writeFileSync(file, before);
          const fd = openSync(file, 'r+');
          try {
            await moveInFile(fd, from, to, bytes.length, chunk);
          } finally {
            closeSync(fd);
          }
          const after = readFileSync(file);
          assert.deepEqual(after.subarray(to, to + bytes.length), Buffer.from(bytes));
          // Bytes before both ranges are untouched.
          const low = Math.min(from, to);
          assert.deepEqual(after.subarray(0, low), Buffer.from(before.subarray(0, low)));
        },
      ),
      { numRuns: 60 },
    );
  } finally {
    t.cleanup();
  }
});
