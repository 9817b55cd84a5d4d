// A snapshot's data pulled by a consumer while the file is read: the consumer sees exactly the
// data bytes, in any piece sizes it asks for, and nothing it makes of them is used unless the
// file's checksum matches.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Snapshot, SnapshotMetadata } from '../../src/raft/types.js';
import { Snapshotter, snapName } from '../../src/snap/snapshotter.js';
import { type DataPull, readSnapshotStreamed } from '../../src/snap/streamed-read.js';
import { tempDir } from '../wal/helpers.js';

const META: SnapshotMetadata = { term: 3, index: 70, confState: { voters: ['a1'], learners: [] } };

/** Pulls everything, `piece` bytes at a time at most, and returns it. */
function collect(piece: number): (pull: DataPull) => Buffer {
  return (pull) => {
    const parts: Buffer[] = [];
    const buf = new Uint8Array(piece);
    for (let n = pull(buf, 0, piece); n > 0; n = pull(buf, 0, piece)) {
      parts.push(Buffer.from(buf.subarray(0, n)));
    }
    return Buffer.concat(parts);
  };
}

/** Pulls only the first `n` bytes, one at a time, and stops. */
function firstBytes(n: number): (pull: DataPull) => Buffer {
  return (pull) => {
    const b = Buffer.alloc(n);
    for (let got = 0; got < n; ) {
      const k = pull(b, got, 1);
      if (k === 0) break;
      got += k;
    }
    return b;
  };
}

const corrupt = (reason: string) => new Error(`corrupt: ${reason}`);

/** The file's data handed to JSON.parse, pulled 7 bytes at a time. */
function parsedAsJson(file: string): unknown {
  return readSnapshotStreamed(
    file,
    () => (pull) => JSON.parse(collect(7)(pull).toString()),
    corrupt,
  );
}

async function saved(data: Uint8Array): Promise<{ file: string; cleanup: () => void }> {
  const t = tempDir('snap-streamed-');
  const s = new Snapshotter(join(t.dir, 'snap'));
  const snap: Snapshot = { data, metadata: META };
  await s.save(snap);
  return { file: join(s.dir, snapName(META.term, META.index)), cleanup: t.cleanup };
}

test('the consumer pulls exactly the data, in whatever pieces it asks for', async () => {
  const data = Buffer.alloc(300_000);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
  const f = await saved(data);
  try {
    for (const piece of [1, 4096, 1 << 20]) {
      let seen: SnapshotMetadata | null = null;
      const got = readSnapshotStreamed(
        f.file,
        (m) => {
          seen = m;
          return piece === 1 ? firstBytes(1000) : collect(piece);
        },
        corrupt,
      );
      assert.deepEqual(seen, META);
      assert.deepEqual(got?.snapshot, { data: new Uint8Array(0), metadata: META });
      // A consumer that stops early is fine: the rest is still checksummed.
      const want = piece === 1 ? data.subarray(0, 1000) : data;
      assert.ok(got?.value.equals(want), `piece ${piece}`);
    }
    // Declined by the caller: null, the file to be read whole.
    assert.equal(
      readSnapshotStreamed(f.file, () => null, corrupt),
      null,
    );
  } finally {
    f.cleanup();
  }
});

test('a flipped data byte is corruption, whatever the consumer made of the bytes', async () => {
  const data = Buffer.from('{"Root":"abcdefgh"}');
  const f = await saved(data);
  try {
    const b = readFileSync(f.file);
    const at = b.indexOf('abcdefgh');
    b[at]! ^= 1; // still parses
    writeFileSync(f.file, b);
    assert.throws(() => parsedAsJson(f.file), /corrupt: checksum mismatch/);
    b[at]! ^= 1;
    b[b.indexOf('{')]! ^= 0xff; // no longer parses: still reported as the checksum
    writeFileSync(f.file, b);
    assert.throws(() => parsedAsJson(f.file), /corrupt: checksum mismatch/);
  } finally {
    f.cleanup();
  }
});

test("the consumer's own error stands when the file is sound", async () => {
  const f = await saved(Buffer.from('not json'));
  try {
    assert.throws(() => parsedAsJson(f.file), SyntaxError);
  } finally {
    f.cleanup();
  }
});

test('a file not laid out as etcd writes it is left to the whole-file reader', async () => {
  const f = await saved(Buffer.from('{}'));
  try {
    writeFileSync(f.file, 'not a snapshot file at all');
    assert.equal(
      readSnapshotStreamed(f.file, () => collect(3), corrupt),
      null,
    );
    writeFileSync(f.file, Buffer.alloc(0));
    assert.equal(
      readSnapshotStreamed(f.file, () => collect(3), corrupt),
      null,
    );
  } finally {
    f.cleanup();
  }
});
