// A member dir written by Go etcd 2.0.13 itself (test/fixtures/go-2.0.13/datadir, made by
// make-datadir.ts): our WAL reads every record of it, our Snapshotter loads its snapshot,
// our encoder rebuilds its segments and our Snapshotter its .snap byte for byte, and Go's
// etcd-dump-logs lists a WAL we wrote with those entries as it lists Go's.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeConfChange } from '../../src/raft/raftpb.js';
import { EntryType } from '../../src/raft/types.js';
import { Snapshotter } from '../../src/snap/snapshotter.js';
import { scanSegment } from '../../src/wal/decoder.js';
import { BatchEncoder } from '../../src/wal/encoder.js';
import { validSnapshotMarkers } from '../../src/wal/markers.js';
import { decodeMetadata } from '../../src/wal/metadata.js';
import { RecordType } from '../../src/wal/record.js';
import { WAL } from '../../src/wal/wal.js';
import { fixturePath } from '../helpers/fixtures.js';
import { GO_ETCD, goEtcdSkip } from '../helpers/go-etcd.js';
import { tempDir } from './helpers.js';

const MEMBER = fixturePath('go-2.0.13', 'datadir', 'member');

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

function copyMember(to: string): { wal: string; snap: string } {
  cpSync(MEMBER, to, { recursive: true });
  return { wal: join(to, 'wal'), snap: join(to, 'snap') };
}

test("Go 2.0.13's member dir: the newest snapshot, its WAL marker and every entry after it", async () => {
  const t = tempDir();
  try {
    const { wal, snap } = copyMember(join(t.dir, 'member'));
    const s = await new Snapshotter(snap).load();
    assert.ok(s !== null);
    const names = readdirSync(snap).filter((f) => f.endsWith('.snap'));
    assert.deepEqual(names, [
      `${s.metadata.term.toString(16).padStart(16, '0')}-${s.metadata.index.toString(16).padStart(16, '0')}.snap`,
    ]);
    assert.equal(s.metadata.confState.voters.length, 2); // taken before the removal
    const store = JSON.parse(Buffer.from(s.data).toString('utf8')) as Record<string, unknown>;
    assert.ok('Root' in store && 'CurrentIndex' in store, 'store JSON');
    const markers = await validSnapshotMarkers(wal);
    assert.ok(markers.some((m) => m.index === s.metadata.index && m.term === s.metadata.term));
    const w = await WAL.open(wal, { index: s.metadata.index, term: s.metadata.term });
    const c = await w.readAll();
    await w.close();
    const ids = decodeMetadata(c.metadata);
    assert.ok(s.metadata.confState.voters.includes(ids.nodeId));
    assert.match(ids.clusterId, /^[0-9a-f]{1,16}$/);
    assert.ok(c.entries.length >= 2, 'a WAL tail after the snapshot');
    assert.deepEqual(
      c.entries.map((e) => e.index),
      c.entries.map((_e, i) => s.metadata.index + 1 + i),
    );
    assert.ok(c.hardState.commit >= c.entries[c.entries.length - 1]!.index);
    // From the start: every entry Go logged, contiguous from 1, conf changes decodable.
    const all = await WAL.open(wal, { index: 0, term: 0 });
    const a = await all.readAll();
    await all.close();
    assert.deepEqual(
      a.entries.map((e) => e.index),
      a.entries.map((_e, i) => i + 1),
    );
    const confs = a.entries
      .filter((e) => e.type === EntryType.ConfChange)
      .map((e) => decodeConfChange(e.data));
    assert.deepEqual(
      confs.map((cc) => cc.type),
      [0, 0, 1],
    );
    assert.equal(confs[0]!.nodeId, ids.nodeId);
  } finally {
    t.cleanup();
  }
});

test("our encoder rebuilds Go's segments and our Snapshotter its .snap, byte for byte", async () => {
  const t = tempDir();
  try {
    const wal = join(MEMBER, 'wal');
    const segs = readdirSync(wal)
      .filter((f) => f.endsWith('.wal'))
      .sort();
    const enc = new BatchEncoder();
    let crc = 0;
    let records = 0;
    for (const [k, name] of segs.entries()) {
      const file = join(wal, name);
      const buf = new Uint8Array(readFileSync(file));
      enc.reset(crc);
      const scan = scanSegment(
        buf,
        file,
        k === segs.length - 1,
        k === 0 ? 0 : crc,
        (type, payload) => {
          if (type === RecordType.Crc) enc.crcRecord();
          else enc.record(type, payload);
          records++;
        },
      );
      assert.equal(scan.torn, null);
      assert.equal(hex(enc.bytes), hex(buf), name);
      crc = enc.crc;
    }
    assert.ok(records > 20);
    const snapDir = join(MEMBER, 'snap');
    const name = readdirSync(snapDir).find((f) => f.endsWith('.snap'))!;
    const s = await new Snapshotter(snapDir).load();
    const ours = join(t.dir, 'snap');
    mkdirSync(ours);
    await new Snapshotter(ours).save(s!);
    assert.equal(hex(readFileSync(join(ours, name))), hex(readFileSync(join(snapDir, name))));
  } finally {
    t.cleanup();
  }
});

test("etcd-dump-logs lists a WAL we wrote as it lists Go's", {
  skip: goEtcdSkip('dumpLogs'),
}, async () => {
  const t = tempDir();
  try {
    const { wal } = copyMember(join(t.dir, 'go'));
    const r = await WAL.open(wal, { index: 0, term: 0 });
    const c = await r.readAll();
    await r.close();
    const oursWal = join(t.dir, 'ours', 'wal');
    const w = await WAL.create(oursWal, c.metadata);
    // In a few batches, as a member would write them.
    for (let i = 0; i < c.entries.length; i += 5) {
      const batch = c.entries.slice(i, i + 5);
      await w.save({ ...c.hardState, commit: batch[batch.length - 1]!.index }, batch);
    }
    await w.close();
    const dump = (dir: string): string =>
      execFileSync(GO_ETCD.dumpLogs, ['-data-dir', dir], { encoding: 'utf8' });
    const go = dump(join(t.dir, 'go'));
    const ours = dump(join(t.dir, 'ours'));
    assert.equal(ours, go);
    assert.equal(go.trim().split('\n').length, c.entries.length);
    assert.match(go, /conf ConfChangeAddNode/);
    assert.match(go, /norm PUT \/1\/a 1/);
  } finally {
    t.cleanup();
  }
});
