import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProposalDroppedError } from '../../src/raft/interface.js';
import { RawNode } from '../../src/raft/rawnode.js';
import { MemoryStorage } from '../../src/raft/storage.js';
import { decodeConfChange } from '../../src/raft/raftpb.js';
import {
  ConfChangeType,
  EntryType,
  MessageType,
  newMessage,
  StateType,
} from '../../src/raft/types.js';
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

test('a vote is in the hard state of the same Ready as its response, which must sync', () => {
  const net = new Network(['1', '2', '3']);
  net.stabilize();
  const n2 = net.node('2');
  n2.rn.step({
    ...newMessage(MessageType.Vote, '2', '1', 2),
    index: 3,
    logTerm: 1,
  });
  const rd = n2.rn.ready();
  assert.deepEqual(rd.hardState, { term: 2, vote: '1', commit: 3 });
  assert.equal(rd.mustSync, true);
  assert.deepEqual(
    rd.messages.map((m) => [m.type, m.to, m.reject]),
    [[MessageType.VoteResp, '1', false]],
  );
  n2.rn.advance(rd);
  assert.equal(n2.rn.hasReady(), false);
});

test('Ready: soft state changes, no repeats after advance, steps between ready and advance', () => {
  const net = new Network(['1']);
  net.stabilize();
  const { rn, storage } = net.node('1');
  rn.campaign();
  let rd = rn.ready();
  assert.deepEqual(rd.softState, { lead: '1', raftState: StateType.Leader });
  assert.deepEqual(
    rd.entries.map((e) => [e.index, e.term]),
    [[2, 2]],
  );
  // A proposal arrives while the driver is persisting rd.
  rn.propose(bytes('x'));
  storage.append(rd.entries);
  storage.setHardState(rd.hardState!);
  rn.advance(rd);
  assert.equal(rn.hasReady(), true);
  rd = rn.ready();
  assert.equal(rd.softState, null);
  assert.deepEqual(
    rd.entries.map((e) => [e.index, Buffer.from(e.data).toString()]),
    [[3, 'x']],
  );
  storage.append(rd.entries);
  rn.advance(rd);
  rd = rn.ready();
  assert.deepEqual(rd.entries, []);
  rn.advance(rd);
  assert.equal(rn.hasReady(), false);
  assert.equal(rn.raft.raftLog.unstable.entries.length, 0);
});

test('restart from storage: hard state, log, and entries after applied only', () => {
  const s = new MemoryStorage({ voters: ['1'], learners: [] });
  s.append(
    [1, 2, 3].map((i) => ({ index: i, term: 1, type: EntryType.Normal, data: bytes(`e${i}`) })),
  );
  s.setHardState({ term: 1, vote: '1', commit: 3 });
  const rn = new RawNode(config('1', s, { applied: 1 }));
  assert.equal(rn.term, 1);
  const rd = rn.ready();
  assert.equal(rd.hardState, null);
  assert.deepEqual(
    rd.committedEntries.map((e) => e.index),
    [2, 3],
  );
  rn.advance(rd);
  assert.equal(rn.status().applied, 3);
  rn.campaign();
  assert.equal(rn.state, StateType.Leader);
  assert.equal(rn.term, 2);
});

test('bootstrap appends AddNode entries at term 1 and refuses a non-empty storage', () => {
  const s = new MemoryStorage();
  const rn = new RawNode(config('1', s));
  rn.bootstrap([
    { id: '1', context: bytes('a') },
    { id: '2', context: bytes('b') },
  ]);
  const rd = rn.ready();
  assert.deepEqual(rd.hardState, { term: 1, vote: '', commit: 2 });
  const ccs = rd.committedEntries.map((e) => [e.index, e.term, e.type, decodeConfChange(e.data)]);
  assert.deepEqual(ccs, [
    [
      1,
      1,
      EntryType.ConfChange,
      { id: '', type: ConfChangeType.AddNode, nodeId: '1', context: bytes('a') },
    ],
    [
      2,
      1,
      EntryType.ConfChange,
      { id: '', type: ConfChangeType.AddNode, nodeId: '2', context: bytes('b') },
    ],
  ]);
  s.append(rd.entries);
  assert.throws(() => new RawNode(config('1', s)).bootstrap([{ id: '1', context: bytes('') }]));
  assert.throws(() => new RawNode(config('1', new MemoryStorage())).bootstrap([]));
});

