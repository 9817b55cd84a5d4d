// The WAL against etcd 2.0.13's own wal package: gen/main.go (see
// test/fixtures/go-2.0.13/make-codec-fixtures.sh) wrote wal-go/ with Create, three Saves,
// Cut, SaveSnapshot, Save, Close. We read every record of it, and writing the same records
// produces the same files byte for byte.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeEntry } from '../../src/raft/raftpb.js';
import { type Entry, EntryType, type HardState } from '../../src/raft/types.js';
import { decodeMetadata, encodeMetadata } from '../../src/wal/metadata.js';
import { WAL } from '../../src/wal/wal.js';
import { fixturePath } from '../helpers/fixtures.js';
import { GO_ETCD, goEtcdSkip } from '../helpers/go-etcd.js';
import { tempDir } from './helpers.js';

const GO_WAL = fixturePath('go-2.0.13', 'wal-go');
const BIG = '8e9e05c52164694d';
/** etcdserverpb.Metadata{NodeID: BIG, ClusterID: 0x7e27652122e8b2ae}, as Go wrote it. */
const META = Buffer.from('08cdd2918bd2b881cf8e0110aee5a29792a4d9937e', 'hex');

function data(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (seed + i * 131) & 0xff;
  return b;
}

const E = (index: number): Entry => ({
  term: 1,
  index,
  type: EntryType.Normal,
  data: data(index * 10, index),
});
const E6: Entry = { term: 2, index: 6, type: EntryType.ConfChange, data: data(40, 6) };
const E7: Entry = { term: 2, index: 7, type: EntryType.Normal, data: new Uint8Array(0) };
const hs = (term: number, vote: string, commit: number): HardState => ({ term, vote, commit });

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

test("our WAL reads every record of the WAL etcd 2.0.13's wal package wrote", async () => {
  const t = tempDir();
  try {
    cpSync(GO_WAL, t.dir, { recursive: true }); // open() takes a lock in the dir
    const w = await WAL.open(t.dir, { index: 0, term: 0 });
    const c = await w.readAll();
    await w.close();
    assert.equal(hex(c.metadata), hex(META));
    assert.deepEqual(c.hardState, hs(2, '', 5));
    assert.deepEqual(
      c.entries.map((e) => hex(encodeEntry(e))),
      [E(1), E(2), E(3), E(4), E(5), E6, E7].map((e) => hex(encodeEntry(e))),
    );
    const at5 = await WAL.open(t.dir, { index: 5, term: 1 });
    const c5 = await at5.readAll();
    await at5.close();
    assert.deepEqual(
      c5.entries.map((e) => e.index),
      [6, 7],
    );
    await assert.rejects(WAL.open(t.dir, { index: 5, term: 2 }), /snapshot mismatch/);
  } finally {
    t.cleanup();
  }
});

test("writing the same records gives etcd 2.0.13's segment files byte for byte", async () => {
  const t = tempDir();
  try {
    const goFiles = readdirSync(GO_WAL)
      .filter((f) => f.endsWith('.wal'))
      .sort();
    const first = readFileSync(join(GO_WAL, goFiles[0]!));
    // Go cut right after the third save: a segment size of exactly that lets ours cut there.
    const w = await WAL.create(t.dir, META, { segmentSize: first.length, preallocate: false });
    await w.save(hs(1, BIG, 0), [E(1), E(2)]);
    await w.save(hs(1, BIG, 2), [E(3), E(4), E(5)]);
    await w.save(hs(1, BIG, 5), []);
    await w.saveSnapshot({ index: 5, term: 1 });
    await w.save(hs(2, '', 5), [E6, E7]);
    await w.close();
    const ours = readdirSync(t.dir)
      .filter((f) => f.endsWith('.wal'))
      .sort();
    assert.deepEqual(ours, goFiles);
    for (const f of goFiles) {
      assert.equal(
        hex(readFileSync(join(t.dir, f))),
        hex(readFileSync(join(GO_WAL, f))),
        `segment ${f}`,
      );
    }
  } finally {
    t.cleanup();
  }
});

test('the metadata record is etcdserverpb.Metadata as Go writes it', () => {
  const ids = { nodeId: BIG, clusterId: '7e27652122e8b2ae' };
  assert.equal(hex(encodeMetadata(ids)), hex(META));
  assert.deepEqual(decodeMetadata(META), ids);
  const max = { nodeId: BIG, clusterId: 'ffffffffffffffff' };
  // codec.txt's "metadata" sample: Metadata{NodeID: BIG, ClusterID: max uint64}.
  assert.equal(hex(encodeMetadata(max)), '08cdd2918bd2b881cf8e0110ffffffffffffffffff01');
});

test('etcd-dump-logs reads a WAL we cut into many segments, every entry in order', {
  skip: goEtcdSkip('dumpLogs'),
}, async () => {
  const t = tempDir();
  try {
    const dir = join(t.dir, 'member', 'wal');
    const w = await WAL.create(dir, META, { segmentSize: 2048 });
    for (let i = 1; i <= 200; i += 10) {
      const batch: Entry[] = [];
      for (let k = i; k < i + 10; k++) batch.push({ ...E(1 + (k % 5)), index: k, term: 3 });
      await w.save(hs(3, BIG, i - 1), batch);
      if (i === 101) await w.saveSnapshot({ index: 100, term: 3 });
    }
    await w.close();
    const segs = readdirSync(dir).filter((f) => f.endsWith('.wal'));
    assert.ok(segs.length > 5, `${segs.length} segments`);
    const out = execFileSync(GO_ETCD.dumpLogs, ['-data-dir', join(t.dir, 'member')], {
      encoding: 'utf8',
    });
    const lines = out.trimEnd().split('\n');
    assert.equal(lines.length, 200);
    lines.forEach((l, i) => {
      assert.match(l, new RegExp(`^ 3 +${i + 1}: `));
    });
  } finally {
    t.cleanup();
  }
});
