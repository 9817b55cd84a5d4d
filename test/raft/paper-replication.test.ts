// The rules of the Raft paper, sections 5.3 and 5.4: log replication and safety (after
// etcd's raft_paper_test.go).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Raft } from '../../src/raft/raft.js';
import type { MemoryStorage } from '../../src/raft/storage.js';
import { type Entry, type Message, MessageType, NONE, StateType } from '../../src/raft/types.js';
import {
  BLACKHOLE,
  ent,
  hup,
  ids,
  logTerms,
  msg,
  newTestRaft,
  pick,
  prop,
  RaftNet,
  raftOf,
  readMessages,
  sorted,
  storageWith,
  storageWithTerms,
} from './harness.js';

function et(es: Entry[]): Array<[number, number]> {
  return es.map((e) => [e.index, e.term]);
}

function acceptAndReply(m: Message): Message {
  assert.equal(m.type, MessageType.App);
  return msg({
    type: MessageType.AppResp,
    from: m.to,
    to: m.from,
    term: m.term,
    index: m.index + m.entries.length,
  });
}

/** Commits the leader's no-op as if every follower acked it, and persists the log. */
function commitNoopEntry(r: Raft, s: MemoryStorage): void {
  assert.equal(r.state, StateType.Leader);
  r.bcastAppend();
  for (const m of readMessages(r)) {
    assert.equal(m.entries.length, 1);
    assert.equal(m.entries[0]!.data.length, 0);
    r.step(acceptAndReply(m));
  }
  readMessages(r);
  s.append(r.raftLog.unstableEntries());
  r.raftLog.appliedTo(r.raftLog.committed);
  r.raftLog.stableTo(r.raftLog.lastIndex(), r.raftLog.lastTerm());
}

/** Leader 1 of three whose no-op is committed and persisted. */
function leaderWithNoop(): { r: Raft; s: MemoryStorage } {
  const s = storageWith(ids(3));
  const r = newTestRaft('1', 10, 1, s);
  r.becomeCandidate();
  r.becomeLeader();
  commitNoopEntry(r, s);
  return { r, s };
}

