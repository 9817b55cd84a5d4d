// The rules of the Raft paper, sections 5.1-5.4 (after etcd's raft_paper_test.go).
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
  prop,
  RaftNet,
  raftOf,
  readMessages,
  storageWith,
  storageWithTerms,
} from './harness.js';

function sorted(ms: Message[]): Message[] {
  return ms.slice().sort((a, b) => Number(a.to) - Number(b.to) || a.type - b.type);
}

function pick(ms: Message[], ...keys: Array<keyof Message>): Array<Partial<Message>> {
  return sorted(ms).map((m) => {
    const o: Partial<Message> = {};
    for (const k of keys) (o as Record<string, unknown>)[k] = m[k];
    return o;
  });
}

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

describe('§5.1 terms', () => {
  for (const state of [StateType.Follower, StateType.Candidate, StateType.Leader]) {
    test(`${StateType[state]} updates its term from a message with a higher term and follows`, () => {
      const r = raftOf('1', ids(3));
      if (state === StateType.Follower) r.becomeFollower(1, '2');
      else {
        r.becomeCandidate();
        if (state === StateType.Leader) r.becomeLeader();
      }
      r.step(msg({ type: MessageType.App, term: 2, from: '2', to: '1' }));
      assert.equal(r.term, 2);
      assert.equal(r.state, StateType.Follower);
    });
  }

  test('a message with a stale term is rejected (ignored)', () => {
    const s = storageWith(ids(3));
    s.setHardState({ term: 2, vote: NONE, commit: 0 });
    const r = newTestRaft('1', 10, 1, s);
    r.step(msg({ type: MessageType.App, term: 1, from: '2', to: '1', entries: [ent(1, 1)] }));
    assert.equal(r.term, 2);
    assert.equal(r.raftLog.lastIndex(), 0);
    // The only answer tells the stale leader our term, so it steps down.
    assert.deepEqual(
      readMessages(r).map((m) => [m.type, m.to, m.term, m.reject]),
      [[MessageType.AppResp, '2', 2, false]],
    );
    r.step(msg({ type: MessageType.Vote, term: 1, from: '3', to: '1' }));
    r.step(msg({ type: MessageType.AppResp, term: 1, from: '3', to: '1', index: 5 }));
    assert.deepEqual(readMessages(r), []);
    assert.equal(r.vote, NONE);
  });
});

