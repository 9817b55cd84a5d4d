import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProposalDroppedError } from '../../src/raft/interface.js';
import { RawNode } from '../../src/raft/rawnode.js';
import { MemoryStorage } from '../../src/raft/storage.js';
import { ConfChangeType, EntryType, StateType } from '../../src/raft/types.js';
import { bytes, config, Network } from './network.js';

test('single node: bootstrap, campaign, become leader, commit proposals', () => {
  const net = new Network(['1']);
  const n = net.node('1');
  // The bootstrap entry is committed and handed out for apply.
  net.stabilize();
  assert.deepEqual(n.confState, { voters: ['1'], learners: [] });
  n.rn.campaign();
  net.stabilize();
  assert.equal(n.rn.state, StateType.Leader);
  assert.equal(n.rn.term, 2);
  n.rn.propose(bytes('a'));
  n.rn.propose(bytes('b'));
  net.stabilize();
  assert.deepEqual(net.data('1'), ['a', 'b']);
  assert.equal(n.storage.lastIndex(), 4); // conf change, no-op, a, b
});

test('single node elects itself after the randomized election timeout', () => {
  const net = new Network(['1']);
  net.stabilize();
  const n = net.node('1');
  for (let i = 0; i < 20 && n.rn.state !== StateType.Leader; i++) net.tickAll();
  assert.equal(n.rn.state, StateType.Leader);
});

test('three nodes: elect, replicate, commit on all', () => {
  const net = new Network(['1', '2', '3']);
  net.elect('1');
  assert.equal(net.node('1').rn.state, StateType.Leader);
  assert.equal(net.node('2').rn.lead, '1');
  assert.equal(net.node('3').rn.lead, '1');
  net.node('1').rn.propose(bytes('x'));
  net.node('2').rn.propose(bytes('y')); // forwarded to the leader
  net.stabilize();
  for (const id of ['1', '2', '3']) assert.deepEqual(net.data(id), ['x', 'y']);
  // Heartbeats carry commit to followers that already have the entries.
  net.tickAll(2);
  for (const id of ['1', '2', '3']) {
    assert.equal(net.node(id).storage.initialState().hardState.commit, 6); // 3 bootstrap entries, no-op, x, y
  }
});

test('a follower without a leader drops proposals with ProposalDroppedError', () => {
  const s = new MemoryStorage();
  const rn = new RawNode(config('1', s));
  rn.bootstrap([
    { id: '1', context: new Uint8Array(0) },
    { id: '2', context: new Uint8Array(0) },
  ]);
  assert.throws(() => rn.propose(bytes('x')), ProposalDroppedError);
});

test('conf change: add a node, it catches up and applies everything', () => {
  const net = new Network(['1', '2', '3']);
  net.elect('1');
  net.node('1').rn.propose(bytes('before'));
  net.stabilize();
  net.add('4');
  net.node('1').rn.proposeConfChange({
    id: 'c1',
    type: ConfChangeType.AddNode,
    nodeId: '4',
    context: new Uint8Array(0),
  });
  net.stabilize();
  net.tickAll(3);
  net.node('1').rn.propose(bytes('after'));
  net.stabilize();
  assert.deepEqual(net.node('1').confState?.voters, ['1', '2', '3', '4']);
  assert.deepEqual(net.node('4').confState?.voters, ['1', '2', '3', '4']);
  assert.deepEqual(net.data('4'), ['before', 'after']);
  const cc = net.node('4').applied.filter((e) => e.type === EntryType.ConfChange);
  assert.equal(cc.length, 4);
});
