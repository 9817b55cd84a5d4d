// Raft features switched at runtime (Raft.setFeatures): a cluster that holds an etcd 2.0
// member runs without pre-vote, check-quorum's lease and leader transfer, because 2.0
// drops the messages they need; the switch must leave raft in a state it can work from.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MessageType, StateType } from '../../src/raft/types.js';
import { hup, msg, raftOf, RaftNet, readMessages } from './harness.js';

const OFF = { preVote: false, checkQuorum: false, transfer: false };

describe('raft features at runtime', () => {
  test('a pre-campaign ends when pre-vote goes off, and the next campaign is a real one', () => {
    const r = raftOf('1', ['1', '2', '3'], { preVote: true });
    r.step(hup('1'));
    assert.equal(r.state, StateType.PreCandidate);
    assert.ok(readMessages(r).every((m) => m.type === MessageType.PreVote));
    r.setFeatures(OFF);
    assert.equal(r.state, StateType.Follower);
    r.step(hup('1'));
    assert.equal(r.state, StateType.Candidate);
    const sent = readMessages(r);
    assert.equal(sent.length, 2);
    assert.ok(sent.every((m) => m.type === MessageType.Vote));
  });

  test('peers that drop pre-votes (etcd 2.0) block an election until pre-vote is off', () => {
    const net = new RaftNet([null, null, null], { preVote: true });
    // Members 2 and 3 behave as 2.0 does: a message type it does not know is dropped.
    net.msgHook = (m) => m.type !== MessageType.PreVote || m.to === '1';
    net.send(hup('1'));
    assert.equal(net.raft('1').state, StateType.PreCandidate);
    net.raft('1').setFeatures(OFF);
    net.send(hup('1'));
    assert.equal(net.raft('1').state, StateType.Leader);
    assert.equal(net.raft('2').lead, '1');
  });

  test('without check-quorum a vote of a higher term is heard inside the lease (2.0 does so)', () => {
    for (const checkQuorum of [true, false]) {
      const r = raftOf('1', ['1', '2', '3'], { checkQuorum: true });
      r.becomeFollower(1, '2');
      r.setFeatures({ preVote: false, checkQuorum, transfer: false });
      r.step(msg({ type: MessageType.Vote, from: '3', to: '1', term: 5, index: 0, logTerm: 0 }));
      // Inside the lease, check-quorum ignores it; 2.0 would move to term 5, and so must we.
      assert.equal(r.term, checkQuorum ? 1 : 5, `checkQuorum=${checkQuorum}`);
    }
  });

  test('a leader ignores transfer requests while transfers are off, and abandons one under way', () => {
    const net = new RaftNet([null, null, null]);
    net.send(hup('1'));
    const lead = net.raft('1');
    assert.equal(lead.state, StateType.Leader);
    lead.setFeatures(OFF);
    net.send(msg({ type: MessageType.TransferLeader, from: '2', to: '1' }));
    assert.equal(lead.leadTransferee, '');
    assert.equal(lead.state, StateType.Leader);
    lead.setFeatures({ preVote: false, checkQuorum: false, transfer: true });
    net.isolate('2');
    net.send(msg({ type: MessageType.TransferLeader, from: '2', to: '1' }));
    assert.equal(lead.leadTransferee, '2');
    lead.setFeatures(OFF);
    assert.equal(lead.leadTransferee, '');
  });
});