describe('§5.2 leader election', () => {
  test('a node starts as a follower', () => {
    assert.equal(raftOf('1', ids(3)).state, StateType.Follower);
  });

  test('the leader sends heartbeats to all followers every heartbeat timeout', () => {
    const r = raftOf('1', ids(3));
    r.becomeCandidate();
    r.becomeLeader();
    for (let i = 0; i < 10; i++) r.appendEntry([ent(0, 0)]);
    readMessages(r);
    r.tick();
    assert.deepEqual(pick(readMessages(r), 'from', 'to', 'term', 'type', 'commit'), [
      { from: '1', to: '2', term: 1, type: MessageType.Heartbeat, commit: 0 },
      { from: '1', to: '3', term: 1, type: MessageType.Heartbeat, commit: 0 },
    ]);
  });

  for (const state of [StateType.Follower, StateType.Candidate]) {
    test(`${StateType[state]} starts an election after the election timeout`, () => {
      const r = raftOf('1', ids(3));
      if (state === StateType.Follower) r.becomeFollower(1, '2');
      else r.becomeCandidate();
      for (let i = 1; i < 2 * 10; i++) r.tick();
      assert.equal(r.term, 2);
      assert.equal(r.state, StateType.Candidate);
      assert.equal(r.vote, '1');
      assert.deepEqual(pick(readMessages(r), 'from', 'to', 'term', 'type'), [
        { from: '1', to: '2', term: 2, type: MessageType.Vote },
        { from: '1', to: '3', term: 2, type: MessageType.Vote },
      ]);
    });
  }

  const oneRound: Array<[number, Record<string, boolean>, StateType]> = [
    // win with votes from a majority
    [1, {}, StateType.Leader],
    [3, { 2: true, 3: true }, StateType.Leader],
    [3, { 2: true }, StateType.Leader],
    [5, { 2: true, 3: true, 4: true, 5: true }, StateType.Leader],
    [5, { 2: true, 3: true, 4: true }, StateType.Leader],
    [5, { 2: true, 3: true }, StateType.Leader],
    // back to follower on denial from a majority
    [3, { 2: false, 3: false }, StateType.Follower],
    [5, { 2: false, 3: false, 4: false, 5: false }, StateType.Follower],
    [5, { 2: true, 3: false, 4: false, 5: false }, StateType.Follower],
    // stay candidate without a majority either way
    [3, {}, StateType.Candidate],
    [5, { 2: true }, StateType.Candidate],
    [5, { 2: false, 3: false }, StateType.Candidate],
    [5, {}, StateType.Candidate],
  ];
  for (const [size, votes, want] of oneRound) {
    test(`election in one round: ${size} nodes, votes ${JSON.stringify(votes)} -> ${StateType[want]}`, () => {
      const r = raftOf('1', ids(size));
      r.step(hup('1'));
      for (const [id, granted] of Object.entries(votes)) {
        r.step(
          msg({ type: MessageType.VoteResp, from: id, to: '1', term: r.term, reject: !granted }),
        );
      }
      assert.equal(r.state, want);
      assert.equal(r.term, 1);
    });
  }

  const followerVote: Array<[string, string, boolean]> = [
    [NONE, '1', false],
    [NONE, '2', false],
    ['1', '1', false],
    ['2', '2', false],
    ['1', '2', true],
    ['2', '1', true],
  ];
  for (const [vote, nvote, wreject] of followerVote) {
    test(`a follower votes at most once per term: voted '${vote}', asked by ${nvote}`, () => {
      const s = storageWith(ids(3));
      s.setHardState({ term: 1, vote, commit: 0 });
      const r = newTestRaft('1', 10, 1, s);
      r.step(msg({ type: MessageType.Vote, from: nvote, to: '1', term: 1 }));
      assert.deepEqual(pick(readMessages(r), 'from', 'to', 'term', 'type', 'reject'), [
        { from: '1', to: nvote, term: 1, type: MessageType.VoteResp, reject: wreject },
      ]);
    });
  }

  for (const term of [1, 2]) {
    test(`a candidate falls back to follower on an append from a leader of term ${term}`, () => {
      const r = raftOf('1', ids(3));
      r.step(hup('1'));
      assert.equal(r.state, StateType.Candidate);
      r.step(msg({ type: MessageType.App, from: '2', to: '1', term }));
      assert.equal(r.state, StateType.Follower);
      assert.equal(r.term, term);
    });
  }

  for (const state of [StateType.Follower, StateType.Candidate]) {
    test(`${StateType[state]} election timeouts are randomized over [et, 2et)`, () => {
      const r = raftOf('1', ids(3));
      const seen = new Set<number>();
      for (let round = 0; round < 50 * 10; round++) {
        if (state === StateType.Follower) r.becomeFollower(r.term + 1, '2');
        else r.becomeCandidate();
        let time = 0;
        while (readMessages(r).length === 0) {
          r.tick();
          time++;
        }
        seen.add(time);
      }
      for (const t of seen) assert.ok(t >= 10 && t < 20, `timeout ${t}`);
      for (let d = 11; d < 20; d++) assert.ok(seen.has(d), `timeout ${d} never seen`);
    });
  }

  test('election timeouts of different nodes rarely coincide', () => {
    let conflicts = 0;
    const rounds = 1000;
    const rs = ids(5).map((id) => raftOf(id, ids(5)));
    for (let round = 0; round < rounds; round++) {
      for (const r of rs) r.becomeFollower(r.term + 1, NONE);
      let timeoutNum = 0;
      while (timeoutNum === 0) {
        for (const r of rs) {
          r.tick();
          if (readMessages(r).length > 0) timeoutNum++;
        }
      }
      if (timeoutNum > 1) conflicts++;
    }
    assert.ok(conflicts / rounds <= 0.3, `conflict rate ${conflicts / rounds}`);
  });
});

describe('§5.3 log replication', () => {
  test('the leader appends a proposal and sends it to every follower', () => {
    const s = storageWith(ids(3));
    const r = newTestRaft('1', 10, 1, s);
    r.becomeCandidate();
    r.becomeLeader();
    commitNoopEntry(r, s);
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
    const s = storageWith(ids(3));
    const r = newTestRaft('1', 10, 1, s);
    r.becomeCandidate();
    r.becomeLeader();
    commitNoopEntry(r, s);
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
