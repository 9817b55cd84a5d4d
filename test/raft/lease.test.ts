// Check-quorum and the leader lease: a leader steps down without a quorum, and votes
// are refused while a leader is heard from (after etcd's raft_test.go).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MemoryStorage } from '../../src/raft/storage.js';
import { MessageType, NONE, StateType } from '../../src/raft/types.js';
import {
  hup,
  ids,
  msg,
  newTestRaft,
  prop,
  RaftNet,
  raftOf,
  readMessages,
  storageWith,
} from './harness.js';

describe('check-quorum and the leader lease', () => {
  test('a leader stays while a quorum is active', () => {
    const r = raftOf('1', ids(3), { checkQuorum: true }, 5);
    r.becomeCandidate();
    r.becomeLeader();
    for (let i = 0; i < 6; i++) {
      r.step(msg({ type: MessageType.HeartbeatResp, from: '2', to: '1', term: r.term }));
      r.tick();
    }
    assert.equal(r.state, StateType.Leader);
  });

  test('a leader steps down without quorum activity within an election timeout', () => {
    const r = raftOf('1', ids(3), { checkQuorum: true }, 5);
    r.becomeCandidate();
    r.becomeLeader();
    for (let i = 0; i < 6; i++) r.tick();
    assert.equal(r.state, StateType.Follower);
  });

  test('a follower in lease refuses votes; after the timeout a new leader supersedes', () => {
    const net = new RaftNet([null, null, null], { checkQuorum: true });
    const [a, b, c] = ids(3).map((id) => net.raft(id));
    b!.randomizedElectionTimeout = b!.electionTimeout + 1;
    for (let i = 0; i < b!.electionTimeout; i++) b!.tick();
    net.send(hup('1'));
    assert.equal(a!.state, StateType.Leader);
    assert.equal(c!.state, StateType.Follower);
    net.send(hup('3'));
    // b heard from the leader recently: it ignores c.
    assert.equal(c!.state, StateType.Candidate);
    for (let i = 0; i < b!.electionTimeout; i++) b!.tick();
    net.send(hup('3'));
    assert.equal(c!.state, StateType.Leader);
  });

  test('the lease ends a tick before the election timeout: ticks are not in step', () => {
    // A peer that campaigns after exactly the election timeout may find this member one
    // tick behind; refusing it would cost the cluster a whole second election timeout.
    const net = new RaftNet([null, null, null], { checkQuorum: true, preVote: true });
    const [a, b, c] = ids(3).map((id) => net.raft(id));
    net.send(hup('1'));
    assert.equal(a!.state, StateType.Leader);
    b!.randomizedElectionTimeout = 2 * b!.electionTimeout;
    for (let i = 0; i < b!.electionTimeout - 2; i++) b!.tick();
    net.send(hup('3'));
    assert.equal(c!.state, StateType.PreCandidate, 'still in lease two ticks short');
    b!.tick();
    net.send(hup('3'));
    assert.equal(c!.state, StateType.Leader, 'granted one tick short');
  });

  test('election with check-quorum once the lease expired', () => {
    const net = new RaftNet([null, null, null], { checkQuorum: true });
    const [a, b, c] = ids(3).map((id) => net.raft(id));
    a!.randomizedElectionTimeout = a!.electionTimeout + 1;
    b!.randomizedElectionTimeout = b!.electionTimeout + 2;
    net.send(hup('1'));
    assert.equal(a!.state, StateType.Leader);
    a!.randomizedElectionTimeout = a!.electionTimeout + 1;
    b!.randomizedElectionTimeout = b!.electionTimeout + 2;
    for (let i = 0; i < a!.electionTimeout; i++) a!.tick();
    for (let i = 0; i < b!.electionTimeout; i++) b!.tick();
    net.send(hup('3'));
    assert.equal(a!.state, StateType.Follower);
    assert.equal(c!.state, StateType.Leader);
  });

  test('a stuck candidate with a higher term is freed by disrupting the leader', () => {
    const net = new RaftNet([null, null, null], { checkQuorum: true });
    const [a, b, c] = ids(3).map((id) => net.raft(id));
    b!.randomizedElectionTimeout = b!.electionTimeout + 1;
    for (let i = 0; i < b!.electionTimeout; i++) b!.tick();
    net.send(hup('1'));
    net.isolate('1');
    net.send(hup('3'));
    assert.equal(b!.state, StateType.Follower);
    assert.equal(c!.state, StateType.Candidate);
    assert.equal(c!.term, b!.term + 1);
    net.send(hup('3'));
    assert.equal(c!.term, b!.term + 2);
    net.recover();
    net.send(msg({ type: MessageType.Heartbeat, from: '1', to: '3', term: a!.term }));
    assert.equal(a!.state, StateType.Follower);
    assert.equal(c!.term, a!.term);
    net.send(hup('3'));
    assert.equal(c!.state, StateType.Leader);
  });

  test('a non-promotable voter still follows', () => {
    const a = newTestRaft('1', 10, 1, storageWith(['1', '2']), { checkQuorum: true });
    const b = newTestRaft('2', 10, 1, storageWith(['1']), { checkQuorum: true });
    const net = new RaftNet([a, b]);
    b.randomizedElectionTimeout = b.electionTimeout + 1;
    assert.equal(b.promotable(), false);
    for (let i = 0; i < b.electionTimeout; i++) b.tick();
    net.send(hup('1'));
    assert.equal(a.state, StateType.Leader);
    assert.equal(b.state, StateType.Follower);
    assert.equal(b.lead, '1');
  });

  test('a disruptive follower (no pre-vote) deposes the leader via its higher term', () => {
    const net = new RaftNet([null, null, null], { checkQuorum: true });
    const [n1, n2, n3] = ids(3).map((id) => net.raft(id));
    for (const r of [n1!, n2!, n3!]) r.becomeFollower(1, NONE);
    net.send(hup('1'));
    n3!.randomizedElectionTimeout = n3!.electionTimeout + 2;
    for (let i = 0; i < n3!.randomizedElectionTimeout; i++) n3!.tick();
    assert.equal(n1!.state, StateType.Leader);
    assert.equal(n3!.state, StateType.Candidate);
    assert.deepEqual([n1!.term, n2!.term, n3!.term], [2, 2, 3]);
    // The leader's delayed heartbeat has a lower term: n3 answers with its own.
    net.send(msg({ type: MessageType.Heartbeat, from: '1', to: '3', term: n1!.term }));
    assert.equal(n1!.state, StateType.Follower);
    assert.deepEqual([n1!.term, n2!.term, n3!.term], [3, 2, 3]);
  });

  test('with pre-vote, a rejoining follower does not disrupt the leader', () => {
    const net = new RaftNet([null, null, null], { checkQuorum: true });
    const [n1, n2, n3] = ids(3).map((id) => net.raft(id));
    for (const r of [n1!, n2!, n3!]) r.becomeFollower(1, NONE);
    net.send(hup('1'));
    net.isolate('3');
    for (let i = 0; i < 3; i++) net.send(prop('1'));
    for (const r of [n1!, n2!, n3!]) r.preVote = true;
    net.recover();
    net.send(hup('3'));
    assert.equal(n1!.state, StateType.Leader);
    assert.equal(n3!.state, StateType.PreCandidate);
    assert.deepEqual([n1!.term, n2!.term, n3!.term], [2, 2, 2]);
    net.send(msg({ type: MessageType.Heartbeat, from: '1', to: '3', term: n1!.term }));
    assert.equal(n1!.state, StateType.Leader);
  });

  test('pre-vote with a split vote still converges', () => {
    const net = new RaftNet([null, null, null], { preVote: true });
    const [, n2, n3] = ids(3).map((id) => net.raft(id));
    net.send(hup('1'));
    net.isolate('1');
    net.send(hup('2'), hup('3'));
    assert.deepEqual([n2!.term, n3!.term], [2, 2]);
    assert.deepEqual([n2!.state, n3!.state], [StateType.Candidate, StateType.Candidate]);
    net.send(hup('2'));
    assert.deepEqual([n2!.term, n3!.term], [3, 3]);
    assert.deepEqual([n2!.state, n3!.state], [StateType.Leader, StateType.Follower]);
  });

  test('pre-vote: a node with a smaller term can complete an election', () => {
    const net = new RaftNet([null, null, null], { preVote: true });
    const [n1, n2, n3] = ids(3).map((id) => net.raft(id));
    for (const r of [n1!, n2!, n3!]) r.becomeFollower(1, NONE);
    net.cut('1', '3');
    net.cut('2', '3');
    net.send(hup('1'));
    assert.equal(n1!.state, StateType.Leader);
    assert.equal(n2!.state, StateType.Follower);
    net.send(hup('3'));
    assert.equal(n3!.state, StateType.PreCandidate);
    net.send(hup('2'));
    assert.deepEqual([n1!.term, n2!.term, n3!.term], [3, 3, 1]);
    assert.deepEqual(
      [n1!.state, n2!.state, n3!.state],
      [StateType.Follower, StateType.Leader, StateType.PreCandidate],
    );
    // Bring 3 back and "crash" 2, the leader.
    net.recover();
    net.cut('2', '1');
    net.cut('2', '3');
    net.send(hup('3'));
    net.send(hup('1'));
    const leaders = [n1!, n3!].filter((r) => r.state === StateType.Leader);
    assert.equal(leaders.length, 1);
  });

  test('a learner answers vote requests (it may be a voter in a newer configuration)', () => {
    const r = newTestRaft('2', 10, 1, new MemoryStorage({ voters: ['1'], learners: ['2'] }));
    r.step(msg({ type: MessageType.Vote, from: '1', to: '2', term: 2, index: 11, logTerm: 11 }));
    const ms = readMessages(r);
    assert.deepEqual(
      ms.map((m) => [m.type, m.reject]),
      [[MessageType.VoteResp, false]],
    );
  });

  test('pre-vote with check-quorum: a follower that lost its leader can still win', () => {
    const net = new RaftNet([null, null, null], { preVote: true, checkQuorum: true });
    const [n1, n2, n3] = ids(3).map((id) => net.raft(id));
    for (const r of [n1!, n2!, n3!]) r.becomeFollower(1, NONE);
    net.send(hup('1'));
    net.isolate('1');
    net.send(hup('3'));
    net.send(hup('2'));
    assert.ok(n2!.state === StateType.Leader || n3!.state === StateType.Leader);
  });
});
