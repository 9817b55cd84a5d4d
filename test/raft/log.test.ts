// The log pieces: MemoryStorage, the unstable tail, RaftLog, inflights and quorum
// arithmetic (after etcd's storage_test.go, log_test.go, log_unstable_test.go).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Inflights } from '../../src/raft/inflights.js';
import { RaftLog } from '../../src/raft/log.js';
import { NO_INDEX, Unstable } from '../../src/raft/log-unstable.js';
import { Progress, ProgressState } from '../../src/raft/progress.js';
import { committedIndex, compareIds, VoteResult, voteResult } from '../../src/raft/quorum.js';
import { MemoryStorage } from '../../src/raft/storage.js';
import type { Entry } from '../../src/raft/types.js';
import { ent, snapshotAt } from './harness.js';

const it = (es: Entry[]) => es.map((e) => [e.index, e.term]);

describe('Unstable', () => {
  test('first/last index and term lookups with and without a snapshot', () => {
    const u = new Unstable(5);
    assert.equal(u.maybeFirstIndex(), NO_INDEX);
    assert.equal(u.maybeLastIndex(), NO_INDEX);
    u.entries = [ent(5, 1)];
    assert.equal(u.maybeLastIndex(), 5);
    assert.equal(u.maybeTerm(5), 1);
    assert.equal(u.maybeTerm(6), NO_INDEX);
    assert.equal(u.maybeTerm(4), NO_INDEX);
    u.snapshot = snapshotAt(4, 1, ['1']);
    assert.equal(u.maybeFirstIndex(), 5);
    assert.equal(u.maybeTerm(4), 1);
    assert.equal(u.maybeTerm(3), NO_INDEX);
  });

  // [entries, offset, snapshot index, stableTo (i, t), want offset, want length]
  const stable: Array<[Array<[number, number]>, number, number, [number, number], number, number]> =
    [
      [[], 0, 0, [5, 1], 0, 0],
      [[[5, 1]], 5, 0, [5, 1], 6, 0],
      [
        [
          [5, 1],
          [6, 1],
        ],
        5,
        0,
        [5, 1],
        6,
        1,
      ],
      [[[6, 2]], 6, 0, [6, 1], 6, 1], // term mismatch: ignored
      [[[5, 1]], 5, 0, [4, 1], 5, 1], // older than offset: ignored
      [[[5, 1]], 5, 0, [4, 2], 5, 1],
      [[[5, 1]], 5, 4, [5, 1], 6, 0], // with a snapshot
      [
        [
          [5, 1],
          [6, 1],
        ],
        5,
        4,
        [5, 1],
        6,
        1,
      ],
      [[[6, 2]], 6, 5, [6, 1], 6, 1],
      [[[5, 1]], 5, 4, [4, 1], 5, 1], // at the snapshot: ignored
      [[[5, 2]], 5, 4, [4, 2], 5, 1],
    ];
  stable.forEach(([es, offset, snapIndex, [i, t], woffset, wlen], k) => {
    test(`stableTo case ${k}: (${i}, ${t}) on offset ${offset}`, () => {
      const u = new Unstable(offset);
      u.entries = es.map(([idx, term]) => ent(idx, term));
      if (snapIndex) u.snapshot = snapshotAt(snapIndex, 1, ['1']);
      u.stableTo(i, t);
      assert.equal(u.offset, woffset);
      assert.equal(u.entries.length, wlen);
    });
  });

  // [entries, offset, to append, want offset, want entries]
  const tAndA: Array<[number[], number, Array<[number, number]>, number, Array<[number, number]>]> =
    [
      [
        [1],
        5,
        [
          [6, 1],
          [7, 1],
        ],
        5,
        [
          [5, 1],
          [6, 1],
          [7, 1],
        ],
      ], // append
      [
        [1],
        5,
        [
          [5, 2],
          [6, 2],
        ],
        5,
        [
          [5, 2],
          [6, 2],
        ],
      ], // replace
      [
        [1],
        5,
        [
          [4, 2],
          [5, 2],
          [6, 2],
        ],
        4,
        [
          [4, 2],
          [5, 2],
          [6, 2],
        ],
      ],
      [
        [1, 1, 1],
        5,
        [[6, 2]],
        5,
        [
          [5, 1],
          [6, 2],
        ],
      ], // truncate and append
      [
        [1, 1, 1],
        5,
        [
          [7, 2],
          [8, 2],
        ],
        5,
        [
          [5, 1],
          [6, 1],
          [7, 2],
          [8, 2],
        ],
      ],
    ];
  tAndA.forEach(([terms, offset, app, woffset, want], k) => {
    test(`truncateAndAppend case ${k}`, () => {
      const u = new Unstable(offset);
      u.entries = terms.map((t, j) => ent(offset + j, t));
      const before = u.entries;
      const beforeCopy = before.slice();
      u.truncateAndAppend(app.map(([i, t]) => ent(i, t)));
      assert.equal(u.offset, woffset);
      assert.deepEqual(it(u.entries), want);
      // A truncation never rewrites an array a Ready may still hold.
      if (u.entries !== before) assert.deepEqual(before, beforeCopy);
    });
  });

  test('restore and stableSnapTo', () => {
    const u = new Unstable(5);
    u.entries = [ent(5, 1)];
    const s = snapshotAt(6, 2, ['1']);
    u.restore(s);
    assert.equal(u.offset, 7);
    assert.equal(u.entries.length, 0);
    u.stableSnapTo(5);
    assert.equal(u.snapshot, s);
    u.stableSnapTo(6);
    assert.equal(u.snapshot, null);
  });
});