test('ReadIndex through RawNode: read states arrive in a Ready, on leader and follower', () => {
  const net = new Network(['1', '2', '3']);
  net.elect('1');
  net.node('1').rn.readIndex(bytes('r1'));
  net.node('3').rn.readIndex(bytes('r3'));
  net.stabilize();
  assert.deepEqual(
    net.node('1').readStates.map((r) => [r.index, Buffer.from(r.requestCtx).toString()]),
    [[4, 'r1']],
  );
  assert.deepEqual(
    net.node('3').readStates.map((r) => [r.index, Buffer.from(r.requestCtx).toString()]),
    [[4, 'r3']],
  );
});

test('proposals are dropped with ProposalDroppedError during a leader transfer', () => {
  const net = new Network(['1', '2', '3']);
  net.elect('1');
  net.isolate('3');
  net.node('1').rn.propose(bytes('x'));
  net.stabilize();
  net.node('1').rn.transferLeader('3');
  net.stabilize();
  assert.equal(net.node('1').rn.status().leadTransferee, '3');
  assert.throws(() => net.node('1').rn.propose(bytes('y')), ProposalDroppedError);
});

test('a leader over its uncommitted quota drops proposals', () => {
  const net = new Network(['1', '2', '3'], { maxUncommittedEntriesSize: 10 });
  net.elect('1');
  net.isolate('2');
  net.isolate('3');
  const rn = net.node('1').rn;
  rn.propose(new Uint8Array(8));
  assert.throws(() => rn.propose(new Uint8Array(8)), ProposalDroppedError);
  net.heal();
  net.tickAll(2);
  // Committed and applied: the quota is free again.
  rn.propose(new Uint8Array(8));
});

test('messages from removed members, local types and unknown responders are ignored', () => {
  const net = new Network(['1', '2', '3']);
  net.elect('1');
  net.node('1').rn.proposeConfChange({
    id: 'a1',
    type: ConfChangeType.RemoveNode,
    nodeId: '3',
    context: new Uint8Array(0),
  });
  net.stabilize();
  net.tickAll(2);
  assert.deepEqual(net.node('1').confState?.voters, ['1', '2']);
  const n1 = net.node('1');
  const term = n1.rn.term;
  // The removed node campaigns with a much higher term: nobody listens.
  n1.rn.step({
    ...newMessage(MessageType.Vote, '1', '3', term + 10),
    index: 100,
    logTerm: term + 5,
  });
  n1.rn.step(newMessage(MessageType.App, '1', '3', term + 10));
  assert.equal(n1.rn.term, term);
  assert.equal(n1.rn.state, StateType.Leader);
  // Local message types never come from the network.
  net.node('2').rn.step(newMessage(MessageType.Hup, '2', '1', 0));
  assert.equal(net.node('2').rn.state, StateType.Follower);
  // A response from a stranger is ignored by the leader.
  n1.rn.step({ ...newMessage(MessageType.AppResp, '1', '9', term), index: 1000 });
  assert.equal(n1.rn.status().progress.has('9'), false);
});

test('a removed node cannot disrupt the cluster even as it keeps campaigning', () => {
  const net = new Network(['1', '2', '3'], { preVote: true, checkQuorum: true });
  net.elect('1');
  net.node('1').rn.proposeConfChange({
    id: 'a1',
    type: ConfChangeType.RemoveNode,
    nodeId: '3',
    context: new Uint8Array(0),
  });
  net.stabilize();
  net.isolate('3'); // it never hears about its removal
  net.tickAll(3);
  net.heal();
  for (let i = 0; i < 100; i++) net.tickAll();
  assert.equal(net.node('1').rn.state, StateType.Leader);
  assert.equal(net.node('2').rn.lead, '1');
  net.node('1').rn.propose(bytes('after'));
  net.stabilize();
  assert.deepEqual(net.data('2'), ['after']);
});