describe('§5.3 log replication', () => {
  test('the leader appends a proposal and sends it to every follower', () => {
    const { r } = leaderWithNoop();
    const li = r.raftLog.lastIndex();
    r.step(prop('1', 'some data'));
    assert.equal(r.raftLog.lastIndex(), li + 1);
    assert.equal(r.raftLog.committed, li);
    const ms = sorted(readMessages(r));
    assert.deepEqual(pick(ms, 'from', 'to', 'term', 'type', 'index', 'logTerm', 'commit'), [
      { from: '1', to: '2', term: 1, type: MessageType.App, index: li, logTerm: 1, commit: li },
      { from: '1', to: '3', term: 1, type: MessageType.App, index: li, logTerm: 1, commit: li },
    ]);
    for (const m of ms) assert.deepEqual(et(m.entries), [[li + 1, 1]]);
    assert.deepEqual(et(r.raftLog.unstableEntries()), [[li + 1, 1]]);
  });

  test('the leader commits an entry once a majority has it and tells followers', () => {
    const { r } = leaderWithNoop();
    const li = r.raftLog.lastIndex();
    r.step(prop('1', 'some data'));
    for (const m of readMessages(r)) r.step(acceptAndReply(m));
    assert.equal(r.raftLog.committed, li + 1);
    assert.deepEqual(et(r.raftLog.nextEnts()), [[li + 1, 1]]);
    const ms = sorted(readMessages(r));
    assert.deepEqual(pick(ms, 'to', 'type', 'commit'), [
      { to: '2', type: MessageType.App, commit: li + 1 },
      { to: '3', type: MessageType.App, commit: li + 1 },
    ]);
  });

  const acks: Array<[number, string[], boolean]> = [
    [1, [], true],
    [3, [], false],
    [3, ['2'], true],
    [3, ['2', '3'], true],
    [5, [], false],
    [5, ['2'], false],
    [5, ['2', '3'], true],
    [5, ['2', '3', '4'], true],
    [5, ['2', '3', '4', '5'], true],
  ];
  for (const [size, acceptors, wack] of acks) {
    test(`commit needs a majority: ${size} nodes, acked by [${acceptors}] -> ${wack}`, () => {
      const s = storageWith(ids(size));
      const r = newTestRaft('1', 10, 1, s);
      r.becomeCandidate();
      r.becomeLeader();
      commitNoopEntry(r, s);
      const li = r.raftLog.lastIndex();
      r.step(prop('1'));
      for (const m of readMessages(r)) if (acceptors.includes(m.to)) r.step(acceptAndReply(m));
      assert.equal(r.raftLog.committed > li, wack);
    });
  }

  const preceding: Array<Array<[number, number]>> = [
    [],
    [[1, 2]],
    [
      [1, 1],
      [2, 2],
    ],
    [[1, 1]],
  ];
  for (const prev of preceding) {
    test(`committing an entry commits all preceding ones: ${JSON.stringify(prev)}`, () => {
      const s = storageWith(ids(3));
      s.append(prev.map(([i, t]) => ent(i, t)));
      s.setHardState({ term: 2, vote: NONE, commit: 0 });
      const r = newTestRaft('1', 10, 1, s);
      r.becomeCandidate();
      r.becomeLeader();
      r.step(prop('1'));
      for (const m of readMessages(r)) r.step(acceptAndReply(m));
      const li = prev.length;
      assert.deepEqual(et(r.raftLog.nextEnts()), [...prev, [li + 1, 3], [li + 2, 3]]);
    });
  }

  const followerCommit: Array<[Entry[], number]> = [
    [[ent(1, 1, 'some data')], 1],
    [[ent(1, 1, 'some data'), ent(2, 1, 'some data2')], 2],
    [[ent(1, 1, 'some data2'), ent(2, 1, 'some data')], 2],
    [[ent(1, 1, 'some data'), ent(2, 1, 'some data2')], 1],
  ];
  for (const [ents, commit] of followerCommit) {
    test(`a follower commits what the leader says is committed (${ents.length} entries, commit ${commit})`, () => {
      const r = raftOf('1', ids(3));
      r.becomeFollower(1, '2');
      r.step(msg({ type: MessageType.App, from: '2', to: '1', term: 1, entries: ents, commit }));
      assert.equal(r.raftLog.committed, commit);
      assert.deepEqual(r.raftLog.nextEnts(), ents.slice(0, commit));
    });
  }

  // [logTerm, index, windex, wreject, wrejectHint, wlogTerm]
  const checkApp: Array<[number, number, number, boolean, number, number]> = [
    [0, 0, 1, false, 0, 0], // matches committed entries
    [1, 1, 1, false, 0, 0],
    [2, 2, 2, false, 0, 0], // matches uncommitted entries
    [1, 2, 2, true, 1, 1], // mismatch with an existing entry
    [3, 3, 3, true, 2, 2], // entry does not exist
  ];
  for (const [logTerm, index, windex, wreject, hint, wlogTerm] of checkApp) {
    test(`a follower checks the append's previous entry: (${index}, ${logTerm})`, () => {
      const s = storageWithTerms([1, 2], ids(3));
      s.setHardState({ term: 0, vote: NONE, commit: 1 });
      const r = newTestRaft('1', 10, 1, s);
      r.becomeFollower(2, '2');
      r.step(msg({ type: MessageType.App, from: '2', to: '1', term: 2, logTerm, index }));
      assert.deepEqual(
        pick(
          readMessages(r),
          'from',
          'to',
          'type',
          'term',
          'index',
          'reject',
          'rejectHint',
          'logTerm',
        ),
        [
          {
            from: '1',
            to: '2',
            type: MessageType.AppResp,
            term: 2,
            index: windex,
            reject: wreject,
            rejectHint: hint,
            logTerm: wlogTerm,
          },
        ],
      );
    });
  }

  // [index, logTerm, ents, wents, wunstable]
  const appendCases: Array<
    [number, number, Entry[], Array<[number, number]>, Array<[number, number]>]
  > = [
    [
      2,
      2,
      [ent(3, 3)],
      [
        [1, 1],
        [2, 2],
        [3, 3],
      ],
      [[3, 3]],
    ],
    [
      1,
      1,
      [ent(2, 3), ent(3, 4)],
      [
        [1, 1],
        [2, 3],
        [3, 4],
      ],
      [
        [2, 3],
        [3, 4],
      ],
    ],
    [
      0,
      0,
      [ent(1, 1)],
      [
        [1, 1],
        [2, 2],
      ],
      [],
    ],
    [0, 0, [ent(1, 3)], [[1, 3]], [[1, 3]]],
  ];
  for (const [index, logTerm, ents, wents, wunstable] of appendCases) {
    test(`a follower deletes conflicting entries and appends new ones: after (${index}, ${logTerm})`, () => {
      const s = storageWithTerms([1, 2], ids(3));
      const r = newTestRaft('1', 10, 1, s);
      r.becomeFollower(2, '2');
      r.step(
        msg({ type: MessageType.App, from: '2', to: '1', term: 2, logTerm, index, entries: ents }),
      );
      assert.deepEqual(logTerms(r), wents);
      assert.deepEqual(et(r.raftLog.unstableEntries()), wunstable);
    });
  }

  const leaderLog = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
  const figure7: number[][] = [
    [1, 1, 1, 4, 4, 5, 5, 6, 6],
    [1, 1, 1, 4],
    [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6],
    [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7],
    [1, 1, 1, 4, 4, 4, 4],
    [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
  ];
  figure7.forEach((follower, i) => {
    test(`the leader brings any follower's log into agreement (figure 7, case ${String.fromCharCode(97 + i)})`, () => {
      const ls = storageWithTerms(leaderLog, ids(3));
      ls.setHardState({ term: 8, vote: NONE, commit: leaderLog.length });
      const lead = newTestRaft('1', 10, 1, ls);
      const fs = storageWithTerms(follower, ids(3));
      fs.setHardState({ term: 7, vote: NONE, commit: 0 });
      const f = newTestRaft('2', 10, 1, fs);
      const net = new RaftNet([lead, f, BLACKHOLE]);
      net.send(hup('1'));
      // Node 2 may have the longer log; node 3's vote decides.
      net.send(msg({ type: MessageType.VoteResp, from: '3', to: '1', term: 9 }));
      net.send(prop('1', ''));
      assert.equal(lead.state, StateType.Leader);
      assert.deepEqual(logTerms(f), logTerms(lead));
      assert.equal(f.raftLog.committed, lead.raftLog.committed);
    });
  });
});

describe('§5.4 safety', () => {
  const voteReq: Array<[Entry[], number]> = [
    [[ent(1, 1)], 2],
    [[ent(1, 1), ent(2, 2)], 3],
  ];
  for (const [ents, wterm] of voteReq) {
    test(`vote requests carry the candidate's last index and term (${ents.length} entries)`, () => {
      const r = raftOf('1', ids(3));
      r.step(msg({ type: MessageType.App, from: '2', to: '1', term: wterm - 1, entries: ents }));
      readMessages(r);
      for (let i = 1; i < 2 * 10; i++) r.tick();
      const last = ents[ents.length - 1]!;
      assert.deepEqual(pick(readMessages(r), 'to', 'type', 'term', 'index', 'logTerm'), [
        { to: '2', type: MessageType.Vote, term: wterm, index: last.index, logTerm: last.term },
        { to: '3', type: MessageType.Vote, term: wterm, index: last.index, logTerm: last.term },
      ]);
    });
  }

  // [voter log terms, candidate logTerm, candidate index, wreject]
  const voter: Array<[number[], number, number, boolean]> = [
    [[1], 1, 1, false],
    [[1], 1, 2, false],
    [[1, 1], 1, 1, true],
    [[1], 2, 1, false],
    [[1], 2, 2, false],
    [[1, 1], 2, 1, false],
    [[2], 1, 1, true],
    [[2], 1, 2, true],
    [[2, 1], 1, 1, true],
  ];
  for (const [terms, logTerm, index, wreject] of voter) {
    test(`a voter grants only to candidates at least as up to date: log ${terms} vs (${index}, ${logTerm})`, () => {
      const r = newTestRaft('1', 10, 1, storageWithTerms(terms, ids(2)));
      r.step(msg({ type: MessageType.Vote, from: '2', to: '1', term: 3, logTerm, index }));
      const ms = readMessages(r);
      assert.equal(ms.length, 1);
      assert.equal(ms[0]!.type, MessageType.VoteResp);
      assert.equal(ms[0]!.reject, wreject);
    });
  }

  const current: Array<[number, number]> = [
    [1, 0],
    [2, 0],
    [3, 3],
  ];
  for (const [index, wcommit] of current) {
    test(`the leader commits only entries of its current term by counting (ack ${index})`, () => {
      const s = storageWithTerms([1, 2], ids(2));
      s.setHardState({ term: 2, vote: NONE, commit: 0 });
      const r = newTestRaft('1', 10, 1, s);
      r.becomeCandidate();
      r.becomeLeader();
      readMessages(r);
      r.step(prop('1', ''));
      r.step(msg({ type: MessageType.AppResp, from: '2', to: '1', term: r.term, index }));
      assert.equal(r.raftLog.committed, wcommit);
    });
  }

  test('leader completeness: a node missing committed entries cannot win', () => {
    const net = new RaftNet([null, null, null]);
    net.send(hup('1'));
    net.isolate('3');
    net.send(prop('1', 'committed'));
    assert.equal(net.raft('1').raftLog.committed, 2);
    net.recover();
    // 3 lacks entry 2: 1 and 2 refuse it, so it cannot become leader.
    net.cut('1', '3');
    net.send(hup('3'));
    assert.notEqual(net.raft('3').state, StateType.Leader);
    net.send(hup('2'));
    assert.equal(net.raft('2').state, StateType.Leader);
    assert.equal(net.raft('2').raftLog.term(2), 1);
  });
});