describe('RaftLog', () => {
  function logWith(terms: number[]): RaftLog {
    const l = new RaftLog(new MemoryStorage());
    l.append(terms.map((t, i) => ent(i + 1, t)));
    return l;
  }

  const conflicts: Array<[Array<[number, number]>, number]> = [
    [[], 0],
    [
      [
        [1, 1],
        [2, 2],
        [3, 3],
      ],
      0,
    ],
    [
      [
        [2, 2],
        [3, 3],
      ],
      0,
    ],
    [[[3, 3]], 0],
    [
      [
        [1, 1],
        [2, 2],
        [3, 3],
        [4, 4],
        [5, 4],
      ],
      4,
    ],
    [
      [
        [4, 4],
        [5, 4],
      ],
      4,
    ],
    [
      [
        [1, 4],
        [2, 4],
      ],
      1,
    ],
    [
      [
        [2, 1],
        [3, 4],
        [4, 4],
      ],
      2,
    ],
    [
      [
        [3, 1],
        [4, 2],
        [5, 4],
        [6, 4],
      ],
      3,
    ],
  ];
  conflicts.forEach(([es, want], k) => {
    test(`findConflict case ${k} -> ${want}`, () => {
      assert.equal(logWith([1, 2, 3]).findConflict(es.map(([i, t]) => ent(i, t))), want);
    });
  });

  test('findConflictByTerm walks back to an entry of term <= the given one', () => {
    const l = logWith([1, 2, 2, 4, 4, 4]);
    assert.equal(l.findConflictByTerm(6, 3), 3);
    assert.equal(l.findConflictByTerm(6, 4), 6);
    assert.equal(l.findConflictByTerm(6, 1), 1);
    assert.equal(l.findConflictByTerm(6, 0), 0);
    assert.equal(l.findConflictByTerm(9, 3), 9); // beyond the log: as is
  });

  const upToDate: Array<[number, number, boolean]> = [
    [2, 4, true], // greater term wins
    [3, 4, true],
    [4, 4, true],
    [2, 2, false], // smaller term loses
    [3, 2, false],
    [4, 2, false],
    [2, 3, false], // same term: longer or equal wins
    [3, 3, true],
    [4, 3, true],
  ];
  for (const [lasti, term, want] of upToDate) {
    test(`isUpToDate(${lasti}, ${term}) against (3, 3) -> ${want}`, () => {
      assert.equal(logWith([1, 2, 3]).isUpToDate(lasti, term), want);
    });
  }

  // [index, logTerm, committed, entries, wlast, wappend, wcommit, wpanic]
  const maybeApp: Array<
    [number, number, number, Array<[number, number]>, number, number, boolean]
  > = [
    [3, 2, 3, [], -1, 1, false], // term mismatch
    [4, 3, 3, [], -1, 1, false], // index beyond the log
    [3, 3, 3, [], 3, 3, false],
    [3, 3, 4, [], 3, 3, false], // commit only up to the last new entry
    [3, 3, 2, [], 3, 2, false],
    [3, 3, 0, [], 3, 1, false], // commit never goes down
    [0, 0, 3, [[1, 4]], 1, 1, true], // conflicts with committed entry 1
    [3, 3, 3, [[4, 4]], 4, 3, false],
    [3, 3, 4, [[4, 4]], 4, 4, false],
    [3, 3, 5, [[4, 4]], 4, 4, false],
    [
      3,
      3,
      5,
      [
        [4, 4],
        [5, 4],
      ],
      5,
      5,
      false,
    ],
    [2, 2, 4, [[3, 4]], 3, 3, false], // truncates an uncommitted conflict
    [1, 1, 4, [[2, 4]], 2, 2, false],
    [
      1,
      1,
      4,
      [
        [2, 4],
        [3, 4],
      ],
      3,
      3,
      false,
    ],
  ];
  maybeApp.forEach(([index, logTerm, committed, es, wlast, wcommit, wthrow], k) => {
    test(`maybeAppend case ${k}`, () => {
      const l = logWith([1, 2, 3]);
      l.commitTo(1);
      const go = () =>
        l.maybeAppend(
          index,
          logTerm,
          committed,
          es.map(([i, t]) => ent(i, t)),
        );
      if (wthrow) {
        assert.throws(go);
        return;
      }
      assert.equal(go(), wlast);
      assert.equal(l.committed, wcommit);
      if (wlast >= 0) {
        for (const [i, t] of es) assert.equal(l.term(i), t);
      }
    });
  });

  test('entries span storage and the unstable tail; compacted ranges return null', () => {
    const s = new MemoryStorage();
    s.applySnapshot(snapshotAt(3, 3, ['1']));
    s.append([ent(4, 4), ent(5, 5)]);
    const l = new RaftLog(s);
    l.append([ent(6, 6), ent(7, 7)]);
    assert.deepEqual(it(l.slice(4, 8, Number.MAX_SAFE_INTEGER)!), [
      [4, 4],
      [5, 5],
      [6, 6],
      [7, 7],
    ]);
    assert.deepEqual(it(l.entries(5, Number.MAX_SAFE_INTEGER)!), [
      [5, 5],
      [6, 6],
      [7, 7],
    ]);
    assert.equal(l.entries(3, Number.MAX_SAFE_INTEGER), null);
    assert.deepEqual(l.entries(8, Number.MAX_SAFE_INTEGER), []);
    assert.equal(l.term(3), 3);
    assert.equal(l.term(2), 0);
    assert.equal(l.term(8), 0);
    assert.throws(() => l.slice(4, 9, Number.MAX_SAFE_INTEGER));
  });

  test('nextEnts returns committed entries once, from applied on', () => {
    const l = logWith([1, 1, 1]);
    l.commitTo(2);
    assert.deepEqual(it(l.nextEnts()), [
      [1, 1],
      [2, 1],
    ]);
    l.appliedTo(2);
    assert.equal(l.hasNextEnts(), false);
    l.commitTo(3);
    assert.deepEqual(it(l.nextEnts()), [[3, 1]]);
    assert.throws(() => l.appliedTo(4));
    assert.throws(() => l.commitTo(9));
  });

  test('maybeCommit requires the entry to be of the given term', () => {
    const l = logWith([1, 2]);
    assert.equal(l.maybeCommit(2, 1), false);
    assert.equal(l.maybeCommit(2, 2), true);
    assert.equal(l.committed, 2);
  });

  test('restore moves everything to the snapshot', () => {
    const l = logWith([1, 2]);
    l.restore(snapshotAt(10, 4, ['1']));
    assert.equal(l.committed, 10);
    assert.equal(l.firstIndex(), 11);
    assert.equal(l.lastIndex(), 10);
    assert.equal(l.term(10), 4);
    assert.equal(l.hasPendingSnapshot(), true);
  });
});

