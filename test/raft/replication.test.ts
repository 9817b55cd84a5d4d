// Replication, flow control (probe / replicate / snapshot) and commit (after etcd's
// raft_test.go); snapshot.test.ts and conf-change.test.ts hold the rest of that file's cases.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProgressState } from '../../src/raft/progress.js';
import { MemoryStorage } from '../../src/raft/storage.js';
import { handleAppendEntries, handleHeartbeat } from '../../src/raft/step-follower.js';
import { type Message, MessageType, NONE, StateType } from '../../src/raft/types.js';
import {
  ent,
  hup,
  ids,
  leaderOf,
  logTerms,
  msg,
  newTestRaft,
  prop,
  RaftNet,
  raftOf,
  readMessages,
  snapshotAt,
  storageWith,
  storageWithTerms,
} from './harness.js';

describe('log replication', () => {
  test('entries replicate and commit on every node, across leader changes', () => {
    const net = new RaftNet([null, null, null]);
    net.send(hup('1'));
    net.send(prop('1', 'a'));
    net.send(hup('2'));
    net.send(prop('1', 'b')); // forwarded by 1, now a follower
    for (const r of net.peers.values()) {
      assert.equal(r!.raftLog.committed, 4);
      const data = r!.raftLog
        .allEntries()
        .filter((e) => e.data.length)
        .map((e) => Buffer.from(e.data).toString());
      assert.deepEqual(data, ['a', 'b']);
    }
  });

  test('a single node commits alone', () => {
    const net = new RaftNet([null]);
    net.send(hup('1'));
    net.send(prop('1'));
    net.send(prop('1'));
    assert.equal(net.raft('1').raftLog.committed, 3);
  });

  test("a new leader overwrites a deposed leader's uncommitted entries", () => {
    const net = new RaftNet([null, null, null, null, null]);
    net.send(hup('1'));
    // 1 cannot reach anyone: its proposals stay uncommitted.
    for (const id of ['2', '3', '4', '5']) net.cut('1', id);
    net.send(prop('1'));
    net.send(prop('1'));
    const r1 = net.raft('1');
    assert.equal(r1.raftLog.committed, 1);
    assert.equal(r1.raftLog.lastIndex(), 3);
    net.recover();
    net.send(hup('2'));
    net.send(prop('2'));
    assert.equal(net.raft('2').raftLog.committed, 3);
    assert.deepEqual(logTerms(r1), [
      [1, 1],
      [2, 2],
      [3, 2],
    ]);
  });

  // [matches, log terms, leader term, want committed]
  const commitTable: Array<[number[], number[], number, number]> = [
    [[1], [1], 1, 1],
    [[1], [1], 2, 0],
    [[2], [1, 2], 2, 2],
    [[1], [2], 2, 1],
    [[2, 1, 1], [1, 2], 1, 1],
    [[2, 1, 1], [1, 1], 2, 0],
    [[2, 1, 2], [1, 2], 2, 2],
    [[2, 1, 2], [1, 1], 2, 0],
    [[2, 1, 1, 1], [1, 2], 1, 1],
    [[2, 1, 1, 1], [1, 1], 2, 0],
    [[2, 1, 1, 2], [1, 2], 1, 1],
    [[2, 1, 1, 2], [1, 1], 2, 0],
    [[2, 1, 2, 2], [1, 2], 2, 2],
    [[2, 1, 2, 2], [1, 1], 2, 0],
  ];
  for (const [matches, terms, term, want] of commitTable) {
    test(`commit is the quorum match of the current term: matches ${matches}, log ${terms}, term ${term}`, () => {
      const s = storageWithTerms(terms, ['1']);
      s.setHardState({ term, vote: NONE, commit: 0 });
      const r = newTestRaft('1', 10, 2, s);
      matches.forEach((m, j) => {
        const id = String(j + 1);
        if (id !== '1')
          r.applyConfChange({ id: '', type: 0, nodeId: id, context: new Uint8Array(0) });
        const pr = r.prs.progress.get(id)!;
        pr.match = m;
        pr.next = m + 1;
      });
      r.maybeCommit();
      assert.equal(r.raftLog.committed, want);
    });
  }

  // [m, wIndex, wCommit, wReject]; log (1,1),(2,2), follower at term 2
  const handleApp: Array<[Partial<Message>, number, number, boolean]> = [
    [{ term: 2, logTerm: 3, index: 2, commit: 3 }, 2, 0, true], // previous mismatch
    [{ term: 2, logTerm: 3, index: 3, commit: 3 }, 2, 0, true], // previous missing
    [{ term: 2, logTerm: 1, index: 1, commit: 1 }, 2, 1, false],
    [{ term: 2, logTerm: 0, index: 0, commit: 1, entries: [ent(1, 2)] }, 1, 1, false],
    [{ term: 2, logTerm: 2, index: 2, commit: 3, entries: [ent(3, 2), ent(4, 2)] }, 4, 3, false],
    [{ term: 2, logTerm: 2, index: 2, commit: 4, entries: [ent(3, 2)] }, 3, 3, false],
    [{ term: 2, logTerm: 1, index: 1, commit: 4, entries: [ent(2, 2)] }, 2, 2, false],
    [{ term: 1, logTerm: 1, index: 1, commit: 3 }, 2, 1, false], // commit up to last new entry
    [{ term: 1, logTerm: 1, index: 1, commit: 3, entries: [ent(2, 2)] }, 2, 2, false],
    [{ term: 2, logTerm: 2, index: 2, commit: 3 }, 2, 2, false],
    [{ term: 2, logTerm: 2, index: 2, commit: 4 }, 2, 2, false], // commit up to lastIndex
  ];
  handleApp.forEach(([m, wIndex, wCommit, wReject], i) => {
    test(`handleAppendEntries case ${i}`, () => {
      const r = newTestRaft('1', 10, 1, storageWithTerms([1, 2], ['1']));
      r.becomeFollower(2, NONE);
      handleAppendEntries(r, msg({ type: MessageType.App, ...m }));
      assert.equal(r.raftLog.lastIndex(), wIndex);
      assert.equal(r.raftLog.committed, wCommit);
      const ms = readMessages(r);
      assert.equal(ms.length, 1);
      assert.equal(ms[0]!.reject, wReject);
    });
  });

  for (const [commit, want] of [
    [3, 3],
    [1, 2],
  ]) {
    test(`a heartbeat carries commit and never decreases it (heartbeat commit ${commit})`, () => {
      const r = newTestRaft('1', 5, 1, storageWithTerms([1, 2, 3], ['1', '2']));
      r.becomeFollower(2, '2');
      r.raftLog.commitTo(2);
      handleHeartbeat(
        r,
        msg({ type: MessageType.Heartbeat, from: '2', to: '1', term: 2, commit: commit! }),
      );
      assert.equal(r.raftLog.committed, want);
      const ms = readMessages(r);
      assert.equal(ms.length, 1);
      assert.equal(ms[0]!.type, MessageType.HeartbeatResp);
    });
  }

  test('the leader never tells a follower to commit past its match', () => {
    const s = new MemoryStorage();
    s.applySnapshot(snapshotAt(1000, 1, ids(3)));
    const r = newTestRaft('1', 10, 1, s);
    r.term = 1;
    r.becomeCandidate();
    r.becomeLeader();
    for (let i = 0; i < 10; i++) r.appendEntry([ent(0, 0)]);
    r.prs.progress.get('2')!.match = 5;
    r.prs.progress.get('2')!.next = 6;
    const p3 = r.prs.progress.get('3')!;
    p3.match = r.raftLog.lastIndex();
    p3.next = p3.match + 1;
    r.raftLog.commitTo(1008);
    r.step(msg({ type: MessageType.Beat }));
    const ms = readMessages(r).sort((a, b) => Number(a.to) - Number(b.to));
    assert.deepEqual(
      ms.map((m) => [m.to, m.type, m.commit, m.entries.length]),
      [
        ['2', MessageType.Heartbeat, 5, 0],
        ['3', MessageType.Heartbeat, 1008, 0],
      ],
    );
  });

  test('only the leader sends heartbeats on MsgBeat', () => {
    for (const [state, want] of [
      [StateType.Leader, 2],
      [StateType.Candidate, 0],
      [StateType.Follower, 0],
    ] as const) {
      const r = newTestRaft('1', 10, 1, storageWithTerms([0, 1], ids(3)));
      r.term = 1;
      r.state = state;
      r.step(msg({ type: MessageType.Beat, from: '1', to: '1' }));
      const hb = readMessages(r).filter((m) => m.type === MessageType.Heartbeat);
      assert.equal(hb.length, want, StateType[state]);
    }
  });

  test('a heartbeat response resends appends until the follower acks them', () => {
    const r = leaderOf(['1', '2'], storageWithTerms([1, 2, 3], ['1', '2']));
    r.raftLog.commitTo(r.raftLog.lastIndex());
    r.step(msg({ type: MessageType.HeartbeatResp, from: '2' }));
    let ms = readMessages(r);
    assert.equal(ms.length, 1);
    assert.equal(ms[0]!.type, MessageType.App);
    r.step(msg({ type: MessageType.HeartbeatResp, from: '2' }));
    ms = readMessages(r);
    assert.equal(ms.length, 1);
    assert.equal(ms[0]!.type, MessageType.App);
    r.step(
      msg({ type: MessageType.AppResp, from: '2', index: ms[0]!.index + ms[0]!.entries.length }),
    );
    readMessages(r);
    r.step(msg({ type: MessageType.HeartbeatResp, from: '2' }));
    assert.deepEqual(readMessages(r), []);
  });

  test('a follower waiting on a probe is not sent new entries', () => {
    const r = leaderOf(ids(3));
    r.bcastAppend();
    readMessages(r);
    r.step(msg({ type: MessageType.AppResp, from: '2', index: 1 }));
    assert.equal(r.raftLog.committed, 1);
    readMessages(r);
    r.step(msg({ type: MessageType.Prop, from: '1', entries: [ent(0, 0)] }));
    let ms = readMessages(r);
    assert.deepEqual(
      ms.map((m) => [m.to, m.type, m.entries.map((e) => e.index)]),
      [['2', MessageType.App, [2]]],
    );
    r.step(msg({ type: MessageType.AppResp, from: '3', index: 1 }));
    ms = readMessages(r);
    assert.deepEqual(
      ms.map((m) => [m.to, m.type, m.entries.map((e) => e.index)]),
      [['3', MessageType.App, [2]]],
    );
  });

  // [index, reject, wmatch, wnext, wmsgNum, windex, wcommitted]
  const appResp: Array<[number, boolean, number, number, number, number, number]> = [
    [3, true, 0, 3, 0, 0, 0], // stale rejection
    [2, true, 0, 2, 1, 1, 0], // rejection: back off and probe
    [2, false, 2, 4, 2, 2, 2], // accepted: commit and broadcast
    [0, false, 0, 3, 0, 0, 0], // heartbeat-like reply: ignored
  ];
  for (const [index, reject, wmatch, wnext, wnum, windex, wcommit] of appResp) {
    test(`leader handles an append response (index ${index}, reject ${reject})`, () => {
      const s = storageWith(ids(3));
      s.append([ent(1, 0), ent(2, 1)]);
      const r = newTestRaft('1', 10, 1, s);
      r.becomeCandidate();
      r.becomeLeader();
      readMessages(r);
      r.step(
        msg({
          type: MessageType.AppResp,
          from: '2',
          index,
          term: r.term,
          reject,
          rejectHint: index,
        }),
      );
      const p = r.prs.progress.get('2')!;
      assert.equal(p.match, wmatch);
      assert.equal(p.next, wnext);
      const ms = readMessages(r);
      assert.equal(ms.length, wnum);
      for (const m of ms) {
        assert.equal(m.index, windex);
        assert.equal(m.commit, wcommit);
      }
    });
  }

  for (const [state, next, wnext] of [
    [ProgressState.Replicate, 2, 6],
    [ProgressState.Probe, 2, 2],
  ] as const) {
    test(`the leader advances next optimistically only in replicate state (${ProgressState[state]})`, () => {
      const r = raftOf('1', ['1', '2']);
      r.raftLog.append([ent(1, 1), ent(2, 1), ent(3, 1)]);
      r.becomeCandidate();
      r.becomeLeader();
      const p = r.prs.progress.get('2')!;
      p.state = state;
      p.next = next;
      r.step(prop('1'));
      assert.equal(p.next, wnext);
    });
  }

  test('probe state sends one append per heartbeat round', () => {
    const r = leaderOf(['1', '2']);
    readMessages(r);
    r.prs.progress.get('2')!.becomeProbe();
    for (let i = 0; i < 3; i++) {
      if (i === 0) {
        r.appendEntry([ent(0, 0, 'somedata')]);
        r.sendAppend('2');
        const ms = readMessages(r);
        assert.equal(ms.length, 1);
        assert.equal(ms[0]!.index, 0);
      }
      assert.equal(r.prs.progress.get('2')!.probeSent, true);
      for (let j = 0; j < 10; j++) {
        r.appendEntry([ent(0, 0, 'somedata')]);
        r.sendAppend('2');
        assert.equal(readMessages(r).length, 0);
      }
      r.step(msg({ type: MessageType.Beat, from: '1', to: '1' }));
      const ms = readMessages(r);
      assert.equal(ms.length, 1);
      assert.equal(ms[0]!.type, MessageType.Heartbeat);
    }
    // A heartbeat response unpauses it: one more append.
    r.step(msg({ type: MessageType.HeartbeatResp, from: '2', to: '1' }));
    const ms = readMessages(r);
    assert.equal(ms.length, 1);
    assert.equal(ms[0]!.index, 0);
    assert.equal(r.prs.progress.get('2')!.probeSent, true);
  });

  test('replicate state pipelines appends without waiting', () => {
    const r = leaderOf(['1', '2']);
    readMessages(r);
    r.prs.progress.get('2')!.becomeReplicate();
    for (let i = 0; i < 10; i++) {
      r.appendEntry([ent(0, 0, 'somedata')]);
      r.sendAppend('2');
      assert.equal(readMessages(r).length, 1);
    }
  });

  test('the inflight window bounds appends in replicate state; acks reopen it', () => {
    const r = newTestRaft('1', 10, 1, storageWith(['1', '2']), { maxInflightMsgs: 3 });
    r.becomeCandidate();
    r.becomeLeader();
    readMessages(r);
    const p = r.prs.progress.get('2')!;
    p.becomeReplicate();
    for (let i = 0; i < 5; i++) {
      r.appendEntry([ent(0, 0, 'x')]);
      r.sendAppend('2');
    }
    const ms = readMessages(r);
    assert.equal(ms.length, 3);
    assert.equal(p.isPaused(), true);
    const acked = ms[0]!.entries[ms[0]!.entries.length - 1]!.index;
    r.step(msg({ type: MessageType.AppResp, from: '2', term: r.term, index: acked }));
    // One slot freed: the next append goes out, with everything pending.
    const more = readMessages(r).filter((m) => m.type === MessageType.App && m.entries.length);
    assert.equal(more.length, 1);
    assert.deepEqual(
      more[0]!.entries.map((e) => e.index),
      [5, 6],
    );
  });

  test('a full window frees one slot on a heartbeat response', () => {
    const r = newTestRaft('1', 10, 1, storageWith(['1', '2']), { maxInflightMsgs: 2 });
    r.becomeCandidate();
    r.becomeLeader();
    readMessages(r);
    const p = r.prs.progress.get('2')!;
    p.becomeReplicate();
    for (let i = 0; i < 3; i++) {
      r.appendEntry([ent(0, 0, 'x')]);
      r.sendAppend('2');
    }
    assert.equal(readMessages(r).length, 2);
    assert.equal(p.inflights.full(), true);
    r.step(msg({ type: MessageType.HeartbeatResp, from: '2', term: r.term }));
    // One slot freed and used again for the entry still unsent.
    assert.equal(readMessages(r).filter((m) => m.type === MessageType.App).length, 1);
    assert.equal(p.inflights.count, 2);
  });

  test('appends respect maxSizePerMsg', () => {
    const r = newTestRaft('1', 10, 1, storageWith(['1', '2']), { maxSizePerMsg: 10 });
    r.becomeCandidate();
    r.becomeLeader();
    readMessages(r);
    r.prs.progress.get('2')!.becomeReplicate();
    const es = Array.from({ length: 6 }, () => ent(0, 0, 'abcd'));
    r.step(msg({ type: MessageType.Prop, from: '1', entries: es }));
    while (r.maybeSendAppend('2', false)) {
      // drain the window
    }
    const ms = readMessages(r).filter((m) => m.type === MessageType.App);
    // 1 no-op + 6 * 4 bytes at 10 bytes per message.
    assert.ok(ms.length >= 3, `${ms.length} messages`);
    for (const m of ms) {
      const size = m.entries.reduce((n, e) => n + e.data.length, 0);
      assert.ok(size <= 10 || m.entries.length === 1);
    }
  });

  test('an unreachable follower in replicate state goes back to probe', () => {
    const r = leaderOf(['1', '2'], storageWithTerms([1, 1, 1], ['1', '2']));
    readMessages(r);
    const p = r.prs.progress.get('2')!;
    p.match = 3;
    p.becomeReplicate();
    p.optimisticUpdate(5);
    r.step(msg({ type: MessageType.Unreachable, from: '2', to: '1' }));
    assert.equal(p.state, ProgressState.Probe);
    assert.equal(p.next, p.match + 1);
  });

  test('fast back-off: a rejection hint skips a whole conflicting term', () => {
    // Leader log: terms 1..1 then 4 x term 2; follower: 1 then 7 x term 3 (longer).
    const leader = newTestRaft('1', 10, 1, storageWithTerms([1, 2, 2, 2, 2], ids(3)));
    leader.term = 5;
    leader.becomeCandidate();
    leader.becomeLeader();
    readMessages(leader);
    const f = newTestRaft('2', 10, 1, storageWithTerms([1, 3, 3, 3, 3, 3, 3, 3], ids(3)));
    f.becomeFollower(6, '1');
    const net = new RaftNet([leader, f, (id, v) => newTestRaft(id, 10, 1, storageWith(v))]);
    let probes = 0;
    net.msgHook = (m) => {
      if (m.type === MessageType.App && m.to === '2') probes++;
      return m.to !== '3';
    };
    net.send(prop('1', 'x'));
    net.send(msg({ type: MessageType.Beat, from: '1', to: '1' }));
    assert.deepEqual(logTerms(f), logTerms(leader));
    // Without hints this takes one probe per entry; with them only a few.
    assert.ok(probes <= 4, `${probes} appends`);
  });
});
