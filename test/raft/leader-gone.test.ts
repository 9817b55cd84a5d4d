// A follower told that its leader's process is gone (the transport found the peer port
// refusing connections) campaigns at the next tick instead of after an election timeout;
// pre-vote and check-quorum keep a leader that is alive after all in office.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { leaderGone } from '../../src/raft/election.js';
import { NONE, StateType } from '../../src/raft/types.js';
import { hup, ids, RaftNet, readMessages } from './harness.js';

function electedCluster(preVote = true) {
  const net = new RaftNet([null, null, null], { checkQuorum: true, preVote });
  const [a, b, c] = ids(3).map((id) => net.raft(id));
  net.send(hup('1'));
  assert.equal(a!.state, StateType.Leader);
  // b's own election timeout is far away: only the news of the leader's end moves it.
  b!.randomizedElectionTimeout = 2 * b!.electionTimeout - 1;
  return { net, a: a!, b: b!, c: c! };
}

describe('a leader whose process is gone', () => {
  test('its followers campaign at their next tick, and one wins', () => {
    const { net, b, c } = electedCluster();
    const term = b.term;
    net.isolate('1');
    leaderGone(b, '1');
    leaderGone(c, '1');
    assert.equal(b.lead, NONE, 'the leader is forgotten');
    b.tick();
    net.send(...readMessages(b));
    assert.equal(b.state, StateType.Leader);
    assert.equal(b.term, term + 1);
    assert.equal(c.lead, '2');
  });

  test('the survivors take turns in ID order, two ticks apart, so their votes never split', () => {
    const { net, c } = electedCluster();
    net.isolate('1');
    c.randomizedElectionTimeout = 2 * c.electionTimeout - 1;
    leaderGone(c, '1');
    c.tick();
    c.tick();
    assert.equal(c.state, StateType.Follower, 'the second in turn waits');
    c.tick();
    assert.equal(c.state, StateType.PreCandidate, 'then campaigns');
  });

  test('a leader alive after all: its followers refuse, its next heartbeat restores it', () => {
    const { net, a, b, c } = electedCluster();
    const term = a.term;
    leaderGone(b, '1');
    b.tick();
    net.send(...readMessages(b));
    // c still holds the leader's lease and the leader its own: the pre-vote gets nowhere.
    assert.equal(b.state, StateType.PreCandidate);
    assert.equal(c.lead, '1');
    for (let i = 0; i < a.heartbeatTimeout; i++) a.tick();
    net.send(...readMessages(a));
    assert.equal(a.state, StateType.Leader);
    assert.equal(b.state, StateType.Follower);
    assert.equal(b.lead, '1');
    assert.deepEqual([a.term, b.term, c.term], [term, term, term]);
  });

  test('ignored for a peer that is not the leader, and without pre-vote', () => {
    const { b } = electedCluster();
    const before = b.electionElapsed;
    leaderGone(b, '3');
    assert.equal(b.lead, '1');
    assert.equal(b.electionElapsed, before);
    const plain = electedCluster(false);
    leaderGone(plain.b, '1');
    assert.equal(plain.b.lead, '1');
    plain.b.tick();
    assert.equal(plain.b.state, StateType.Follower);
  });
});
