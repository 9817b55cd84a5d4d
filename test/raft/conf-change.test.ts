// Membership changes in raft: pending conf changes, adding and removing voters and
// learners, and what a removal does to commit and transfers (after etcd's raft_test.go).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MemoryStorage } from '../../src/raft/storage.js';
import { MessageType, StateType } from '../../src/raft/types.js';
import {
  ent,
  hup,
  ids,
  leaderOf,
  logTerms,
  msg,
  newTestRaft,
  nextEnts,
  prop,
  RaftNet,
  raftOf,
  readMessages,
  storageWith,
} from './harness.js';

describe('membership', () => {
  test('a conf change proposal records the pending index', () => {
    const r = leaderOf(['1', '2']);
    const index = r.raftLog.lastIndex();
    r.step(msg({ type: MessageType.Prop, from: '1', entries: [{ ...ent(0, 0), type: 1 }] }));
    assert.equal(r.raftLog.lastIndex(), index + 1);
    assert.equal(r.pendingConfIndex, index + 1);
  });

  test('a second conf change while one is pending becomes an empty normal entry', () => {
    const r = leaderOf(['1', '2']);
    r.step(msg({ type: MessageType.Prop, from: '1', entries: [{ ...ent(0, 0), type: 1 }] }));
    const index = r.raftLog.lastIndex();
    const pending = r.pendingConfIndex;
    r.step(msg({ type: MessageType.Prop, from: '1', entries: [{ ...ent(0, 0, 'cc'), type: 1 }] }));
    const es = r.raftLog.entries(index + 1, Number.MAX_SAFE_INTEGER)!;
    assert.deepEqual(
      es.map((e) => [e.index, e.term, e.type, e.data.length]),
      [[3, 1, 0, 0]],
    );
    assert.equal(r.pendingConfIndex, pending);
  });

  for (const [addEntry, want] of [
    [false, 0],
    [true, 1],
  ] as const) {
    test(`a new leader conservatively treats its log tail as a pending conf change (${addEntry})`, () => {
      const r = raftOf('1', ['1', '2']);
      if (addEntry) r.appendEntry([ent(0, 0)]);
      r.becomeCandidate();
      r.becomeLeader();
      assert.equal(r.pendingConfIndex, want);
    });
  }

  test('add node, add learner, promote learner, remove node', () => {
    const r = raftOf('1', ['1']);
    r.applyConfChange({ id: '', type: 0, nodeId: '2', context: new Uint8Array(0) });
    assert.deepEqual(r.prs.voters, ['1', '2']);
    r.applyConfChange({ id: '', type: 3, nodeId: '3', context: new Uint8Array(0) });
    assert.deepEqual(r.prs.learners, ['3']);
    assert.equal(r.prs.progress.get('3')!.isLearner, true);
    // A voter cannot be demoted to learner.
    r.applyConfChange({ id: '', type: 3, nodeId: '2', context: new Uint8Array(0) });
    assert.deepEqual(r.prs.voters, ['1', '2']);
    r.applyConfChange({ id: '', type: 0, nodeId: '3', context: new Uint8Array(0) });
    assert.deepEqual(r.prs.voters, ['1', '2', '3']);
    assert.deepEqual(r.prs.learners, []);
    const cs = r.applyConfChange({ id: '', type: 1, nodeId: '2', context: new Uint8Array(0) });
    assert.deepEqual(cs, { voters: ['1', '3'], learners: [] });
    // UpdateNode changes nothing in raft.
    assert.deepEqual(
      r.applyConfChange({ id: '', type: 2, nodeId: '3', context: new Uint8Array(0) }),
      cs,
    );
    r.applyConfChange({ id: '', type: 1, nodeId: '1', context: new Uint8Array(0) });
    assert.deepEqual(r.prs.voters, ['3']);
    assert.equal(r.promotable(), false);
  });

  for (const [voters, want] of [
    [['1'], true],
    [['1', '2', '3'], true],
    [[], false],
    [['2', '3'], false],
  ] as const) {
    test(`promotable with voters [${voters}] -> ${want}`, () => {
      assert.equal(raftOf('1', [...voters]).promotable(), want);
    });
  }

  test('a learner does not campaign and is not counted for commit', () => {
    const s = new MemoryStorage({ voters: ['1'], learners: ['2'] });
    const r1 = newTestRaft('1', 10, 1, s);
    const r2 = newTestRaft('2', 10, 1, new MemoryStorage({ voters: ['1'], learners: ['2'] }));
    const net = new RaftNet([r1, r2]);
    for (let i = 0; i < 30; i++) r2.tick();
    assert.equal(r2.state, StateType.Follower);
    assert.deepEqual(readMessages(r2), []);
    net.send(hup('1'));
    net.send(prop('1', 'x'));
    assert.equal(r1.state, StateType.Leader);
    assert.equal(r2.raftLog.committed, 2);
  });

  test('adding a node counts it as active, so check-quorum does not depose at once', () => {
    const r = raftOf('1', ['1'], { checkQuorum: true });
    r.becomeCandidate();
    r.becomeLeader();
    for (let i = 0; i < r.electionTimeout - 1; i++) r.tick();
    r.applyConfChange({ id: '', type: 0, nodeId: '2', context: new Uint8Array(0) });
    r.tick();
    assert.equal(r.state, StateType.Leader);
    for (let i = 0; i < r.electionTimeout; i++) r.tick();
    assert.equal(r.state, StateType.Follower);
  });

  test('removing a node lowers the quorum and commits what was waiting', () => {
    const s = storageWith(['1', '2']);
    const r = newTestRaft('1', 5, 1, s);
    r.becomeCandidate();
    r.becomeLeader();
    const cc = { id: '', type: 1, nodeId: '2', context: new Uint8Array(0) };
    r.step(msg({ type: MessageType.Prop, entries: [{ ...ent(0, 0, 'cc'), type: 1 }] }));
    assert.deepEqual(nextEnts(r, s), []);
    const ccIndex = r.raftLog.lastIndex();
    r.step(msg({ type: MessageType.Prop, entries: [ent(0, 0, 'hello')] }));
    r.step(msg({ type: MessageType.AppResp, from: '2', index: ccIndex }));
    const ents = nextEnts(r, s);
    assert.deepEqual(
      ents.map((e) => [e.type, Buffer.from(e.data).toString()]),
      [
        [0, ''],
        [1, 'cc'],
      ],
    );
    r.applyConfChange(cc);
    assert.deepEqual(
      nextEnts(r, s).map((e) => Buffer.from(e.data).toString()),
      ['hello'],
    );
  });

  test('§6: a leader that removes itself stops taking proposals; the rest elect a leader', () => {
    const net = new RaftNet([null, null, null]);
    net.send(hup('1'));
    const lead = net.raft('1');
    net.send(
      msg({
        type: MessageType.Prop,
        from: '1',
        to: '1',
        entries: [{ ...ent(0, 0, 'rm1'), type: 1 }],
      }),
    );
    assert.equal(lead.raftLog.committed, 2);
    for (const id of ids(3)) {
      const r = net.raft(id);
      r.applyConfChange({ id: '', type: 1, nodeId: '1', context: new Uint8Array(0) });
      r.raftLog.appliedTo(r.raftLog.committed);
    }
    assert.throws(() => lead.step(prop('1')), { name: 'ProposalDroppedError' });
    assert.equal(lead.promotable(), false);
    net.isolate('1'); // the driver shuts the removed member down
    net.send(hup('2'));
    assert.equal(net.raft('2').state, StateType.Leader);
    net.send(prop('2', 'after'));
    assert.equal(net.raft('3').raftLog.committed, net.raft('2').raftLog.lastIndex());
  });

  test('§6: a conf change proposed to a new leader waits for the old one to apply', () => {
    const net = new RaftNet([null, null, null]);
    net.send(hup('1'));
    // The followers get the first change (entry 2) but never hear that it committed.
    net.msgHook = (m) => !(m.from === '1' && m.type === MessageType.App && m.commit >= 2);
    net.send(
      msg({
        type: MessageType.Prop,
        from: '1',
        to: '1',
        entries: [{ ...ent(0, 0, 'cc1'), type: 1 }],
      }),
    );
    net.msgHook = null;
    net.isolate('1');
    net.send(hup('2'));
    const r2 = net.raft('2');
    assert.equal(r2.state, StateType.Leader);
    // A change may be pending anywhere in the log: the new leader assumes one is.
    assert.equal(r2.pendingConfIndex, 2);
    net.send(
      msg({
        type: MessageType.Prop,
        from: '2',
        to: '2',
        entries: [{ ...ent(0, 0, 'cc2'), type: 1 }],
      }),
    );
    const last = r2.raftLog.entries(r2.raftLog.lastIndex(), Number.MAX_SAFE_INTEGER)![0]!;
    assert.equal(last.type, 0);
    assert.equal(last.data.length, 0);
    r2.raftLog.appliedTo(r2.raftLog.committed);
    net.send(
      msg({
        type: MessageType.Prop,
        from: '2',
        to: '2',
        entries: [{ ...ent(0, 0, 'cc3'), type: 1 }],
      }),
    );
    const next = r2.raftLog.entries(r2.raftLog.lastIndex(), Number.MAX_SAFE_INTEGER)![0]!;
    assert.equal(next.type, 1);
  });

  test('§6: a new member learns the whole log, conf changes included, before it votes', () => {
    const net = new RaftNet([null, null, null]);
    net.send(hup('1'));
    net.send(prop('1', 'x'));
    // Node 4 starts empty and knows nobody.
    const r4 = newTestRaft('4', 10, 1, new MemoryStorage());
    net.peers.set('4', r4);
    for (const id of ids(3)) {
      net.raft(id).applyConfChange({ id: '', type: 0, nodeId: '4', context: new Uint8Array(0) });
    }
    for (let i = 0; i < 30; i++) r4.tick();
    assert.equal(r4.state, StateType.Follower); // not promotable: empty configuration
    net.send(msg({ type: MessageType.Beat, from: '1', to: '1' }));
    assert.deepEqual(logTerms(r4), logTerms(net.raft('1')));
    assert.equal(r4.raftLog.committed, net.raft('1').raftLog.committed);
  });

  test('campaigning while leader changes nothing', () => {
    const r = raftOf('1', ['1']);
    r.step(hup('1'));
    assert.equal(r.state, StateType.Leader);
    const term = r.term;
    r.step(hup('1'));
    assert.equal(r.state, StateType.Leader);
    assert.equal(r.term, term);
  });
});