test('a follower restores a snapshot from the leader through its Ready', () => {
  const net = new Network(['1', '2', '3']);
  net.elect('1');
  net.isolate('3');
  for (let i = 0; i < 20; i++) net.node('1').rn.propose(bytes(`v${i}`));
  net.stabilize();
  const n1 = net.node('1');
  const applied = n1.applied[n1.applied.length - 1]!.index;
  n1.storage.createSnapshot(applied, n1.confState, bytes('state'));
  n1.storage.compact(applied);
  net.heal();
  let snapIndex = 0;
  const n3 = net.node('3');
  for (let i = 0; i < 10 && snapIndex === 0; i++) {
    for (const n of net.nodes.values()) n.rn.tick();
    net.deliver();
    if (n3.rn.hasReady()) {
      const rd = n3.rn.ready();
      if (rd.snapshot) snapIndex = rd.snapshot.metadata.index;
      if (rd.snapshot) n3.storage.applySnapshot(rd.snapshot);
      n3.storage.append(rd.entries);
      if (rd.hardState) n3.storage.setHardState(rd.hardState);
      for (const m of rd.messages) net.queue.push(m);
      n3.rn.advance(rd);
    }
    net.processReadies();
    net.deliver();
  }
  assert.equal(snapIndex, applied);
  n1.rn.reportSnapshot('3', true);
  net.stabilize();
  net.node('1').rn.propose(bytes('post'));
  net.stabilize();
  assert.equal(n3.rn.status().applied, n1.rn.status().applied);
  assert.deepEqual(n3.rn.status().progress.size, 0);
  const st = n1.rn.status();
  assert.equal(st.progress.get('3')?.state, 'replicate');
  assert.equal(st.progress.get('3')?.match, st.hardState.commit);
});

test('a forwarded proposal that cannot be taken is dropped quietly by step()', () => {
  const net = new Network(['1', '2', '3']);
  net.stabilize();
  const m = newMessage(MessageType.Prop, '2', '3', 0);
  m.entries = [{ term: 0, index: 0, type: EntryType.Normal, data: bytes('x') }];
  // Node 2 knows no leader: nothing is thrown at the network driver.
  net.node('2').rn.step(m);
  assert.equal(net.node('2').rn.hasReady(), false);
});

test('proposals made before the next Ready travel in one append per follower', () => {
  const net = new Network(['1', '2', '3']);
  net.elect('1');
  net.tickAll(2); // followers in replicate state
  const rn = net.node('1').rn;
  for (let i = 0; i < 50; i++) rn.propose(bytes(`p${i}`));
  assert.equal(rn.hasReady(), true);
  const rd = rn.ready();
  const apps = rd.messages.filter((m) => m.type === MessageType.App);
  assert.deepEqual(
    apps.map((m) => [m.to, m.entries.length]),
    [
      ['2', 50],
      ['3', 50],
    ],
  );
  for (const m of rd.messages) net.queue.push(m);
  net.node('1').storage.append(rd.entries);
  rn.advance(rd);
  net.stabilize();
  assert.equal(net.data('3').length, 50);
});

test("a follower's proposals made before its next Ready are forwarded in one message", () => {
  const net = new Network(['1', '2', '3']);
  net.elect('1');
  const rn = net.node('2').rn;
  for (let i = 0; i < 10; i++) rn.propose(bytes(`f${i}`));
  const rd = rn.ready();
  const props = rd.messages.filter((m) => m.type === MessageType.Prop);
  assert.deepEqual(
    props.map((m) => [m.to, m.entries.length]),
    [['1', 10]],
  );
  for (const m of rd.messages) net.queue.push(m);
  rn.advance(rd);
  rn.propose(bytes('f10'));
  net.stabilize();
  assert.deepEqual(
    net.data('3'),
    Array.from({ length: 11 }, (_, i) => `f${i}`),
  );
});

test('ReadIndex requests made before the next Ready share one heartbeat round', () => {
  const net = new Network(['1', '2', '3']);
  net.elect('1');
  const rn = net.node('1').rn;
  for (let i = 0; i < 5; i++) rn.readIndex(bytes(`r${i}`));
  const rd = rn.ready();
  const hbs = rd.messages.filter((m) => m.type === MessageType.Heartbeat);
  assert.deepEqual(
    hbs.map((m) => [m.to, Buffer.from(m.context).toString()]),
    [
      ['2', 'r4'],
      ['3', 'r4'],
    ],
  );
  for (const m of rd.messages) net.queue.push(m);
  rn.advance(rd);
  net.stabilize();
  assert.deepEqual(
    net.node('1').readStates.map((r) => Buffer.from(r.requestCtx).toString()),
    ['r0', 'r1', 'r2', 'r3', 'r4'],
  );
});
