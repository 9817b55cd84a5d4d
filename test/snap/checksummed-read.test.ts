// Snapshot files are checksummed while they are read, chunk by chunk; the loader then
// trusts that checksum only for the field it covers, and checksums any other layout itself.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { crc32c } from '../../src/pkg/crc32c.js';
import { ProtoWriter } from '../../src/pkg/protobuf.js';
import { encodeSnapshot } from '../../src/raft/raftpb.js';
import type { Snapshot } from '../../src/raft/types.js';
import { readChecksummed } from '../../src/snap/checksummed-read.js';
import { readSnapshotFile, Snapshotter, snapName } from '../../src/snap/snapshotter.js';
import { tempDir } from '../wal/helpers.js';

function bigSnap(bytes: number): Snapshot {
  const data = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) data[i] = (i * 31) & 0xff;
  return { data, metadata: { term: 2, index: 9, confState: { voters: ['a'], learners: [] } } };
}

test('a file of several chunks: the data field and its crc, as computed over the whole', async () => {
  const t = tempDir('snap-read-');
  try {
    const s = new Snapshotter(t.dir);
    const snap = bigSnap(9_000_001); // over two 4 MiB chunks
    await s.save(snap);
    const file = join(t.dir, snapName(2, 9));
    const whole = readFileSync(file);
    const got = await readChecksummed(file);
    assert.deepEqual(Buffer.from(got.buf), whole);
    assert.ok(got.data !== null);
    const body = whole.subarray(got.data.start, got.data.end);
    assert.equal(got.data.crc, crc32c(body));
    assert.deepEqual((await s.load())?.data, snap.data);
    // A bit flipped in the middle chunk is caught.
    whole[6_000_000]! ^= 0x01;
    writeFileSync(file, whole);
    await assert.rejects(readSnapshotFile(file, snapName(2, 9)), /checksum mismatch/);
  } finally {
    t.cleanup();
  }
});

test('another field order (data before crc) is checksummed by the loader itself', async () => {
  const t = tempDir('snap-read-');
  try {
    const body = encodeSnapshot(bigSnap(5000));
    const w = new ProtoWriter(body.length + 32);
    w.byte(0x12);
    w.bytes(body);
    w.byte(0x08);
    w.varint(crc32c(body));
    const file = join(t.dir, snapName(2, 9));
    writeFileSync(file, w.result());
    assert.equal((await readChecksummed(file)).data, null);
    const s = await readSnapshotFile(file, snapName(2, 9));
    assert.deepEqual(s.data, bigSnap(5000).data);
    const bad = w.result();
    bad[100]! ^= 0x04;
    writeFileSync(file, bad);
    await assert.rejects(readSnapshotFile(file, snapName(2, 9)), /checksum mismatch/);
  } finally {
    t.cleanup();
  }
});
