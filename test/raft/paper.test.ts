// The rules of the Raft paper, sections 5.1-5.4 (after etcd's raft_paper_test.go).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MessageType, NONE, StateType } from '../../src/raft/types.js';
import {
  ent,
  hup,
  ids,
  msg,
  newTestRaft,
  pick,
  raftOf,
  readMessages,
  storageWith,
} from './harness.js';

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
