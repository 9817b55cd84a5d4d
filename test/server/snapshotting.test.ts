// The raft log in memory around membership changes: alone, applied entries are dropped at
// once; with company, the in-memory snapshot must carry data that reaches back to where
// the log starts, or a new follower could be sent neither (found by membership.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryStorage } from '../../src/raft/storage.js';
import { type ConfState, type Entry, EntryType } from '../../src/raft/types.js';
import { type SnapshotSource, Snapshotting } from '../../src/server/snapshotting.js';
import { NO_TTL, Store } from '../../src/store/store.js';

function entries(from: number, to: number): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) {
    out.push({ type: EntryType.Normal, term: 1, index: i, data: new Uint8Array(0) });
  }
  return out;
}

function setup() {
  const storage = new MemoryStorage({ voters: ['a'], learners: [] });
  const unused = null as never;
  const snapshots = new Snapshotting(
    unused,
    '',
    unused,
    storage,
    {
      snapshotCount: 10_000,
      maxSnapshots: 5,
      maxWals: 5,
      catchUpEntries: 5000,
    },
    unused,
    unused,
    unused,
  );
  const store = new Store();
  store.set('/1/k', false, 'v', NO_TTL, 0);
  const source = (applied: number, confState: ConfState): SnapshotSource =>
    ({ applied, confState, store }) as unknown as SnapshotSource;
  return { storage, snapshots, source };
}

const ALONE: ConfState = { voters: ['a'], learners: [] };
const TWO: ConfState = { voters: ['a', 'b'], learners: [] };

test('alone, applied entries leave memory at once; in company they stay', () => {
  const { storage, snapshots, source } = setup();
  storage.append(entries(1, 10));
  snapshots.compactAlone(source(7, ALONE));
  assert.equal(storage.firstIndex(), 8);
  assert.equal(storage.term(7), 1);
  // Never past what the storage holds (entries applied before they are appended).
  snapshots.compactAlone(source(12, ALONE));
  assert.equal(storage.firstIndex(), 11);
  storage.append(entries(11, 20));
  snapshots.compactAlone(source(15, TWO));
  assert.equal(storage.firstIndex(), 11);
});

test('a member added after the log was compacted alone gets a snapshot with data at applied', () => {
  const { storage, snapshots, source } = setup();
  storage.append(entries(1, 10));
  // Nothing compacted: the log reaches index 1, no snapshot needed.
  snapshots.ensureData(source(10, TWO));
  assert.equal(storage.snapshot().metadata.index, 0);
  snapshots.compactAlone(source(10, ALONE));
  snapshots.ensureData(source(10, TWO));
  const snap = storage.snapshot();
  assert.equal(snap.metadata.index, 10);
  assert.ok(snap.data.length > 0);
  assert.match(new TextDecoder().decode(snap.data), /"\/1\/k"/);
});

test('a snapshot with data that the log was compacted past alone is replaced', () => {
  const { storage, snapshots, source } = setup();
  storage.append(entries(1, 10));
  storage.createSnapshot(5, TWO, new Uint8Array([1]));
  // In company at 5: that snapshot reaches the log (nothing compacted yet past it).
  storage.compact(5);
  snapshots.ensureData(source(10, TWO));
  assert.equal(storage.snapshot().metadata.index, 5);
  // The others were removed; alone, the log went on to 10; then a member is added.
  snapshots.compactAlone(source(10, ALONE));
  storage.append(entries(11, 12));
  snapshots.ensureData(source(12, TWO));
  assert.equal(storage.snapshot().metadata.index, 12);
  assert.ok(storage.snapshot().data.length > 1);
});
