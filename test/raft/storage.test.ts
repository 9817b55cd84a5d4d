// MemoryStorage: entries, terms, compaction, snapshots and appends (after etcd's
// storage_test.go).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CompactedError, UnavailableError } from '../../src/raft/interface.js';
import { MemoryStorage, SnapshotOutOfDateError } from '../../src/raft/storage.js';
import type { Entry } from '../../src/raft/types.js';
import { ent, snapshotAt } from './harness.js';

const it = (es: Entry[]) => es.map((e) => [e.index, e.term]);

/** Storage whose log is [(3,3) dummy, (4,4), (5,5)] as in etcd's storage tests. */
function s345(): MemoryStorage {
  const s = new MemoryStorage();
  s.applySnapshot(snapshotAt(3, 3, ['1']));
  s.append([ent(4, 4), ent(5, 5)]);
  return s;
}

describe('MemoryStorage', () => {
  test('term: compacted below the dummy, unavailable past the end', () => {
    const s = s345();
    assert.throws(() => s.term(2), CompactedError);
    assert.equal(s.term(3), 3);
    assert.equal(s.term(4), 4);
    assert.equal(s.term(5), 5);
    assert.throws(() => s.term(6), UnavailableError);
  });

  test('entries: bounds and size limit (always at least one)', () => {
    const s = s345();
    s.append([ent(6, 6)]);
    assert.throws(() => s.entries(2, 6, Infinity), CompactedError);
    assert.throws(() => s.entries(3, 4, Infinity), CompactedError);
    assert.deepEqual(it(s.entries(4, 5, Infinity)), [[4, 4]]);
    assert.deepEqual(it(s.entries(4, 6, Infinity)), [
      [4, 4],
      [5, 5],
    ]);
    const sized = new MemoryStorage();
    sized.append([ent(1, 1, 'aaaa'), ent(2, 1, 'bbbb'), ent(3, 1, 'cccc')]);
    assert.equal(sized.entries(1, 4, 0).length, 1);
    assert.equal(sized.entries(1, 4, 8).length, 2);
    assert.equal(sized.entries(1, 4, 11).length, 2);
    assert.equal(sized.entries(1, 4, 12).length, 3);
  });

  test('first and last index, compaction', () => {
    const s = s345();
    assert.equal(s.firstIndex(), 4);
    assert.equal(s.lastIndex(), 5);
    s.compact(4);
    assert.equal(s.firstIndex(), 5);
    assert.equal(s.term(4), 4);
    assert.throws(() => s.compact(4), CompactedError);
    assert.throws(() => s.compact(9));
    s.compact(5);
    assert.equal(s.firstIndex(), 6);
    assert.equal(s.lastIndex(), 5);
  });

  test('createSnapshot and applySnapshot', () => {
    const s = s345();
    const cs = { voters: ['1', '2', '3'], learners: [] };
    const snap = s.createSnapshot(4, cs, new Uint8Array([1]));
    assert.deepEqual(snap.metadata, { index: 4, term: 4, confState: cs });
    assert.throws(() => s.createSnapshot(4, cs, new Uint8Array(0)), SnapshotOutOfDateError);
    const t = new MemoryStorage();
    t.applySnapshot(snapshotAt(4, 4, ['1']));
    assert.throws(() => t.applySnapshot(snapshotAt(3, 3, ['1'])), SnapshotOutOfDateError);
    assert.equal(t.firstIndex(), 5);
    assert.equal(t.lastIndex(), 4);
    assert.deepEqual(t.initialState().confState, { voters: ['1'], learners: [] });
  });

  const appends: Array<[Array<[number, number]>, Array<[number, number]> | null]> = [
    [
      [
        [3, 3],
        [4, 4],
        [5, 5],
      ],
      [
        [3, 3],
        [4, 4],
        [5, 5],
      ],
    ],
    [
      [
        [3, 3],
        [4, 6],
        [5, 6],
      ],
      [
        [3, 3],
        [4, 6],
        [5, 6],
      ],
    ],
    [
      [
        [3, 3],
        [4, 4],
        [5, 5],
        [6, 5],
      ],
      [
        [3, 3],
        [4, 4],
        [5, 5],
        [6, 5],
      ],
    ],
    [
      [
        [2, 3],
        [3, 3],
        [4, 5],
      ],
      [
        [3, 3],
        [4, 5],
      ],
    ], // truncate the compacted part
    [
      [[4, 5]],
      [
        [3, 3],
        [4, 5],
      ],
    ], // truncate the existing tail
    [
      [[6, 5]],
      [
        [3, 3],
        [4, 4],
        [5, 5],
        [6, 5],
      ],
    ],
    [[[7, 5]], null], // gap
  ];
  appends.forEach(([input, want], i) => {
    test(`append case ${i}`, () => {
      const s = s345();
      const es = input.map(([idx, t]) => ent(idx, t));
      if (want === null) {
        assert.throws(() => s.append(es));
        return;
      }
      s.append(es);
      const all: Array<[number, number]> = [[3, s.term(3)]];
      for (let j = 4; j <= s.lastIndex(); j++) all.push([j, s.term(j)]);
      assert.deepEqual(all, want);
    });
  });

  test('many runs: lookups, ranges across runs, compaction and truncation inside runs', () => {
    const s = new MemoryStorage();
    // Runs of 200, 300 and 150 entries (too big to merge), then small appends that merge.
    let next = 1;
    const terms = new Map<number, number>();
    for (const n of [200, 300, 150, 5, 7, 1, 1]) {
      const es: Entry[] = [];
      for (let i = 0; i < n; i++) {
        const t = 1 + (next >> 6);
        terms.set(next, t);
        es.push(ent(next++, t, 'ab'));
      }
      s.append(es);
    }
    const last = next - 1;
    assert.equal(s.lastIndex(), last);
    for (let i = 1; i <= last; i++) assert.equal(s.term(i), terms.get(i));
    const span = s.entries(150, 600, Number.MAX_SAFE_INTEGER);
    assert.deepEqual(
      span.map((e) => e.index),
      Array.from({ length: 450 }, (_, i) => 150 + i),
    );
    // Size limit across runs: 2 bytes each.
    assert.equal(s.entries(190, 600, 41).length, 20);
    // Compact inside the second run.
    s.compact(350);
    assert.equal(s.firstIndex(), 351);
    assert.equal(s.term(350), terms.get(350));
    assert.throws(() => s.term(349), CompactedError);
    assert.deepEqual(
      s.entries(351, 354, Number.MAX_SAFE_INTEGER).map((e) => e.index),
      [351, 352, 353],
    );
    // Truncate inside the third run with a conflicting append.
    s.append([ent(600, 99), ent(601, 99)]);
    assert.equal(s.lastIndex(), 601);
    assert.equal(s.term(599), terms.get(599));
    assert.equal(s.term(600), 99);
    assert.throws(() => s.term(602), UnavailableError);
    assert.deepEqual(
      s.entries(598, 602, Number.MAX_SAFE_INTEGER).map((e) => [e.index, e.term]),
      [
        [598, terms.get(598)],
        [599, terms.get(599)],
        [600, 99],
        [601, 99],
      ],
    );
    // Truncate at the exact start of a run, then compact everything.
    s.append([ent(501, 100)]);
    assert.equal(s.lastIndex(), 501);
    assert.equal(s.term(501), 100);
    assert.equal(s.term(500), terms.get(500));
    s.compact(501);
    assert.equal(s.firstIndex(), 502);
    assert.equal(s.lastIndex(), 501);
    s.append([ent(502, 100)]);
    assert.equal(s.term(502), 100);
  });

  test('append never modifies the array it was given', () => {
    const s = new MemoryStorage();
    const a = [ent(1, 1), ent(2, 1)];
    s.append(a);
    s.append([ent(3, 1)]);
    s.append([ent(2, 2)]);
    assert.deepEqual(it(a), [
      [1, 1],
      [2, 1],
    ]);
    assert.equal(s.term(2), 2);
  });

  test('initialState returns the hard state and the snapshot configuration', () => {
    const s = new MemoryStorage({ voters: ['1', '2'], learners: ['3'] });
    s.setHardState({ term: 3, vote: '2', commit: 0 });
    assert.deepEqual(s.initialState(), {
      hardState: { term: 3, vote: '2', commit: 0 },
      confState: { voters: ['1', '2'], learners: ['3'] },
    });
  });
});