describe('Inflights and Progress', () => {
  test('add, freeLE and wrap-around', () => {
    const f = new Inflights(10);
    for (let i = 0; i < 5; i++) f.add(i);
    assert.equal(f.count, 5);
    f.freeLE(4);
    assert.equal(f.count, 0);
    for (let i = 5; i < 15; i++) f.add(i);
    assert.equal(f.full(), true);
    assert.throws(() => f.add(99));
    f.freeLE(9);
    assert.equal(f.count, 5);
    f.freeLE(8); // stale
    assert.equal(f.count, 5);
    for (let i = 15; i < 20; i++) f.add(i);
    assert.equal(f.full(), true);
    f.freeFirstOne();
    assert.equal(f.count, 9);
    f.freeLE(19);
    assert.equal(f.count, 0);
  });

  test('progress: maybeUpdate, maybeDecrTo, state transitions', () => {
    const p = new Progress(3, 5, 4, false);
    assert.equal(p.maybeUpdate(2), false);
    assert.equal(p.next, 5);
    assert.equal(p.maybeUpdate(4), true);
    assert.deepEqual([p.match, p.next], [4, 5]);
    // Probe: only a rejection of next-1 counts.
    assert.equal(p.maybeDecrTo(3, 3), false);
    assert.equal(p.maybeDecrTo(4, 1), true);
    assert.equal(p.next, 2);
    p.becomeReplicate();
    assert.equal(p.next, 5);
    p.optimisticUpdate(9);
    assert.equal(p.maybeDecrTo(4, 4), false); // stale: <= match
    assert.equal(p.maybeDecrTo(7, 4), true);
    assert.equal(p.next, 5);
    p.becomeSnapshot(20);
    assert.equal(p.isPaused(), true);
    p.becomeProbe();
    assert.equal(p.state, ProgressState.Probe);
    assert.equal(p.next, 21);
  });
});

describe('quorum', () => {
  test('committed index is the majority match', () => {
    assert.equal(committedIndex([5], 1), 5);
    assert.equal(committedIndex([5, 3, 4], 3), 4);
    assert.equal(committedIndex([5, 3, 4, 1], 4), 3);
    assert.equal(committedIndex([1, 2, 3, 4, 5], 5), 3);
  });

  test('vote results', () => {
    assert.equal(voteResult(2, 0, 3), VoteResult.Won);
    assert.equal(voteResult(1, 1, 3), VoteResult.Pending);
    assert.equal(voteResult(1, 2, 3), VoteResult.Lost);
    assert.equal(voteResult(2, 2, 4), VoteResult.Lost);
    assert.equal(voteResult(2, 1, 4), VoteResult.Pending);
  });

  test('ids sort numerically as hex', () => {
    assert.deepEqual(['a', '10', '2', 'ff', '1'].sort(compareIds), ['1', '2', 'a', '10', 'ff']);
  });
});
