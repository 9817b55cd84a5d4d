// Leader transfer (TimeoutNow) and ReadIndex (after etcd's raft_test.go).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Raft } from '../../src/raft/raft.js';
import { MemoryStorage } from '../../src/raft/storage.js';
import { type Message, MessageType, NONE, StateType } from '../../src/raft/types.js';
import { bytes } from './network.js';
import {
  ent,
  hup,
  ids,
  msg,
  newTestRaft,
  persist,
  prop,
  RaftNet,
  readMessages,
  snapshotApplied,
} from './harness.js';

function checkTransfer(r: Raft, state: StateType, lead: string): void {
  assert.equal(r.state, state);
  assert.equal(r.lead, lead);
  assert.equal(r.leadTransferee, NONE);
}

const transfer = (to: string, from: string) => msg({ type: MessageType.TransferLeader, from, to });

/** Leader 1 of three, transferring to node 3, which is cut off: the transfer hangs. */
function transferToIsolated(): { net: RaftNet; lead: Raft } {
  const net = new RaftNet([null, null, null]);
  net.isolate('3');
  net.send(hup('1'));
  const lead = net.raft('1');
  net.send(transfer('1', '3'));
  return { net, lead };
}

describe('leader transfer', () => {
  test('to an up-to-date node, and back', () => {
    const net = new RaftNet([null, null, null]);
    net.send(hup('1'));
    const lead = net.raft('1');
    assert.equal(lead.lead, '1');
    net.send(transfer('1', '2'));
    checkTransfer(lead, StateType.Follower, '2');
    net.send(prop('1'));
    net.send(transfer('2', '1'));
    checkTransfer(lead, StateType.Leader, '1');
  });

  test('requested on a follower: it forwards to the leader', () => {
    const net = new RaftNet([null, null, null]);
    net.send(hup('1'));
    net.send(transfer('2', '2'));
    checkTransfer(net.raft('1'), StateType.Follower, '2');
    assert.equal(net.raft('2').state, StateType.Leader);
  });

  test('with check-quorum the transferee wins despite the lease', () => {
    const net = new RaftNet([null, null, null], { checkQuorum: true });
    ids(3).forEach((id, i) => {
      const r = net.raft(id);
      r.randomizedElectionTimeout = r.electionTimeout + i + 1;
    });
    const f = net.raft('2');
    for (let i = 0; i < f.electionTimeout; i++) f.tick();
    net.send(hup('1'));
    const lead = net.raft('1');
    net.send(transfer('1', '2'));
    checkTransfer(lead, StateType.Follower, '2');
    net.send(prop('1'));
    net.send(transfer('2', '1'));
    checkTransfer(lead, StateType.Leader, '1');
  });

  test('to a slow follower: the leader catches it up first', () => {
    const net = new RaftNet([null, null, null]);
    net.send(hup('1'));
    net.isolate('3');
    net.send(prop('1'));
    net.recover();
    const lead = net.raft('1');
    assert.equal(lead.prs.progress.get('3')!.match, 1);
    net.send(transfer('1', '3'));
    checkTransfer(lead, StateType.Follower, '3');
  });

  test('to a follower that needs a snapshot first', () => {
    const net = new RaftNet([null, null, null]);
    net.send(hup('1'));
    net.isolate('3');
    net.send(prop('1'));
    const lead = net.raft('1');
    const s1 = net.storage.get('1')!;
    persist(lead, s1);
    lead.raftLog.appliedTo(lead.raftLog.committed);
    snapshotApplied(lead, s1);
    net.recover();
    let filtered: Message | null = null;
    // Hold the follower's answer until its snapshot is "persisted".
    net.msgHook = (m) => {
      if (m.type !== MessageType.AppResp || m.from !== '3' || m.reject) return true;
      filtered = m;
      return false;
    };
    net.send(transfer('1', '3'));
    assert.equal(lead.state, StateType.Leader);
    assert.ok(filtered, 'the follower reports snapshot progress');
    persist(net.raft('3'), net.storage.get('3')!);
    net.msgHook = null;
    net.send(filtered!);
    checkTransfer(lead, StateType.Follower, '3');
  });

  test('to itself or to a non-member is a no-op', () => {
    const net = new RaftNet([null, null, null]);
    net.send(hup('1'));
    const lead = net.raft('1');
    net.send(transfer('1', '1'));
    checkTransfer(lead, StateType.Leader, '1');
    net.send(transfer('1', '4'));
    checkTransfer(lead, StateType.Leader, '1');
  });

  test('times out after an election timeout', () => {
    const { lead } = transferToIsolated();
    assert.equal(lead.leadTransferee, '3');
    lead.tick();
    assert.equal(lead.leadTransferee, '3');
    for (let i = 0; i < lead.electionTimeout - 1; i++) lead.tick();
    checkTransfer(lead, StateType.Leader, '1');
  });

  test('proposals are dropped during a transfer', () => {
    const { lead } = transferToIsolated();
    assert.equal(lead.leadTransferee, '3');
    assert.throws(() => lead.step(prop('1')), { name: 'ProposalDroppedError' });
    assert.equal(lead.prs.progress.get('1')!.match, 1);
  });

  test('a higher-term vote during a transfer ends it', () => {
    const { net, lead } = transferToIsolated();
    net.send(msg({ type: MessageType.Hup, from: '2', to: '2', index: 1, term: 2 }));
    checkTransfer(lead, StateType.Follower, '2');
  });

  test('removing the transferee aborts the transfer', () => {
    const net = new RaftNet([null, null, null]);
    net.send(hup('1'));
    net.ignore(MessageType.TimeoutNow);
    const lead = net.raft('1');
    net.send(transfer('1', '3'));
    assert.equal(lead.leadTransferee, '3');
    lead.applyConfChange({ id: '', type: 1, nodeId: '3', context: new Uint8Array(0) });
    checkTransfer(lead, StateType.Leader, '1');
  });

  test('transfer back to the leader itself cancels it', () => {
    const { net, lead } = transferToIsolated();
    net.send(transfer('1', '1'));
    checkTransfer(lead, StateType.Leader, '1');
  });

  test('a second transfer to another node replaces the first', () => {
    const { net, lead } = transferToIsolated();
    net.send(transfer('1', '2'));
    checkTransfer(lead, StateType.Follower, '2');
  });

  test('a second transfer to the same node does not extend the timeout', () => {
    const { net, lead } = transferToIsolated();
    lead.tick();
    net.send(transfer('1', '3'));
    for (let i = 0; i < lead.electionTimeout - 1; i++) lead.tick();
    checkTransfer(lead, StateType.Leader, '1');
  });
});

describe('ReadIndex', () => {
  test('reads are answered at the commit index after a heartbeat quorum, on any node', () => {
    const net = new RaftNet([null, null, null]);
    const [a, b, c] = ids(3).map((id) => net.raft(id));
    b!.randomizedElectionTimeout = b!.electionTimeout + 1;
    for (let i = 0; i < b!.electionTimeout; i++) b!.tick();
    net.send(hup('1'));
    assert.equal(a!.state, StateType.Leader);
    const cases: Array<[Raft, number, string]> = [
      [a!, 11, 'ctx1'],
      [b!, 21, 'ctx2'],
      [c!, 31, 'ctx3'],
      [a!, 41, 'ctx4'],
      [b!, 51, 'ctx5'],
      [c!, 61, 'ctx6'],
    ];
    for (const [r, wri, ctx] of cases) {
      for (let j = 0; j < 10; j++) net.send(prop('1'));
      net.send(msg({ type: MessageType.ReadIndex, from: r.id, to: r.id, context: bytes(ctx) }));
      assert.equal(r.readStates.length, 1, ctx);
      assert.equal(r.readStates[0]!.index, wri);
      assert.equal(Buffer.from(r.readStates[0]!.requestCtx).toString(), ctx);
      r.readStates = [];
    }
  });

  test('no answer without a heartbeat quorum', () => {
    const net = new RaftNet([null, null, null]);
    net.send(hup('1'));
    const a = net.raft('1');
    net.isolate('1');
    net.send(msg({ type: MessageType.ReadIndex, from: '1', to: '1', context: bytes('x') }));
    assert.equal(a.readStates.length, 0);
    net.recover();
    net.send(msg({ type: MessageType.Beat, from: '1', to: '1' }));
    assert.equal(a.readStates.length, 1);
    assert.equal(a.readStates[0]!.index, 1);
  });

  test('a single node answers at once', () => {
    const net = new RaftNet([null]);
    net.send(hup('1'));
    net.send(msg({ type: MessageType.ReadIndex, from: '1', to: '1', context: bytes('x') }));
    assert.equal(net.raft('1').readStates.length, 1);
    assert.equal(net.raft('1').readStates[0]!.index, 1);
  });

  test('a follower without a leader drops the request', () => {
    const net = new RaftNet([null, null, null]);
    net.send(msg({ type: MessageType.ReadIndex, from: '2', to: '2', context: bytes('x') }));
    assert.equal(net.raft('2').readStates.length, 0);
  });

  test('a new leader holds reads until it commits an entry of its term', () => {
    const peers: Raft[] = [];
    for (const [id, committed, compact] of [
      ['1', 1, 0],
      ['2', 2, 2],
      ['3', 2, 2],
    ] as const) {
      const s = new MemoryStorage({ voters: ids(3), learners: [] });
      s.append([ent(1, 1), ent(2, 1)]);
      s.setHardState({ term: 1, vote: NONE, commit: committed });
      if (compact) s.compact(compact);
      peers.push(newTestRaft(id, 10, 1, s, { applied: committed }));
    }
    const net = new RaftNet(peers);
    net.ignore(MessageType.App);
    net.send(hup('1'));
    const a = peers[0]!;
    assert.equal(a.state, StateType.Leader);
    net.send(msg({ type: MessageType.ReadIndex, from: '1', to: '1', context: bytes('ctx') }));
    assert.equal(a.readStates.length, 0);
    net.recover();
    a.tick();
    net.send(prop('1'));
    assert.equal(a.raftLog.committed, 4);
    assert.equal(a.raftLog.term(4), a.term);
    assert.equal(a.readStates.length, 1);
    assert.equal(a.readStates[0]!.index, 4);
    net.send(msg({ type: MessageType.ReadIndex, from: '1', to: '1', context: bytes('ctx') }));
    assert.equal(a.readStates.length, 2);
    assert.equal(a.readStates[1]!.index, 4);
  });

  test('pending reads are forgotten when the leader steps down', () => {
    const net = new RaftNet([null, null, null]);
    net.send(hup('1'));
    const a = net.raft('1');
    net.isolate('1');
    net.send(msg({ type: MessageType.ReadIndex, from: '1', to: '1', context: bytes('x') }));
    a.becomeFollower(a.term + 1, NONE);
    assert.equal(a.readOnly.size, 0);
    readMessages(a);
  });
});
